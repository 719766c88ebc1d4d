"""The one portfolio table: a row per alliance, read from its ``summary --json`` fields, shown
the same way on the portfolio page of the reports folder and in the portfolio dashboard.

Every value is escaped here; the caller says where an alliance's name links to (its report,
or its dashboard) and may add a line under the name (when its report was rendered).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from .currency import money
from .flags import LIGHTS, SYMBOLS
from .text import count

Summary = Mapping[str, Any]

HEADERS = (
    "Alliance",
    "Areas",
    "Readiness (0–100)",
    "Trust (0–100)",
    "First revenue",
    "Break-even vs commitment",
    "Peak funding need",
    "NPV",
    "Chance to break even in the commitment",
    "Top flags",
)
#: How many flags a row shows before "+ N more".
FLAGS_SHOWN = 3


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _month(value: int | None, none: str) -> str:
    return none if value is None else f"month {value}"


def is_late(s: Summary) -> bool:
    """Breaks even only after its committed resources end (or not within the horizon)."""
    return s["break_even_month"] is None or s["break_even_month"] > s["commitment_months"]


def lights(areas: Mapping[str, str]) -> str:
    """One light per area of the registry (:mod:`workbook.areas`), each with its area's name and
    status in words (its tooltip and its text for screen readers)."""
    from .areas import AREAS

    out = []
    for key, area in AREAS.items():
        status = areas.get(key, "none")
        colour, word = LIGHTS.get(status, LIGHTS["none"])
        label = f"{area.label}: {word}"
        out.append(
            f'<span class="wb-light wb-light-{escape(status)}" title="{escape(label)}" aria-label="{escape(label)}" '
            f'role="img" style="color:{colour};font-size:1.2em">{SYMBOLS.get(status, "–")}</span>'
        )
    return '<span class="wb-lights" style="white-space:nowrap">' + " ".join(out) + "</span>"


def row_cells(s: Summary) -> list[str]:
    """The cells of one alliance after its name, as escaped HTML."""
    late = is_late(s)
    flags = list(s["flags"])
    shown = "".join(f'<div class="flag-{escape(f["severity"])}">{escape(f["message"])}</div>' for f in flags[:FLAGS_SHOWN])
    if len(flags) > FLAGS_SHOWN:
        shown += f"<div><small>+ {len(flags) - FLAGS_SHOWN} more in the report</small></div>"
    p = s.get("p_break_even_within_commitment")
    return [
        lights(s.get("areas", {})),
        _score(s["readiness_score"]),
        _score(s["trust_index"]),
        escape(_month(s["first_revenue_month"], "none")),
        f'<span class="{"late" if late else "ok"}">{escape(_month(s["break_even_month"], "not within the horizon"))}</span>'
        f" / commitment {count(int(s['commitment_months']), 'month')}",
        escape(money(s["peak_funding_need"], s["currency"])),
        escape(money(s["npv"], s["currency"])),
        "—" if p is None else f"{p:.0%}",
        shown or "—",
    ]


def table_html(
    summaries: Sequence[Summary],
    href: Callable[[Summary], str],
    note: Callable[[Summary], str] | None = None,
    failures: Sequence[tuple[str, str]] = (),
    css_class: str = "wb-portfolio",
    pdf: Callable[[Summary], str | None] | None = None,
) -> str:
    """The portfolio table.

    href : where an alliance's name links to (already URL-quoted by the caller).
    note : an optional short line under the alliance's type (escaped here).
    failures : (file name, reason) of params files that could not be shown, one row each.
    pdf : where the alliance's PDF report is (already URL-quoted), ``None`` when it has none.
    """
    from .areas import AREAS

    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    key = " · ".join(f"{SYMBOLS[s]} {LIGHTS[s][1]}" for s in ("red", "amber", "green", "unknown", "none"))
    legend = (
        '<p class="wb-portfolio-key" style="font-size:0.9em;color:#444;margin:0 0 6px">'
        f"Areas, in order: {escape(', '.join(a.label for a in AREAS.values()))}. {escape(key)}.</p>"
    )
    body = []
    for s in summaries:
        extra = f"<br><small>{escape(note(s))}</small>" if note is not None and note(s) else ""
        pdf_href = pdf(s) if pdf is not None else None
        if pdf_href:
            extra += f'<br><small><a class="wb-pdf" href="{escape(pdf_href)}">PDF</a></small>'
        name = (
            f'<a class="wb-open" href="{escape(href(s))}">{escape(str(s["alliance"]))}</a>'
            f"<br><small>{escape(str(s['type']))}</small>{extra}"
        )
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in [name, *row_cells(s)]) + "</tr>")
    for name, reason in failures:
        body.append(
            f'<tr class="failed"><td colspan="{len(HEADERS)}"><strong>Failed: {escape(name)}</strong>'
            f"<pre>{escape(reason)}</pre></td></tr>"
        )
    return f'{legend}<table class="{escape(css_class)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
