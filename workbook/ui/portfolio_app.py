"""The stakeholders' portfolio dashboard: every alliance in the params folder at a glance.

Each alliance's summary comes from its report (when rendered from the same file by the same
package) or from what an earlier visit kept in the reports folder (:mod:`workbook.reports.summary_store`);
only new or edited files are modelled again.

The table is the reports folder's index table, with the same search, filters and sort, run in
the browser by the same script (:class:`PortfolioTable`): nothing is searched or sorted in the
kernel, so there is one implementation and a search answers without a round trip.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import anywidget
import ipywidgets as W
import traitlets

from ..charts import theme
from ..charts.portfolio import break_even_chart
from ..charts.render import live_chart
from ..errors import ParamsError
from ..params import is_programme_file
from ..portfolio import interactive_html, script, styles, table_html
from ..reports.summary_store import SummaryStore, stored_summary
from ..summary import Summary
from ..text import count
from .common import CSS, explain, message
from .paths import has_programme, params_dir, reports_dir

#: The widget's side in the browser: the portfolio's script, then what draws the table in the
#: widget's element and wires it up.
_RENDER = """
export default {
  render({ model, el }) {
    const draw = () => {
      el.innerHTML = model.get("html");
      wbPortfolioTable(el);
    };
    model.on("change:html", draw);
    draw();
    return () => model.off("change:html", draw);
  }
};
"""


class PortfolioTable(anywidget.AnyWidget):
    """The portfolio table with its search, filters and "Sort by" list
    (:func:`workbook.portfolio.interactive_html`), sorted and filtered in the browser by
    :func:`workbook.portfolio.script`, as on the index page; one card per alliance on a phone."""

    html = traitlets.Unicode("").tag(sync=True)
    _esm = traitlets.Unicode().tag(sync=True)
    _css = traitlets.Unicode().tag(sync=True)

    @traitlets.default("_esm")
    def _module(self) -> str:
        return script() + _RENDER

    @traitlets.default("_css")
    def _styles(self) -> str:
        return styles()


def portfolio_rows() -> tuple[list[Summary], list[str]]:
    """One summary per valid params file (its ``file`` the file's name), and the problems of the
    others (escaped later). Unchanged files are not modelled again: see :mod:`workbook.reports.summary_store`."""
    rows, problems = [], []
    store = SummaryStore(reports_dir())
    for path in sorted(p for p in params_dir().glob("*.yaml") if not is_programme_file(p)):
        try:
            s = stored_summary(path, store)
        except ParamsError as exc:
            problems.append(explain(exc))
            continue
        rows.append(s.model_copy(update={"file": path.name}))
    store.prune()
    return rows, problems


#: The portfolio's own styles: the whole width of the screen, compact rows, flags at a reading
#: width in a smaller type; a row wider than the screen scrolls sideways in the table's box (a
#: phone shows cards instead: :func:`workbook.portfolio.styles`).
PORTFOLIO_CSS = """<style>
.wb-app.wb-portfolio-app { max-width: 1500px; }
.wb-portfolio-scroll { overflow-x: auto; }
.wb-portfolio-scroll table.wb-portfolio { line-height: 1.3; font-size: 13.5px; }
.wb-portfolio-scroll .wb-portfolio td, .wb-portfolio-scroll .wb-portfolio th { padding: 5px 5px; vertical-align: top; }
.wb-portfolio-scroll .wb-portfolio td:nth-child(10) { min-width: 8.5em; }
.wb-portfolio-scroll td.wb-flags { width: 16em; min-width: 14em; font-size: 12.5px; }
.wb-portfolio-app .late { color: #A63A00; font-weight: bold; }
.wb-portfolio-app .ok { color: #00704F; }
.wb-portfolio-app .flag-high { color: #A63A00; }
</style>"""


def portfolio_app() -> W.Widget:
    """Every alliance in the params folder: the break-even chart, then a table that can be
    searched and sorted, with links to each alliance's dashboard."""
    theme.enable()
    rows, problems = portfolio_rows()
    rows.sort(key=lambda r: r.alliance.casefold())  # "as listed": by name, as on the index page
    table = PortfolioTable(
        html=interactive_html(
            '<div class="wb-portfolio-scroll">'
            + table_html(rows, lambda r: f"alliance.ipynb?params={quote(r.file or '')}", css_class="wb-metrics wb-portfolio")
            + "</div>",
            rows,
        )
    )
    table.add_class("wb-portfolio-table")
    link = (
        '<p class="wb-programme-link"><a href="programme.ipynb">The programme</a>: every alliance on one calendar, '
        "its J-curve, the budget and which alliances to fund.</p>"
        if has_programme() else ""
    )
    parts: list[W.Widget] = [
        W.HTML(CSS + PORTFOLIO_CSS + f"<p>{count(len(rows), 'alliance')}. Open one to explore what would change its payback.</p>" + link),
    ]
    if rows:
        parts.append(live_chart(break_even_chart(rows)))
    parts.append(table)
    for p in problems:
        parts.append(W.HTML(message("error", p)))
    root = W.VBox(parts)
    root.add_class("wb-app")
    root.add_class("wb-portfolio-app")
    return root


__all__ = ["PortfolioTable", "portfolio_app", "portfolio_rows"]
