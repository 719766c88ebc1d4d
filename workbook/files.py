"""Writing files so that readers never see half of one: the one place the workbook replaces a
file or a folder on disk.

- :func:`atomic_replace` writes a file's new content next to it and renames it into place (a
  symlink is followed, the permission bits are kept); the params editor, the workshop export and
  the portfolio index use it.
- :func:`replace_dir` swaps a finished report folder into place, replacing an older one.
- :func:`owner_tag` names the process that owns a temporary folder (host, pid, start time), so
  that a later run can tell a folder left by a process that is gone (:func:`owner_gone`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
from functools import cache
from pathlib import Path

#: This host, as owner tags name it.
HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
#: An owner tag in a name: its host, pid and start time.
OWNER = re.compile(r"wbk-([0-9a-f]{6})-(\d+)-([0-9a-f]+)")


@cache
def _owner_tag(pid: int) -> str:
    """``wbk-<host>-<pid>-<start time>``: names the process that owns a temporary folder."""
    import psutil

    start = round(psutil.Process(pid).create_time() * 100)
    return f"wbk-{HOST}-{pid}-{start:x}"


def owner_tag() -> str:
    """This process's owner tag (:func:`_owner_tag`): a temporary folder named with it is
    removed by a later run once this process is gone (:func:`workbook.reports.owners.remove_stale`)."""
    return _owner_tag(os.getpid())


def owner_gone(name: str) -> bool:
    """True when ``name`` carries an owner tag of this host whose process no longer runs.

    A process of the same pid started at another time is a different process, and a zombie has
    ended. Anything else (no tag, another host, a process we may not inspect) is not provably
    stale.
    """
    import psutil

    m = OWNER.search(name)
    if m is None or m.group(1) != HOST:
        return False
    pid, start = int(m.group(2)), int(m.group(3), 16)
    try:
        proc = psutil.Process(pid)
        return proc.status() == psutil.STATUS_ZOMBIE or round(proc.create_time() * 100) != start
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, for every thread at once)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_replace(path: str | Path, text: str | bytes, prefix: str | None = None) -> Path:
    """Replace the file at ``path`` with ``text`` so readers see the old file or the new one,
    never half of one.

    A symlink is followed: its target is replaced and the link stays a link. The new file keeps
    the old one's permission bits (and owner, where allowed); a new file gets the usual
    ``0666 & ~umask``. The temporary file is written next to the target (so the rename is
    atomic) and removed if anything fails. Returns the path actually written (the target).
    """
    target = Path(os.path.realpath(path))
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            if old is not None:
                os.fchmod(fh.fileno(), stat.S_IMODE(old.st_mode))
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    with contextlib.suppress(PermissionError):
                        os.fchown(fh.fileno(), old.st_uid, old.st_gid)
            else:
                os.fchmod(fh.fileno(), 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def replace_dir(src: Path, dest: Path, tag: str) -> None:
    """Move the finished folder ``src`` to ``dest``, replacing an older folder there.

    The old folder is first renamed aside (to ``.<name>.<tag>.old``, so a reader never finds
    ``dest`` missing for longer than two renames) and then removed."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.{tag}.old")
        os.replace(dest, old)
    os.replace(src, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
