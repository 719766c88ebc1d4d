"""Reports whose charts the reader's browser draws (``charts="page"``): the page carries each
chart's spec and the Vega bundle, and turns back into the static page (SVG images drawn here)
that the PDF prints — the same page a report drawn with ``charts="static"`` gives."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import workbook as wb
from tests.conftest import EXAMPLES
from workbook.charts.render import figure_html, message_chart, page_figure_html
from workbook.params import preload
from workbook.reports import page_charts
from workbook.reports.page_charts import PAGE_FIGURE, static_page, with_page_charts


@pytest.fixture
def charts_mode():
    """Whatever a test sets, the report's charts are static again after it."""
    yield
    wb.views.use_charts("static")


def area_pages(path: Path) -> tuple[str, str]:
    """The areas of one example as the static and as the page mode draw them."""
    a = wb.assess(wb.load_params(path))
    wb.views.use_charts("static")
    static = wb.views.area_sections(a).html
    wb.views.use_charts("page")
    page = wb.views.area_sections(a).html
    return static, page


@pytest.mark.parametrize("path", EXAMPLES[:2], ids=lambda p: p.stem)
def test_the_page_turns_back_into_the_static_report(path, charts_mode):
    """Every chart of the report travels as its spec and comes back as the very SVG image a
    static report draws, caption and text alternative included: the PDF is unchanged."""
    static, page = area_pages(path)
    assert "data:image/svg+xml" in static and "data:image/svg+xml" not in page
    figures = PAGE_FIGURE.findall(page)
    assert len(figures) == static.count("<figure") >= 5
    assert static_page(page) == static


def test_text_from_a_params_file_cannot_leave_the_spec(charts_mode):
    """A chart's words come from the params file (names, notes): in the page they sit in a JSON
    script element that nothing can close, and the text alternative is escaped."""
    hostile = 'Acme </script><script>alert(1)</script> & <b>"co"</b>'
    chart = message_chart(hostile).properties(description=hostile)
    html = page_figure_html(chart)
    spec = PAGE_FIGURE.search(html).group("spec")
    assert "<" not in spec and ">" not in spec and "&" not in spec
    assert json.loads(spec)["description"] == hostile
    assert "<script>alert" not in html and "<b>" not in html
    assert static_page(html) == figure_html(chart)


def test_the_bundle_is_added_once_before_the_end_of_a_page_with_page_figures():
    plain = "<html><body><p>no charts</p></body></html>"
    assert with_page_charts(plain) == plain
    page = f"<html><body>{page_figure_html(message_chart('one'))}{page_figure_html(message_chart('two'))}</body></html>"
    shown = with_page_charts(page)
    assert shown.count('<script id="wb-vega">') == 1 and shown.count('<script id="wb-page-charts">') == 1
    assert shown.index("wb-page-charts") > shown.rindex("<figure") and shown.endswith("</body></html>")
    # nothing inside the bundle ends its script element early
    bundle = shown[shown.index('<script id="wb-vega">') + len('<script id="wb-vega">') :]
    assert bundle.lower().index("</script") == bundle.index("</script>\n<script id=\"wb-page-charts\">")
    # nothing is fetched: no address in a src or href, no import of a module by URL
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", shown) and "import(" not in shown.split('id="wb-page-charts">')[1]
    # the static page has neither the scripts nor the specs
    back = static_page(shown)
    assert "<script" not in back and back.count("data:image/svg+xml") == 2


def test_the_bundle_is_made_once_per_machine_and_a_damaged_copy_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    page_charts.page_chart_script.cache_clear()
    try:
        first = page_charts.page_chart_script()
        cached = next((tmp_path / "alliance-workbook").glob("vega-embed-*.js"))
        assert "window.vegaEmbed=" in cached.read_text(encoding="utf-8") and cached.read_text(encoding="utf-8") in first
        cached.write_text("alert('not the bundle')", encoding="utf-8")
        page_charts.page_chart_script.cache_clear()
        assert page_charts.page_chart_script() == first
        assert "window.vegaEmbed=" in cached.read_text(encoding="utf-8")
    finally:
        page_charts.page_chart_script.cache_clear()


def test_an_unknown_chart_mode_is_refused_by_name(charts_mode):
    with pytest.raises(ValueError, match=r"charts must be one of 'static', 'page', not 'svg'"):
        wb.views.use_charts("svg")


def test_the_report_notebook_takes_the_chart_mode_as_a_parameter():
    nb = json.loads((Path(__file__).resolve().parents[2] / "notebooks" / "alliance_report.ipynb").read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert 'charts = "static"' in code[0]  # the parameters cell: JupyterLab draws the charts itself
    assert "wb.views.use_charts(charts)" in code[1]


# --------------------------------------------------------------------------------------------
# The params the batch validated, handed to the report kernel


def test_a_preloaded_model_is_taken_once_and_only_for_the_bytes_it_was_validated_from(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_bytes(EXAMPLES[0].read_bytes())
    params = wb.load_params(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    # a model that differs from the file, to see which one a load returns
    marked = params.model_copy(update={"alliance": params.alliance.model_copy(update={"name": "Handed over"})})

    preload(path, digest, marked.model_dump_json())
    assert wb.load_params(path).alliance.name == "Handed over"
    assert wb.load_params(path) == params  # used once: the next load reads the file

    preload(path, digest, marked.model_dump_json())
    path.write_bytes(path.read_bytes() + b"\n# edited since it was validated\n")
    assert wb.load_params(path) == params  # other bytes: read as the file is now

    preload(tmp_path / "other.yaml", digest, marked.model_dump_json())
    assert wb.load_params(path) == params  # another file's model is never taken


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_survives_the_hand_over_unchanged(path):
    params = wb.load_params(path)
    preload(path, hashlib.sha256(path.read_bytes()).hexdigest(), params.model_dump_json())
    assert wb.load_params(path) == params
