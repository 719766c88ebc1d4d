"""The one portfolio table: a row per alliance, read from its ``summary --json`` fields, shown
the same way on the portfolio page of the reports folder and in the portfolio dashboard.

Every value is escaped here; the caller says where an alliance's name links to (its report,
or its dashboard) and may add a line under the name (when its report was rendered).

Each row carries what a page needs to sort and filter it without reading its text: a cell's
``data-sort`` (a number, or empty when there is none) and the row's ``data-type``,
``data-lights`` (``area:status`` per area) and ``data-status`` (see :func:`status_tags`).
Both pages sort and filter with them through one script, ``templates/portfolio_table.js``
(inlined into the index page, the module of the dashboard's table widget), with the controls
of :func:`interactive_html`; the table reads the same without it. On a phone both show the
table as one card per alliance (``templates/portfolio_table.css``, :func:`styles`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from .currency import money
from .flags import LIGHTS, SYMBOLS, same_action
from .months import MonthNames
from .resources import templates_dir
from .summary import Summary, SummaryFlag
from .text import chance, count

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
    "Plan against actual",
    "Sourced share, pipeline",
    "Top flags",
)
#: How many flags a row shows before "+ N more".
FLAGS_SHOWN = 3

#: How each column sorts in the "Sort by" list: the words for ascending, then descending.
SORT_WORDS = (
    ("A to Z", "Z to A"),
    ("fewest problems first", "needs a look first"),
    ("lowest first", "highest first"),
    ("lowest first", "highest first"),
    ("soonest first", "latest first"),
    ("soonest first", "latest first"),
    ("smallest first", "largest first"),
    ("lowest first", "highest first"),
    ("lowest first", "highest first"),
    ("ahead of plan first", "furthest behind first"),
    ("lowest first", "highest first"),
    ("fewest first", "most serious first"),
)

#: The status filter's choices: a value of the rows' ``data-status`` (see :func:`status_tags`)
#: and its words.
STATUSES = (
    ("attention", "Needs attention (a red light, or break-even after the commitment)"),
    ("late", "Breaks even only after its commitment ends, or not at all"),
    ("in-time", "Breaks even within its commitment"),
)


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def month_names(s: Summary) -> MonthNames:
    """How the row's months are worded: dated by its ``start`` (none in a summary kept from
    before the field existed)."""
    return MonthNames(s.start_date)


def month_cell(value: int | None, none: str, names: MonthNames) -> str:
    """A month in a table cell, escaped: "month 16", or with a start the calendar month over
    its number ("Apr 2027", then "month 16" in small type) to keep the column narrow."""
    if value is None:
        return escape(none)
    if not names.known:
        return escape(names.long(value))
    return f'<span class="wb-calendar" style="white-space:nowrap">{escape(names.short(value))}</span><br><small>month {value}</small>'


def is_late(s: Summary) -> bool:
    """Breaks even only after its committed resources end (or not within the horizon)."""
    return s.late


def needs_attention(s: Summary) -> bool:
    """An area's light is red (act now), or break-even comes only after the commitment ends."""
    return "red" in s.areas.values() or is_late(s)


def status_tags(s: Summary) -> list[str]:
    """The row's ``data-status``: ``attention`` (:func:`needs_attention`), then ``late`` (breaks
    even after its commitment or not within the horizon, :func:`is_late`) or ``in-time``."""
    return (["attention"] if needs_attention(s) else []) + ["late" if is_late(s) else "in-time"]


#: How the tracking column sorts: the further behind, the higher (no actuals: empty); an alliance
#: over budget sorts just above one as far behind on budget.
_TRACKING_RANK = {"ahead": 1, "on_plan": 2, "behind": 3, "below_p10": 4}


def _tracking_sort(s: Summary) -> int | None:
    rank = _TRACKING_RANK.get(str(s.tracking))
    if rank is None:
        return None
    return 2 * rank + (1 if s.spend_tracking == "over_budget" else 0)


def tracking_cell(s: Summary) -> str:
    """The plan against actual in a few words, e.g. "behind plan at month 12; over budget;
    re-forecast break-even month 18", or "...; broke even in month 6" when the re-forecast
    breaks even within the recorded months ("... at Dec 2026; ...; re-forecast break-even Jun
    2027" with a start; escaped); "—" without actuals."""
    from .text import SPEND_WORDS, TRACKING_WORDS

    state = s.tracking
    if state is None:
        return "—"
    names = month_names(s)
    be = s.reforecast_break_even_month
    through = s.actuals_through_month
    if be is None:
        forecast = "re-forecast: no break-even within the horizon"
    elif through is not None and be <= through:
        forecast = f"broke even in {names.short(be)}"
    else:
        forecast = f"re-forecast break-even {names.short(be)}"
    words = f"{TRACKING_WORDS.get(state, state)} at {names.short(through) if through is not None else 'month None'}"
    css = "late" if state in ("behind", "below_p10") else "ok"
    spend = s.spend_tracking
    spent = ""
    if spend is not None:
        spent = f'; <span class="wb-spend {"late" if spend == "over_budget" else "ok"}">{escape(SPEND_WORDS.get(spend, spend))}</span>'
    return f'<span class="wb-tracking {css}">{escape(words)}</span>{spent}; {escape(forecast)}'


def pipeline_cell(s: Summary) -> str:
    """The partner's share of the credit and its open pipeline in a few words (escaped):
    "sourced 62%; pipeline $80,000 in 8 open deals, win rate 60%"; "—" without either. Summaries
    kept from before these fields existed read as having neither (:meth:`Summary.kept`)."""
    parts = []
    share = s.sourced_share
    if share is not None:
        parts.append(f"sourced {share:.0%}")
    deals, amount = s.pipeline_deals, s.pipeline_amount
    if deals is not None and amount is not None:
        w = s.win_rate
        rate = "no win rate yet" if w is None else f"win rate {w:.0%}"
        parts.append(f"pipeline {money(amount, s.currency)} in {count(deals, 'open deal')}, {rate}")
    return escape("; ".join(parts)) if parts else "—"


#: How much each light weighs in the areas column's sort key (red outweighs any number of ambers).
_LIGHT_WEIGHT = {"red": 100, "amber": 10, "unknown": 1}


def _number(value: float | None) -> str:
    return "" if value is None else str(value)


def sort_keys(s: Summary) -> list[str]:
    """The ``data-sort`` of each cell after the name: a number, or ``""`` when there is none
    (no break-even within the horizon, no trust answers, ...).

    The areas column sorts by how serious its lights are (each red outweighs every amber, each
    amber every light without enough answers); the flags column by its high-severity flags, then
    by all its flags. So a descending sort puts the alliances that need a look first.
    """
    flags = s.flags
    high = sum(1 for f in flags if f.severity == "high")
    return [
        str(sum(_LIGHT_WEIGHT.get(status, 0) for status in s.areas.values())),
        _number(s.readiness_score),
        _number(s.trust_index),
        _number(s.first_revenue_month),
        _number(s.break_even_month),
        _number(s.peak_funding_need),
        _number(s.npv),
        _number(s.p_break_even_within_commitment),
        _number(_tracking_sort(s)),
        _number(s.sourced_share),
        str(high * 1000 + len(flags)),
    ]


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


def top_flags(flags: Sequence[SummaryFlag], n: int = FLAGS_SHOWN) -> list[SummaryFlag]:
    """The first ``n`` flags of a summary (most severe first), skipping one whose recommended
    action reads the same as one already taken (:func:`workbook.flags.same_action`): two
    findings asking for the same thing (no alliance manager named, the post vacant) take one
    line. A flag without an action (a summary written before flags carried one) is kept."""
    out: list[SummaryFlag] = []
    for f in flags:
        if len(out) == n:
            break
        if not f.action or not any(same_action(f.action, g.action) for g in out):
            out.append(f)
    return out


def row_cells(s: Summary) -> list[str]:
    """The cells of one alliance after its name, as escaped HTML."""
    late = is_late(s)
    flags = s.flags
    top = top_flags(flags)
    shown = "".join(f'<div class="flag-{escape(f.severity)}" title="{escape(f.message)}">{escape(f.message)}</div>' for f in top)
    if len(flags) > len(top):
        shown += f"<div><small>+ {len(flags) - len(top)} more</small></div>"
    names = month_names(s)
    return [
        lights(s.areas),
        _score(s.readiness_score),
        _score(s.trust_index),
        month_cell(s.first_revenue_month, "none", names),
        f'<span class="{"late" if late else "ok"}">{month_cell(s.break_even_month, "not within the horizon", names)}</span>'
        f" / commitment {count(s.commitment_months, 'month')}",
        escape(money(s.peak_funding_need, s.currency)),
        escape(money(s.npv, s.currency)),
        escape(chance(s.p_break_even_within_commitment)),
        tracking_cell(s),
        pipeline_cell(s),
        shown or "—",
    ]


def table_html(
    summaries: Sequence[Summary],
    href: Callable[[Summary], str],
    note: Callable[[Summary], str] | None = None,
    failures: Sequence[tuple[str, str]] = (),
    css_class: str = "wb-portfolio",
    pdf: Callable[[Summary], str | None] | None = None,
    xlsx: Callable[[Summary], str | None] | None = None,
) -> str:
    """The portfolio table.

    href : where an alliance's name links to (already URL-quoted by the caller).
    note : an optional short line under the alliance's type (escaped here).
    failures : (file name, reason) of params files that could not be shown, one row each, in a
        body of their own after the alliances'.
    pdf : where the alliance's PDF report is (already URL-quoted), ``None`` when it has none.
    xlsx : where the alliance's spreadsheet model.xlsx is (already URL-quoted), ``None`` when it
        has none.
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
        xlsx_href = xlsx(s) if xlsx is not None else None
        files = []
        if pdf_href:
            files.append(f'<a class="wb-pdf" href="{escape(pdf_href)}">PDF</a>')
        if xlsx_href:
            files.append(f'<a class="wb-xlsx" href="{escape(xlsx_href)}" download>Spreadsheet</a>')
        if files:
            extra += f"<br><small>{' · '.join(files)}</small>"
        name = (
            f'<a class="wb-open" href="{escape(href(s))}">{escape(s.alliance)}</a>'
            f"<br><small>{escape(s.type)}</small>{extra}"
        )
        row_lights = " ".join(f"{k}:{s.areas.get(k, 'none')}" for k in AREAS)
        cells = [f"<td>{name}</td>"]
        for i, (cell, sort) in enumerate(zip(row_cells(s), sort_keys(s), strict=True)):
            # the flags get a reading width; an empty cell is left out of a phone's card
            css = ["wb-flags"] if i == len(HEADERS) - 2 else []
            css += ["wb-empty"] if cell == "—" else []
            attr = f' class="{" ".join(css)}"' if css else ""
            cells.append(f'<td{attr} data-label="{escape(HEADERS[i + 1])}" data-sort="{escape(sort)}">{cell}</td>')
        body.append(
            f'<tr data-type="{escape(s.type)}" data-lights="{escape(row_lights)}" '
            f'data-status="{escape(" ".join(status_tags(s)))}">{"".join(cells)}</tr>'
        )
    failed = "".join(
        f'<tr class="failed"><td colspan="{len(HEADERS)}"><strong>Failed: {escape(name)}</strong>'
        f"<pre>{escape(reason)}</pre></td></tr>"
        for name, reason in failures
    )
    # failed files get a body of their own, which sorting and filters leave alone
    failed_body = f'<tbody class="wb-failed-files">{failed}</tbody>' if failed else ""
    return (
        f'{legend}<table class="{escape(css_class)}"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(body)}</tbody>{failed_body}</table>'
    )


def light_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The area-light filter's choices, grouped: any area red or amber, then each area of the
    registry by light. Values match the rows' ``data-lights`` (``area:status``; ``*`` is any area)."""
    from .areas import AREAS

    groups = [("Any area", [("*:red", f"An area to {LIGHTS['red'][1]} (red)"), ("*:amber", f"An area to {LIGHTS['amber'][1]} (amber)")])]
    for key, area in AREAS.items():
        groups.append((area.label, [(f"{key}:{status}", f"{area.label}: {LIGHTS[status][1]}") for status in LIGHTS]))
    return groups


def sort_choices() -> list[tuple[str, str]]:
    """The "Sort by" list: ``("", "As listed")``, then each column both ways, its value
    ``column:ascending`` or ``column:descending`` (the column counted from 0, the name)."""
    out = [("", "As listed (by name)")]
    for c, (header, (up, down)) in enumerate(zip(HEADERS, SORT_WORDS, strict=True)):
        out += [(f"{c}:ascending", f"{header}: {up}"), (f"{c}:descending", f"{header}: {down}")]
    return out


def _options(choices: Sequence[tuple[str, str]]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(words)}</option>' for v, words in choices)


def interactive_html(table: str, summaries: Sequence[Summary]) -> str:
    """The portfolio ``table`` (:func:`table_html`) with what sorts, searches and filters it:
    the search box, the type, status and area-light filters, the "Sort by" list, "Show all",
    the count of alliances shown and the line shown when none matches. The controls stay
    hidden until :func:`script` runs (without it the table is complete). Escaped here."""
    types = sorted({s.type for s in summaries})
    lights = "".join(
        f'<optgroup label="{escape(group)}">{_options(options)}</optgroup>' for group, options in light_choices()
    )
    shown = f"{len(summaries):,} of {count(len(summaries), 'alliance')} shown"
    controls = (
        '<form class="wb-controls" id="wb-portfolio-controls" role="search" aria-label="Search, sort and filter the alliances" hidden>'
        '<label>Search alliance names <input type="search" name="q" autocomplete="off" spellcheck="false"></label>'
        f'<label>Type <select name="type"><option value="">All types</option>{_options([(t, t) for t in types])}</select></label>'
        f'<label>Status <select name="status"><option value="">All alliances</option>{_options(STATUSES)}</select></label>'
        f'<label>Area lights <select name="light"><option value="">Any lights</option>{lights}</select></label>'
        f'<label>Sort by <select name="sort">{_options(sort_choices())}</select></label>'
        '<button type="reset">Show all</button>'
        "</form>"
        f'<p class="wb-count" id="wb-portfolio-count" role="status" hidden>{escape(shown)}</p>'
    )
    none = (
        '<p class="wb-none" id="wb-portfolio-none" hidden>No alliance matches this search and these filters: '
        "<em>Show all</em> lists every one again.</p>"
    )
    return f'<div class="wb-portfolio-block">{controls if summaries else ""}{table}{none if summaries else ""}</div>'


def script() -> str:
    """The one script that sorts, searches and filters the portfolio table: it defines
    ``wbPortfolioTable(root)``, which wires up the :func:`interactive_html` inside ``root``."""
    return (templates_dir() / "portfolio_table.js").read_text(encoding="utf-8")


def styles() -> str:
    """The portfolio table's own CSS (no ``<style>`` tag): one card per alliance on a phone."""
    return (templates_dir() / "portfolio_table.css").read_text(encoding="utf-8")
