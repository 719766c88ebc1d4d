"""The batch: ``jobs`` worker processes render one report after another, each report in a kernel
of its own. A worker that dies fails the file it was rendering and nothing else (a new worker
takes over the files left). SIGINT, SIGTERM and SIGHUP stop a batch within seconds: running
workers and their kernels are killed, their temporary folders removed and the index of what
finished is written. A worker ends with its parent (``PR_SET_PDEATHSIG`` on Linux, and a thread
watching the parent everywhere), ending its kernel first; a kernel whose worker was killed
outright ends itself within a second (ipykernel's parent poller, through ``JPY_PARENT_PID``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..outcomes import Outcome
from ..schema import Params
from .folders import Plan, folder_summary, folder_taken, plan_batch, superseded_by, write_portfolio_index
from .owners import remove_stale
from .pdf import find_chromium
from .render import Renderer


KILL_WAIT = 5.0  # seconds to wait for a killed process to be gone
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# what a terminal sends to the whole foreground process group (Ctrl+C, hang-up): a worker ignores
# them and leaves the decision to the batch process
TERMINAL_SIGNALS = (signal.SIGINT, signal.SIGHUP)


@dataclass
class Batch:
    """The result of :func:`render_all`.

    ``outcomes`` holds the files that finished (rendered or failed), in the order given;
    files left unfinished by an interruption are not in it. ``interrupted`` is the signal
    that stopped the batch (``None`` when it ran to the end).
    """

    outcomes: list[Outcome]
    total: int
    index: Path
    interrupted: int | None = None

    @property
    def rendered(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]


# --------------------------------------------------------------------------------------------
# Worker processes


def _running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(procs: Sequence[Any], timeout: float = KILL_WAIT) -> None:
    """Wait until the (killed) ``procs`` have ended. A zombie has ended: whoever reaps it (init,
    for a worker's orphaned kernel) may take its time, which ``psutil.wait_procs`` would wait for."""
    deadline = time.monotonic() + timeout
    while any(_running(p.pid) for p in procs) and time.monotonic() < deadline:
        time.sleep(0.02)


def _end_worker(*_: Any) -> None:
    """Kill this worker's kernel (and anything else it started), then exit at once."""
    try:
        import psutil

        kids = psutil.Process().children(recursive=True)
        for kid in kids:
            with suppress(psutil.Error):
                kid.kill()
        _wait_gone(kids)
    finally:
        os._exit(128 + signal.SIGTERM)


def _watch_parent(batch_pid: int) -> None:
    parent = os.getppid()
    while os.getppid() == parent and _running(batch_pid):
        time.sleep(0.5)
    _end_worker()


def _die_with_parent(batch_pid: int) -> None:
    """End this worker (and its kernel) when the batch process is gone, however it went."""
    from .processes import die_with_parent

    die_with_parent(signal.SIGTERM)
    # also where prctl is missing, and should the parent have gone before prctl took effect
    threading.Thread(target=_watch_parent, args=(batch_pid,), name="watch-parent", daemon=True).start()


def _worker(conn: Any, batch_pid: int) -> None:
    """Body of a worker process: renders the reports the batch process sends through ``conn``,
    one at a time, and sends back each outcome; ``None`` (or the batch process gone) ends it."""
    signal.signal(signal.SIGTERM, _end_worker)
    for s in TERMINAL_SIGNALS:
        signal.signal(s, signal.SIG_IGN)  # also drops one that arrived while this process started
    signal.set_wakeup_fd(-1)  # a forked worker's signals are its own, not the batch's
    signal.pthread_sigmask(signal.SIG_UNBLOCK, TERMINAL_SIGNALS)
    _die_with_parent(batch_pid)
    renderer: Renderer | None = None  # one warm kernel for every report this worker renders
    with suppress(Exception):  # it failed: the first report starts one, and says what is wrong
        renderer = Renderer()
        renderer.warm()  # while the batch reads the params files (or a job waits in the pipe)
    with suppress(EOFError, OSError):
        for params_path, out_dir, pdf, xlsx, known in iter(conn.recv, None):
            try:
                renderer = renderer or Renderer()
                outcome = renderer.render(params_path, out_dir, pdf=pdf, known=known, xlsx=xlsx)
            except BaseException as exc:  # report it rather than die silently
                outcome = Outcome(params_path=params_path, reason=f"unexpected error: {exc!r}")
            conn.send(outcome)
    if renderer is not None:
        with suppress(Exception):
            renderer.close()
    # Nothing is left to clean up (the kernel is shut down, the temporary folders are gone):
    # skip the interpreter's slow teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@dataclass
class _Job:
    """One params file to render."""

    path: Path
    slug: str
    out: Path
    pdf: bool = False
    xlsx: bool = False
    started: float = 0.0  # when a worker was given it (time.time())
    known: tuple[str, Params] | None = None  # the plan's (digest, params) of the file

    def on_disk(self) -> Outcome | None:
        """The report this job put in place, should its worker have ended before saying so."""
        folder = self.out / self.slug
        try:
            fresh = (folder / "report.html").stat().st_mtime >= self.started - 1
        except OSError:
            return None
        summary = folder_summary(folder)
        if not fresh or summary is None or summary.file != str(self.path):
            return None
        return Outcome(params_path=self.path, slug=self.slug, ok=True, summary=summary)


def _kill_tree(proc: Any) -> None:
    """Stop a worker process and everything it started, and wait until they are gone."""
    import psutil

    kids: list[psutil.Process] = []
    with suppress(psutil.Error):
        root = psutil.Process(proc.pid)
        root.suspend()  # no new kernel can start while we list its children
        kids = root.children(recursive=True)
    for kid in kids:
        with suppress(psutil.Error):
            kid.kill()
    with suppress(OSError):
        proc.kill()
    proc.join(KILL_WAIT)
    _wait_gone(kids)


class _Worker:
    """A worker process (reused for one report after another, like a pool's) and the job it
    is rendering (``None`` while idle)."""

    def __init__(self, ctx: Any) -> None:
        self.conn, theirs = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(theirs, os.getpid()), name="workbook report", daemon=True)
        self.job: _Job | None = None
        # a forked worker must not write what this process has not flushed yet a second time
        sys.stdout.flush()
        sys.stderr.flush()
        # the worker starts with the terminal's signals blocked (the mask survives exec) until it
        # ignores them: a Ctrl+C while it imports must not end it with a traceback
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, TERMINAL_SIGNALS)
        try:
            self.proc.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        theirs.close()

    def give(self, job: _Job) -> bool:
        """Hand ``job`` to the worker; False when it is gone."""
        job.started = time.time()
        try:
            self.conn.send((job.path, job.out, job.pdf, job.xlsx, job.known))
        except OSError:
            return False
        self.job = job
        return True

    def outcome(self) -> Outcome | None:
        """The outcome of its job, once sent."""
        with suppress(EOFError, OSError):
            if self.conn.poll():
                outcome: Outcome = self.conn.recv()
                self.job = None
                return outcome
        return None

    def retire(self) -> None:
        with suppress(OSError):
            self.conn.send(None)

    def end(self) -> None:
        """Wait briefly for a retired worker; kill the worker and its kernel otherwise."""
        self.proc.join(0 if self.job else KILL_WAIT)
        if self.proc.is_alive():
            _kill_tree(self.proc)
        self.conn.close()


def _died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    else:
        how = f"exit code {exitcode}"
    return f"the worker process died ({how}) before the report was finished"


class BatchStop:
    """Turns SIGINT, SIGTERM and SIGHUP into a request to stop, readable through ``fd``."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._r, self._w = socket.socketpair()
        self._r.setblocking(False)
        self._w.setblocking(False)
        self.fd = self._r

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum is None:
            self.signum = signum

    @contextmanager
    def installed(self) -> Iterator[BatchStop]:
        # signals reach only the main thread: elsewhere the caller handles them
        main = threading.current_thread() is threading.main_thread()
        previous = {s: signal.signal(s, self._handle) for s in STOP_SIGNALS} if main else {}
        old_fd = signal.set_wakeup_fd(self._w.fileno(), warn_on_full_buffer=False) if main else None
        try:
            yield self
        finally:
            if old_fd is not None:
                signal.set_wakeup_fd(old_fd)
            for s, handler in previous.items():
                signal.signal(s, handler)
            self._r.close()
            self._w.close()

    def drain(self) -> None:
        with suppress(OSError):
            while self._r.recv(64):
                pass


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class Workers:
    """Worker processes started ahead of a batch (:func:`plan_batch`'s ``to_load``), so that their
    report kernels start and import while the params files are read; :func:`render_all` given
    them uses them first. Leaving the ``with`` block ends those not taken.

    Workers are forked from this process once it has imported what they need (the renderer,
    papermill, nbconvert and the kernel client): they start in a fraction of the time a fresh
    interpreter takes. Each starts its kernel and warms it up at once (:meth:`Renderer.warm`).
    """

    def __init__(self) -> None:
        self.ready: list[_Worker] = []

    def start(self, n: int) -> None:
        """Start up to ``n`` workers in all."""
        if n <= len(self.ready):
            return
        ctx = _context()
        while len(self.ready) < n:
            self.ready.append(_Worker(ctx))

    def take(self) -> list[_Worker]:
        taken, self.ready = self.ready, []
        return taken

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """End the workers not taken (they finish warming up first at most briefly)."""
        for w in self.ready:
            w.retire()
        for w in self.take():
            w.end()


def _context() -> Any:
    """How worker processes are made: forked from this process, which first imports what a
    worker needs (each worker then starts without importing it again), before it starts any
    thread of its own. Without fork (not on Linux or macOS), a fresh interpreter each."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    import jupyter_client.manager  # noqa: F401
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from . import kernel  # noqa: F401
    from .page_charts import page_chart_script
    from .render import warm_exporter

    warm_exporter()  # its templates compiled once, here, not once in each worker
    page_chart_script()  # the pages' Vega bundle, read (or, on a new machine, made) once
    return multiprocessing.get_context("fork")


def _run(
    plan: Plan,
    out: Path,
    jobs: int,
    stop: BatchStop,
    finished: Callable[[Outcome], None],
    pdf: bool = False,
    xlsx: bool = False,
    started: Sequence[_Worker] = (),
) -> None:
    from multiprocessing.connection import wait

    ctx: Any = None
    # the largest files first: they take longest, and a long report last would keep one worker
    # busy while the other has nothing left to do
    pending = deque(
        _Job(p, plan.loaded[p].slug, out, pdf, xlsx, known=(plan.digests[p], plan.loaded[p]) if p in plan.digests else None)
        for p in sorted((p for p in plan.paths if p in plan.loaded), key=_size, reverse=True)
    )
    workers: list[_Worker] = list(started)
    retired: list[_Worker] = []
    try:
        while stop.signum is None:
            for w in [w for w in workers if w.job is None]:  # idle: the next file, or retire
                if pending and w.give(pending[0]):
                    pending.popleft()
                else:
                    w.retire()
                    workers.remove(w)
                    retired.append(w)
            while pending and len(workers) < jobs:
                ctx = ctx or _context()
                w = _Worker(ctx)
                workers.append(w)
                job = pending.popleft()
                if not w.give(job):  # gone at once: its file fails, as with any dead worker
                    w.job = job
            if not workers:
                break
            ready = wait([stop.fd] + [w.conn for w in workers] + [w.proc.sentinel for w in workers])
            stop.drain()
            if stop.signum is not None:
                break
            for w in [w for w in workers if w.conn in ready or w.proc.sentinel in ready]:
                outcome = w.outcome()
                if outcome is not None:
                    finished(outcome)
                elif not w.proc.is_alive():  # died, with its file unfinished (or just finished)
                    workers.remove(w)
                    w.conn.close()
                    if w.job is not None:
                        finished(w.job.on_disk() or Outcome(params_path=w.job.path, slug=w.job.slug, reason=_died(w.proc.exitcode)))
    finally:
        for w in workers:  # interrupted: keep what did finish, end the rest
            outcome = w.outcome() if w.job is not None else None
            if outcome is not None:
                finished(outcome)
            unfinished = w.job
            w.retire()
            w.end()
            if unfinished is not None and (outcome := unfinished.on_disk()) is not None:
                finished(outcome)
        for w in retired:
            w.end()

#: Renders the loaded files of a plan into a folder: ``runner(plan, out, stop, finished, pdf,
#: xlsx)`` calls ``finished`` once per file it finishes and returns when all are done or
#: ``stop.signum`` is set.
Runner = Callable[[Plan, Path, "BatchStop", Callable[[Outcome], None], bool, bool], None]


def render_all(
    paths: Sequence[str | Path] | Plan,
    out_dir: str | Path,
    jobs: int = 1,
    progress: Callable[[Outcome], None] | None = None,
    pdf: bool = False,
    force: bool = False,
    runner: Runner | None = None,
    xlsx: bool = False,
    workers: Workers | None = None,
) -> Batch:
    """Render every params file (``jobs`` at a time, in as many worker processes, each keeping
    its report kernel warm) and write the portfolio index of every report in ``out_dir``.

    A report whose params file, package and report notebook are unchanged since it was made is
    left as it is (its outcome says ``unchanged``); ``force`` renders every file. A ``plan``
    given (:func:`plan_batch`) has already made that choice.

    ``runner`` renders the files elsewhere than in local worker processes: e.g.
    :func:`workbook.reports.cluster.on_cluster` on a Dask distributed cluster, whose files come back
    and are written here. ``jobs`` is then unused.

    Raises :class:`ParamsError`, rendering nothing, when two files name the same alliance.
    ``progress`` is called once per finished file (the CLI drives its progress bar with it).
    SIGINT, SIGTERM and SIGHUP (when called from the main thread) stop the batch: the reports
    already finished stay, the others leave nothing behind, and the index is written; the
    returned batch names the signal.

    ``pdf`` also prints each report to ``report.pdf`` with headless Chromium; raises
    :class:`~workbook.reports.pdf.PdfError`, rendering nothing, when no Chromium is found. ``xlsx``
    also writes each alliance's model as a live spreadsheet, ``model.xlsx``
    (:mod:`workbook.reports.spreadsheet`).

    ``workers`` started ahead (:class:`Workers`, while the plan was made) are used first.
    """
    if pdf:
        find_chromium()
    stop = BatchStop()
    with stop.installed():
        out = Path(out_dir).resolve()
        plan = paths if isinstance(paths, Plan) else plan_batch(paths, out, pdf=pdf, force=force, xlsx=xlsx)
        out.mkdir(parents=True, exist_ok=True)
        remove_stale(out)
        done: dict[Path, Outcome] = {}
        drop_superseded = superseded_by(out)

        def finished(outcome: Outcome) -> None:
            done[outcome.params_path] = outcome
            if outcome.ok:
                drop_superseded(outcome)
            if progress:
                progress(outcome)

        for outcome in [*plan.invalid.values(), *plan.unchanged.values()]:
            finished(outcome)
        loaded = {}
        for path, params in plan.loaded.items():
            reason = folder_taken(out, path, params)
            if reason is None:
                loaded[path] = params
            else:
                finished(Outcome(params_path=path, slug=params.slug, reason=f"{path}: {reason}"))
        todo = Plan(plan.paths, loaded, plan.invalid, digests=plan.digests)
        if runner is not None:
            runner(todo, out, stop, finished, pdf, xlsx)
        else:
            _run(todo, out, max(1, jobs), stop, finished, pdf=pdf, xlsx=xlsx, started=workers.take() if workers else ())
        remove_stale(out)
        outcomes = [done[p] for p in plan.paths if p in done]
        index = write_portfolio_index(out, failures=[o for o in outcomes if not o.ok])
    return Batch(outcomes=outcomes, total=len(plan.paths), index=index, interrupted=stop.signum)
