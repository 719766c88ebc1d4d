"""The money machine's J-curve with what happens if the resources stop when the commitment ends."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..months import NUMBERED, MonthNames
from .theme import MONEY, MONEY_EXACT, NEUTRAL, month_axis, month_tooltip, with_when

STOP_LABEL = "If the resources stop when the commitment ends"


def with_stop_line(chart: alt.VConcatChart, stopped: pd.DataFrame, code: str, names: MonthNames = NUMBERED) -> alt.VConcatChart:
    """``ramp_chart``'s J-curve with a dashed line for the plan cut at the commitment
    (``stopped``: the monthly table of that run, with ``month`` and ``cumulative_net``); months
    worded by ``names``, as the chart's own."""
    df = with_when(stopped[["month", "cumulative_net"]].assign(series=STOP_LABEL), names)
    x = alt.X("month:Q", axis=month_axis(names, len(df)), scale=alt.Scale(domain=[0.5, len(df) + 0.5], nice=False))
    line = (
        alt.Chart(df)
        .mark_line(strokeWidth=2, color=NEUTRAL)
        .encode(
            x=x,
            y=alt.Y("cumulative_net:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY)),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=[STOP_LABEL], range=[[6, 4]]),
                legend=alt.Legend(title=None, labelLimit=400, symbolType="stroke", symbolStrokeColor=NEUTRAL, symbolSize=400, symbolStrokeWidth=2),
            ),
            tooltip=[alt.Tooltip("series:N", title="What"), month_tooltip(names),
                     alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT)],
        )
    )
    bottom = chart.vconcat[1]
    bottom.layer = [*bottom.layer[:-2], line, *bottom.layer[-2:]]  # under the plan's line and the markers
    return chart
