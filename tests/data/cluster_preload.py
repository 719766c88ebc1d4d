"""Loaded into the test cluster's Dask workers (``dask worker --preload``): a report whose alliance
name asks for it fails on the worker, as a report whose notebook breaks there would. (Dask may
load a preload file twice: the original method is kept once.)"""

from workbook.errors import ReportError
from workbook.reports.render import Renderer

_build = Renderer.__dict__.get("_original_build", Renderer.build)


def _build_unless_asked_to_fail(self, params_path, params, folder, key):
    if "fails on the cluster" in params.alliance.name.casefold():
        raise ReportError(params_path, "the report notebook failed: RuntimeError: refused on this worker")
    return _build(self, params_path, params, folder, key)


Renderer._original_build = _build
Renderer.build = _build_unless_asked_to_fail
