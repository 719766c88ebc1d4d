"""Charts of the money machine: the headline ramp, the scenario comparison and the tornado."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from ..currency import DEFAULT as DEFAULT_CURRENCY
from ..currency import currency, whole_units
from ..months import NUMBERED, MonthNames
from ..ramp import MonteCarlo, RampResult, Scenario
from ..text import count
from .theme import (
    BAD,
    GOOD,
    MONEY,
    MONEY_EXACT,
    MONTH_AXIS,
    NEUTRAL,
    PALETTE,
    PARTNER,
    VENDOR,
    described,
    in_currency,
    layered,
    month_axis,
    month_tooltip,
    present_scale,
    concat,
    vconcat,
    with_when,
)

__all__ = ["MONTH_AXIS", "payback_title", "ramp_chart", "ramp_chart_data", "scenario_chart", "tornado_chart"]


def payback_title(result: RampResult, names: MonthNames = NUMBERED) -> str:
    """The headline finding, e.g. "Pays back in month 17 — 5 months after the commitment ends"
    ("Pays back in May 2027 (month 17) — ..." when the months have dates)."""
    m = result.metrics
    be, commit = m.break_even_month, m.commitment_months
    touched = ""
    if m.falls_back and m.first_break_even_month is not None:
        first = m.first_break_even_month  # no brackets inside the brackets with a calendar month
        at = f"{names.short(first)}, month {first}" if names.known else f"month {first}"
        touched = f" (it touched zero in {at}, then fell back)"
    if be is None:
        if m.falls_back:
            assert m.first_break_even_month is not None
            return (
                f"Touches break-even in {names.long(m.first_break_even_month)} but ends below zero — no lasting payback "
                f"within {count(m.horizon_months, 'month')}"
            )
        return f"Does not pay back within {count(m.horizon_months, 'month')} — the commitment ends in {names.long(commit)}"
    if be < commit:
        return f"Pays back in {names.long(be)}{touched} — {count(commit - be, 'month')} before the commitment ends"
    if be == commit:
        return f"Pays back in {names.long(be)}{touched} — just as the commitment ends"
    return f"Pays back in {names.long(be)}{touched} — {count(be - commit, 'month')} after the commitment ends"


def _markers(result: RampResult, names: MonthNames = NUMBERED) -> pd.DataFrame:
    m = result.metrics
    rows = [{"month": m.commitment_months, "label": "Commitment ends", "kind": "commitment", "note": ""}]
    if m.break_even_month is not None:
        rows.append({"month": m.break_even_month, "label": "Break-even", "kind": "break-even", "note": "from here the cumulative net stays at or above 0"})
    if m.falls_back and m.first_break_even_month is not None:
        rows.append({"month": m.first_break_even_month, "label": "Touches 0", "kind": "first", "note": "the cumulative net reaches 0 here, then falls back below it"})
    for ev in result.events:
        rows.append(
            {"month": ev.month, "label": ev.kind.replace("_", " ").capitalize(), "kind": "event", "note": ev.note or ""}
        )
    df = pd.DataFrame(rows)
    df = df[df["month"] <= m.horizon_months].sort_values("month", kind="stable").reset_index(drop=True)
    df["label_y"] = 12 + 14 * (df.index % 4)  # stagger labels (pixels from the top) so neighbours don't overlap
    return with_when(df.assign(legend=df["kind"].map(lambda k: MARKER_KINDS[k][0])), names)


#: What each marker kind is called in the legend, and its colour.
MARKER_KINDS = {
    "break-even": ("Break-even", GOOD),
    "first": ("Touches 0, falls back", NEUTRAL),
    "commitment": ("Commitment ends", "#000000"),
    "event": ("Premature change", BAD),
}


def _marker_layer(markers: pd.DataFrame, names: MonthNames = NUMBERED) -> alt.LayerChart:
    kinds, colours = zip(*MARKER_KINDS.values())
    colour = alt.Color(
        "legend:N",
        # only the kinds drawn: no "Premature change" entry for a plan without one
        scale=present_scale(kinds, colours, markers["legend"]),
        legend=alt.Legend(title=None),
    )
    rules = (
        alt.Chart(markers)
        .mark_rule(strokeDash=[5, 3], size=2)
        .encode(
            x=alt.X("month:Q"),
            color=colour,
            tooltip=[alt.Tooltip("label:N", title="What"), month_tooltip(names), alt.Tooltip("note:N", title="Note")],
        )
    )
    labels = (
        alt.Chart(markers)
        .mark_text(align="left", dx=4, dy=-4, baseline="bottom", fontSize=11, angle=0)
        .encode(x=alt.X("month:Q"), y=alt.Y("label_y:Q", scale=None, axis=None), text=alt.Text("label:N"), color=colour)
    )
    return layered(rules, labels)


@dataclass(frozen=True)
class RampChartData:
    """What the headline chart shows of one run, apart from its layout: the table each layer
    draws and its words. Plain pandas, no Altair: a live chart redraws a what-if from this alone
    (building the Altair chart takes about a tenth of a second).

    tables : ``investment`` and ``revenue`` (month, series, amount), ``jcurve`` (month,
        cumulative_net, capability) and ``markers`` (month, label, kind, note, label_y, legend);
        with a band, ``band`` (month, p10, p50, p90 and, when its legend names it, band).
    title, subtitle : the chart's title (the payback finding) and subtitle.
    layout : what else the chart's look depends on — the months shown, the marker kinds its
        legend lists and the band's legend entry. Two runs with the same layout differ only in
        tables and words.
    band_words : what the shaded band is, in a sentence ("" without a band).
    """

    tables: dict[str, pd.DataFrame]
    title: str
    subtitle: str
    layout: tuple[object, ...]
    band_words: str = ""

    @property
    def description(self) -> str:
        """The finding in words: the chart's Vega-Lite ``description``, its alt text and caption."""
        return f"{self.title}. {self.subtitle}." + (f" {self.band_words}" if self.band_words else "")


#: What the report's band is, in the chart's words.
SIMULATED_BAND_WORDS = "The shaded band is the middle 80 % of the simulated outcomes."


def ramp_chart_data(
    result: RampResult,
    code: str = DEFAULT_CURRENCY,
    names: MonthNames = NUMBERED,
    band: pd.DataFrame | None = None,
    band_label: str | None = None,
) -> RampChartData:
    """The tables and words :func:`ramp_chart` draws for ``result``, amounts in currency ``code``,
    months worded by ``names`` (each table gets a ``when`` column when the months have dates).

    band : month, p10, p50, p90 of the cumulative net, shaded under the J-curve (``None``: none).
    band_label : the band's entry in the legend, saying what it is; ``None``: the report's band,
        without a legend entry (the panel's title names it).
    """
    df = result.monthly
    markers = _markers(result, names)
    money = currency(code)
    m = result.metrics
    tables = {
        "investment": with_when(pd.DataFrame({"month": df["month"], "series": "Investment", "amount": df["investment"]}), names),
        "revenue": with_when(pd.DataFrame({"month": df["month"], "series": "Vendor revenue", "amount": df["vendor_revenue"]}), names),
        "jcurve": with_when(df[["month", "cumulative_net", "capability"]], names),
        "markers": markers,
    }
    band_words = ""
    if band is not None:
        shaded = band[["month", "p10", "p50", "p90"]]
        tables["band"] = with_when(shaded if band_label is None else shaded.assign(band=band_label), names)
        band_words = SIMULATED_BAND_WORDS if band_label is None else f"The shaded band: {band_label}."
    return RampChartData(
        tables=tables,
        title=payback_title(result, names),
        subtitle=(
            f"Peak funding need {money(m.peak_funding_need)}; cumulative net at {names.long(m.horizon_months)}: "
            f"{money(m.cumulative_net_at_horizon)}"
        ),
        layout=(len(df), *sorted(set(markers["legend"])), *([] if band is None else [("band", band_label)])),
        band_words=band_words,
    )


def ramp_chart(
    result: RampResult,
    bands: MonteCarlo | pd.DataFrame | None = None,
    code: str = DEFAULT_CURRENCY,
    names: MonthNames = NUMBERED,
    band_label: str | None = None,
) -> alt.VConcatChart:
    """The headline: revenue ramp against the investment timeline, amounts in currency ``code``,
    months as calendar months on the axis and in the tooltips when ``names`` has a start.

    Top: monthly investment (bars) and vendor revenue (line). Bottom: the cumulative-net
    J-curve with the P10–P90 band (the Monte Carlo's, or a table of month, p10, p50, p90 such as
    :func:`workbook.ramp.what_if_band`'s; ``band_label`` gives it a legend entry), the
    break-even month, the end of the commitment and each premature-change event (its note in the
    tooltip). The tables and words come from :func:`ramp_chart_data`.
    """
    band = bands.bands if isinstance(bands, MonteCarlo) else bands
    data = ramp_chart_data(result, code, names, band, band_label)
    tables = data.tables
    months = len(tables["jcurve"])
    when = month_tooltip(names)
    x = alt.X("month:Q", axis=month_axis(names, months), scale=alt.Scale(domain=[0.5, months + 0.5], nice=False))
    series_colour = alt.Color(
        "series:N", scale=alt.Scale(domain=["Investment", "Vendor revenue"], range=[PARTNER, VENDOR]), legend=alt.Legend(title=None)
    )
    bars = (
        alt.Chart(tables["investment"])
        .mark_bar(opacity=0.8, size=max(2.0, 380 / months))
        .encode(x=x, y=alt.Y("amount:Q", title=f"Per month ({code})", axis=alt.Axis(format=MONEY)), color=series_colour,
                tooltip=[when, alt.Tooltip("series:N"), alt.Tooltip("amount:Q", format=MONEY_EXACT)])
    )
    line = (
        alt.Chart(tables["revenue"])
        .mark_line(strokeWidth=3, point=False)
        .encode(x=x, y=alt.Y("amount:Q"), color=series_colour,
                tooltip=[when, alt.Tooltip("series:N"), alt.Tooltip("amount:Q", format=MONEY_EXACT)])
    )
    top = layered(bars, line, height=200, title=alt.TitleParams("Monthly investment and vendor revenue", fontSize=12))

    layers: list[alt.Chart | alt.LayerChart] = []
    if "band" in tables:
        tips = [when, alt.Tooltip("p10:Q", title="P10", format=MONEY_EXACT),
                alt.Tooltip("p50:Q", title="P50", format=MONEY_EXACT), alt.Tooltip("p90:Q", title="P90", format=MONEY_EXACT)]
        area = alt.Chart(tables["band"])
        if band_label is None:
            layers.append(area.mark_area(opacity=0.25, color=VENDOR).encode(x=x, y=alt.Y("p10:Q"), y2=alt.Y2("p90:Q"), tooltip=tips))
        else:  # a legend entry of its own (fill), beside the markers' (colour)
            fill = alt.Fill("band:N", scale=alt.Scale(domain=[band_label], range=[VENDOR]),
                            legend=alt.Legend(title=None, symbolType="square", symbolOpacity=0.35, labelLimit=400))
            layers.append(area.mark_area(opacity=0.25).encode(x=x, y=alt.Y("p10:Q"), y2=alt.Y2("p90:Q"), fill=fill, tooltip=tips))
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=NEUTRAL).encode(y=alt.Y("y:Q"))
    jcurve = (
        alt.Chart(tables["jcurve"])
        .mark_line(strokeWidth=3, color="#000000")
        .encode(
            x=x,
            y=alt.Y("cumulative_net:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY)),
            tooltip=[when, alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT),
                     alt.Tooltip("capability:Q", title="Capability", format=".0%")],
        )
    )
    bottom = layered(
        *layers,
        zero,
        jcurve,
        _marker_layer(tables["markers"], names),
        height=260,
        title=alt.TitleParams(
            # a band without a legend entry (the report's) is named here
            "Cumulative net: the J-curve" + (" (band: P10–P90 of the simulation)" if band is not None and band_label is None else ""), fontSize=12
        ),
    )
    chart = vconcat(top, bottom, resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent")), title=alt.TitleParams(data.title, subtitle=data.subtitle))
    return described(in_currency(chart, code), data.description)


PLAN_LINE = "The plan"
ALTERNATIVE_LINE = "The alternative named above the panel"


def _scenario_line(s: Scenario, code: str, names: MonthNames = NUMBERED) -> str:
    m = s.result.metrics
    money = currency(code)
    be = f"breaks even in {names.long(m.break_even_month)}" if m.break_even_month is not None else "does not break even"
    return f"{s.name} {be}, ends at {money(m.cumulative_net_at_horizon)} and has a long-run NPV of {money(m.long_run_npv)}"


def scenario_title(items: list[Scenario], code: str = DEFAULT_CURRENCY) -> str:
    """What the scenarios show against the plan (``items[0]``), on a figure their table shows:
    the long-run NPV (the NPV with the value beyond the horizon, :attr:`RampMetrics.long_run_npv`),
    compared in whole units of the currency ``code`` as the table prints them.

    The alternative furthest behind the plan is named, and the one furthest ahead when any is
    ahead; when none is behind, the title says so and never calls the plan the best. Ties (equal
    to the unit) read "level with the plan".
    """
    money = currency(code)
    plan, others = items[0], items[1:]
    on = "in long-run NPV"

    def versus(s: Scenario) -> int:  # whole units above (+) or below (−) the plan, as the table rounds
        return whole_units(s.result.metrics.long_run_npv) - whole_units(plan.result.metrics.long_run_npv)

    if not others:
        return "The plan alone: no alternative to compare"
    worst, best = min(others, key=versus), max(others, key=versus)
    behind = f"'{worst.name}' is {money(-versus(worst))} behind the plan {on}"
    ahead = f"'{best.name}' is {money(versus(best))} ahead of it" if versus(best) > 0 else ""
    if versus(worst) < 0:
        return behind + (f"; {ahead}" if ahead else "")
    if versus(best) == 0:
        return f"Every alternative shown is level with the plan {on}"
    level = "ahead of or level with" if versus(worst) == 0 else "ahead of"
    return f"Every alternative shown is {level} the plan {on}: {ahead.replace(' of it', ' of the plan')}"


def _padded(lo: float, hi: float, share: float = 0.05) -> list[float]:
    pad = (hi - lo) * share or 1.0
    return [lo - pad, hi + pad]


def scenario_chart(items: list[Scenario], code: str = DEFAULT_CURRENCY, names: MonthNames = NUMBERED) -> alt.ConcatChart:
    """The cumulative net of the plan (``items[0]``) and of each alternative against it, one
    small panel each, amounts in currency ``code``; titled with what they show against the plan
    (:func:`scenario_title`).

    Every panel has its own vertical scale, fitted to its scenario and the plan, so a route that
    dwarfs the others (an acquisition costing millions) does not flatten them to a line at zero.
    Each panel's title gives its break-even month and end value in words, which stay comparable
    across panels whatever the scales.
    """
    plan = items[0]
    money = currency(code)
    title = scenario_title(items, code)
    horizon = int(plan.result.monthly["month"].max())
    x = alt.X("month:Q", axis=month_axis(names, horizon, labels=4), scale=alt.Scale(domain=[1, horizon], nice=False))
    line_kinds = [PLAN_LINE, ALTERNATIVE_LINE]
    lines = alt.Color(
        "line:N",
        scale=alt.Scale(domain=line_kinds, range=[NEUTRAL, BAD]),
        legend=alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=3, labelLimit=400),
    )
    dashes = alt.StrokeDash("line:N", scale=alt.Scale(domain=line_kinds, range=[[1, 0], [6, 3]]), legend=None)
    panels = []
    for s in items:
        # the plan has a panel of its own; each alternative's panel repeats it for reference
        shown = [(plan, PLAN_LINE)] + ([(s, ALTERNATIVE_LINE)] if s is not plan else [])
        data = with_when(
            pd.concat(
                [item.result.monthly[["month", "cumulative_net"]].assign(scenario=item.name, line=kind) for item, kind in shown],
                ignore_index=True,
            ),
            names,
        )
        values = pd.concat([data["cumulative_net"], pd.Series([0.0])])
        y_scale = alt.Scale(domain=_padded(float(values.min()), float(values.max())), nice=False, zero=False)
        y = alt.Y("cumulative_net:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY, tickCount=4), scale=y_scale)
        zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#000000", strokeWidth=0.5).encode(y=alt.Y("y:Q", scale=y_scale))
        drawn = (
            alt.Chart(data)
            .mark_line(strokeWidth=2.5)
            .encode(
                x=x,
                y=y,
                color=lines,
                strokeDash=dashes,
                tooltip=[alt.Tooltip("scenario:N", title="Scenario"), month_tooltip(names),
                         alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT)],
            )
        )
        m = s.result.metrics
        be = f"break-even {names.short(m.break_even_month)}" if m.break_even_month is not None else "no break-even"
        panels.append(
            layered(
                zero,
                drawn,
                width=280, height=150, title=alt.TitleParams(s.name, subtitle=f"{be}; ends at {money(m.cumulative_net_at_horizon)}", fontSize=13)
            )
        )
    chart = concat(
        *panels,
        columns=2,
        spacing=28,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        title=alt.TitleParams(title, subtitle="The plan (grey), then each alternative against it; every panel has its own scale"),
    )
    words = f"{title}. " + "; ".join(_scenario_line(s, code, names) for s in items) + "."
    return described(in_currency(chart, code), words)


def tornado_chart(sens: pd.DataFrame, swing: float = 0.20, code: str = DEFAULT_CURRENCY) -> alt.LayerChart:
    """One-at-a-time sensitivity of the cumulative net at the horizon (±``swing`` per input;
    amounts in currency ``code``)."""
    rows = []
    for r in sens.itertuples():
        rows.append({"label": r.label, "case": f"-{swing:.0%}", "value": r.low, "base": r.base, "input_value": r.low_value})
        rows.append({"label": r.label, "case": f"+{swing:.0%}", "value": r.high, "base": r.base, "input_value": r.high_value})
    data = pd.DataFrame(rows)
    order = list(sens["label"])
    top = sens.iloc[0]
    title = f"{top['label']} moves the outcome most: {currency(code)(top['swing'])} between -{swing:.0%} and +{swing:.0%}"
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=order, title=None),
            x=alt.X("value:Q", title=f"Cumulative net at the horizon ({code})", axis=alt.Axis(format=MONEY), scale=alt.Scale(zero=False)),
            x2=alt.X2("base:Q"),
            color=alt.Color("case:N", scale=alt.Scale(domain=[f"-{swing:.0%}", f"+{swing:.0%}"], range=[PALETTE["vermillion"], PALETTE["blue"]]),
                            legend=alt.Legend(title="Input changed by")),
            tooltip=[alt.Tooltip("label:N", title="Input"), alt.Tooltip("case:N", title="Change"),
                     alt.Tooltip("input_value:Q", title="Input value", format=",.3~f"), alt.Tooltip("value:Q", title="Cumulative net", format=MONEY_EXACT)],
        )
    )
    base = alt.Chart(sens.head(1)).mark_rule(color="#000000").encode(x=alt.X("base:Q"))
    chart = layered(bars, base, title=alt.TitleParams(title, subtitle="Each bar: one input moved alone; the line is the plan"), height=28 * len(order))
    base_value = currency(code)(float(top["base"]))
    words = f"{title}. The plan ends at {base_value}; each bar moves one input by {swing:.0%} either way."
    return described(in_currency(chart, code), words)
