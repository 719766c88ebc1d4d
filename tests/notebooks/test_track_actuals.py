"""The guided notebook 06_track_actuals runs headless under papermill: it imports a CRM export
into a copy of an example params file and shows the plan against actual with its re-forecast;
left without a CSV, it shows what the file records and writes nothing."""

from __future__ import annotations

import shutil

import papermill
import pytest

from tests.conftest import PARAMS, ROOT
from workbook import load_params

NOTEBOOK = ROOT / "notebooks" / "06_track_actuals.ipynb"
EXPORT = ROOT / "tests" / "data" / "actuals" / "marketplace-referral-crm-export.csv"
#: How a chart appears in the notebook's HTML: an SVG image (see workbook.charts.render.figure_html).
CHART = "data:image/svg+xml"

pytestmark = pytest.mark.notebook


def html_outputs(nb) -> list[str]:
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    return [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]


def run(tmp_path, **parameters):
    return papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / NOTEBOOK.name), parameters=parameters, cwd=str(NOTEBOOK.parent), kernel_name="python3", progress_bar=False
    )


def test_the_notebook_imports_an_export_and_shows_the_re_forecast(tmp_path):
    copy = tmp_path / "alliance.yaml"
    shutil.copy(PARAMS / "marketplace-referral.yaml", copy)
    nb = run(tmp_path, params_path=str(copy), csv_path=str(EXPORT))
    html = "\n".join(html_outputs(nb))
    assert CHART in html and "Plan against actual" in html
    assert "Through month 11 the alliance is behind plan" in html and "(on budget)" in html
    # what the fit found, and a break-even already behind month 11 said as such
    assert "the plan runs on time, at " in html and "of the planned size" in html
    assert "the alliance has already broken even, in month" in html and "re-forecast break-even month" not in html
    p = load_params(copy)
    assert p.actuals is not None and len(p.actuals.months) == 11 and p.actuals.source == EXPORT.name
    assert p.actuals.months[8].influenced_revenue == 24000


def test_without_an_export_the_notebook_writes_nothing(tmp_path):
    copy = tmp_path / "alliance.yaml"
    shutil.copy(PARAMS / "marketplace-referral.yaml", copy)
    before = copy.read_bytes()
    html = "\n".join(html_outputs(run(tmp_path, params_path=str(copy))))
    assert "Through month 10 the alliance is behind plan" in html and CHART in html
    assert copy.read_bytes() == before
