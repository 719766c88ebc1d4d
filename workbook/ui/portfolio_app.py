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
from ..portfolio import table_html
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


def portfolio_app() -> W.Widget:
    """Every alliance in the params folder: a summary table, a chart, and links to each dashboard."""
    theme.enable()
    rows, problems = portfolio_rows()
    # a row is wider than the app's column: the table scrolls sideways and the flags keep a reading width
    table = W.HTML(
        "<style>.wb-portfolio-scroll { overflow-x: auto; } .wb-portfolio-scroll td.wb-flags { width: 18em; min-width: 18em; }</style>"
        '<div class="wb-portfolio-scroll">'
        + table_html(rows, lambda r: f"alliance.ipynb?params={quote(r['file'])}", css_class="wb-metrics wb-portfolio")
        + "</div>"
    )
    parts: list[W.Widget] = [
        W.HTML(CSS + f"<p>{count(len(rows), 'alliance')}. Open one to explore what would change its payback.</p>"),
        table,
    ]
    if rows:
        parts.append(live_chart(break_even_chart(rows)))
    for p in problems:
        parts.append(W.HTML(message("error", p)))
    root = W.VBox(parts)
    root.add_class("wb-app")
    root.add_class("wb-portfolio-app")
    return root


__all__ = ["portfolio_app", "portfolio_rows"]
