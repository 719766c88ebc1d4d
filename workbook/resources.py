"""Where the files that ship inside the package are: the report notebook, the apps Voila
publishes, and the page templates. The only module that knows.

In the repository ``workbook/notebooks`` is a link to the top-level ``notebooks/`` folder (the
folder analysts open in JupyterLab), so an editable install reads the notebooks in place; a
built wheel carries real copies under ``workbook/notebooks/``. Either way the package finds them
through :mod:`importlib.resources`, never through the repository's layout.

User data (params files, reports, the workshop database) is not here: it follows the folder
``workbook`` runs in (:mod:`workbook.ui.paths`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import WorkbookError

__all__ = ["apps_dir", "jupyter_dir", "notebooks_dir", "package_dir", "report_notebook", "templates_dir"]


def package_dir() -> Path:
    """The installed ``workbook`` package as a folder on disk.

    Papermill, nbconvert and Voila read these files by path, so a package imported from a zip
    archive (which has no such folder) is refused with a message rather than failing later.
    """
    root = files(__package__ or "workbook")
    if not isinstance(root, Path):
        raise WorkbookError(f"the workbook package must be installed as files on disk, not imported from {root}")
    return root


def _shipped(*parts: str) -> Path:
    """A shipped file or folder by its real path (in the repository, through the link)."""
    path = package_dir().joinpath(*parts).resolve()
    if not path.exists():
        raise WorkbookError(f"{path} is missing from the installed package: reinstall alliance-workbook")
    return path


def notebooks_dir() -> Path:
    """The notebooks shipped with the package (guided notebooks, the report notebook, ``apps/``)."""
    return _shipped("notebooks")


def report_notebook() -> Path:
    """The notebook papermill executes for each alliance's report."""
    return _shipped("notebooks", "alliance_report.ipynb")


def apps_dir() -> Path:
    """The folder ``workbook serve`` publishes with Voila (its ``voila.json`` included)."""
    return _shipped("notebooks", "apps")


def templates_dir() -> Path:
    """The report (nbconvert ``offline``) and portfolio index templates."""
    return _shipped("templates")


def jupyter_dir() -> Path:
    """A Jupyter data folder holding the Voila page templates (``voila/templates/...``)."""
    return _shipped("ui", "jupyter")
