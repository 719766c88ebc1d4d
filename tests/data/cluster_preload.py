"""Loaded into the test cluster's Dask workers (``dask worker --preload``): a report whose alliance
name asks for it fails on the worker, as a report whose notebook breaks there would; and a file whose
alliance is named "Rogue result" gets back, instead of a report, an object whose unpickling runs
code (it writes the file named by $WORKBOOK_TEST_UNPICKLED, which only the client under test
has), as a rogue worker could send. (Dask may load a preload file twice: the originals are kept
once.)"""

from workbook.errors import ReportError
from workbook.reports import cluster
from workbook.reports.render import Renderer

_build = Renderer.__dict__.get("_original_build", Renderer.build)
_render_remote = getattr(cluster, "_original_render_remote", cluster.render_remote)


def _build_unless_asked_to_fail(self, params_path, params, folder, key):
    if "fails on the cluster" in params.alliance.name.casefold():
        raise ReportError(params_path, "the report notebook failed: RuntimeError: refused on this worker")
    return _build(self, params_path, params, folder, key)


class RunsCodeWhenUnpickled:
    def __reduce__(self):
        return (exec, ("import os\npath = os.environ.get('WORKBOOK_TEST_UNPICKLED')\nif path: open(path, 'w').close()",))


def _render_unless_rogue(name, data, pdf, xlsx=False):
    if b"rogue result" in data.lower():
        return {"ok": True, "files": RunsCodeWhenUnpickled()}
    return _render_remote(name, data, pdf, xlsx)


Renderer._original_build = _build
Renderer.build = _build_unless_asked_to_fail
# the client sends render_remote by reference: the worker runs what its module holds under that name
cluster._original_render_remote = _render_remote
cluster.render_remote = _render_unless_rogue
