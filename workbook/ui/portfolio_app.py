"""The stakeholders' portfolio dashboard: every alliance in the params folder at a glance.

Each alliance's summary comes from its report (when rendered from the same file by the same
package) or from what an earlier visit kept in the reports folder (:mod:`workbook.summary_store`);
only new or edited files are modelled again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import ipywidgets as W

from ..charts import theme
from ..charts.portfolio import break_even_chart
from ..charts.render import live_chart
from ..errors import ParamsError
from ..portfolio import sort_keys, table_html
from ..summary_store import SummaryStore, summary_of
from ..text import count
from .common import CSS, explain, message
from .paths import params_dir, reports_dir


def portfolio_rows() -> tuple[list[dict[str, Any]], list[str]]:
    """One summary per valid params file (its ``file`` the file's name), and the problems of the
    others (escaped later). Unchanged files are not modelled again: see :mod:`workbook.summary_store`."""
    rows, problems = [], []
    store = SummaryStore(reports_dir())
    for path in sorted(params_dir().glob("*.yaml")):
        try:
            s = summary_of(path, store)
        except ParamsError as exc:
            problems.append(explain(exc))
            continue
        s["file"] = path.name
        rows.append(s)
    store.prune()
    return rows, problems


#: The portfolio's own styles: the whole width of the screen, compact rows, flags at a reading
#: width in a smaller type; a row wider than the screen scrolls sideways in the table's box.
PORTFOLIO_CSS = """<style>
.wb-app.wb-portfolio-app { max-width: 1500px; }
.wb-portfolio-scroll { overflow-x: auto; }
.wb-portfolio-scroll table.wb-portfolio { line-height: 1.3; font-size: 13.5px; }
.wb-portfolio-scroll .wb-portfolio td, .wb-portfolio-scroll .wb-portfolio th { padding: 5px 7px; vertical-align: top; }
.wb-portfolio-scroll .wb-portfolio td:nth-child(10) { min-width: 8.5em; }
.wb-portfolio-scroll td.wb-flags { width: 19em; min-width: 15em; font-size: 12.5px; }
.wb-portfolio-controls { gap: 12px; align-items: center; flex-wrap: wrap; }
</style>"""

#: What the table can be sorted by: (label, column of :func:`workbook.portfolio.sort_keys`, or
#: ``None`` for the name; whether a larger value comes first).
SORTS: tuple[tuple[str, int | None, bool], ...] = (
    ("Needs a look first (areas)", 0, True),
    ("Alliance name", None, False),
    ("Break-even, soonest first", 4, False),
    ("Peak funding need, largest first", 5, True),
    ("NPV, largest first", 6, True),
    ("Chance to break even, lowest first", 7, False),
    ("Readiness, lowest first", 1, False),
    ("Trust, lowest first", 2, False),
)


def filtered(rows: list[dict[str, Any]], search: str, sort: int) -> list[dict[str, Any]]:
    """``rows`` whose alliance, type, vendor or partner holds ``search`` (any case), in the order
    of :data:`SORTS` entry ``sort``; rows without a value for the key go last, by name."""
    words = search.casefold().split()

    def text(r: dict[str, Any]) -> str:
        return " ".join(str(r.get(k, "")) for k in ("alliance", "type", "vendor", "partner", "file")).casefold()

    shown = [r for r in rows if all(w in text(r) for w in words)]
    _, column, descending = SORTS[sort]
    by_name = sorted(shown, key=lambda r: str(r["alliance"]).casefold())
    if column is None:
        return by_name
    valued = [r for r in by_name if sort_keys(r)[column] != ""]
    empty = [r for r in by_name if sort_keys(r)[column] == ""]
    valued.sort(key=lambda r: float(sort_keys(r)[column]), reverse=descending)
    return valued + empty


def portfolio_app() -> W.Widget:
    """Every alliance in the params folder: the break-even chart, then a table that can be
    searched and sorted, with links to each alliance's dashboard."""
    theme.enable()
    rows, problems = portfolio_rows()
    search = W.Text(placeholder="Search by alliance, company or type", layout=W.Layout(width="320px"))
    search.add_class("wb-portfolio-search")
    sort = W.Dropdown(options=[(label, i) for i, (label, _, _) in enumerate(SORTS)], value=0, description="Sort", layout=W.Layout(width="340px"))
    sort.add_class("wb-portfolio-sort")
    shown = W.HTML()
    table = W.HTML()

    def draw(_: object = None) -> None:
        these = filtered(rows, search.value, sort.value)
        shown.value = f"<small>{count(len(these), 'alliance')} of {len(rows)} shown</small>" if len(these) != len(rows) else ""
        table.value = (
            '<div class="wb-portfolio-scroll">'
            + table_html(these, lambda r: f"alliance.ipynb?params={quote(r['file'])}", css_class="wb-metrics wb-portfolio")
            + "</div>"
        )

    search.observe(draw, names="value")
    sort.observe(draw, names="value")
    draw()
    controls = W.HBox([search, sort, shown])
    controls.add_class("wb-portfolio-controls")
    parts: list[W.Widget] = [
        W.HTML(CSS + PORTFOLIO_CSS + f"<p>{count(len(rows), 'alliance')}. Open one to explore what would change its payback.</p>"),
    ]
    if rows:
        parts.append(live_chart(break_even_chart(rows)))
        parts.append(controls)
    parts.append(table)
    for p in problems:
        parts.append(W.HTML(message("error", p)))
    root = W.VBox(parts)
    root.add_class("wb-app")
    root.add_class("wb-portfolio-app")
    return root


__all__ = ["portfolio_app", "portfolio_rows"]
