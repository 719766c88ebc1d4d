"""Displayable pieces of the alliance report, shared by the report notebook and the apps.

Every piece of text that comes from a params file is escaped here, once, before it becomes
HTML. Charts are returned as Altair charts; the renderer is chosen by the caller
(:func:`use_static_charts` for reports, so they open offline as inline SVG).
"""

from __future__ import annotations

from html import escape
from typing import Any

import altair as alt

from .currency import DEFAULT as DEFAULT_CURRENCY
from .charts.render import figure_html
from .currency import currency, money
from .flags import Flag, by_severity
from .schema import Params
from .ramp import RampMetrics


def use_static_charts() -> None:
    """Render Altair charts as inline SVG (vl-convert): no JavaScript, nothing from a CDN."""
    alt.renderers.enable("svg")


class HTML:
    """Minimal rich-display object (``_repr_html_``) so this module needs no IPython import."""

    def __init__(self, html: str):
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def month(value: int | None, none: str = "not within the horizon") -> str:
    return none if value is None else f"month {value}"


def header(params: Params) -> HTML:
    a = params.alliance
    return HTML(
        '<div class="wb-header">'
        f"<h1>{escape(a.name)}</h1>"
        f"<p>{escape(a.vendor)} and {escape(a.partner)} &middot; {escape(a.type)} alliance &middot; "
        f"{params.ramp.horizon_months}-month horizon, resources committed for {params.ramp.commitment_months} months</p>"
        "</div>"
    )


def ramp_metrics_table(m: RampMetrics, p_within: float | None = None, events: Any = (), code: str = DEFAULT_CURRENCY) -> HTML:
    """The headline figures (amounts in the currency ``code``), and the premature changes the
    plan includes (their notes shown, since a static report has no tooltips)."""
    money = currency(code)
    rows: list[tuple[str, str]] = [
        ("First revenue", month(m.first_revenue_month)),
        ("Break-even", month(m.break_even_month)),
        ("Commitment ends", month(m.commitment_months)),
        ("Peak funding need", money(m.peak_funding_need)),
        (f"Cumulative net at month {m.horizon_months}", money(m.cumulative_net_at_horizon)),
        ("NPV", money(m.npv)),
    ]
    if m.plan_gap is not None:
        word = "short of" if m.plan_gap > 0 else "ahead of"
        rows.append((f"Business plan at month {m.plan_gap_month}", f"{money(abs(m.plan_gap))} {word} the target"))
    if p_within is not None:
        rows.append(("Chance of breaking even within the commitment", f"{p_within:.0%}"))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    changes = "".join(
        f"<li>Month {ev.month}: {escape(ev.kind.replace('_', ' '))} (severity {ev.severity:g})"
        + (f" — {escape(ev.note)}" if ev.note else "")
        + "</li>"
        for ev in events
    )
    extra = f"<p>Premature changes in the plan:</p><ul>{changes}</ul>" if changes else ""
    return HTML(f'<table class="wb-metrics">{body}</table>{extra}')


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
# Report sections: each returns one HTML block (charts as inline SVG images), and says so
# plainly when the params file has no data for its area.

LIGHTS = {
    "red": ("#D55E00", "act now"),
    "amber": ("#E69F00", "watch"),
    "green": ("#009E73", "on track"),
    "unknown": ("#8C8C8C", "not enough answers to judge"),
    "none": ("#8C8C8C", "no data"),
}




def _area_flags(a: Any, area: str) -> str:
    return flag_list([f for f in a.flags if f.area == area]).html


def _no_data(section: str) -> HTML:
    return HTML(f"<p><em>This params file has no <code>{escape(section)}</code> section yet.</em></p>")


def executive_summary(a: Any) -> HTML:
    """Traffic lights per area and the three most important actions."""
    from .summary import AREA_LABELS

    rows = []
    for area, status in a.area_status().items():
        colour, word = LIGHTS[status]
        n = sum(1 for f in a.flags if f.area == area)
        rows.append(
            f'<tr><th>{escape(AREA_LABELS[area])}</th><td><span style="color:{colour}; font-size:1.3em">&#9679;</span> '
            f"{escape(status)} &middot; {escape(word)}</td><td>{n} flag{'s' if n != 1 else ''}</td></tr>"
        )
    actions = a.top_actions(3)
    items = "".join(f"<li><strong>{escape(f.action)}</strong><br><small>{escape(f.message)}</small></li>" for f in actions)
    m = a.ramp.plan.metrics
    figures = a.figures
    facts = [
        f"break-even {month(m.break_even_month)} against a {m.commitment_months}-month commitment",
        f"peak funding need {money(m.peak_funding_need, a.params.alliance.currency)}",
    ]
    if figures["readiness_score"] is not None:
        facts.append(f"readiness {figures['readiness_score']:.0f}/100")
    if figures["trust_index"] is not None:
        facts.append(f"trust index {figures['trust_index']:.0f}/100")
    return HTML(
        f"<p>{escape('; '.join(facts)).capitalize()}.</p>"
        f'<table class="wb-metrics">{"".join(rows)}</table>'
        + (f"<h3>The three most important actions</h3><ol>{items}</ol>" if actions else "<p>No actions needed now.</p>")
    )


def scope_section(a: Any) -> HTML:
    from .charts import readiness_chart

    if a.scoping is None:
        return _no_data("scope")
    missing = a.scoping.items[a.scoping.items["status"] == "missing"]
    lst = ", ".join(escape(str(x).replace("_", " ")) for x in missing["item"].head(8))
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return HTML(
        figure_html(readiness_chart(a.scoping.groups, a.scoping.overall))
        + (f"<p>Still missing: {lst}{more}.</p>" if len(missing) else "<p>Every checklist item is at least drafted.</p>")
        + _area_flags(a, "scope")
    )


def trust_section(a: Any) -> HTML:
    from .charts import trust_dumbbell, trust_quadrant
    from .trust import ALPHA_MIN_ANSWERED, ALPHA_MIN_RESPONDENTS

    if a.trust is None:
        return _no_data("trust")
    t = a.trust
    idx = t.indices[["side", "index", "competence", "intentions", "n"]].copy()
    idx["side"] = idx["side"].map({"vendor": "vendor's trust in the partner", "partner": "partner's trust in the vendor", "combined": "combined"})
    asym = "" if t.asymmetry is None else (
        f"<p>Asymmetry: the vendor's trust in the partner is {abs(t.asymmetry):.0f} points "
        f"{'higher' if t.asymmetry > 0 else 'lower'} than the partner's trust in the vendor.</p>"
    )
    if (t.alpha["n_used"] < ALPHA_MIN_RESPONDENTS).all():
        most = int(t.alpha.loc[t.alpha["group"] == "all", "n_used"].max())
        alpha_html = f"<p>Too few answers to judge yet: at most {most} respondents answered enough of a component, and alpha needs {ALPHA_MIN_RESPONDENTS}.</p>"
    else:
        alpha = t.alpha[["group", "component", "n_used", "alpha", "reading"]].copy()
        alpha["alpha"] = alpha["alpha"].map(lambda x: "—" if x != x else f"{x:.2f}")
        alpha_html = table(alpha.rename(columns={"n_used": "respondents used"})).html
    explain = (
        "<p><small>Cronbach's alpha says whether the statements of a component measure one thing: from 0.7 the "
        "component's score can be read as a whole; below that, read the principles one by one. It counts the "
        f"respondents who answered at least {ALPHA_MIN_ANSWERED:.0%} of the component's statements (a \"don't know\" "
        f"takes that person's own average) and is shown only from {ALPHA_MIN_RESPONDENTS} of them: with fewer, one "
        "person can swing it anywhere.</small></p>"
    )
    return HTML(
        "<h3>Trust index (0–100) by side</h3>"
        + "<p><small>Each side's index is the mean of its competence and intentions indices; each principle weighs "
        "the same within its component, however many statements it has.</small></p>"
        + table(idx.round(1)).html
        + asym
        + figure_html(trust_dumbbell(t.gaps))
        + figure_html(trust_quadrant(t.indices))
        + "<h3>Do the statements hang together? (Cronbach's alpha)</h3>"
        + explain
        + alpha_html
        + _area_flags(a, "trust")
    )


def value_section(a: Any) -> HTML:
    from .charts import value_waterfall

    if a.value is None:
        return _no_data("value")
    v = a.value
    shown = v.breakdown[["label", "amount", "basis"]].rename(columns={"label": "Item", "amount": "Per year", "basis": "How it is counted"})
    code = a.params.alliance.currency
    verdict = (
        f"Serving these customers directly would cost {money(v.direct_cost, code)} a year against "
        f"{money(v.margin, code)} of margin paid to the partner."
    )
    return HTML(
        f"<p>{escape(verdict)}</p>"
        + figure_html(value_waterfall(v.breakdown, code))
        + table(shown, money_columns=("Per year",), code=code).html
        + _area_flags(a, "value")
    )


def ramp_section(a: Any) -> HTML:
    """The headline figures of the money machine and its chart, with the simulation's band,
    the outcome's range across the uncertainty and any range moved to follow the plan."""
    from .charts import ramp_chart

    r, code = a.ramp, a.params.alliance.currency
    mc = r.monte_carlo
    notes = []
    if mc.worst is not None and mc.best is not None and a.params.ramp.uncertainty.ranges():
        notes.append(
            f"Across the uncertainty ranges the plan breaks even between {month(mc.best.metrics.break_even_month, 'never')} "
            f"(every input at its best) and {month(mc.worst.metrics.break_even_month, 'never within the horizon')} (every "
            f"input at its worst); {mc.runs} simulated runs (seed {mc.seed}) give the band and the chance above."
        )
    moved = a.params.ramp.moved_ranges()
    if moved:
        names = "; ".join(f"{k.replace('_', ' ')} written around {w:g}, the plan says {p:g}" for k, (w, p) in moved.items())
        notes.append(f"Ranges follow the plan: {names}. The simulation keeps each range's distances around the plan's value.")
    return HTML(
        ramp_metrics_table(r.plan.metrics, mc.p_break_even_within_commitment, a.params.ramp.events, code).html
        + "".join(f"<p>{escape(n)}</p>" for n in notes)
        + figure_html(ramp_chart(r.plan, mc, code))
    )


def scenarios_section(a: Any) -> HTML:
    """The plan against investing late, under-investing, a premature change and the other routes."""
    import pandas as pd

    from .charts import scenario_chart

    code = a.params.alliance.currency
    money = currency(code)
    h = a.params.ramp.horizon_months
    rows = [
        {
            "Scenario": s.name,
            "What changes": s.description,
            "First revenue": month(s.result.metrics.first_revenue_month, "none"),
            "Break-even": month(s.result.metrics.break_even_month, "not within the horizon"),
            "Peak funding need": money(s.result.metrics.peak_funding_need),
            f"Cumulative net at month {h}": money(s.result.metrics.cumulative_net_at_horizon),
            "NPV": money(s.result.metrics.npv),
        }
        for s in a.ramp.scenarios
    ]
    return HTML(figure_html(scenario_chart(a.ramp.scenarios, code)) + table(pd.DataFrame(rows)).html)


def sensitivity_section(a: Any) -> HTML:
    """The tornado: each input moved alone by ±20 %."""
    from .charts import tornado_chart

    return HTML(figure_html(tornado_chart(a.ramp.sensitivity, code=a.params.alliance.currency)))


def health_section(a: Any) -> HTML:
    from .charts import health_timeline

    if a.health_timeline is None:
        return _no_data("health")
    return HTML(figure_html(health_timeline(a.health_timeline, a.health_events)) + _area_flags(a, "health"))
