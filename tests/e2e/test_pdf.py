"""`workbook report --pdf`: headless Chromium prints the finished report page to report.pdf."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
import unicodedata
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from pypdf.generic import ContentStream

from tests.conftest import CHROMIUM, PARAMS
from workbook import load_params
from workbook.reports.page_charts import static_page
from workbook.text import date as text_date

pytestmark = pytest.mark.notebook

EXAMPLE = PARAMS / "marketplace-referral.yaml"  # its name holds "&" and "<...>"


def _words(text: str) -> str:
    """Text as a reader sees it: ligatures unfolded (ﬁ → fi), line breaks as spaces."""
    return unicodedata.normalize("NFKC", " ".join(text.split()))


def workbook_cmd(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it (in an environment of the test's choosing)."""
    exe = Path(sys.executable).parent / "workbook"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout, env=env)


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    out = tmp_path_factory.mktemp("pdf") / "out"
    proc = workbook_cmd("report", str(EXAMPLE), "--out", str(out), "--pdf")
    assert proc.returncode == 0, proc.stderr
    folder = out / load_params(EXAMPLE).slug
    return proc, folder


def test_a_report_with_pdf_has_a_multi_page_pdf_with_the_alliance_and_every_section(printed):
    proc, folder = printed
    assert {p.name for p in folder.iterdir()} == {"report.ipynb", "report.html", "report.pdf", "summary.json", "render.json"}
    assert str(folder.name) in proc.stdout and "report.pdf" in proc.stdout
    index = (folder.parent / "index.html").read_text(encoding="utf-8")
    assert f'href="{folder.name}/report.pdf"' in index  # the portfolio page links the PDF
    reader = PdfReader(folder / "report.pdf")
    assert len(reader.pages) >= 5
    text = _words(" ".join(page.extract_text() for page in reader.pages))
    name = load_params(EXAMPLE).alliance.name
    assert _words(name) in text
    assert reader.metadata.title == f"{name} — alliance report"  # what a PDF viewer shows, not "Notebook"
    page = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    headings = [_words(h.get_text(" ")).removesuffix("¶").strip() for h in page.find_all("h2")]
    assert len(headings) >= 6, headings
    for heading in headings:
        assert heading in text, heading
    # the page's anchor links (¶) are for screens, not paper
    assert "¶" not in text
    # every page is numbered "page / pages" and names the alliance and the day the report was
    # made at its foot
    pages = [_words(p.extract_text()) for p in reader.pages]
    footer = _words(f"{name} · {text_date(dt.date.today())}")
    numbers = [f"{n} / {len(pages)}{footer} " for n in range(1, len(pages) + 1)]
    assert [t[: len(n)] for t, n in zip(pages, numbers)] == numbers
    starts = [t.removeprefix(n) for t, n in zip(pages, numbers)]
    assert [n for n, s in enumerate(starts, 1) if not s.strip()] == [], "blank pages"
    # no heading is left alone at the foot of a page
    subheadings = [_words(h.get_text(" ")).removesuffix("¶").strip() for h in page.find_all(["h2", "h3"])]
    assert [(n, h) for n, s in enumerate(starts, 1) for h in subheadings if s.endswith(h)] == []


MM = 72 / 25.4  # PDF points per millimetre


def _fill(page) -> float:
    """How far down the space between the page's margins (print.css: 16 mm top, 18 mm bottom)
    its lowest line of text reaches, 0–1: 1 is a full page. The footer, below the bottom margin,
    does not count; a chart's lowest text is its axis or legend, at its foot."""
    top, bottom = float(page.mediabox.height) - 16 * MM, 18 * MM
    heights: list[float] = []

    def seen(text, cm, tm, font, size) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and y > bottom - 2:
            heights.append(y)

    page.extract_text(visitor_text=seen)
    return (top - min(heights, default=top)) / (top - bottom)


def test_no_page_but_the_last_is_mostly_empty(printed):
    """Sections follow one another and a tall chart is scaled to at most half a page, so no
    page is left less than 40 % filled before the last (a section starting on a page of its
    own, or a page-tall chart pushed whole to the next page, left a line or two on a page)."""
    _, folder = printed
    fills = [round(_fill(p), 2) for p in PdfReader(folder / "report.pdf").pages]
    assert len(fills) >= 5 and fills[-1] > 0
    assert [(n, f) for n, f in enumerate(fills[:-1], 1) if f < 0.4] == [], fills


def test_the_charts_are_drawn_in_the_pdf(printed):
    """Every chart of the page is in the PDF as vector drawing: its axis titles, labels and
    legends are text of the PDF, and the pages carry paths."""
    _, folder = printed
    # the page the PDF printed: the report's charts drawn here, as SVG images
    page = BeautifulSoup(static_page((folder / "report.html").read_text(encoding="utf-8")), "html.parser")
    charts = page.select("img.wb-chart")
    assert len(charts) >= 5
    reader = PdfReader(folder / "report.pdf")
    text = _words(" ".join(p.extract_text() for p in reader.pages))
    for chart in charts:
        svg = base64.b64decode(chart["src"].split(",", 1)[1]).decode("utf-8")
        # the chart's visible text (Vega hides tick labels that would overlap with opacity 0)
        labels = {_words(t.get_text()) for t in BeautifulSoup(svg, "html.parser").find_all("text") if t.get("opacity") != "0"} - {""}
        assert labels, chart["alt"]
        found = {label for label in labels if label in text}
        # a few tick labels run together in text extraction; a missing chart loses them all
        assert len(found) >= 0.8 * len(labels), (chart["alt"], sorted(labels - found))
    paths = [sum(op in (b"re", b"l", b"c") for _, op in ContentStream(p.get_contents(), reader).operations) for p in reader.pages]
    assert sum(n > 100 for n in paths) >= 5, paths


def test_without_chromium_pdf_exits_2_with_the_remedy_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    empty = tmp_path / "bin"
    empty.mkdir()
    cases = {
        "named": _env(WORKBOOK_CHROMIUM=str(tmp_path / "no-such-chromium"), PATH=str(empty)),
        "on PATH": _env(WORKBOOK_CHROMIUM=None, PATH=str(empty)),
    }
    for case, env in cases.items():
        proc = workbook_cmd("report", str(EXAMPLE), "--out", str(out), "--pdf", env=env, timeout=60)
        assert proc.returncode == 2, (case, proc.stdout, proc.stderr)
        assert "Chromium" in proc.stderr and "apt-get install chromium" in proc.stderr, case
        assert "HTML reports work without it" in proc.stderr, case
        assert "Nothing rendered." in proc.stderr and "Rendering" not in proc.stderr, case
        assert not out.exists(), case
    assert "no-such-chromium" in workbook_cmd("report", str(EXAMPLE), "--out", str(out), "--pdf", env=cases["named"]).stderr


def test_a_failed_pdf_fails_its_report_and_keeps_the_previous_one(tmp_path, printed):
    """Chromium failing (here a program that exits 1) fails the file with the reason; the report
    already in the folder stays as it was, and no temporary folder is left."""
    _, done = printed
    out = tmp_path / "out"
    out.mkdir()
    folder = out / done.name
    folder.mkdir()
    for p in done.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    # --force: the report in the folder is up to date, and would otherwise be kept as it is
    proc = workbook_cmd("report", str(EXAMPLE), "--out", str(out), "--pdf", "--force", env=_env(WORKBOOK_CHROMIUM="false"))
    assert proc.returncode == 1, proc.stderr
    assert f"FAILED {EXAMPLE}" in proc.stderr and "the PDF was not made" in proc.stderr
    assert "exit code 1" in proc.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    assert json.loads((folder / "summary.json").read_text())["alliance"] == load_params(EXAMPLE).alliance.name


def test_report_help_explains_pdf():
    proc = workbook_cmd("report", "--help", timeout=60)
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--pdf" in text and "report.pdf" in text and "Chromium" in text


def test_printing_fetches_nothing_from_the_network(tmp_path):
    """A page asking for images by address, by name and from this machine prints without a
    single request reaching the server that would answer them."""
    import http.server
    import threading

    from tests.browser.server import free_port
    from workbook.reports.pdf import print_pdf

    asked: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = tmp_path / "page.html"
        page.write_text(
            "<!doctype html><title>t</title><p>Offline page</p>"
            f'<img src="http://127.0.0.1:{port}/by-address.svg"><img src="http://localhost:{port}/by-name.svg">'
            '<img src="https://example.org/remote.svg">',
            encoding="utf-8",
        )
        pdf = print_pdf(page, tmp_path / "page.pdf", chromium=CHROMIUM)
        assert "Offline page" in PdfReader(pdf).pages[0].extract_text()
        # the page was printed; had the server been reachable it would have been asked
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/probe") as response:
            assert response.status == 200
        assert asked == ["/probe"]
    finally:
        server.shutdown()
        server.server_close()
