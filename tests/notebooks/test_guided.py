"""The guided notebooks run headless under papermill against a copy of an example params file.

Starting a kernel and importing pandas/altair/workbook is most of a notebook's run time, so the
five notebooks share one kernel (papermill hands ``km`` through to nbclient): about 3 s saved
per notebook. The price is a shared namespace; the notebooks run in order and each one loads
its own params, and tests/unit/test_packaging.py keeps them free of definitions.
"""

from __future__ import annotations

import shutil

import nbformat
import papermill
import pytest
from jupyter_client.manager import KernelManager

from tests.conftest import EXAMPLES, ROOT

NOTEBOOKS = ROOT / "notebooks"
GUIDED = sorted(NOTEBOOKS.glob("0[1-5]_*.ipynb"))
EXAMPLE = next(p for p in EXAMPLES if "reseller" in p.name)

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def kernel():
    """One kernel for every guided notebook, started in the notebooks folder."""
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(NOTEBOOKS))
    yield km
    km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def executed(kernel, tmp_path_factory):
    """Every guided notebook executed once: name -> (output notebook, params copy, text before)."""
    base = tmp_path_factory.mktemp("guided")
    copy = base / "alliance.yaml"
    shutil.copy(EXAMPLE, copy)
    before = copy.read_text(encoding="utf-8")
    out = {}
    for nb in GUIDED:
        result = papermill.execute_notebook(
            str(nb),
            str(base / nb.name),
            parameters={"params_path": str(copy)},
            cwd=str(NOTEBOOKS),
            kernel_name="python3",
            progress_bar=False,
            km=kernel,
        )
        out[nb.name] = result
    return out, copy, before


def test_the_five_guided_notebooks_exist():
    assert [p.name[:2] for p in GUIDED] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("name", [p.name for p in GUIDED])
def test_guided_notebook_runs_headless_and_shows_the_current_state(executed, name):
    results, copy, before = executed
    nb = results[name]
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and str(copy) in injected[0].source
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<svg" in h for h in html), "the static chart of the current state is missing"
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "the form was not displayed"
    assert copy.read_text(encoding="utf-8") == before  # running a notebook saves nothing


def test_a_lab_save_keeps_the_notebooks_free_of_outputs(executed, tmp_path):
    """`make lab` saves through workbook.apps.labhooks.strip_outputs: a run notebook (here, with the
    outputs papermill gave it) is written to disk without outputs, counts or widget state."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    from workbook.apps.labhooks import HOOK

    results, _, _ = executed
    cm = FileContentsManager(root_dir=str(tmp_path), pre_save_hook=HOOK)
    for name, nb in results.items():
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), name
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
        cm.save({"type": "notebook", "format": "json", "content": nb}, name)
        on_disk = nbformat.read(tmp_path / name, as_version=4)
        assert [c.source for c in on_disk.cells] == [c.source for c in nb.cells]
        code = [c for c in on_disk.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), name
        assert "widgets" not in on_disk.metadata
    cm.save({"type": "file", "format": "text", "content": "outputs: kept\n"}, "notes.txt")
    assert (tmp_path / "notes.txt").read_text() == "outputs: kept\n"


@pytest.mark.parametrize("root", [True, False])
def test_make_lab_allows_root_only_as_root(root):
    from workbook.apps.labhooks import HOOK, lab_args

    args = lab_args(root=root)
    assert f"--FileContentsManager.pre_save_hook={HOOK}" in args
    assert ("--allow-root" in args) is root
