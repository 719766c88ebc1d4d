"""The kernel's side of :class:`workbook.apps.voila_pool.Visits`: a kernel Voila prepared ahead of
its visitor asks the server which page it was handed to."""

from __future__ import annotations

import asyncio
import os

from ..kernel_env import VISITS_ENV


async def next_visit() -> str | None:
    """In a kernel Voila prepared ahead of its visitor: wait until the kernel is handed to a
    page, and return that page's query string (without its token). ``None`` in any other kernel,
    or when the server does not say (it is not ``workbook serve``'s Voila, or it stopped)."""
    visit = await _visit()
    return visit[0] if visit is not None else None


async def visit_address() -> str | None:
    """Like :func:`next_visit`, but the remote address the page was requested from (``""`` if
    the server did not record one; ``None`` in a kernel that was not prepared ahead)."""
    visit = await _visit()
    return visit[1] if visit is not None else None


async def _visit() -> tuple[str, str] | None:
    path, kernel_id = os.environ.get(VISITS_ENV, ""), os.environ.get("VOILA_KERNEL_ID", "")
    if not (path and kernel_id and os.environ.get("VOILA_PREHEAT") == "True"):
        return None
    try:
        reader, writer = await asyncio.open_unix_connection(path)
    except OSError:
        return None
    try:
        writer.write(kernel_id.encode("ascii") + b"\n")
        await writer.drain()
        line = await reader.readline()
        address = await reader.readline() if line.endswith(b"\n") else b""
    except OSError:
        return None
    finally:
        writer.close()
    if not line.endswith(b"\n"):
        return None
    return line[:-1].decode("utf-8"), address.rstrip(b"\n").decode("utf-8", "replace")
