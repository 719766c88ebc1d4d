"""Where the apps find params files and put exports and reports (environment overrides first).

``WORKBOOK_PARAMS_DIR`` (default ``params/`` of the repository), ``WORKBOOK_EXPORT_DIR``
(default: the params folder; a workshop export keeps the versions of a params file it replaces in
its ``.history`` folder, which ``params/*.yaml`` does not match) and ``WORKBOOK_REPORTS_DIR``
(default ``reports/``). ``workbook serve`` sets them to absolute paths.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def params_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_PARAMS_DIR") or ROOT / "params")


def exports_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_EXPORT_DIR") or params_dir())


def history_dir() -> Path:
    """Where a workshop export keeps the earlier versions of the params files it updates."""
    return exports_dir() / ".history"


def reports_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_REPORTS_DIR") or ROOT / "reports")


def params_file(name: str) -> Path:
    """A params file of the params folder by its file name; refuses anything else (no paths)."""
    from ..errors import WorkbookError

    folder = params_dir().resolve()
    candidate = (folder / name).resolve()
    if candidate.parent != folder or candidate.suffix not in (".yaml", ".yml") or not candidate.is_file():
        raise WorkbookError(f"There is no alliance called {name!r} in the params folder.")
    return candidate
