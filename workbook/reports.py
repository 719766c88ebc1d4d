"""Batch reports: papermill executes the report notebook per params file, nbconvert turns it
into a self-contained HTML page (headless Chromium prints it to PDF on request), and a
portfolio index links every report in the folder.

Each report is built in a temporary folder next to its destination and renamed into place
only when complete, so a failed or interrupted run never leaves partial output behind.

Processes. ``jobs`` worker processes render one report after another, each report in a kernel
of its own. A worker that dies fails the file it was rendering and nothing else (a new worker
takes over the files left). SIGINT, SIGTERM and SIGHUP
stop a batch within seconds: running workers and their kernels are killed, their temporary
folders removed and the index of what finished is written. A worker ends with its parent
(``PR_SET_PDEATHSIG`` on Linux, and a thread watching the parent everywhere), ending its kernel
first; a kernel whose worker was killed outright ends itself within a second (ipykernel's parent
poller, through ``JPY_PARENT_PID``). Temporary folders carry their owner's host, pid and start
time in their name, so a later run removes those whose owner is gone and leaves alone those still
in use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from .freshness import KEY_FILE, digest, is_fresh, render_key
from .currency import check_code
from .errors import ParamsError, Problem, ReportError
from .files import replace_dir
from .params import check_text, load_params, read_text
from .pdf import PdfError, find_chromium, print_pdf
from .resources import report_notebook, templates_dir
from .outcomes import Outcome
from .schema import Params

KERNEL_START_TIMEOUT = 120  # seconds; two kernels starting at once on a small machine are slow
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


# --------------------------------------------------------------------------------------------
# One report


@cache
def _exporter() -> Any:
    """The report page's exporter, built once per process (its templates load once)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def export_html(nb: Any, html_path: Path, title: str | None = None) -> None:
    """Convert an executed notebook (the node papermill returns) to HTML with no input cells and
    no CDN scripts. ``title`` (escaped by the template) names the page: the browser's tab and the
    PDF's document title."""
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}} if title else None)
    html_path.write_text(body, encoding="utf-8")


def _execution_reason(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"the report notebook failed: {ename}: {evalue}".strip()


class Renderer:
    """Renders reports one after another on one report kernel, kept alive between them and reset
    in between (:class:`~workbook.kernel.WarmKernel`): the imports, the kernel's start and the
    HTML exporter are paid once per renderer, not once per report. :meth:`close` ends the kernel.
    """

    def __init__(self) -> None:
        from .kernel import WarmKernel

        # short path: a unix socket path must stay under ~100 characters
        self.sockets = Path(tempfile.mkdtemp(prefix=f"{owner_tag()}."))
        self.kernel = WarmKernel(self.sockets)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.kernel.close()
        finally:
            shutil.rmtree(self.sockets, ignore_errors=True)

    def build(self, params_path: Path, params: Params, folder: Path, key: dict[str, Any]) -> dict[str, Any]:
        """Write the report of ``params`` (loaded from ``params_path``) into ``folder``:
        ``report.ipynb``, ``report.html``, ``summary.json`` (``report.pdf`` and ``model.xlsx``
        when ``key`` asks for them) and, last, ``render.json`` (``key``). Returns the summary;
        raises :class:`ReportError`."""
        from .summary import assess, summarise

        nb_out = folder / "report.ipynb"
        notebook = report_notebook()
        try:
            executed = self.kernel.execute(notebook, nb_out, {"params_path": str(params_path)}, cwd=notebook.parent, start_timeout=KERNEL_START_TIMEOUT)
        except Exception as exc:  # papermill raises several kinds; each becomes a reason
            raise ReportError(params_path, _execution_reason(exc)) from exc
        export_html(executed, folder / "report.html", title=f"{params.alliance.name} — alliance report")
        if key.get("pdf"):
            try:
                print_pdf(folder / "report.html", folder / "report.pdf", profile_parent=self.sockets)
            except PdfError as exc:
                raise ReportError(params_path, f"the PDF was not made: {exc}") from exc
        assessment = assess(params)
        if key.get("xlsx"):
            from .spreadsheet import write_xlsx

            try:
                write_xlsx(params, folder / "model.xlsx", assessment.ramp)
            except Exception as exc:  # openpyxl raises several kinds; each fails this report only
                raise ReportError(params_path, f"the spreadsheet model.xlsx was not made: {exc!r}") from exc
        summary = summarise(params, params_path, assessment)
        (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        (folder / KEY_FILE).write_text(json.dumps(key, indent=2), encoding="utf-8")
        return summary

    def render(
        self, params_path: str | Path, out_dir: str | Path, pdf: bool = False, known: tuple[str, Params] | None = None, xlsx: bool = False
    ) -> Outcome:
        """Validate one params file, execute the report notebook for it and export HTML (and, with
        ``pdf``, print the page to PDF with headless Chromium: :mod:`workbook.pdf`; with ``xlsx``,
        write the model as a live spreadsheet: :mod:`workbook.spreadsheet`).

        Writes ``out_dir/<slug>/report.ipynb``, ``report.html``, ``summary.json``, ``render.json``
        (and ``report.pdf``, ``model.xlsx``) — all or nothing. Never raises for a bad file: the reason is in the
        returned :class:`Outcome`.

        ``known`` is ``(digest, params)``: the params validated from bytes of that digest (by the
        batch's plan). When the file still holds those bytes, they are not read and validated again.
        """
        params_path = Path(params_path).resolve()
        out_dir = Path(out_dir).resolve()
        outcome = Outcome(params_path=params_path)
        try:
            key = render_key(params_path.read_bytes(), pdf, xlsx)  # before the kernel reads it: an edit meanwhile renders again next time
            params = known[1] if known is not None and known[0] == key["params"] else load_params(params_path)
        except OSError as exc:
            outcome.reason = f"{params_path}: cannot read the file: {exc.strerror or exc}"
            return outcome
        except ParamsError as exc:
            outcome.reason = str(exc)
            return outcome
        outcome.slug = params.slug
        out_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{params.slug}.{owner_tag()}.", dir=out_dir))
        try:
            outcome.summary = self.build(params_path, params, work, key)
            work.chmod(0o755)  # mkdtemp makes it private; the finished report is for anyone who can read DIR
            replace_dir(work, out_dir / params.slug, owner_tag())
            outcome.ok = True
        except ReportError as exc:
            outcome.reason = exc.reason
        except Exception as exc:  # an unexpected failure of one report must not stop the batch
            outcome.reason = f"unexpected error: {exc!r}\n{traceback.format_exc(limit=3)}"
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return outcome


def render_report(params_path: str | Path, out_dir: str | Path, pdf: bool = False, xlsx: bool = False) -> Outcome:
    """One report on a kernel of its own (:meth:`Renderer.render`, then the kernel ends)."""
    with Renderer() as renderer:
        return renderer.render(params_path, out_dir, pdf=pdf, xlsx=xlsx)


# --------------------------------------------------------------------------------------------
# What is in a report folder


class _Flag(BaseModel):
    severity: str
    message: str


class _IndexRow(BaseModel):
    """The summary fields the portfolio index shows; a folder whose ``summary.json`` does not
    have them (hand-edited, or from another program) is not listed rather than breaking the page."""

    model_config = ConfigDict(extra="allow")

    alliance: str
    type: str
    currency: str
    readiness_score: float | None
    trust_index: float | None
    first_revenue_month: int | None
    break_even_month: int | None
    commitment_months: int
    peak_funding_need: float
    flags: list[_Flag]

    @field_validator("currency")
    @classmethod
    def _known(cls, code: str) -> str:
        return check_code(code)


def reports_in(out_dir: str | Path) -> list[Outcome]:
    """Every finished report in ``out_dir``, from each report folder's ``summary.json``,
    sorted by alliance name. Folders without a readable summary (and hidden ones) are skipped."""
    out_dir = Path(out_dir)
    rows = []
    for folder in out_dir.iterdir() if out_dir.is_dir() else ():
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
            _IndexRow.model_validate(summary)
            rendered = dt.datetime.fromtimestamp((folder / "report.html").stat().st_mtime)
        except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
            continue
        source = Path(summary["file"]) if isinstance(summary.get("file"), str) else folder
        rows.append(Outcome(params_path=source, slug=folder.name, ok=True, summary=summary, rendered=rendered))
    rows.sort(key=lambda o: (str(o.summary["alliance"]).casefold(), str(o.slug)))
    return rows


def write_portfolio_index(out_dir: str | Path, failures: Sequence[Outcome] = ()) -> Path:
    """Write ``out_dir/index.html`` over every report in ``out_dir`` (see :func:`reports_in`),
    followed by ``failures`` (files that failed in the latest run). Returns its path."""
    from .portfolio_page import write_index

    out_dir = Path(out_dir)
    return write_index(reports_in(out_dir) + list(failures), out_dir, tmp_prefix=f".index.html.{owner_tag()}.")


def _folder_taken(out_dir: Path, path: Path, params: Params) -> str | None:
    """Why ``path`` must not render into its folder: it holds the report of another alliance
    from another params file (an earlier run, a name giving the same folder)."""
    folder = out_dir / params.slug
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict):
        return None
    other, source = summary.get("alliance"), summary.get("file")
    if other == params.alliance.name or source == str(path) or not isinstance(other, str):
        return None
    return (f"alliance.name: {params.alliance.name!r} gives the report folder {folder}, which holds the report of "
            f"{other!r} (from {source}): rename one alliance, or remove that folder")


def _superseded(out_dir: Path) -> Callable[[Outcome], None]:
    """A function that removes the other report folders of a just-finished report's alliance (the
    name gave another folder before, e.g. under an older slug rule): the report just written
    replaces them. The folders are read once, so a batch of many reports stays quick."""
    folders: dict[str, list[str]] = {}
    for row in reports_in(out_dir):
        folders.setdefault(str(row.summary["alliance"]), []).append(str(row.slug))

    def drop(outcome: Outcome) -> None:
        for slug in folders.pop(str(outcome.summary.get("alliance")), ()):
            if slug != outcome.slug:
                shutil.rmtree(out_dir / slug, ignore_errors=True)

    return drop


# --------------------------------------------------------------------------------------------
# Two files, one alliance


def _name_line(path: Path) -> int | None:
    from .params import line_of, read_yaml

    try:
        return line_of(read_yaml(path), ("alliance", "name"))
    except ParamsError:
        return None


def name_clashes(names: Mapping[Path, tuple[str, str]]) -> list[Problem]:
    """Problems of files that name the same alliance, or whose names give the same report
    folder: one problem per file, each naming the other file(s). ``names`` gives each file's
    alliance name and report folder (:attr:`Params.slug`). Files are compared by their resolved
    path, so one file given twice is no clash."""
    by_path: dict[Path, tuple[Path, str]] = {}
    by_slug: dict[str, list[tuple[Path, str]]] = {}
    for path, (name, slug) in names.items():
        if Path(path).resolve() not in by_path:
            by_path[Path(path).resolve()] = (Path(path), name)
            by_slug.setdefault(slug, []).append((Path(path), name))
    problems = []
    for slug, group in by_slug.items():
        if len(group) < 2:
            continue
        lines = {p: _name_line(p) for p, _ in group}

        def where(p: Path) -> str:
            return f"{p}:{lines[p]}" if lines[p] is not None else str(p)

        for path, name in group:
            others = [(p, o) for p, o in group if p != path]
            if all(o == name for _, o in others):
                message = (f"{name!r} is also the alliance named in "
                           f"{', '.join(where(p) for p, _ in others)}: give each alliance its own name, or remove one file")
            else:
                listed = ", ".join(f"{o!r} in {where(p)}" for p, o in others)
                message = f"{name!r} gives the same report folder '{slug}' as {listed}: rename one alliance"
            problems.append(Problem(path, lines[path], "alliance.name", message))
    return problems


@dataclass
class Plan:
    """The files of a batch: ``paths`` in the order given (each once), the models of those to
    render, the outcomes of those that did not load, and those whose report is up to date
    (``unchanged``: made from the same bytes by the same package and notebook; not loaded again)."""

    paths: list[Path]
    loaded: dict[Path, Params]
    invalid: dict[Path, Outcome]
    unchanged: dict[Path, Outcome] = field(default_factory=dict)
    #: the digest of the bytes each loaded file was read from: a worker given the same bytes
    #: renders the plan's validated params instead of reading the file a second time
    digests: dict[Path, str] = field(default_factory=dict)


def plan_batch(paths: Sequence[str | Path], out_dir: str | Path | None = None, pdf: bool = False, force: bool = False, xlsx: bool = False) -> Plan:
    """Load every file of a batch; raise :class:`ParamsError` if two name the same alliance (or
    the same report folder), before anything is rendered. A file that does not load is not an
    error here: it fails alone, with its reason, when the batch runs.

    Given ``out_dir``, a file whose report there is up to date (:func:`workbook.freshness.is_fresh`:
    same file bytes, package and report notebook, a PDF if ``pdf``, a spreadsheet if ``xlsx``) is not even loaded: it
    was valid when its report was made, and nothing it depends on has changed. ``force`` renders
    every file.
    """
    given: dict[Path, Path] = {}  # resolved path -> the path as given, for messages
    for p in paths:
        given.setdefault(Path(p).resolve(), Path(p))
    made = {} if out_dir is None or force else {row.params_path: row for row in reports_in(out_dir)}
    loaded: dict[Path, Params] = {}
    invalid: dict[Path, Outcome] = {}
    unchanged: dict[Path, Outcome] = {}
    digests: dict[Path, str] = {}
    for p, shown in given.items():
        row = made.get(p)
        if row is not None and out_dir is not None:
            try:
                if is_fresh(Path(out_dir) / str(row.slug), render_key(p.read_bytes(), pdf, xlsx)):
                    unchanged[p] = Outcome(params_path=p, slug=row.slug, ok=True, summary=row.summary, rendered=row.rendered, unchanged=True)
                    continue
            except OSError:
                pass  # unreadable now: loading it says why
        try:
            text = read_text(shown)  # load_params, keeping the digest of what was read
            loaded[p] = check_text(text, shown)
            digests[p] = digest(text.encode("utf-8"))
        except ParamsError as exc:
            invalid[p] = Outcome(params_path=p, reason=str(exc))
    names = {given[p]: (params.alliance.name, params.slug) for p, params in loaded.items()}
    names |= {given[p]: (str(o.summary["alliance"]), str(o.slug)) for p, o in unchanged.items()}
    problems = name_clashes(names)
    if problems:
        raise ParamsError(problems)
    return Plan(list(given), loaded, invalid, unchanged, digests)


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
    signal.pthread_sigmask(signal.SIG_UNBLOCK, TERMINAL_SIGNALS)
    _die_with_parent(batch_pid)
    renderer: Renderer | None = None  # one warm kernel for every report this worker renders
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
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
            fresh = (folder / "report.html").stat().st_mtime >= self.started - 1
        except (OSError, ValueError):
            return None
        if not fresh or not isinstance(summary, dict) or summary.get("file") != str(self.path):
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


def _run(plan: Plan, out: Path, jobs: int, stop: BatchStop, finished: Callable[[Outcome], None], pdf: bool = False, xlsx: bool = False) -> None:
    import multiprocessing
    from multiprocessing.connection import wait

    # spawn: a fresh interpreter, a direct child of this process, inheriting nothing from its
    # threads. (A fork server would start workers faster, but on Python 3.11 it leaves its
    # listener socket folder behind when this process is killed.)
    ctx = multiprocessing.get_context("spawn")
    pending = deque(
        _Job(p, plan.loaded[p].slug, out, pdf, xlsx, known=(plan.digests[p], plan.loaded[p]) if p in plan.digests else None)
        for p in plan.paths
        if p in plan.loaded
    )
    workers: list[_Worker] = []
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
) -> Batch:
    """Render every params file (``jobs`` at a time, in as many worker processes, each keeping
    its report kernel warm) and write the portfolio index of every report in ``out_dir``.

    A report whose params file, package and report notebook are unchanged since it was made is
    left as it is (its outcome says ``unchanged``); ``force`` renders every file. A ``plan``
    given (:func:`plan_batch`) has already made that choice.

    ``runner`` renders the files elsewhere than in local worker processes: e.g.
    :func:`workbook.cluster.on_cluster` on a Dask distributed cluster, whose files come back
    and are written here. ``jobs`` is then unused.

    Raises :class:`ParamsError`, rendering nothing, when two files name the same alliance.
    ``progress`` is called once per finished file (the CLI drives its progress bar with it).
    SIGINT, SIGTERM and SIGHUP (when called from the main thread) stop the batch: the reports
    already finished stay, the others leave nothing behind, and the index is written; the
    returned batch names the signal.

    ``pdf`` also prints each report to ``report.pdf`` with headless Chromium; raises
    :class:`~workbook.pdf.PdfError`, rendering nothing, when no Chromium is found. ``xlsx``
    also writes each alliance's model as a live spreadsheet, ``model.xlsx``
    (:mod:`workbook.spreadsheet`).
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
        drop_superseded = _superseded(out)

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
            reason = _folder_taken(out, path, params)
            if reason is None:
                loaded[path] = params
            else:
                finished(Outcome(params_path=path, slug=params.slug, reason=f"{path}: {reason}"))
        todo = Plan(plan.paths, loaded, plan.invalid, digests=plan.digests)
        if runner is not None:
            runner(todo, out, stop, finished, pdf, xlsx)
        else:
            _run(todo, out, max(1, jobs), stop, finished, pdf=pdf, xlsx=xlsx)
        remove_stale(out)
        outcomes = [done[p] for p in plan.paths if p in done]
        index = write_portfolio_index(out, failures=[o for o in outcomes if not o.ok])
    return Batch(outcomes=outcomes, total=len(plan.paths), index=index, interrupted=stop.signum)
