"""Displayable pieces of the alliance report, shared by the report notebook and the apps.

Every piece of text that comes from a params file is escaped here, once, before it becomes
HTML. Charts are returned as Altair charts; the renderer is chosen by the caller
(:func:`use_charts`: inline SVG, or drawn by the reader's browser from the page's own bundle;
offline either way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import pandas as pd

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import currency, money, whole_units
from .flags import LIGHTS, Flag, by_severity
from .months import NUMBERED, MonthNames
from .ramp import PartnerResult, RampMetrics, RampResult, payback_sentence, stopped_at_commitment
from .schema import Params
from .text import NO_RANGES, chance, count
from .text import date as text_date

if TYPE_CHECKING:
    import altair as alt

    from .actuals import ActualsResult
    from .ramp import MonteCarlo, RampAnalysis
    from .scoping import ScopingResult
    from .signals import HealthResult
    from .trust import TrustResult
    from .value import ValueResult

#: One piece of an area's picture: a chart, or a piece of escaped HTML.
Block: TypeAlias = "alt.TopLevelMixin | str"


class Section(Protocol):
    """What :func:`area_sections` reads of one section of the report
    (:class:`workbook.areas.Section`): a heading of ``level`` 2 (an area) or 3 (one of its
    parts), its introduction (plain text) and its picture."""

    @property
    def key(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def intro(self) -> str: ...
    @property
    def blocks(self) -> list[Block]: ...
    @property
    def level(self) -> int: ...


class Assessment(Protocol):
    """What the renderers read of an alliance's assessment: :class:`workbook.areas.Assessment`
    is one (the registry calls the renderers; this module never imports it back)."""

    @property
    def params(self) -> Params: ...
    @property
    def flags(self) -> list[Flag]: ...
    @property
    def ramp(self) -> RampAnalysis: ...
    @property
    def actuals(self) -> ActualsResult | None: ...
    @property
    def scoping(self) -> ScopingResult | None: ...
    @property
    def trust(self) -> TrustResult | None: ...
    @property
    def value(self) -> ValueResult | None: ...
    @property
    def health(self) -> HealthResult | None: ...
    @property
    def figures(self) -> dict[str, Any]: ...
    def label(self, key: str) -> str: ...
    def view(self, key: str) -> list[Block]: ...
    def sections(self) -> Sequence[Section]: ...
    def area_flags(self, key: str) -> list[Flag]: ...
    def area_status(self) -> dict[str, str]: ...
    def top_actions(self, n: int = 3) -> list[Flag]: ...


#: How the report's figures carry their charts (:func:`use_charts`).
CHART_MODES = ("static", "page")
_chart_mode = "static"


def use_static_charts() -> None:
    """Render Altair charts as inline SVG (vl-convert): no JavaScript, nothing from a CDN.

    Altair's debug mode checks every object against the Vega-Lite schema as it is built; it is
    turned off here, where reports are made in bulk. Charts are not checked on their way to SVG
    either (:func:`~workbook.charts.render.spec_of`): the tests check every chart, whole."""
    use_charts("static")


def use_charts(mode: str) -> None:
    """How :func:`render` draws the report's charts: ``"static"``, as inline SVG images drawn here
    (a notebook in JupyterLab, the PDF); ``"page"``, as figures the reader's browser draws from
    their spec with the Vega bundle the page carries (:func:`~workbook.charts.render.page_figure_html`:
    the batch's HTML reports, which then cost their kernel no chart drawing). Either way nothing
    comes from a CDN."""
    global _chart_mode
    if mode not in CHART_MODES:
        raise ValueError(f"charts must be one of {', '.join(map(repr, CHART_MODES))}, not {mode!r}")
    import altair as alt

    alt.renderers.enable("svg")
    alt.utils.schemapi.disable_debug_mode()
    _chart_mode = mode


class HTML:
    """Minimal rich-display object (``_repr_html_``) so this module needs no IPython import."""

    def __init__(self, html: str):
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def month(value: int | None, none: str = "not within the horizon", names: MonthNames = NUMBERED) -> str:
    """Month ``value`` in words ("Apr 2027 (month 16)" with a start, else "month 16"), or ``none``."""
    return names(value, none)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but letters, digits and spaces written as
    a hex escape, so no quote, backslash or ``</style>`` in a name can end the string or the style."""
    return '"' + "".join(ch if ch.isalnum() and ch.isascii() or ch == " " else f"\\{ord(ch):x} " for ch in text) + '"'


def print_footer(name: str, made: dt.date) -> str:
    """The printed report's footer (PDF and a browser's Print): the alliance's name and the date
    the report was made, at the foot of every page (the page number is in ``print.css``)."""
    label = f"{name} · {text_date(made)}"
    return (
        "<style>@media print { @page { @bottom-left { content: "
        f"{css_string(label)}; font: 8pt sans-serif; color: #666; }} }} }}</style>"
    )


def header(params: Params, made: dt.date | None = None) -> HTML:
    """The report's title block; ``made`` (default today) dates the printed pages' footer."""
    a, names = params.alliance, params.months
    span = f" ({names.short(1)} to {names.short(params.ramp.horizon_months)})" if names.known else ""
    return HTML(
        print_footer(a.name, made or dt.date.today())
        + '<div class="wb-header">'
        f"<h1>{escape(a.name)}</h1>"
        f"<p>{escape(a.vendor)} and {escape(a.partner)} &middot; {escape(a.type)} alliance &middot; "
        f"{params.ramp.horizon_months}-month horizon{span}, resources committed for {params.ramp.commitment_months} months</p>"
        "</div>"
    )


def long_run_label(m: RampMetrics) -> str:
    """What the long-run NPV counts, for a heading: "Long-run NPV (continued 24 months past the horizon)"."""
    return f"Long-run NPV (continued {m.tail_months} months past the horizon)"


def ramp_metrics_table(
    m: RampMetrics, simulation: MonteCarlo | None = None, events: Any = (), code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED
) -> HTML:
    """The headline figures (amounts in the currency ``code``, months worded by ``months``), and
    the premature changes the plan includes (their notes shown, since a static report has no
    tooltips).

    With ``simulation``, a row gives the chance of breaking even within the commitment — or
    says "no ranges given" when the plan has no uncertainty ranges (no share is shown then)."""
    money = currency(code)
    rows: list[tuple[str, str]] = [
        ("First revenue", months(m.first_revenue_month)),
        ("Break-even (the net stays at or above 0 from then)", months(m.break_even_month)),
    ]
    if m.falls_back:
        rows.append(("First touches break-even (then falls back)", months(m.first_break_even_month)))
    rows += [
        ("Commitment ends", months(m.commitment_months)),
        ("Peak funding need", money(m.peak_funding_need)),
        (f"Cumulative net at {months.long(m.horizon_months)}", money(m.cumulative_net_at_horizon)),
        (f"NPV (months 1–{m.horizon_months})", money(m.npv)),
    ]
    if m.tail_months:
        rows.append((long_run_label(m), money(m.long_run_npv)))
    if m.plan_gap is not None:
        word = "short of" if m.plan_gap > 0 else "ahead of"
        rows.append((f"Business plan at {months(m.plan_gap_month, 'the last target')}", f"{money(abs(m.plan_gap))} {word} the target"))
    if simulation is not None:
        rows.append(("Chance of breaking even within the commitment", chance(simulation.p_break_even_within_commitment)))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    changes = "".join(
        f"<li>{escape(months.long(ev.month, capital=True))}: {escape(ev.kind.replace('_', ' '))} (severity {ev.severity:g})"
        + (f" — {escape(ev.note)}" if ev.note else "")
        + "</li>"
        for ev in events
    )
    extra = f"<p>Premature changes in the plan:</p><ul>{changes}</ul>" if changes else ""
    return HTML(f'<table class="wb-metrics">{body}</table>{extra}')


def partner_metrics_table(partner: PartnerResult, partner_name: str, code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED) -> HTML:
    """The partner's headline figures (its own money machine), amounts in the currency ``code``."""
    money = currency(code)
    rows: list[tuple[str, str]] = [
        ("First income", months(partner.first_income_month)),
        ("Break-even", months(partner.break_even_month)),
        ("Peak funding need", money(partner.peak_funding_need)),
        (f"Cumulative net at {months.long(len(partner.monthly))}", money(partner.cumulative_net_at_horizon)),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return HTML(f'<h3>{escape(partner_name)} (partner)</h3><table class="wb-metrics wb-partner-metrics">{body}</table>')


def flag_list(flags: list[Flag], limit: int | None = None) -> HTML:
    """The flags, most severe first; findings of one rule that share a recommended action are
    listed together under it, so the action is read once."""
    if not flags:
        return HTML("<p>No flags raised.</p>")
    groups: dict[tuple[str, str, str], list[Flag]] = {}
    for f in by_severity(flags)[:limit]:
        groups.setdefault((f.severity, f.code, f.action), []).append(f)
    items = []
    for (severity, _, action), found in groups.items():
        sev = escape(severity)
        todo = f" <em>{escape(action)}</em>" if action else ""
        if len(found) == 1:
            items.append(f'<li class="wb-flag-{sev}">[{sev}] {escape(found[0].message)}{todo}</li>')
        else:
            inner = "".join(f"<li>{escape(f.message)}</li>" for f in found)
            items.append(f'<li class="wb-flag-{sev}">[{sev}]{todo}<ul>{inner}</ul></li>')
    return HTML("<ul>" + "".join(items) + "</ul>")


def table(df: Any, money_columns: tuple[str, ...] = (), code: str = DEFAULT_CURRENCY) -> HTML:
    """A DataFrame as an escaped HTML table, money columns formatted in the currency ``code``."""
    shown = df.copy()
    fmt = currency(code)
    for col in money_columns:
        if col in shown:
            shown[col] = shown[col].map(lambda v: fmt(None if v != v else float(v)))
    return HTML(shown.to_html(index=False, escape=True, na_rep="—", classes="wb-metrics", border=0))


# --------------------------------------------------------------------------------------------
# One renderer per area (the registry in workbook.areas names them): each returns the area's
# picture as blocks in reading order — Altair charts and escaped HTML — which the report draws
# as SVG figures (:func:`section`), the guided notebooks as SVG outputs and the apps as widgets.



def missing_section(key: str, fill_in: str | None = None) -> str:
    """The one note for a params file without the section of area ``key``; ``fill_in`` (what
    the guided form fills in) adds how the form creates it."""
    text = f"<p><em>This params file has no <code>{escape(key)}</code> section yet."
    if fill_in:
        text += f" Fill in the {escape(fill_in)} in the form and save it to add one."
    return text + "</em></p>"


def _area_flags(a: Assessment, key: str) -> str:
    return flag_list(a.area_flags(key)).html


def section(a: Assessment, key: str) -> HTML:
    """Area ``key``'s picture: its renderer's blocks, charts drawn as SVG figures."""
    return render(a.view(key))


def render(blocks: Sequence[Block]) -> HTML:
    """Blocks as one piece of HTML (charts as figures whose caption states the finding: SVG
    images, or drawn by the reader's browser, as :func:`use_charts` says)."""
    from .charts.render import figure_html, page_figure_html

    figure = page_figure_html if _chart_mode == "page" else figure_html
    return HTML("".join(b if isinstance(b, str) else figure(b) for b in blocks))


def heading(level: int, text: str) -> str:
    """A heading of the report as nbconvert writes a markdown cell's: its ``id`` is its text with
    hyphens for spaces, and a "¶" link to it, so the page's anchors are those of a heading in
    markdown (the print styles hide the link)."""
    anchor = escape(text.replace(" ", "-"), quote=False).replace('"', "&quot;")
    return f'<h{level} id="{anchor}">{escape(text, quote=False)}<a class="anchor-link" href="#{anchor}">¶</a></h{level}>'


def area_sections(a: Assessment) -> HTML:
    """The report's sections of every area assessed, in the registry's order
    (:data:`workbook.areas.AREAS`): each area's heading (``h2``) and introduction, its picture,
    then its parts (``h3``) the same way. An area is one ``<section class="wb-area">`` holding a
    ``<div class="wb-section">`` for its own picture and one for each part: the page's styles
    space them as they spaced the notebook's cells (``templates/offline``)."""
    areas: dict[str, list[str]] = {}
    for s in a.sections():
        intro = f"<p>{escape(s.intro, quote=False)}</p>"
        areas.setdefault(s.key, []).append(f'<div class="wb-section">{heading(s.level, s.heading)}{intro}{render(s.blocks).html}</div>')
    return HTML("".join(f'<section class="wb-area wb-area-{escape(key)}">{"".join(parts)}</section>' for key, parts in areas.items()))


def executive_summary(a: Assessment) -> HTML:
    """Traffic lights per area and the three most important actions."""
    rows = []
    for key, status in a.area_status().items():
        colour, word = LIGHTS[status]
        n = len(a.area_flags(key))
        rows.append(
            f'<tr><th>{escape(a.label(key))}</th><td><span style="color:{colour}; font-size:1.3em">&#9679;</span> '
            f"{escape(status)} &middot; {escape(word)}</td><td>{n} flag{'s' if n != 1 else ''}</td></tr>"
        )
    actions = a.top_actions(3)
    items = "".join(f"<li><strong>{escape(f.action)}</strong><br><small>{escape(f.message)}</small></li>" for f in actions)
    m = a.ramp.plan.metrics
    figures = a.figures
    facts = [
        f"break-even {a.params.months(m.break_even_month)} against a {m.commitment_months}-month commitment "
        f"(chance of breaking even within it: {chance(a.ramp.monte_carlo.p_break_even_within_commitment)})",
        f"peak funding need {money(m.peak_funding_need, a.params.alliance.currency)}",
    ]
    if figures["readiness_score"] is not None:
        facts.append(f"readiness {figures['readiness_score']:.0f}/100")
    if figures["trust_index"] is not None:
        facts.append(f"survey trust index {figures['trust_index']:.0f}/100")
    sentence = "; ".join(facts)  # only its first letter raised: "CHF 1,200" stays as written
    return HTML(
        f"<p>{escape(sentence[:1].upper() + sentence[1:])}.</p>"
        f'<table class="wb-metrics">{"".join(rows)}</table>'
        + (f"<h3>The three most important actions</h3><ol>{items}</ol>" if actions else "<p>No actions needed now.</p>")
    )


@dataclass(frozen=True)
class Live:
    """An area's picture as a live page draws it from the area's result alone
    (:func:`workbook.areas.live`; the facilitator's board): a ``headline`` (escaped HTML, empty
    where the charts' titles say it) and the ``charts``, one for each place the page keeps for
    them, in order — where there is nothing to draw yet, a note saying why in the chart's place."""

    headline: str
    charts: list[alt.TopLevelMixin]


def scope_charts(s: ScopingResult) -> list[alt.TopLevelMixin]:
    """The scope area's chart: each group's readiness, and the overall one when any item weighs."""
    from .charts import readiness_chart

    return [readiness_chart(s.groups, None if s.overall != s.overall else s.overall)]


def scope_view(a: Assessment) -> list[Block]:
    """The readiness chart, what is still missing, and the scope flags."""
    s = a.scoping
    if s is None:
        return [missing_section("scope")]
    missing = s.items[s.items["status"] == "missing"]
    names = ", ".join(escape(str(x).replace("_", " ")) for x in missing["item"].head(8))
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return [
        *scope_charts(s),
        f"<p>Still missing: {names}{more}.</p>" if len(missing) else "<p>Every checklist item is at least drafted.</p>",
        _area_flags(a, "scope"),
    ]


def scope_live(s: ScopingResult) -> Live:
    """The scope area on a live page: its chart (the report's), whose title says the finding."""
    return Live("", scope_charts(s))


def trust_headline(t: TrustResult) -> str:
    """The trust index and the asymmetry in one sentence, or why they are not shown yet."""
    if t.trust_index is None or t.asymmetry is None:
        return (
            f"<p>Survey trust index: not shown yet — each side needs at least {t.min_respondents} "
            "respondents who answered (answers stay anonymous).</p>"
        )
    higher = "higher" if t.asymmetry > 0 else "lower"
    return (
        f"<p>Survey trust index <b>{t.trust_index:.0f}</b> of 100. The vendor's trust in the partner is "
        f"{count(round(abs(t.asymmetry)), 'point')} {higher} than the partner's trust in the vendor.</p>"
        if round(t.asymmetry)
        else f"<p>Survey trust index <b>{t.trust_index:.0f}</b> of 100, the same on both sides.</p>"
    )


def anonymity_note(t: TrustResult) -> str:
    """Which sides are hidden, worded from the file's ``trust.min_respondents``."""
    return (
        f'<p class="wb-anonymity"><small>A side with fewer than {count(t.min_respondents, "respondent")} '
        "is hidden to keep answers anonymous.</small></p>"
    )


def trust_charts(t: TrustResult) -> list[alt.TopLevelMixin]:
    """The trust area's charts: each side's trust by principle, and competence against intentions."""
    from .charts import trust_dumbbell, trust_quadrant

    return [trust_dumbbell(t.gaps), trust_quadrant(t.indices)]


def trust_history_charts(t: TrustResult) -> list[alt.TopLevelMixin]:
    """Each side's trust index over the assessments (``trust.history``, ``trust.previous`` and
    this one), when at least two assessments show an index; nothing otherwise."""
    from .charts import trust_history

    return [trust_history(t.history)] if _has_trend(t) else []


def _has_trend(t: TrustResult) -> bool:
    """Whether at least two assessments show an index (of either side)."""
    return int(t.history.dropna(subset=["index"])["date"].nunique()) >= 2


def trust_history_intro(t: TrustResult) -> str:
    """The heading and a sentence before the trend chart (empty without one)."""
    if not _has_trend(t):
        return ""
    return (
        "<h3>Survey trust index over the assessments</h3>"
        "<p><small>The earlier results as the file keeps them (<code>trust.history</code> and <code>trust.previous</code>) "
        "and this assessment. A side with too few respondents at an assessment has no point there.</small></p>"
    )


def mirror_charts(t: TrustResult) -> list[alt.TopLevelMixin]:
    """The mirror (each side's view of itself against the other side's view of it), when anyone
    rated their own organisation; nothing otherwise."""
    from .charts import trust_mirror

    return [trust_mirror(t.mirror)] if t.has_mirror else []


def mirror_intro(t: TrustResult) -> str:
    """What the mirror compares, in a sentence, before its chart (empty without self-ratings)."""
    from .trust import BLIND_SPOT

    if not t.has_mirror:
        return ""
    return (
        "<h3>The mirror: how each side sees itself and how the other side sees it</h3>"
        "<p><small>Respondents also rated their own organisation on the same statements. On each principle, the gap "
        "is a side's mean rating of itself minus the other side's mean rating of it; a side rating itself "
        f"{BLIND_SPOT:g} point or more above how it is seen has a blind spot there. A view of fewer than "
        f"{t.min_respondents} people is hidden, and with it the gap.</small></p>"
    )


def trust_live(t: TrustResult) -> Live:
    """The trust area on a live page (a workshop room's answers): the findings of its charts as
    the headline — the widest asymmetry, the competence against intentions and, when anyone
    rated their own side, the mirror — and the report's charts in three places: the two sides'
    trust by principle, competence against intentions (in words while no side can be placed)
    and the mirror (a note until someone rates their own company)."""
    from .charts import message_chart
    from .charts.instruments import trust_dumbbell_title, trust_mirror_title, trust_quadrant_title

    dumbbell, quadrant = trust_charts(t)
    mirror = mirror_charts(t)
    placed = t.indices[t.indices["side"].isin(["vendor", "partner"])].dropna(subset=["competence", "intentions"])
    headline = f"<h2>{escape(trust_dumbbell_title(t.gaps))}</h2><p>{escape(trust_quadrant_title(t.indices))}</p>"
    if t.has_mirror:
        headline += f"<p>{escape(trust_mirror_title(t.mirror))}</p>"
    return Live(
        headline,
        [
            dumbbell,
            # an empty square would draw its title over a plot without axes: say it in words instead
            quadrant if len(placed) else message_chart(trust_quadrant_title(t.indices)),
            mirror[0] if mirror else message_chart("Nobody rated their own company yet"),
        ],
    )


def trust_view(a: Assessment) -> list[Block]:
    """The index by side, the two trust charts, the mirror (when anyone rated their own side),
    whether the statements hang together, flags."""
    from .trust import ALPHA_MIN_ANSWERED, ALPHA_MIN_RESPONDENTS

    t = a.trust
    if t is None:
        return [missing_section("trust")]
    idx = t.indices[["side", "index", "competence", "intentions", "n"]].copy()
    idx["side"] = idx["side"].map({"vendor": "Vendor's trust in the partner", "partner": "Partner's trust in the vendor", "combined": "Both sides"})
    idx = idx.rename(columns={"side": "Whose trust", "index": "Index (0–100)", "competence": "Competence", "intentions": "Intentions", "n": "Respondents"})
    if (t.alpha["n_used"] < ALPHA_MIN_RESPONDENTS).all():
        most = int(t.alpha.loc[t.alpha["group"] == "all", "n_used"].max())
        alpha_html = (
            f"<p>Too few answers to judge yet: at most {most} respondent{'s' if most != 1 else ''} answered enough "
            f"of a component, and alpha needs {ALPHA_MIN_RESPONDENTS}.</p>"
        )
    else:
        alpha = t.alpha[["group", "component", "n_used", "alpha", "reading"]].copy()
        alpha["alpha"] = alpha["alpha"].map(lambda x: "—" if x != x else f"{x:.2f}")
        alpha_html = table(
            alpha.rename(columns={"group": "Respondents from", "component": "Component", "n_used": "Respondents used", "alpha": "Alpha", "reading": "Reading"})
        ).html
    explain = (
        "<p><small>Cronbach's alpha says whether the statements of a component measure one thing: from 0.7 the "
        "component's score can be read as a whole; below that, read the principles one by one. It counts the "
        f"respondents who answered at least {ALPHA_MIN_ANSWERED:.0%} of the component's statements (a \"don't know\" "
        f"takes that person's own average) and is shown only from {ALPHA_MIN_RESPONDENTS} of them: with fewer, one "
        "person can swing it anywhere.</small></p>"
    )
    mirror: list[Block] = [mirror_intro(t), *mirror_charts(t)] if t.has_mirror else []
    return [
        anonymity_note(t),
        trust_headline(t),
        "<h3>Survey trust index (0–100) by side</h3>"
        "<p><small>Each side's index is the mean of its competence and intentions indices. Intentions weighs each "
        "of the twelve principles the same, however many statements it has; competence weighs each of its "
        "statements the same.</small></p>" + table(_whole_numbers(idx)).html,
        *trust_charts(t),
        trust_history_intro(t),
        *trust_history_charts(t),
        *mirror,
        "<h3>Do the statements hang together? (Cronbach's alpha)</h3>" + explain + alpha_html,
        _area_flags(a, "trust"),
    ]


def value_view(a: Assessment) -> list[Block]:
    """What going direct would cost against the partner's margin, the waterfall, the items."""
    from .charts import value_waterfall

    v = a.value
    if v is None:
        return [missing_section("value")]
    code = a.params.alliance.currency
    shown = v.breakdown[["label", "amount", "basis"]].rename(columns={"label": "Item", "amount": "Per year", "basis": "How it is counted"})
    verdict = (
        f"Serving these customers directly would cost {money(v.direct_cost, code)} a year against "
        f"{money(v.margin, code)} of margin paid to the partner."
    )
    return [
        f"<p>{escape(verdict)}</p>",
        value_waterfall(v.breakdown, code),
        table(shown, money_columns=("Per year",), code=code).html,
        _area_flags(a, "value"),
    ]


def stop_sentence(result: RampResult, stop: RampResult | None, code: str, months: MonthNames = NUMBERED) -> str:
    """What stopping the resources at the end of the commitment would do: break-even, the
    cumulative net at the horizon and, when months past the horizon are counted (``tail_months``),
    the long-run NPV, each against the plan's. A stop that ends the horizon ahead but not the
    long-run NPV is said to gain nothing beyond the horizon's cut-off. Months are worded by
    ``months``."""
    from .charts import STOP_LABEL

    m = result.metrics
    if stop is None:
        return f'<p class="wb-if-stop">Resources are committed for the whole {m.horizon_months}-month horizon.</p>'
    if stop.monthly["cumulative_net"].equals(result.monthly["cumulative_net"]):
        return (
            f'<p class="wb-if-stop">The plan\'s resources all end by {escape(months.long(m.commitment_months))}, '
            "so the end of the commitment changes nothing.</p>"
        )
    s = stop.metrics
    # "(month 24)" alone; a calendar month already has its brackets: "in Jun 2027 (month 24)"
    when = f"in {months.long(m.commitment_months)}" if months.known else f"(month {m.commitment_months})"
    text = (
        f"{STOP_LABEL} {when}: break-even {months(s.break_even_month)}; "
        f"cumulative net at {months.long(m.horizon_months)}: {money(s.cumulative_net_at_horizon, code)} "
        f"({_versus(s.cumulative_net_at_horizon, m.cumulative_net_at_horizon, code)} by then)"
    )
    if not m.tail_months:  # no value past the horizon is counted: the horizon's figure is all there is
        return f'<p class="wb-if-stop">{escape(text)}.</p>'
    long_run = whole_units(s.long_run_npv) - whole_units(m.long_run_npv)  # as printed
    text += (
        f"; long-run NPV (continued {m.tail_months} months past the horizon): {money(s.long_run_npv, code)} "
        f"({_versus(s.long_run_npv, m.long_run_npv, code)})"
    )
    if whole_units(s.cumulative_net_at_horizon) > whole_units(m.cumulative_net_at_horizon) and long_run <= 0:
        # the horizon cuts off what the resources would still bring: the saving is not a gain
        text += f". Stopping only looks cheaper within the {m.horizon_months}-month horizon; counting what comes after, it "
        text += f"gives up {money(-long_run, code)}" if long_run < 0 else "gains nothing"
    return f'<p class="wb-if-stop">{escape(text)}.</p>'


def _versus(value: float, plan: float, code: str) -> str:
    """``value`` against the plan's, in whole units as the pages print them: "$5,755 more than the
    plan", "$120 less than the plan", "the same as the plan"."""
    diff = whole_units(value) - whole_units(plan)
    if diff == 0:
        return "the same as the plan"
    return f"{money(abs(diff), code)} {'more' if diff > 0 else 'less'} than the plan"


def recurring_sentence(p: Params) -> str | None:
    """How recurring contracts are billed, in one sentence; ``None`` for one-off deals."""
    r = p.ramp
    if r.deal_value_kind != "annual_recurring":
        return None
    code = p.alliance.currency
    text = (
        f"Deals are annual contracts of {money(r.avg_deal_value, code)}, billed a twelfth a month from the month they close; "
        f"the book of live contracts loses {r.annual_churn:.0%} of its customers a year"
    )
    text += f" and grows {r.annual_expansion:.0%} a year with those who stay" if r.annual_expansion else ""
    return f'<p class="wb-recurring">{escape(text)}, in equal monthly steps.</p>'


def two_sides_sentence(plan: RampResult, partner: PartnerResult, p: Params) -> str:
    """Both money machines in one paragraph: the two break-even months and where each ends."""
    code = p.alliance.currency
    m = plan.metrics
    text = (
        f"Both money machines: {payback_sentence(m.break_even_month, partner.break_even_month, m.horizon_months, p.months)} "
        f"{p.alliance.partner} (partner) earns its margin"
        + (f" and {money(p.partner_economics.services_per_deal, code)} of services a deal" if p.partner_economics and p.partner_economics.services_per_deal else "")
        + f", spends {money(float(partner.monthly['investment'].sum()), code)} on the alliance over the horizon, needs at most "
        f"{money(partner.peak_funding_need, code)} before it pays back and ends at {money(partner.cumulative_net_at_horizon, code)}."
    )
    return f'<p class="wb-two-sides">{escape(text)}</p>'


def ramp_view(a: Assessment) -> list[Block]:
    """The headline figures of the money machine and its chart, with the simulation's band, what
    stopping the resources at the end of the commitment would do, and the outcome's range
    across the uncertainty (and any range moved to follow the plan); how recurring contracts
    are billed; and, with ``partner_economics``, both sides' money machines side by side."""
    from .charts import ramp_chart, with_stop_line

    r, code, names = a.ramp, a.params.alliance.currency, a.params.months
    mc = r.monte_carlo
    notes = []
    if not mc.ranged:
        notes.append(
            f"Chance and band: {NO_RANGES} (ramp.uncertainty) — every figure here is the plan's own, and the chart "
            "draws no band."
        )
    elif mc.worst is not None and mc.best is not None:
        notes.append(
            f"Across the uncertainty ranges the plan breaks even between {names(mc.best.metrics.break_even_month, 'never')} "
            f"(every input at its best) and {names(mc.worst.metrics.break_even_month, 'never within the horizon')} (every "
            f"input at its worst); {mc.runs} simulated runs (seed {mc.seed}) give the band and the chance above."
        )
    moved = a.params.ramp.moved_ranges()
    if moved:
        which = "; ".join(f"{k.replace('_', ' ')} written around {w:g}, the plan says {p:g}" for k, (w, p) in moved.items())
        notes.append(f"Ranges follow the plan: {which}. The simulation keeps each range's distances around the plan's value.")
    chart = ramp_chart(r.plan, mc if mc.ranged else None, code, names)  # no zero-width band without ranges
    stop = stopped_at_commitment(a.params.ramp)
    if stop is not None and not stop.monthly["cumulative_net"].equals(r.plan.monthly["cumulative_net"]):
        chart = with_stop_line(chart, stop.monthly, code, names)
    both: list[Block] = []
    if r.partner is not None:
        from .charts import two_sides_chart

        al = a.params.alliance
        # no band without ranges: it would have no width
        sides_bands = (mc.bands, mc.partner_bands) if mc.ranged and mc.partner_bands is not None else None
        both = [
            two_sides_chart(r.plan, r.partner, al.vendor, al.partner, code, sides_bands, names),
            two_sides_sentence(r.plan, r.partner, a.params),
        ]
    recurring = recurring_sentence(a.params)
    return [
        ramp_metrics_table(r.plan.metrics, mc, a.params.ramp.events, code, names).html,
        *([recurring] if recurring else []),
        *(f"<p>{escape(n)}</p>" for n in notes),
        chart,
        stop_sentence(r.plan, stop, code, names),
        *both,
        *actuals_view(a),
        _area_flags(a, "ramp"),
    ]


def actuals_view(a: Assessment) -> list[Block]:
    """The plan against actual (a part of the money machine's area): the tracking in words (with
    what the re-forecast took from the pipeline), the chart of the actual cumulative net over
    the plan, its band and the re-forecast, the partner-sourced against the influenced revenue
    (its share in words, and by month when the actuals give them), and the months as recorded.
    Nothing for a file without actuals."""
    from .actuals import TOLERANCE, attribution_sentence, fit_words, headline
    from .charts import actuals_chart, attribution_chart

    t = a.actuals
    if t is None:
        return []
    code, names = a.params.alliance.currency, a.params.months
    mc = a.ramp.monte_carlo if a.ramp.monte_carlo.ranged else None
    source = f" Source: {t.source}." if t.source else ""
    method = (
        f"On plan means cumulative vendor revenue within ±{TOLERANCE:.0%} of the plan's; on budget, cumulative investment "
        f"within ±{TOLERANCE:.0%} of the plan's. The re-forecast keeps the actual months, then runs the plan "
        f"{fit_words(t.reforecast_delay_months, t.reforecast_scale)} (its vendor revenue scaled, and its vendor revenue and "
        "investment shifted by the delay). The delay and size are those whose shifted cumulative "
        "vendor revenue fits the actual months best (least squares); while the plan expects no revenue it is followed as "
        "written, and before any revenue has come the delay is the smallest at which the plan would expect none yet, at "
        "the planned size."
    )
    f = t.pipeline
    if f is not None and f.used:
        method += (
            " The months up to one sales cycle after the last recorded one that the pipeline reaches take their vendor revenue from "
            "its open deals instead: their amount × the partner's win rate (won ÷ (won + lost)) × (1 − partner margin)"
            + (", billed a twelfth a month on top of the contracts already won, which keep billing;" if f.recurring else ";")
            + " slipped deals count in the first of those months."
        )
    if f is not None and (f.source or f.as_of):
        of = f" as of {text_date(f.as_of)}" if f.as_of else ""
        source += f" Pipeline: {f.source or 'the pipeline section'}{of}."
    shared = attribution_sentence(t.attribution, code, names)
    columns = ["month", "investment", "plan_investment", "deals_closed", "vendor_revenue", "plan_vendor_revenue", "net", "cumulative_net", "plan_cumulative_net"]
    # the optional figures, when some month gives them
    extra = [c for c in ("deals_sourced", "partner_sourced_revenue", "influenced_revenue") if t.monthly[c].notna().any()]
    months = t.monthly[columns + extra]
    shown = months.rename(
        columns={
            "month": "Month",
            "investment": "Investment",
            "plan_investment": "Plan: investment",
            "deals_closed": "Deals closed",
            "vendor_revenue": "Vendor revenue",
            "plan_vendor_revenue": "Plan: vendor revenue",
            "net": "Net",
            "cumulative_net": "Cumulative net",
            "plan_cumulative_net": "Plan: cumulative net",
            "deals_sourced": "Deals sourced",
            "partner_sourced_revenue": "Partner-sourced revenue",
            "influenced_revenue": "Influenced revenue",
        }
    )
    if names.known:
        shown["Month"] = shown["Month"].map(lambda m: names.long(int(m)))
    shown["Deals closed"] = shown["Deals closed"].map(lambda x: f"{x:,g}")  # 3, not 3.0; a fraction as written
    if "Deals sourced" in shown:
        shown["Deals sourced"] = shown["Deals sourced"].map(lambda x: "—" if x != x else f"{x:,g}")
    money_columns = (
        "Investment", "Plan: investment", "Vendor revenue", "Plan: vendor revenue", "Net", "Cumulative net", "Plan: cumulative net",
        "Partner-sourced revenue", "Influenced revenue",
    )
    attributed: list[Block] = []
    if t.attribution is not None and shared is not None:
        attributed = [f'<p class="wb-attribution">{escape(shared)}.</p>', attribution_chart(t.monthly, t.attribution, code, names)]
    return [
        f'<h3>Plan against actual</h3><p class="wb-tracking wb-tracking-{escape(t.tracking)}">{escape(headline(t, code, names))}</p>'
        f"<p><small>{escape(method + source)}</small></p>",
        actuals_chart(a.ramp.plan, t, mc, code, names),
        *attributed,
        table(shown, money_columns=money_columns, code=code).html,
    ]


def health_view(a: Assessment) -> list[Block]:
    """The check-ins over time with the changes marked, and the health flags."""
    from .charts import health_timeline

    h = a.health
    if h is None:
        return [missing_section("health")]
    return [health_timeline(h.timeline, h.events, h.credit), _area_flags(a, "health")]


def _whole_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers as people read them in a table: whole numbers without a decimal point."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda x: "—" if x != x else f"{x:,.0f}")
    return out


# The money machine's parts that the report shows under headings of their own (the registry's
# ``parts`` of the ramp).


def scenarios_view(a: Assessment) -> list[Block]:
    """The plan against investing late, under-investing, a premature change and the other routes."""
    from .charts import scenario_chart

    code, names = a.params.alliance.currency, a.params.months
    h = a.params.ramp.horizon_months
    rows = [
        {
            "Scenario": s.name,
            "What changes": s.description,
            "First revenue": names(s.result.metrics.first_revenue_month, "none"),
            "Break-even": names(s.result.metrics.break_even_month, "not within the horizon"),
            "Peak funding need": money(s.result.metrics.peak_funding_need, code),
            f"Cumulative net at {names.long(h)}": money(s.result.metrics.cumulative_net_at_horizon, code),
            "NPV": money(s.result.metrics.npv, code),
            "Long-run NPV": money(s.result.metrics.long_run_npv, code),
        }
        for s in a.ramp.scenarios
    ]
    return [scenario_chart(a.ramp.scenarios, code, names), table(pd.DataFrame(rows)).html]


def sensitivity_view(a: Assessment) -> list[Block]:
    """The tornado: each input moved alone by ±20 %."""
    from .charts import tornado_chart

    return [tornado_chart(a.ramp.sensitivity, code=a.params.alliance.currency)]
