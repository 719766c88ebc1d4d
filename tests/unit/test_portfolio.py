"""The one portfolio table: the reports folder's index page and the portfolio dashboard show the
same columns, each alliance's area lights come from the registry of areas, and every value from a
params file is escaped."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import EXAMPLES
from workbook import load_params
from workbook.summary import Summary, SummaryFlag, summary_of
from workbook.areas import AREAS
from workbook.portfolio import HEADERS, table_html


def _summaries() -> list[Summary]:
    return [summary_of(load_params(p), p) for p in EXAMPLES]


def test_each_row_shows_one_light_per_area_with_its_name_and_status_in_words():
    rows = _summaries()
    html = table_html(rows, lambda s: "x.html")
    labels = [unescape(title) for _, title in re.findall(r'class="wb-light wb-light-(\w+)" title="([^"]*)"', html)]
    assert len(labels) == len(AREAS) * len(rows)
    first = labels[: len(AREAS)]
    assert [label.split(":")[0] for label in first] == [a.label for a in AREAS.values()]
    statuses = re.findall(r'class="wb-light wb-light-(\w+)"', html)[: len(AREAS)]
    assert statuses == [rows[0].areas[k] for k in AREAS]


def test_the_index_page_and_the_dashboard_share_one_table(tmp_path, monkeypatch):
    from workbook.ui import dashboards

    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(EXAMPLES[0].parent))
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path))  # where the dashboard keeps its summaries
    app = dashboards.portfolio_app()
    dashboard = next(w.html for w in app.children if "<table" in getattr(w, "html", ""))
    heads = [unescape(h) for h in re.findall(r"<th>([^<]*)</th>", dashboard)]
    assert heads == list(HEADERS)


def test_names_and_flags_from_a_params_file_are_escaped():
    flag = {"code": "c", "severity": "high", "message": "<b>m</b>", "area": "trust", "subject": "", "action": ""}
    row = _summaries()[0].model_copy(update={"alliance": "<script>x</script>", "flags": [SummaryFlag(**flag)]})
    html = table_html([row], lambda s: "a?b=<c>")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>m</b>" not in html
    assert 'href="a?b=&lt;c&gt;"' in html


def test_the_index_page_and_the_dashboard_search_and_sort_with_one_script(tmp_path, monkeypatch):
    """No search or sort of its own in the dashboard: its table widget runs the index page's
    script on the same controls (the script's behaviour: tests/browser/test_portfolio_page.py)."""
    import datetime as dt
    import shutil

    from tests.conftest import PARAMS
    from workbook.reports.portfolio_page import render_index
    from workbook.portfolio import script, sort_choices
    from workbook.outcomes import Outcome
    from workbook.ui.portfolio_app import PortfolioTable, portfolio_app

    folder = tmp_path / "params"
    shutil.copytree(PARAMS, folder)
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(folder))
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    widget = next(w for w in portfolio_app().children if isinstance(w, PortfolioTable))
    assert widget._esm.startswith(script()) and "wbPortfolioTable(el)" in widget._esm
    rows = _summaries()
    page = render_index([Outcome(params_path=p, slug=s.slug, ok=True, summary=s, rendered=dt.datetime(2026, 3, 31)) for p, s in zip(EXAMPLES, rows)])
    assert script() in page and "wbPortfolioTable(document)" in page

    def controls(html: str) -> list[str]:
        return re.findall(r'<(?:input|select|button)[^>]*(?:name="\w+"|type="reset")', html)

    assert controls(widget.html) == controls(page) and len(controls(page)) == 6
    # the dashboard lists its alliances by name before any sort, as the index does (reports_in)
    names = re.findall(r'class="wb-open" href="[^"]*">([^<]*)<', widget.html)
    assert len(names) == len(EXAMPLES) and names == sorted(names, key=str.casefold)
    # every column can be sorted both ways from the list, as from its heading (no headings on a phone)
    assert [v for v, _ in sort_choices()][1:] == [f"{c}:{d}" for c in range(len(HEADERS)) for d in ("ascending", "descending")]


def test_a_row_shows_at_most_three_flags_and_each_cell_names_its_column():
    flags = [SummaryFlag(code="c", severity="low", message=f"flag {i}", area="trust", subject="", action=f"do {i}") for i in range(7)]
    row = _summaries()[0].model_copy(update={"flags": flags})
    html = table_html([row], lambda s: "x.html")
    flags = re.search(r'<td class="wb-flags"[^>]*>(.*?)</td>', html).group(1)
    assert re.findall(r">(flag \d)<", flags) == ["flag 0", "flag 1", "flag 2"] and "+ 4 more" in flags
    labels = [unescape(label) for label in re.findall(r'data-label="([^"]*)"', html)]
    assert labels == list(HEADERS[1:])  # a phone's card shows each figure under its column's name


def test_the_index_marks_a_report_whose_params_file_is_gone(tmp_path):
    import datetime as dt
    import shutil

    from workbook.reports.portfolio_page import render_index
    from workbook.params import load_params
    from workbook.outcomes import Outcome
    rows = []
    for example in EXAMPLES[:2]:
        copy = tmp_path / example.name
        shutil.copy(example, copy)
        params = load_params(copy)
        summary = summary_of(params, copy)
        rows.append(Outcome(params_path=copy, slug=params.slug, ok=True, summary=summary, rendered=dt.datetime(2026, 3, 31, 9, 30)))
    gone = rows[0].params_path
    gone.unlink()  # the analyst deleted the alliance's file; its report folder is still there
    page = render_index(rows, tmp_path)
    assert f"its params file {gone.name} no longer exists" in page
    assert page.count("no longer exists") == 1  # the other alliance's file is still there
