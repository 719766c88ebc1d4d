"""A batch worker keeps one report kernel warm from report to report: the reports it renders are
the reports a fresh kernel gives, nothing of one report reaches the next, and a kernel that dies
is replaced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import psutil
import pytest

from workbook.reports.kernel import WarmKernel
from workbook.params import is_programme_file, load_params
from workbook.reports.render import Renderer, render_report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "params").glob("*.yaml") if not is_programme_file(p))

pytestmark = pytest.mark.notebook


def page(folder: Path) -> str:
    """report.html with the injected parameters cell's random id taken out."""
    html = (folder / "report.html").read_text(encoding="utf-8")
    return re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', html)


def cells(folder: Path) -> list[tuple]:
    """What report.ipynb shows: each cell's source, execution count and outputs (an object's
    address in a plain-text repr differs from process to process)."""
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    return [
        (c.cell_type, c.source, c.get("execution_count"), re.sub(r" at 0x[0-9a-f]+", "", json.dumps(c.get("outputs", []))))
        for c in nb.cells
    ]


def only_folder(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def test_a_warm_kernel_renders_a_b_a_exactly_as_fresh_kernels_do(tmp_path):
    """Also after the warm-up a batch worker runs before its first report (imports and a chart):
    the reports are those of fresh kernels, execution counts included."""
    a, b = EXAMPLES[0], EXAMPLES[1]
    fresh = {p: render_report(p, tmp_path / f"fresh-{p.stem}") for p in (a, b)}
    assert all(o.ok for o in fresh.values()), [o.reason for o in fresh.values()]
    with Renderer() as renderer:
        renderer.warm()
        assert renderer.kernel.executed == 1 and renderer.kernel.kc is not None  # started and warmed up
        warm = [renderer.render(p, tmp_path / f"warm-{i}") for i, p in enumerate((a, b, a))]
        assert renderer.kernel.executed == 4  # one kernel for the warm-up and all three
    assert all(o.ok for o in warm), [o.reason for o in warm]
    for outcome, source in zip(warm, (a, b, a)):
        got, want = tmp_path / f"warm-{warm.index(outcome)}", tmp_path / f"fresh-{source.stem}"
        assert page(only_folder(got)) == page(only_folder(want)), source.name
        assert cells(only_folder(got)) == cells(only_folder(want)), source.name
        assert outcome.summary == fresh[source].summary
    # the second A is the first A: nothing of B stayed behind
    assert page(only_folder(tmp_path / "warm-2")) == page(only_folder(tmp_path / "warm-0"))


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = None", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def text_of(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return ["".join(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for c in nb.cells for o in c.get("outputs", [])]


def test_the_kernel_is_reset_between_notebooks_and_replaced_when_it_dies(tmp_path):
    sockets = tmp_path / "k"
    sockets.mkdir()
    first = notebook(tmp_path / "first.ipynb", "leaked = 'from the first notebook'\nimport os\nos.getpid()")
    second = notebook(tmp_path / "second.ipynb", "print('leaked' in dir(), x)\nimport os\nos.getpid()")
    kernel = WarmKernel(sockets)
    try:
        kernel.execute(first, tmp_path / "out1.ipynb", {"x": 1}, cwd=tmp_path, start_timeout=60)
        kernel.execute(second, tmp_path / "out2.ipynb", {"x": 2}, cwd=tmp_path, start_timeout=60)
        pid1, pid2 = int(text_of(tmp_path / "out1.ipynb")[0]), int(text_of(tmp_path / "out2.ipynb")[1])
        assert pid1 == pid2  # the same kernel...
        assert text_of(tmp_path / "out2.ipynb")[0] == "False 2\n"  # ...with nothing of the first notebook
        counts = [c.execution_count for c in nbformat.read(tmp_path / "out2.ipynb", as_version=4).cells]
        assert counts == [1, 2, 3]  # numbered as on a fresh kernel

        psutil.Process(pid2).kill()
        psutil.Process(pid2).wait(10)
        kernel.execute(second, tmp_path / "out3.ipynb", {"x": 3}, cwd=tmp_path, start_timeout=60)
        out3 = text_of(tmp_path / "out3.ipynb")
        assert out3[0] == "False 3\n" and int(out3[1]) != pid2  # a new kernel took over
    finally:
        kernel.close()
    assert not psutil.pid_exists(pid2) or psutil.Process(pid2).status() == psutil.STATUS_ZOMBIE


def test_a_failing_report_does_not_spoil_the_next_one_on_the_same_kernel(tmp_path):
    broken = tmp_path / "broken.yaml"
    text = EXAMPLES[0].read_text(encoding="utf-8")
    # valid for the schema, but the report notebook cannot open it once the file is gone
    broken.write_text(text, encoding="utf-8")
    with Renderer() as renderer:
        original = renderer.kernel.execute

        def vanish(*args, **kwargs):
            broken.unlink(missing_ok=True)
            return original(*args, **kwargs)

        renderer.kernel.execute = vanish
        failed = renderer.render(broken, tmp_path / "out")
        renderer.kernel.execute = original
        assert not failed.ok and "the report notebook failed" in failed.reason
        fine = renderer.render(EXAMPLES[1], tmp_path / "out")
    assert fine.ok, fine.reason
    assert [p.name for p in (tmp_path / "out").iterdir()] == [fine.slug]  # the failed one left nothing


def test_a_file_edited_after_the_plan_is_rendered_from_what_it_holds_now(tmp_path):
    """The plan's validated params travel to the worker with the digest of the bytes they were
    read from; a file edited in between is read again, so its report and summary show the edit."""
    from workbook.reports.folders import plan_batch
    from workbook.reports.batch import render_all
    from workbook.summary import summarise

    kept, edited = tmp_path / "kept.yaml", tmp_path / "edited.yaml"
    kept.write_text(EXAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    source = (ROOT / "params" / "marketplace-referral.yaml").read_text(encoding="utf-8")
    assert "  avg_deal_value: 12000\n" in source
    edited.write_text(source, encoding="utf-8")
    plan = plan_batch([kept, edited], tmp_path / "out")
    edited.write_text(source.replace("  avg_deal_value: 12000\n", "  avg_deal_value: 30000\n", 1), encoding="utf-8")

    batch = render_all(plan, tmp_path / "out", jobs=1)

    assert all(o.ok for o in batch.outcomes), [o.reason for o in batch.outcomes]
    by_file = {o.params_path.name: o for o in batch.outcomes}
    now = summarise(load_params(edited), edited.resolve())
    assert by_file["edited.yaml"].summary.as_dict() == now
    assert now != summarise(plan.loaded[edited.resolve()], edited.resolve())  # the edit shows
    assert by_file["kept.yaml"].summary.as_dict() == summarise(load_params(kept), kept.resolve())
    # the key recorded is the edited bytes': the next run keeps both reports as they are
    assert not plan_batch([kept, edited], tmp_path / "out").loaded
