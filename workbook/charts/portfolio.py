"""Charts of the portfolio: every alliance's payback against its committed resources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

import altair as alt
import pandas as pd

from ..months import MonthNames
from ..text import count
from .theme import BAD, GOOD, layered


class Summary(Protocol):
    """What the chart reads of an alliance's summary (:class:`workbook.summary.Summary`, which
    the charts do not import: the summary sits above the charts)."""

    @property
    def alliance(self) -> str: ...
    @property
    def break_even_month(self) -> int | None: ...
    @property
    def commitment_months(self) -> int: ...
    @property
    def start_date(self) -> dt.date | None: ...
    @property
    def late(self) -> bool: ...

LATE = "after the commitment ends"
IN_TIME = "within the commitment"


def break_even_chart(rows: Sequence[Summary]) -> alt.LayerChart:
    """Break-even month of each alliance (a row of ``summary --json``) against the end of its
    committed resources (a black tick). The axis counts each alliance's own months; a row with
    a ``start`` names its break-even's calendar month in the tooltip."""
    def names(r: Summary) -> MonthNames:
        return MonthNames(r.start_date)

    dated = any(r.start_date is not None for r in rows)
    df = pd.DataFrame(
        [
            {
                "alliance": r.alliance,
                "break_even": r.break_even_month,
                "commitment": r.commitment_months,
                **({"when": names(r)(r.break_even_month, "not within the horizon")} if dated else {}),
                "status": LATE if r.late else IN_TIME,
            }
            for r in rows
        ]
    )
    late = int((df["status"] == LATE).sum())
    title = (
        (f"{late} of {count(len(df), 'alliance')} break" if len(df) > 1 else "The alliance breaks")
        + " even only after its resources' commitment ends"
        if late
        else ("Every alliance breaks even within its commitment" if len(df) > 1 else "The alliance breaks even within its commitment")
    )
    y = alt.Y("alliance:N", title=None, sort=None)
    bars = (
        alt.Chart(df)
        .mark_bar(height=18)
        .encode(
            y=y,
            x=alt.X("break_even:Q", title="Break-even month (none within the horizon: no bar)"),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=[IN_TIME, LATE], range=[GOOD, BAD]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("alliance:N", title="Alliance"),
                alt.Tooltip("when:N", title="Break-even") if dated else alt.Tooltip("break_even:Q", title="Break-even month"),
                alt.Tooltip("commitment:Q", title="Commitment (months)"),
            ],
        )
    )
    ticks = alt.Chart(df).mark_tick(color="#000000", thickness=3, size=26).encode(y=y, x=alt.X("commitment:Q"))
    chart = layered(
        bars,
        ticks,
        title=alt.TitleParams(title, subtitle="Black tick: end of the committed resources"),
        description=title + ".",
        width=560,
        height=alt.Step(34),
    )
    return chart
