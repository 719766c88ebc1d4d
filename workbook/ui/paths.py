"""Where the apps find params files and put exports and reports (environment overrides first).

User data follows the folder ``workbook`` runs in, never the installed package:
``WORKBOOK_PARAMS_DIR`` (default ``params/``), ``WORKBOOK_EXPORT_DIR`` (default: the params
folder; a workshop export keeps the versions of a params file it replaces in its ``.history``
folder, which ``params/*.yaml`` does not match), ``WORKBOOK_REPORTS_DIR`` (default ``reports/``)
and ``WORKBOOK_STORE`` (default ``workshop.sqlite``), relative ones taken from the current
folder. ``workbook serve`` resolves them to absolute paths once, in the folder it was started
from, before Voila (which runs elsewhere) starts its kernels.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PARAMS_ENV, EXPORT_ENV, REPORTS_ENV, STORE_ENV = "WORKBOOK_PARAMS_DIR", "WORKBOOK_EXPORT_DIR", "WORKBOOK_REPORTS_DIR", "WORKBOOK_STORE"
#: The programme file of the params folder that the programme dashboard reads (``workbook
#: programme``'s default, ``params/programme.yaml``).
PROGRAMME_FILE = "programme.yaml"


def _setting(name: str, default: str, env: Mapping[str, str] | None) -> Path:
    return Path((os.environ if env is None else env).get(name) or default)


def params_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$WORKBOOK_PARAMS_DIR``, else ``params/`` (of ``env``, default this process's environment)."""
    return _setting(PARAMS_ENV, "params", env)


def exports_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(EXPORT_ENV) or params_dir(env))


def history_dir() -> Path:
    """Where a workshop export keeps the earlier versions of the params files it updates."""
    return exports_dir() / ".history"


def reports_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$WORKBOOK_REPORTS_DIR``, else ``reports/``."""
    return _setting(REPORTS_ENV, "reports", env)


def store_path(env: Mapping[str, str] | None = None) -> Path:
    """``$WORKBOOK_STORE``, else ``workshop.sqlite`` (the workshop database)."""
    return _setting(STORE_ENV, "workshop.sqlite", env)


def pinned(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The user-data settings of ``env`` (default: this process's) as absolute paths, relative
    ones and the defaults taken from the current folder: for a server whose kernels run in
    another folder (``workbook serve``, ``make lab``)."""
    env = os.environ if env is None else env
    out = {
        PARAMS_ENV: str(params_dir(env).resolve()),
        REPORTS_ENV: str(reports_dir(env).resolve()),
        STORE_ENV: str(store_path(env).resolve()),
    }
    if env.get(EXPORT_ENV):
        out[EXPORT_ENV] = str(Path(env[EXPORT_ENV]).resolve())
    return out


def has_programme(folder: Path | None = None) -> bool:
    """Whether ``folder`` (default: the params folder) holds :data:`PROGRAMME_FILE`, a programme
    file (its first top-level key ``programme``)."""
    from ..params import is_programme_file

    path = (params_dir() if folder is None else folder) / PROGRAMME_FILE
    return path.is_file() and is_programme_file(path)


def params_file(name: str) -> Path:
    """A params file of the params folder by its file name; refuses anything else (no paths)."""
    from ..errors import WorkbookError

    folder = params_dir().resolve()
    candidate = (folder / name).resolve()
    if candidate.parent != folder or candidate.suffix not in (".yaml", ".yml") or not candidate.is_file():
        raise WorkbookError(f"There is no alliance called {name!r} in the params folder.")
    return candidate
