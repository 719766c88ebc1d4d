"""Summaries kept between visits of the portfolio dashboard, so that an unchanged alliance is not
modelled again (a summary runs the whole assessment with its Monte Carlo: about a quarter of a
second per alliance; reading a kept one, a millisecond).

A params file's summary is found, in this order:

1. in the report folder rendered from the same bytes by the same package
   (:func:`workbook.reports.freshness.cached_summary`, after ``workbook report``);
2. in the reports folder's store, ``<reports>/.summaries/<params digest>-<package fingerprint>.json``,
   written by an earlier visit (the entry names the digest and the fingerprint again inside);
3. otherwise the file is validated and summarised, and the summary is stored for the next visit.

Both keys are the digest of the file's bytes and the package's fingerprint, so an edited file (or
an upgraded or edited package) is never shown an old summary. The report folder is found by that
digest (each folder's ``render.json``), not by the alliance's name: learning the name means
parsing the file, which costs as much as a dozen lookups. Whatever is read back goes through the
summary contract's model (:class:`workbook.summary.Summary`): an entry of another shape, or one
naming other bytes or another package, is ignored and recomputed, never shown. A store that cannot be written (a
read-only reports folder, a full disk) only means nothing is kept; the visitor still gets every
summary.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from . import freshness
from ..files import atomic_replace
from ..params import check_text, read_text
from ..summary import Summary, summary_of

log = logging.getLogger(__name__)

#: The store's folder inside the reports folder (hidden: the portfolio index skips it).
STORE_DIR = ".summaries"
#: A temporary file of a write that never finished (its process was killed) is removed after this
#: many seconds; a younger one may belong to a write in progress.
STALE_TEMP_SECONDS = 600


class SummaryStore:
    """The summaries of params files kept in one reports folder (``reports``).

    One instance serves one pass over a params folder: it reads the report folders' keys once,
    and :meth:`prune` then drops the entries that pass did not use.
    """

    def __init__(self, reports: Path) -> None:
        self.reports = Path(reports)
        self.folder = self.reports / STORE_DIR
        self._reports_by_digest: dict[str, Path] | None = None
        self._used: set[str] = set()
        self._writable = True

    def entry(self, params_digest: str) -> Path:
        """Where the summary of the params bytes with this digest is kept."""
        return self.folder / f"{params_digest}-{freshness.package_fingerprint()}.json"

    def _report_folders(self) -> dict[str, Path]:
        """Each report folder by the digest of the params bytes it was rendered from."""
        if self._reports_by_digest is None:
            found: dict[str, Path] = {}
            try:
                folders = [p for p in self.reports.iterdir() if not p.name.startswith(".")]
            except OSError:  # no reports folder yet
                folders = []
            for folder in sorted(folders):
                key = freshness.recorded_key(folder)
                if key is not None and isinstance(key.get("params"), str):
                    found.setdefault(key["params"], folder)
            self._reports_by_digest = found
        return self._reports_by_digest

    def lookup(self, path: Path, data: bytes) -> Summary | None:
        """The summary of params ``data`` (read from ``path``, which its ``file`` names), from its
        report folder or the store; ``None`` when neither holds one made by this package."""
        d = freshness.digest(data)
        self._used.add(self.entry(d).name)
        folder = self._report_folders().get(d)
        if folder is not None:
            found = freshness.cached_summary(path, folder, params_bytes=data)
            if found is not None:
                return found
        try:
            kept = json.loads(self.entry(d).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # not kept yet, unreadable, or cut short
            return None
        # an entry names the params bytes and the package it was made from, and holds a summary of
        # the contract's shape; anything else (another file's entry copied here, a hand-made one,
        # another version's) is ignored, recomputed and replaced: never shown
        if not isinstance(kept, dict) or kept.get("params") != d or kept.get("package") != freshness.package_fingerprint():
            return None
        return Summary.checked(kept.get("summary"), path)

    def keep(self, data: bytes, summary: Summary) -> None:
        """Store ``summary`` of params ``data`` for the next visit, if the folder can be written."""
        if not self._writable:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            d = freshness.digest(data)
            entry = {"params": d, "package": freshness.package_fingerprint(), "summary": summary.as_dict()}
            atomic_replace(self.entry(d), json.dumps(entry))
        except OSError as exc:
            self._writable = False  # one failure is enough: the rest of this pass only reads
            log.info("summaries are not kept in %s: %s", self.folder, exc)

    def prune(self) -> None:
        """Remove the entries this pass did not use (older versions of edited files, files since
        removed, other package versions) and temporary files of writes that never finished."""
        try:
            names = list(self.folder.iterdir())
        except OSError:
            return
        now = time.time()
        for path in names:
            with contextlib.suppress(OSError):
                if path.name.endswith(".tmp"):
                    if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                        path.unlink()
                elif path.suffix == ".json" and path.name not in self._used:
                    path.unlink()


def stored_summary(path: Path, store: SummaryStore) -> Summary:
    """The summary of the params file at ``path`` (its ``file`` is ``path``): a kept one when
    the store has one for these very bytes, else validated, summarised and kept.

    Raises
    ------
    ParamsError
        when the file cannot be read or is not valid (every problem, with file, line and field).
    """
    text = read_text(path)
    data = text.encode("utf-8")  # the file's bytes: read_text decoded them as strict UTF-8
    found = store.lookup(path, data)
    if found is not None:
        return found
    summary = summary_of(check_text(text, path), path)
    store.keep(data, summary)
    return summary


__all__ = ["STORE_DIR", "SummaryStore", "stored_summary"]
