"""The one portfolio table: the reports folder's index page and the portfolio dashboard show the
same columns, each alliance's area lights come from the registry of areas, and every value from a
params file is escaped."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import EXAMPLES
from workbook import load_params, summarise
from workbook.areas import AREAS
from workbook.portfolio import HEADERS, table_html


def _summaries() -> list[dict]:
    return [summarise(load_params(p), p) for p in EXAMPLES]


def test_each_row_shows_one_light_per_area_with_its_name_and_status_in_words():
    rows = _summaries()
    html = table_html(rows, lambda s: "x.html")
    labels = [unescape(title) for _, title in re.findall(r'class="wb-light wb-light-(\w+)" title="([^"]*)"', html)]
    assert len(labels) == len(AREAS) * len(rows)
    first = labels[: len(AREAS)]
    assert [label.split(":")[0] for label in first] == [a.label for a in AREAS.values()]
    statuses = re.findall(r'class="wb-light wb-light-(\w+)"', html)[: len(AREAS)]
    assert statuses == [rows[0]["areas"][k] for k in AREAS]


def test_the_index_page_and_the_dashboard_share_one_table(tmp_path, monkeypatch):
    from workbook.ui import dashboards

    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(EXAMPLES[0].parent))
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path))  # where the dashboard keeps its summaries
    app = dashboards.portfolio_app()
    dashboard = next(w.value for w in app.children if "wb-portfolio" in getattr(w, "value", ""))
    heads = [unescape(h) for h in re.findall(r"<th>([^<]*)</th>", dashboard)]
    assert heads == list(HEADERS)


def test_names_and_flags_from_a_params_file_are_escaped():
    row = _summaries()[0] | {"alliance": "<script>x</script>", "flags": [{"severity": "high", "message": "<b>m</b>"}]}
    html = table_html([row], lambda s: "a?b=<c>")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>m</b>" not in html
    assert 'href="a?b=&lt;c&gt;"' in html
