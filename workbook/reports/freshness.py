"""What a report was made from, so that unchanged files are not rendered (or summarised) again.

A report folder holds ``render.json``: the digest of the params file's bytes, the fingerprint
of the workbook package that rendered it (its version and the digest of its code, templates and
notebooks, so an edited checkout counts as a new version), the digest of the report notebook,
and whether a PDF and a spreadsheet were asked for. A report is fresh when all of these match what a render would
use now and its files are all there; ``workbook report`` then leaves it as it is (``--force``
renders it anyway).

A summary depends on less: the params file and the package. :func:`cached_summary` gives the
``summary.json`` of a report made from the very same bytes by the same package, so the portfolio
dashboard reads it instead of running the model again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import hashlib
import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..resources import package_dir, report_notebook

if TYPE_CHECKING:
    from ..summary import Summary

#: The file in each report folder that records what the report was made from.
KEY_FILE = "render.json"
#: What a finished report folder holds (``report.pdf`` and ``model.xlsx`` too when asked for).
REPORT_FILES = ("report.ipynb", "report.html", "summary.json")
#: What the package fingerprint covers: code, page templates, shipped notebooks and instruments.
_PACKAGE_GLOBS = ("**/*.py", "**/*.j2", "**/*.css", "**/*.json", "**/*.ipynb", "**/*.yaml", "**/*.tpl")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: str | Path) -> str:
    return digest(Path(path).read_bytes())


@cache
def package_fingerprint() -> str:
    """The installed package's version and a digest of its files: any change of code, template or
    notebook (an upgrade, or an edit in a checkout) gives a new fingerprint."""
    try:
        release = version("alliance-workbook")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        release = "0"
    root = package_dir()
    h = hashlib.sha256()
    files = sorted({p for g in _PACKAGE_GLOBS for p in root.glob(g) if p.is_file() and "__pycache__" not in p.parts})
    for path in files:
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return f"{release}+{h.hexdigest()[:16]}"


@cache
def notebook_digest() -> str:
    """The digest of the report notebook this process renders with."""
    return file_digest(report_notebook())


def render_key(params_bytes: bytes, pdf: bool = False, xlsx: bool = False) -> dict[str, Any]:
    """What a report rendered now from these params bytes would be made from (with ``pdf`` a
    ``report.pdf``, with ``xlsx`` a ``model.xlsx``): a report made without one of them is not
    fresh when it is asked for."""
    return {
        "params": digest(params_bytes),
        "package": package_fingerprint(),
        "notebook": notebook_digest(),
        "pdf": bool(pdf),
        "xlsx": bool(xlsx),
    }


def recorded_key(folder: Path) -> dict[str, Any] | None:
    """The key a report folder was rendered with (``None`` when absent or unreadable)."""
    try:
        key = json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return key if isinstance(key, dict) else None


def is_fresh(folder: Path, key: dict[str, Any]) -> bool:
    """True when ``folder`` holds a complete report made from exactly ``key``."""
    if recorded_key(folder) != key:
        return False
    wanted = REPORT_FILES + (("report.pdf",) if key.get("pdf") else ()) + (("model.xlsx",) if key.get("xlsx") else ())
    return all((folder / name).is_file() for name in wanted)


def cached_summary(params_path: str | Path, folder: Path, params_bytes: bytes | None = None) -> Summary | None:
    """The ``summary.json`` in report ``folder`` when it was made from the same params bytes by the
    same package (its ``file`` set to ``params_path``); ``None`` otherwise."""
    key = recorded_key(folder)
    if key is None or key.get("package") != package_fingerprint():
        return None
    try:
        data = params_bytes if params_bytes is not None else Path(params_path).read_bytes()
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if key.get("params") != digest(data):
        return None
    from ..summary import Summary  # the contract's model: a summary of another shape is recomputed

    return Summary.checked(summary, params_path)


__all__ = ["KEY_FILE", "REPORT_FILES", "cached_summary", "digest", "file_digest", "is_fresh", "notebook_digest", "package_fingerprint", "recorded_key", "render_key"]
