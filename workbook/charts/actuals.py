"""The plan against actual: the cumulative net as it happened, over the plan and its band, with
the re-forecast as a dashed continuation."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..actuals import ActualsResult, break_even_words, fit_sentence
from ..currency import DEFAULT as DEFAULT_CURRENCY
from ..currency import currency
from ..ramp import MonteCarlo, RampResult
from .ramp import MONTH_AXIS
from .theme import BAD, MONEY, MONEY_EXACT, NEUTRAL, VENDOR, described, in_currency, layered

PLAN = "Plan"
ACTUAL = "Actual"
REFORECAST = "Re-forecast"
SERIES = [PLAN, ACTUAL, REFORECAST]


def actuals_title(tracked: ActualsResult) -> str:
    """The finding, e.g. "Behind plan through month 12: re-forecast break-even month 18 (plan:
    month 8)", or "...: the alliance has already broken even, in month 6 (plan: month 5)"."""
    plan_be = tracked.plan_break_even_month
    forecast = break_even_words(tracked)
    versus = f" (plan: month {plan_be})" if plan_be is not None else " (the plan does not break even)"
    words = tracked.words
    return f"{words[:1].upper()}{words[1:]} through month {tracked.through_month}: {forecast}{versus}"


def actuals_table(plan: RampResult, tracked: ActualsResult) -> pd.DataFrame:
    """The long table the chart draws: month, series (plan, actual, re-forecast), cumulative_net.
    The re-forecast starts at the last actual month, so it continues the actual line."""
    m = tracked.through_month
    p = plan.monthly
    f = tracked.reforecast
    ahead = f[f["month"] >= m]
    return pd.concat(
        [
            pd.DataFrame({"month": p["month"], "series": PLAN, "cumulative_net": p["cumulative_net"]}),
            pd.DataFrame({"month": tracked.monthly["month"], "series": ACTUAL, "cumulative_net": tracked.monthly["cumulative_net"]}),
            pd.DataFrame({"month": ahead["month"], "series": REFORECAST, "cumulative_net": ahead["cumulative_net"]}),
        ],
        ignore_index=True,
    )


def actuals_chart(
    plan: RampResult, tracked: ActualsResult, bands: MonteCarlo | None = None, code: str = DEFAULT_CURRENCY
) -> alt.LayerChart:
    """The cumulative net: the plan (grey), its P10–P90 band when ``bands`` is given (pass it
    only when the file has uncertainty ranges), the actual months (solid, with points) and the
    re-forecast from the last actual month to the horizon (dashed); amounts in currency ``code``."""
    data = actuals_table(plan, tracked)
    months = int(plan.monthly["month"].max())
    x = alt.X("month:Q", axis=MONTH_AXIS, scale=alt.Scale(domain=[1, months], nice=False))
    y = alt.Y("cumulative_net:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY))
    colour = alt.Color("series:N", scale=alt.Scale(domain=SERIES, range=[NEUTRAL, "#000000", BAD]), legend=alt.Legend(title=None))
    dash = alt.StrokeDash("series:N", scale=alt.Scale(domain=SERIES, range=[[1, 0], [1, 0], [6, 4]]), legend=None)
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("month:Q", title="Month"),
        alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT),
    ]
    layers: list[alt.Chart | alt.LayerChart] = []
    if bands is not None:
        layers.append(
            alt.Chart(bands.bands)
            .mark_area(opacity=0.2, color=VENDOR)
            .encode(
                x=x,
                y=alt.Y("p10:Q"),
                y2=alt.Y2("p90:Q"),
                tooltip=[alt.Tooltip("month:Q", title="Month"), alt.Tooltip("p10:Q", title="P10", format=MONEY_EXACT),
                         alt.Tooltip("p90:Q", title="P90", format=MONEY_EXACT)],
            )
        )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=NEUTRAL).encode(y=alt.Y("y:Q"))
    lines = alt.Chart(data).mark_line(strokeWidth=2.5).encode(x=x, y=y, color=colour, strokeDash=dash, tooltip=tooltip)
    points = (
        alt.Chart(data[data["series"] == ACTUAL])
        .mark_point(filled=True, size=36)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    now = (
        alt.Chart(pd.DataFrame({"month": [tracked.through_month], "label": [f"Actuals to month {tracked.through_month}"]}))
        .mark_rule(strokeDash=[2, 2], color="#000000")
        .encode(x=alt.X("month:Q"), tooltip=[alt.Tooltip("label:N", title="What")])
    )
    money = currency(code)
    subtitle = (
        f"Actual cumulative net {money(tracked.actual_cumulative_net)} against the plan's {money(tracked.plan_cumulative_net)}; "
        f"re-forecast at month {months}: {money(tracked.reforecast_cumulative_net_at_horizon)}"
    )
    title = actuals_title(tracked)
    chart = layered(
        *layers,
        zero,
        lines,
        points,
        now,
        height=280,
        title=alt.TitleParams(title, subtitle=subtitle + (" (band: P10–P90 of the simulation)" if bands is not None else "")),
    )
    words = (
        f"{title}. {subtitle}. {fit_sentence(tracked)}; the dashed line continues the actuals from month "
        f"{tracked.through_month} that way."
    )
    return described(in_currency(chart, code), words)
