"""Rendering reports on a Dask distributed cluster (``workbook report --scheduler tcp://HOST:PORT``).

The client (the machine running ``workbook report``) validates every params file as for a local
batch, then sends each file's bytes to the cluster. A worker needs only the installed package
(``pip install 'alliance-workbook[cluster]'``): it writes the bytes to a private temporary
folder, renders the report on a report kernel it keeps warm between tasks (the same
:class:`~workbook.reports.render.Renderer` a local worker uses) and sends back the report's files —
notebook, page, summary, render key, PDF. The client writes them into ``OUT/<slug>/`` atomically,
as a local batch does, so no shared filesystem is needed and nothing half-written is ever seen.
Progress, failure isolation (a failed render fails its file alone) and the index are those of a
local batch.

One report kernel per worker process: tasks on a worker with several threads wait for it in
turn, so start workers with ``--nthreads 1`` and as many processes as the machine has cores.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParamsError, ReportError, WorkbookError
from ..outcomes import Outcome
from ..summary import Summary
from .render import Renderer
from .owners import owner_tag

if TYPE_CHECKING:
    from .folders import Plan
    from .batch import Runner, BatchStop

CONNECT_TIMEOUT = 10  # seconds to reach the scheduler
ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")
POLL = 0.2  # seconds between looks at the running renders (and at a stop request)


class ClusterError(WorkbookError):
    """The cluster cannot be used: Dask distributed missing, no scheduler there, no worker."""


@dataclass
class Rendered:
    """What a worker sends back for one file: the report's files by name, or why it failed."""

    ok: bool
    reason: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    worker_path: str = ""  # where the worker kept its copy of the params file (to reword reasons)


def _client(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A Dask client connected to ``address`` within ``timeout`` seconds, handshake included.

    Dask's own timeout bounds the TCP connection, not the handshake after it: a port that accepts
    connections but never answers held the client for minutes, deaf to Ctrl+C. So the client is
    made in a thread of its own, and this thread waits for it in short steps (Ctrl+C, a
    KeyboardInterrupt, arrives between them) until the deadline; a connection still pending then
    is given up (the thread is a daemon: it never holds the process)."""
    try:
        import dask
        from distributed import Client
    except ImportError:
        raise ClusterError("rendering on a cluster needs Dask distributed: pip install 'alliance-workbook[cluster]'") from None
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
                outcome["client"] = Client(address, timeout=timeout, set_as_default=False)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc

    worker = threading.Thread(target=connect, name="workbook-scheduler-connect", daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout + 1.0
    while worker.is_alive() and time.monotonic() < deadline:
        worker.join(POLL)
    if worker.is_alive():
        raise ClusterError(
            f"the scheduler at {address} did not complete the connection within {timeout:g} s "
            "(is a Dask scheduler listening there, and with the same protocol, tcp:// or tls://?)"
        )
    error = outcome.get("error")
    if error is not None:
        if isinstance(error, (OSError, TimeoutError)):
            raise ClusterError(f"no Dask scheduler answered at {address} within {timeout:g} s ({error})") from None
        raise error
    return outcome["client"]


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> int:
    """Check that ``address`` is a scheduler's address that answers and has workers; returns how
    many workers it has. Raises :class:`ClusterError` otherwise, before anything is rendered."""
    if not ADDRESS.match(address):
        raise ClusterError(f"--scheduler {address!r}: give the scheduler's address as tcp://HOST:PORT")
    client = _client(address, timeout)
    try:
        workers = len(client.scheduler_info().get("workers", {}))
    finally:
        client.close()
    if not workers:
        raise ClusterError(f"the Dask scheduler at {address} has no workers: start some with `dask worker {address}`")
    return workers


# --------------------------------------------------------------------------------------------
# On a worker

_lock = threading.Lock()
_renderer: Renderer | None = None


def _close_renderer() -> None:
    if _renderer is not None:
        _renderer.close()


def render_remote(name: str, data: bytes, pdf: bool, xlsx: bool = False) -> Rendered:
    """Runs on a cluster worker: render the params file ``name`` (its bytes ``data``) and return
    the report's files. One render at a time per worker process, on its warm report kernel."""
    global _renderer
    from .freshness import render_key
    from ..params import load_params

    with _lock:
        folder = Path(tempfile.mkdtemp(prefix="wbk-remote-"))
        params_path = folder / Path(name).name  # a bare name: the client's folders mean nothing here
        try:
            params_path.write_bytes(data)
            try:
                params = load_params(params_path)
            except ParamsError as exc:
                return Rendered(ok=False, reason=str(exc), worker_path=str(params_path))
            report = folder / "report"
            report.mkdir()
            if _renderer is None:
                _renderer = Renderer()
                atexit.register(_close_renderer)
            try:
                summary = _renderer.build(params_path, params, report, render_key(data, pdf, xlsx))
            except ReportError as exc:
                return Rendered(ok=False, reason=exc.reason, worker_path=str(params_path))
            files = {p.name: p.read_bytes() for p in report.iterdir() if p.is_file()}
            return Rendered(ok=True, files=files, summary=summary.as_dict(), worker_path=str(params_path))
        except Exception as exc:  # sent back in words: an exception the client cannot unpickle would never arrive
            return Rendered(ok=False, reason=f"unexpected error on the cluster worker: {exc!r}"[:2000], worker_path=str(params_path))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# On the client


def _place(rendered: Rendered, path: Path, slug: str, out: Path) -> Outcome:
    """Write a worker's report files into ``out/slug`` (all or nothing); the summary names the
    client's params file."""
    from ..files import replace_dir

    summary = Summary.checked(rendered.summary, path)
    if summary is None:
        return Outcome(params_path=path, reason="the worker sent back a summary that is not of the contract's shape")
    work = Path(tempfile.mkdtemp(prefix=f".{slug}.{owner_tag()}.", dir=out))
    try:
        for name, data in rendered.files.items():
            (work / Path(name).name).write_bytes(data)
        (work / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2), encoding="utf-8")
        work.chmod(0o755)
        replace_dir(work, out / slug, owner_tag())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Outcome(params_path=path, slug=slug, ok=True, summary=summary)


def on_cluster(address: str, timeout: float = CONNECT_TIMEOUT) -> Runner:
    """A batch runner (:data:`workbook.reports.batch.Runner`) rendering on the cluster at ``address``."""
    return partial(run_on_cluster, address=address, timeout=timeout)


def run_on_cluster(
    plan: Plan, out: Path, stop: BatchStop, finished: Callable[[Outcome], None], pdf: bool = False, xlsx: bool = False, *, address: str,
    timeout: float = CONNECT_TIMEOUT,
) -> None:
    """Render the loaded files of ``plan`` on the cluster at ``address``, calling ``finished``
    with each file's outcome as it comes back. A stop request (``stop.signum``) cancels what has
    not finished; a render already running on a worker completes there and is discarded."""

    client = _client(address, timeout)
    try:
        futures: dict[Any, Path] = {}
        for path in plan.paths:
            if path not in plan.loaded:
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                finished(Outcome(params_path=path, slug=plan.loaded[path].slug, reason=f"{path}: cannot read the file: {exc.strerror or exc}"))
                continue
            futures[client.submit(render_remote, path.name, data, pdf, xlsx, pure=False)] = path
        pending = set(futures)
        while pending and stop.signum is None:
            done = {f for f in pending if f.done()}
            if not done:
                time.sleep(POLL)
                continue
            pending -= done
            for future in done:
                path = futures[future]
                slug = plan.loaded[path].slug
                try:
                    rendered: Rendered = future.result()
                except Exception as exc:  # the task failed on the cluster (a worker died, ...): this file only
                    finished(Outcome(params_path=path, slug=slug, reason=f"the cluster could not render it: {exc!r}"))
                    continue
                if not rendered.ok:
                    reason = rendered.reason.replace(rendered.worker_path, str(path)) if rendered.worker_path else rendered.reason
                    finished(Outcome(params_path=path, slug=slug, reason=reason))
                    continue
                try:
                    finished(_place(rendered, path, slug, out))
                except OSError as exc:
                    finished(Outcome(params_path=path, slug=slug, reason=f"the report could not be written to {out / slug}: {exc}"))
        if pending:
            client.cancel(list(pending))
    finally:
        client.close()


__all__ = ["ClusterError", "Rendered", "check_scheduler", "on_cluster", "render_remote", "run_on_cluster"]
