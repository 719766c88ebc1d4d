"""Charts of a programme of alliances: the combined J-curve with its band, and the committed spend
by year against the budget's cap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from ..currency import currency
from ..text import count
from .theme import BAD, MONEY, MONEY_EXACT, NEUTRAL, described, in_currency, layered

BAND_LABEL = "P10–P90 of the simulated programme"
PEAK_LABEL = "Peak funding need"


def _month(label: str) -> str:
    """``2026-03`` -> the first day of that month, as Vega-Lite reads a date."""
    return f"{label}-01"


def _words(month: str | None) -> str:
    if month is None:
        return "never"
    import datetime as dt

    return dt.date.fromisoformat(_month(month)).strftime("%b %Y")


@dataclass(frozen=True)
class ProgrammeChartData:
    """What :func:`programme_chart` draws from ``p``: its tables by name (``curve``: the
    cumulative net by month; ``band``: P10 and P90 by month, or ``None``; ``peak``: the deepest
    point, or ``None``), its words, and its layout (which layers it has). A live chart shows the
    next programme by swapping in the new tables and words when the layout is the same."""

    tables: dict[str, pd.DataFrame]
    title: str
    subtitle: str
    description: str
    layout: tuple[bool, bool]


def programme_chart_data(p: Mapping[str, Any]) -> ProgrammeChartData:
    """The tables and words of :func:`programme_chart` for ``p`` (``workbook programme --json``)."""
    code = p["currency"]
    money = currency(code)
    tables: dict[str, pd.DataFrame] = {
        "curve": pd.DataFrame([{"date": _month(m["month"]), "cumulative_net": m["cumulative_net"]} for m in p["monthly"]], columns=["date", "cumulative_net"]),
    }
    band = p.get("band")
    if band:
        tables["band"] = pd.DataFrame([{"date": _month(m["month"]), "p10": m["p10"], "p90": m["p90"], "what": BAND_LABEL} for m in band["monthly"]])
    if p.get("peak_funding_month"):
        # its own column keeps it a table of its own, even on a one-month calendar
        tables["peak"] = pd.DataFrame([{"date": _month(p["peak_funding_month"]), "cumulative_net": -p["peak_funding_need"], "what": PEAK_LABEL}])
    need = money(p["peak_funding_need"])
    pays = p["break_even_month"]
    title = (
        f"The programme needs {need} at most ({_words(p['peak_funding_month'])}) and pays back for good from {_words(pays)}"
        if pays
        else f"The programme needs {need} at most and has not paid back by {_words(p['last_month'])}"
    )
    subtitle = (
        f"{count(len(p['alliances']), 'alliance')} on one calendar, in {code}"
        + (f"; shaded: {BAND_LABEL} ({band['runs']} runs, alliances independent)" if band else "; no alliance gives uncertainty ranges")
    )
    words = title + "." + (
        f" At {_words(p['last_month'])} the cumulative net is {money(p['cumulative_net_at_end'])}"
        + (f" (P10 {money(band['p10_at_end'])}, P90 {money(band['p90_at_end'])})." if band else ".")
    )
    return ProgrammeChartData(tables, title, subtitle, words, ("band" in tables, "peak" in tables))


def programme_chart(p: Mapping[str, Any], data: ProgrammeChartData | None = None) -> alt.LayerChart:
    """The programme's cumulative net by calendar month (``p``: ``workbook programme --json``),
    with the Monte Carlo band under it when the programme has one, and the peak funding need
    marked; the title states when it pays back and how deep the hole gets. ``data``: its
    :func:`programme_chart_data`, when already made."""
    code = p["currency"]
    d = programme_chart_data(p) if data is None else data
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    y = alt.Y("cumulative_net:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY))
    layers: list[alt.Chart] = []
    if "band" in d.tables:
        layers.append(
            alt.Chart(d.tables["band"]).mark_area(opacity=0.25, color="#4C78A8").encode(
                x=x, y=alt.Y("p10:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY)), y2="p90:Q",
                fill=alt.Fill("what:N", scale=alt.Scale(domain=[BAND_LABEL], range=["#4C78A8"]), legend=alt.Legend(title=None, labelLimit=400)),
                tooltip=[alt.Tooltip("date:T", title="Month", format="%b %Y"), alt.Tooltip("p10:Q", title="P10", format=MONEY_EXACT),
                         alt.Tooltip("p90:Q", title="P90", format=MONEY_EXACT)],
            )
        )
    layers.append(alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=NEUTRAL, strokeDash=[3, 3]).encode(y="zero:Q"))
    layers.append(
        alt.Chart(d.tables["curve"]).mark_line(strokeWidth=2.5, color="#1f2328").encode(
            x=x, y=y, tooltip=[alt.Tooltip("date:T", title="Month", format="%b %Y"), alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT)]
        )
    )
    if "peak" in d.tables:
        layers.append(
            alt.Chart(d.tables["peak"]).mark_point(color=BAD, size=80, filled=True).encode(
                x=x, y=y, tooltip=[alt.Tooltip("what:N", title=" "), alt.Tooltip("date:T", title="Month", format="%b %Y"),
                                   alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT)]
            )
        )
    chart = layered(*layers, title=alt.Title(d.title, subtitle=d.subtitle), width=640, height=300)
    return in_currency(described(chart, d.description), code)


def spend_chart(p: Mapping[str, Any]) -> alt.LayerChart:
    """Committed spend by calendar year, against the budget's yearly cap when there is one."""
    code = p["currency"]
    money = currency(code)
    cap = p.get("yearly_cap")
    over = set(p.get("years_over_cap", []))
    df = pd.DataFrame([{"year": y, "spend": v, "status": "over the yearly cap" if y in over else "within"} for y, v in p["spend_by_year"].items()])
    bars = alt.Chart(df).mark_bar().encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("spend:Q", title=f"Committed spend ({code})", axis=alt.Axis(format=MONEY)),
        color=alt.Color("status:N", scale=alt.Scale(domain=["within", "over the yearly cap"], range=["#4C78A8", BAD]), legend=alt.Legend(title=None)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("spend:Q", title="Committed", format=MONEY_EXACT)],
    )
    layers: list[alt.Chart] = [bars]
    if cap is not None:
        layers.append(alt.Chart(pd.DataFrame({"cap": [cap]})).mark_rule(color=BAD, strokeDash=[6, 4], size=2).encode(y="cap:Q"))
    title = (
        f"Committed spend goes over the yearly cap of {money(cap)} in {', '.join(sorted(over))}" if over
        else (f"Committed spend stays within the yearly cap of {money(cap)}" if cap is not None else "Committed spend by year (no yearly cap)")
    )
    chart = layered(*layers, title=title, width=420, height=220)
    return in_currency(described(chart, title + "."), code)


__all__ = ["BAND_LABEL", "PEAK_LABEL", "ProgrammeChartData", "programme_chart", "programme_chart_data", "spend_chart"]
