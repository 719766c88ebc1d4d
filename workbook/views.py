"""Displayable pieces of the alliance report, shared by the report notebook and the apps.

Every piece of text that comes from a params file is escaped here, once, before it becomes
HTML. Charts are returned as Altair charts; the renderer is chosen by the caller
(:func:`use_static_charts` for reports, so they open offline as inline SVG).
"""

from __future__ import annotations

from html import escape
from typing import Any

import altair as alt

from .flags import Flag, by_severity
from .params import Params
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


def money(value: float | None) -> str:
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


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


def ramp_metrics_table(m: RampMetrics, p_within: float | None = None) -> HTML:
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
    return HTML(f'<table class="wb-metrics">{body}</table>')


def flag_list(flags: list[Flag], limit: int | None = None) -> HTML:
    if not flags:
        return HTML("<p>No flags raised.</p>")
    items = []
    for f in by_severity(flags)[:limit]:
        action = f" <em>{escape(f.action)}</em>" if f.action else ""
        items.append(f'<li class="wb-flag-{escape(f.severity)}">[{escape(f.severity)}] {escape(f.message)}{action}</li>')
    return HTML("<ul>" + "".join(items) + "</ul>")


def table(df: Any, money_columns: tuple[str, ...] = ()) -> HTML:
    """A DataFrame as an escaped HTML table, money columns formatted."""
    shown = df.copy()
    for col in money_columns:
        if col in shown:
            shown[col] = shown[col].map(lambda v: money(None if v != v else float(v)))
    return HTML(shown.to_html(index=False, escape=True, na_rep="—", classes="wb-metrics", border=0))
