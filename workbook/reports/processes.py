"""Process lifetime helpers shared by the long-running commands (`workbook serve`, `workbook report`)."""

from __future__ import annotations

import signal
import sys


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Ask Linux to send this process ``sig`` when its parent dies, even by SIGKILL
    (``prctl(PR_SET_PDEATHSIG)``), so a child never outlives the command that started it.
    Returns ``False`` where this is not available (callers may watch the parent instead)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    pr_set_pdeathsig = 1
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    status: int = prctl(pr_set_pdeathsig, int(sig), 0, 0, 0)  # ctypes converts c_int to int
    return status == 0


__all__ = ["die_with_parent"]
