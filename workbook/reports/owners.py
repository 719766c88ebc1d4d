"""Temporary folders and who owns them.

Every report is built in a temporary folder named after its owner (host, pid and start time),
next to its destination, and renamed into place only when complete; a later run removes the
folders whose owner is gone and leaves alone those still in use.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

from ..files import owner_gone


# --------------------------------------------------------------------------------------------
# Temporary folders and who owns them


def remove_stale(out_dir: Path) -> list[Path]:
    """Remove the temporary folders of report runs that are gone: work folders and replaced
    reports in ``out_dir`` (a replaced report whose successor never arrived is put back) and
    kernel socket folders in the temp directory. Returns what was removed or restored."""
    places: list[Path] = []
    if out_dir.is_dir():
        places += [p for p in out_dir.iterdir() if p.name.startswith(".")]
    with suppress(OSError):
        places += list(Path(tempfile.gettempdir()).glob("wbk-*"))
    done = []
    for path in places:
        try:
            st = path.lstat()
        except OSError:
            continue
        if st.st_uid != os.getuid() or not owner_gone(path.name):
            continue
        if path.name.endswith(".old") and path.is_dir() and not path.is_symlink():
            dest = path.with_name(path.name[1:].split(".wbk-")[0])
            if not dest.exists():
                with suppress(OSError):
                    os.replace(path, dest)
                    done.append(path)
                    continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        done.append(path)
    return done

