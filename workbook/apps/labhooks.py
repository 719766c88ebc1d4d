"""JupyterLab on the guided notebooks, as ``make lab`` starts it.

``python -m workbook.apps.labhooks [jupyter lab options] notebooks/`` runs ``jupyter lab`` with:

* :func:`strip_outputs` as the contents manager's pre-save hook: the notebooks are committed
  without outputs, and a lab session (its autosave included) keeps them that way on disk. The
  page keeps showing the outputs; Run All brings them back after a reload.
* ``--allow-root`` when run as root (JupyterLab refuses to start as root otherwise, e.g. in a
  container).
* no news feed: JupyterLab would otherwise offer to fetch announcements from the web.
* the params, reports and workshop-database settings pinned to absolute paths from the folder
  it was started in (:func:`workbook.ui.paths.pinned`): kernels run in the notebook's folder,
  and an app notebook opened there still finds the repository's ``params/``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

HOOK = "workbook.apps.labhooks.strip_outputs"  # by name: under `python -m`, __name__ is "__main__"


def strip_outputs(model: dict[str, Any], path: str = "", contents_manager: Any = None, **kwargs: Any) -> None:
    """Pre-save hook (jupyter_server's ``ContentsManager.pre_save_hook``): clear the outputs,
    execution counts and saved widget state of a notebook about to be written. Other files
    pass untouched."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)


def lab_args(root: bool | None = None) -> list[str]:
    """The options ``make lab`` adds to ``jupyter lab`` (``--allow-root`` only when ``root``,
    which defaults to whether this process runs as root)."""
    if root is None:
        root = hasattr(os, "geteuid") and os.geteuid() == 0
    args = [f"--FileContentsManager.pre_save_hook={HOOK}", "--LabApp.news_url=None"]
    return args + (["--allow-root"] if root else [])


def lab_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: ``base`` (default this process's) with the user-data
    settings made absolute from the current folder."""
    from ..ui.paths import pinned

    env = dict(os.environ if base is None else base)
    return {**env, **pinned(env)}


def main(argv: list[str] | None = None) -> None:
    """Replace this process with ``jupyter lab`` (:func:`lab_args` plus ``argv``), so the
    server has this process's id and stops with it."""
    argv = sys.argv[1:] if argv is None else argv
    here = Path(sys.executable).parent
    exe = here / "jupyter-lab" if (here / "jupyter-lab").exists() else shutil.which("jupyter-lab")
    if exe is None:
        sys.exit("jupyter-lab is not installed: run `make lab` (it installs the project's environment).")
    os.execve(str(exe), [str(exe), *lab_args(), *argv], lab_environment())


if __name__ == "__main__":
    main()
