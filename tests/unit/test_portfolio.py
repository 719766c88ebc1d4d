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
    dashboard = next(w.value for w in app.children if "<table" in getattr(w, "value", ""))
    heads = [unescape(h) for h in re.findall(r"<th>([^<]*)</th>", dashboard)]
    assert heads == list(HEADERS)


def test_names_and_flags_from_a_params_file_are_escaped():
    row = _summaries()[0] | {"alliance": "<script>x</script>", "flags": [{"severity": "high", "message": "<b>m</b>"}]}
    html = table_html([row], lambda s: "a?b=<c>")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>m</b>" not in html
    assert 'href="a?b=&lt;c&gt;"' in html


def test_the_portfolio_dashboard_searches_and_sorts_its_rows(tmp_path, monkeypatch):
    import shutil

    from tests.conftest import PARAMS
    from workbook.ui.portfolio_app import SORTS, filtered, portfolio_app, portfolio_rows

    folder = tmp_path / "params"
    shutil.copytree(PARAMS, folder)
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(folder))
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    rows, _ = portfolio_rows()
    names = sorted(str(r["alliance"]) for r in rows)
    by = {label: i for i, (label, _, _) in enumerate(SORTS)}
    assert [r["alliance"] for r in filtered(rows, "", by["Alliance name"])] == sorted(names, key=str.casefold)
    npv = [r["npv"] for r in filtered(rows, "", by["NPV, largest first"])]
    assert npv == sorted(npv, reverse=True)
    soonest = [r["break_even_month"] for r in filtered(rows, "", by["Break-even, soonest first"])]
    known = [m for m in soonest if m is not None]
    assert known == sorted(known) and soonest[: len(known)] == known  # none within the horizon: last
    # search: any case, every word must match
    one = filtered(rows, "  BRIGHTDESK  ", 0)
    assert [r["alliance"] for r in one] == [n for n in names if "brightdesk" in n.casefold()]
    assert filtered(rows, "brightdesk nothing-like-this", 0) == []

    app = portfolio_app()
    search = next(w for w in app.children if hasattr(w, "children") for w in w.children if "wb-portfolio-search" in w._dom_classes)
    table = app.children[-1] if not any("error" in getattr(w, "value", "") for w in app.children[-1:]) else None
    assert table is not None and table.value.count("wb-open") == len(rows)
    search.value = "brightdesk"
    assert table.value.count("wb-open") == 1
    assert "1 alliance of 4 shown" in app.children[2].children[2].value


def test_the_index_marks_a_report_whose_params_file_is_gone(tmp_path):
    import datetime as dt
    import shutil

    from workbook.index import render_index
    from workbook.params import load_params
    from workbook.outcomes import Outcome
    from workbook.summary import summarise

    rows = []
    for example in EXAMPLES[:2]:
        copy = tmp_path / example.name
        shutil.copy(example, copy)
        params = load_params(copy)
        summary = {**summarise(params), "file": str(copy)}
        rows.append(Outcome(params_path=copy, slug=params.slug, ok=True, summary=summary, rendered=dt.datetime(2026, 3, 31, 9, 30)))
    gone = rows[0].params_path
    gone.unlink()  # the analyst deleted the alliance's file; its report folder is still there
    page = render_index(rows, tmp_path)
    assert f"its params file {gone.name} no longer exists" in page
    assert page.count("no longer exists") == 1  # the other alliance's file is still there
