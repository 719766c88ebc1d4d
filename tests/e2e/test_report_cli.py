"""`workbook report` end to end: papermill runs the real notebook for every example."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, MINIMAL_PARAMS, open_report, outside_requests, workbook_cmd
from workbook import load_params, summarise
from workbook.reports.page_charts import static_page

pytestmark = pytest.mark.notebook

# line 9 breaks: a partner margin given as a percentage
BAD = MINIMAL_PARAMS.replace("Test alliance", "Broken alliance").replace("partner_margin: 0.2", "partner_margin: 20")


@pytest.fixture
def page(browser):
    """A page of the session's Chromium that records every request it makes (``page.requests``)."""
    p = browser.new_page()
    p.requests = []  # type: ignore[attr-defined]
    p.on("request", lambda req: p.requests.append(req.url))  # type: ignore[attr-defined]
    yield p
    p.close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """All examples plus one bad file, rendered two at a time."""
    tmp = tmp_path_factory.mktemp("batch")
    bad = tmp / "broken.yaml"
    bad.write_text(BAD)
    out = tmp / "out"
    proc = workbook_cmd("report", *map(str, EXAMPLES), str(bad), "--out", str(out), "--jobs", "2")
    return proc, out, bad


def test_a_bad_file_fails_alone_with_its_reason(batch):
    proc, out, bad = batch
    assert proc.returncode == 1, proc.stderr
    assert f"{bad}:9: ramp.partner_margin" in proc.stderr
    assert "Broken alliance" not in {p.name for p in out.iterdir()}
    assert not (out / "broken-alliance").exists()
    assert f"{len(EXAMPLES)} of {len(EXAMPLES) + 1} reports rendered" in proc.stdout
    index = (out / "index.html").read_text()
    assert "Failed: broken.yaml" in index and "partner_margin" in index


def test_the_printed_page_is_the_report_a_notebook_drawing_its_own_charts_gives(batch, tmp_path):
    """The PDF prints the batch's page with its charts drawn here (``static_page``): that page is
    the one the report notebook gives when it draws the charts itself (``charts="static"``, as
    in JupyterLab), figure for figure, once nbconvert has read both the same way."""
    import nbformat
    import papermill as pm
    from bs4 import BeautifulSoup

    from workbook.reports.render import export_html
    from workbook.resources import report_notebook

    def same_form(page: str) -> str:  # papermill's random cell id aside
        return str(BeautifulSoup(re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', page), "html.parser"))

    _, out, _ = batch
    params = load_params(EXAMPLES[0])
    notebook = report_notebook()
    pm.execute_notebook(str(notebook), str(tmp_path / "static.ipynb"), parameters={"params_path": str(EXAMPLES[0].resolve()), "charts": "static"},
                        cwd=str(notebook.parent), progress_bar=False, kernel_name="python3")
    static = export_html(nbformat.read(tmp_path / "static.ipynb", as_version=4), tmp_path / "static.html", title=f"{params.alliance.name} — alliance report")
    batch_page = (out / params.slug / "report.html").read_text(encoding="utf-8")
    assert "data-wb-chart" not in static and batch_page.count('data-wb-chart="page"') >= 8
    assert same_form(static_page(batch_page)) == same_form(static)


def test_every_example_gets_a_complete_report_and_no_temp_folders_remain(batch):
    _, out, _ = batch
    for path in EXAMPLES:
        slug = load_params(path).slug
        folder = out / slug
        assert {p.name for p in folder.iterdir()} == {"report.ipynb", "report.html", "summary.json", "render.json"}
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_report_html_shows_the_escaped_name_and_the_break_even_month(batch):
    _, out, _ = batch
    for path in EXAMPLES:
        params = load_params(path)
        summary = summarise(params)
        text = (out / params.slug / "report.html").read_text()
        assert html.escape(params.alliance.name) in text
        # the page (its browser tab, a printout) is named after the alliance, escaped
        assert re.search(r"<title>([^<]*)</title>", text).group(1) == f"{html.escape(params.alliance.name, quote=False)} — alliance report"
        if "<" in params.alliance.name:
            assert params.alliance.name not in text  # never raw
        be = summary["break_even_month"]
        # the examples date month 1 (alliance.start): "Apr 2027 (month 22)"
        expected = f"{params.months.calendar(be)} (month {be})" if be is not None else "not within the horizon"
        assert f"<th>Break-even (the net stays at or above 0 from then)</th><td>{expected}</td>" in text
        assert "<script src=" not in text  # no CDN script tags (require.js, MathJax ...)


def test_index_links_each_report_with_its_figures(batch):
    _, out, _ = batch
    index = (out / "index.html").read_text()
    for path in EXAMPLES:
        params = load_params(path)
        assert f'href="{params.slug}/report.html"' in index
        assert html.escape(params.alliance.name) in index
    saved = json.loads((out / load_params(EXAMPLES[0]).slug / "summary.json").read_text())
    assert saved["alliance"] == load_params(EXAMPLES[0]).alliance.name


@pytest.mark.browser
def test_report_opens_offline_in_chromium_with_its_charts(batch, page, tmp_path):
    _, out, _ = batch
    params = load_params(EXAMPLES[0])
    report = out / params.slug / "report.html"
    open_report(page, report)
    charts = page.locator("img.wb-chart")
    drawn = charts.evaluate_all("els => els.map(e => [e.hidden, e.src.slice(0, 18), e.naturalWidth, e.style.getPropertyValue('--wb-chart-width')])")
    # the page carries every chart as its spec; the browser drew each one, as wide as vl-convert
    # draws it for the PDF (the same Vega; the text measured with the browser's fonts)
    static = re.findall(r"--wb-chart-width:([0-9.]+)px", static_page(report.read_text(encoding="utf-8")))
    assert len(drawn) == len(static) >= 8
    assert page.locator(".wb-status-error").count() == 0
    for (hidden, src, width, css), natural in zip(drawn, static, strict=True):
        assert not hidden and src == "data:image/svg+xml" and width > 300, drawn
        assert css == f"{width}px" and abs(width - float(natural)) <= 0.02 * float(natural), (drawn, static)
    assert page.get_by_text(params.alliance.name, exact=True).first.is_visible()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    assert outside_requests(page.requests) == []


@pytest.mark.browser
def test_index_opens_and_links_to_a_report(batch, page):
    _, out, _ = batch
    page.goto((out / "index.html").as_uri())
    name = load_params(EXAMPLES[1]).alliance.name
    page.get_by_role("link", name=name).click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/report.html")
    assert outside_requests(page.requests) == []


def test_a_broken_rerender_keeps_the_previous_report(tmp_path, examples_copy):
    src = examples_copy / EXAMPLES[0].name
    out = tmp_path / "out"
    first = workbook_cmd("report", str(src), "--out", str(out))
    assert first.returncode == 0, first.stderr
    slug = load_params(src).slug
    before = (out / slug / "report.html").read_bytes()
    src.write_text(re.sub(r"gross_margin: [0-9.]+", "gross_margin: lots", src.read_text()))
    second = workbook_cmd("report", str(src), "--out", str(out))
    assert second.returncode == 1
    assert f"{src}:" in second.stderr and "ramp.gross_margin" in second.stderr
    assert (out / slug / "report.html").read_bytes() == before


def test_full_report_has_every_section_and_the_executive_summary_first(batch):
    _, out, _ = batch
    expected = ["Executive summary", "Scope: is the alliance designed to run?",
                "Trust: competence and intentions, seen from both sides", "The money machine",
                "The partner's value beyond sales", "Health signals", "All flags"]
    for path in EXAMPLES:
        text = (out / load_params(path).slug / "report.html").read_text()
        shown = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", text, flags=re.S)  # the page, not its code
        headings = [html.unescape(h) for h in re.findall(r"<h2[^>]*>([^<]*)", shown)]
        assert headings == expected
        assert "The three most important actions" in text
        assert "has no <code>" not in text  # every example has all four instruments


def test_each_report_speaks_its_alliances_currency(batch):
    _, out, _ = batch
    import base64

    symbols = {"USD": "$", "EUR": "€"}
    assert {load_params(p).alliance.currency for p in EXAMPLES} == set(symbols), "the examples show more than one currency"
    for path in EXAMPLES:
        params = load_params(path)
        text = (out / params.slug / "report.html").read_text()
        static = static_page(text)  # the charts drawn, as the PDF and the reader's browser show them
        charts = "".join(base64.b64decode(m).decode() for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", static))
        body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", text, flags=re.S)  # what a reader sees, not the page's code
        mine = symbols[params.alliance.currency]
        others = [s for s in symbols.values() if s != mine]
        assert mine in charts and mine in html.unescape(re.sub(r"<[^>]+>", " ", body))
        assert not any(s in charts or s in html.unescape(re.sub(r"<[^>]+>", " ", body)) for s in others), params.alliance.name


def named(path: Path, name: str) -> str:
    """The text of params file ``path`` with its alliance renamed to ``name``."""
    text = path.read_text(encoding="utf-8")
    renamed, n = re.subn(r"(?m)^  name: .*$", f'  name: "{name}"', text, count=1)
    assert n == 1
    return renamed


def test_reports_rendered_one_at_a_time_share_one_index(tmp_path):
    """The index lists every report in OUT: one rendered earlier from a params file since
    deleted stays listed beside the one just rendered. Emoji-only and CJK names get folders
    of their own."""
    rocket, eastern = tmp_path / "rocket.yaml", tmp_path / "eastern.yaml"
    rocket.write_text(named(EXAMPLES[0], "🚀🤝"), encoding="utf-8")
    eastern.write_text(named(EXAMPLES[1], "东方电子"), encoding="utf-8")
    out = tmp_path / "out"
    first = workbook_cmd("report", str(rocket), "--out", str(out))
    assert first.returncode == 0, first.stderr
    rocket.unlink()
    second = workbook_cmd("report", str(eastern), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert "1 of 1 reports rendered" in second.stdout

    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders[0].startswith("alliance-") and folders[1] == "dong-fang-dian-zi", folders
    index = (out / "index.html").read_text(encoding="utf-8")
    assert sorted(re.findall(r'href="([^"/]+)/report.html"', index)) == folders
    assert "🚀🤝" in index and "东方电子" in index
    assert "2 reports in this folder" in index


def test_two_files_naming_one_alliance_render_nothing(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(EXAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    b.write_text(EXAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    proc = workbook_cmd("report", str(a), str(b), str(EXAMPLES[1]), "--out", str(out), "--jobs", "2")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "alliance.name" in ln]
    assert len(lines) == 2, proc.stderr
    assert lines[0].startswith(f"{a}:") and str(b) in lines[0]
    assert lines[1].startswith(f"{b}:") and str(a) in lines[1]
    assert "Nothing rendered." in proc.stderr
    assert not out.exists()


def test_a_folder_holding_another_alliances_report_is_not_overwritten(tmp_path):
    """An earlier run rendered "Acme & Co" from another file into out/acme-co; a file naming
    "ACME Co." (the same folder) fails alone and leaves that report as it was."""
    mine = tmp_path / "mine.yaml"
    mine.write_text(named(EXAMPLES[0], "ACME Co."), encoding="utf-8")
    theirs = tmp_path / "elsewhere" / "theirs.yaml"
    theirs.parent.mkdir()
    theirs.write_text(named(EXAMPLES[1], "Acme & Co"), encoding="utf-8")
    out = tmp_path / "out"
    folder = out / "acme-co"
    folder.mkdir(parents=True)
    summary = json.dumps(summarise(load_params(theirs), theirs))
    (folder / "summary.json").write_text(summary, encoding="utf-8")
    (folder / "report.html").write_text("<html>their report</html>", encoding="utf-8")

    proc = workbook_cmd("report", str(mine), "--out", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{mine}: alliance.name: 'ACME Co.' gives the report folder {folder}, which holds the report of 'Acme & Co' (from {theirs})" in proc.stderr
    assert (folder / "report.html").read_text(encoding="utf-8") == "<html>their report</html>"
    assert (folder / "summary.json").read_text(encoding="utf-8") == summary
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Acme &amp; Co" in index and "Failed: mine.yaml" in index


def test_xlsx_writes_the_model_beside_the_report_and_the_index_links_it(tmp_path):
    import openpyxl

    example = next(p for p in EXAMPLES if p.name == "marketplace-referral.yaml")
    out = tmp_path / "out"
    plain = workbook_cmd("report", str(example), "--out", str(out))
    assert plain.returncode == 0, plain.stderr
    slug = load_params(example).slug
    assert not (out / slug / "model.xlsx").exists() and "model.xlsx" not in (out / "index.html").read_text(encoding="utf-8")

    made = workbook_cmd("report", str(example), "--out", str(out), "--xlsx")
    assert made.returncode == 0, made.stderr
    assert "1 of 1 reports rendered." in made.stdout  # the report made without it is rendered again
    assert str(out / slug / "model.xlsx") in made.stdout
    assert openpyxl.load_workbook(out / slug / "model.xlsx").sheetnames == ["Inputs", "Months", "Summary", "Scenarios", "Simulation"]
    assert json.loads((out / slug / "render.json").read_text(encoding="utf-8"))["xlsx"] is True
    assert f'href="{slug}/model.xlsx"' in (out / "index.html").read_text(encoding="utf-8")

    again = workbook_cmd("report", str(example), "--out", str(out), "--xlsx")
    assert again.returncode == 0 and "0 of 1 reports rendered; 1 unchanged" in again.stdout, again.stdout + again.stderr

    help_text = " ".join(workbook_cmd("report", "--help").stdout.replace("│", " ").split())
    assert "--xlsx" in help_text and "model.xlsx" in help_text
