"""Temporary folders and who owns them.

Every report is built in a temporary folder named after its owner (host, pid and start time),
next to its destination, and renamed into place only when complete; a later run removes the
folders whose owner is gone and leaves alone those still in use.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile
from contextlib import suppress
from functools import cache
from pathlib import Path


# --------------------------------------------------------------------------------------------
# Temporary folders and who owns them


_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_OWNER = re.compile(r"wbk-([0-9a-f]{6})-(\d+)-([0-9a-f]+)")


@cache
def _owner_tag(pid: int) -> str:
    """``wbk-<host>-<pid>-<start time>``: names the process that owns a temporary folder."""
    import psutil

    start = round(psutil.Process(pid).create_time() * 100)
    return f"wbk-{_HOST}-{pid}-{start:x}"


def owner_tag() -> str:
    return _owner_tag(os.getpid())


def _owner_gone(name: str) -> bool:
    """True when ``name`` carries an owner tag of this host whose process no longer runs.

    A process of the same pid started at another time is a different process, and a zombie has
    ended. Anything else (no tag, another host, a process we may not inspect) is not provably
    stale.
    """
    import psutil

    m = _OWNER.search(name)
    if m is None or m.group(1) != _HOST:
        return False
    pid, start = int(m.group(2)), int(m.group(3), 16)
    try:
        proc = psutil.Process(pid)
        return proc.status() == psutil.STATUS_ZOMBIE or round(proc.create_time() * 100) != start
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


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
        if st.st_uid != os.getuid() or not _owner_gone(path.name):
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

