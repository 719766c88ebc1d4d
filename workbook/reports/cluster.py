"""Rendering reports on a Dask distributed cluster (``workbook report --scheduler tcp://HOST:PORT``,
or ``tls://HOST:PORT`` with the cluster's certificates).

The client (the machine running ``workbook report``) validates every params file as for a local
batch, then sends each file's bytes to the cluster. A worker needs only the installed package
(``pip install 'alliance-workbook[cluster]'``): it writes the bytes to a private temporary
folder, renders the report on a report kernel it keeps warm between tasks (the same
:class:`~workbook.reports.render.Renderer` a local worker uses) and sends back the report's files —
notebook, page, render key, PDF, spreadsheet — and its summary, as plain data: bytes and a JSON
text, read by the client with Dask's msgpack deserialiser only (never unpickled) and checked
before anything is written (:func:`accept`). The client writes them into ``OUT/<slug>/``
atomically, as a local batch does, so no shared filesystem is needed and nothing half-written is
ever seen. Progress, failure isolation (a failed render fails its file alone) and the index are
those of a local batch.

One report kernel per worker process: tasks on a worker with several threads wait for it in
turn, so start workers with ``--nthreads 1`` and as many processes as the machine has cores.

What plain-data results do and do not protect against is the README's "Running on a cluster".
"""

from __future__ import annotations

import atexit
import json
import logging
import re
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParamsError, ReportError, WorkbookError
from ..outcomes import Outcome
from ..summary import Summary
from .freshness import KEY_FILE, digest
from .render import Renderer

if TYPE_CHECKING:
    from .batch import BatchStop, Runner
    from .folders import Plan

CONNECT_TIMEOUT = 10  # seconds to reach the scheduler
ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")
POLL = 0.2  # seconds between looks at the running renders (and at a stop request)

#: The only Dask serialisation family the client reads results with: msgpack gives back plain
#: data (dicts, str, bytes, numbers), never an object of a class the sender chose.
PLAIN_DATA = ["msgpack"]
#: The files a worker may send back for a report (``summary.json`` is written by the client,
#: from the checked summary): any other name fails the report.
RETURNED_FILES = frozenset({"report.ipynb", "report.html", KEY_FILE, "report.pdf", "model.xlsx"})
MAX_FILE_BYTES = 64 * 2**20  # one report file; a report's files are well under 5 MB
MAX_SUMMARY_CHARS = 2**20
MAX_REASON_CHARS = 4000
_ANSWER_KEYS = frozenset({"ok", "reason", "worker_path", "files", "summary"})


class ClusterError(WorkbookError):
    """The cluster cannot be used: Dask distributed missing, a bad address or TLS file, no
    scheduler there, a certificate refused, no worker."""


@dataclass(frozen=True)
class Tls:
    """The files of a TLS link (PEM): the CA that signed the cluster's certificates, this
    client's certificate, and its private key (``None`` when it is in the certificate's file)."""

    ca_file: Path
    cert: Path
    key: Path | None = None


@dataclass(frozen=True)
class Link:
    """How to reach the scheduler: its address, how long the connection (handshake included)
    may take in seconds, and the TLS files for a ``tls://`` address (``None`` for ``tcp://``)."""

    address: str
    timeout: float = CONNECT_TIMEOUT
    tls: Tls | None = None


def _readable(option: str, path: Path) -> None:
    try:
        path.read_bytes()
    except FileNotFoundError:
        raise ClusterError(f"{option} {path}: no such file") from None
    except IsADirectoryError:
        raise ClusterError(f"{option} {path}: a folder, not a file") from None
    except OSError as exc:
        raise ClusterError(f"{option} {path}: cannot read it: {exc.strerror or exc}") from None


class _Encrypted(Exception):
    pass


def _no_passphrase() -> str:
    raise _Encrypted


def _ssl_reason(exc: BaseException) -> str:
    """The words of an OpenSSL error, without its source-file position."""
    text = getattr(exc, "verify_message", None) or str(exc)
    return re.sub(r"\s*\(_ssl\.c:\d+\)", "", text).strip()


def link(
    address: str, timeout: float = CONNECT_TIMEOUT, tls_ca_file: Path | None = None, tls_cert: Path | None = None, tls_key: Path | None = None,
) -> Link:
    """The link to the scheduler at ``address`` (``tcp://HOST:PORT`` or ``tls://HOST:PORT``),
    checked before any connection: a ``tls://`` address needs ``tls_ca_file`` and ``tls_cert``
    (and ``tls_key`` when the key is not in the certificate's file), each a readable PEM file,
    the key unencrypted and matching the certificate; a ``tcp://`` address takes none of them
    (they would not be used). Raises :class:`ClusterError` naming the option and the file."""
    if not ADDRESS.match(address):
        raise ClusterError(f"--scheduler {address!r}: give the scheduler's address as tcp://HOST:PORT (or tls://HOST:PORT)")
    given = {"--tls-ca-file": tls_ca_file, "--tls-cert": tls_cert, "--tls-key": tls_key}
    if address.startswith("tcp://"):
        named = [option for option, path in given.items() if path is not None]
        if named:
            raise ClusterError(f"{', '.join(named)} given with a tcp:// address, which is not encrypted: give the scheduler as tls://HOST:PORT")
        return Link(address, timeout)
    if tls_ca_file is None or tls_cert is None:
        raise ClusterError(
            f"--scheduler {address}: a tls:// scheduler needs --tls-ca-file (the CA that signed the cluster's certificates) "
            "and --tls-cert (this client's certificate, signed by that CA; --tls-key for its key when that is in a file of its own)"
        )
    for option, path in given.items():
        if path is not None:
            _readable(option, path)
    try:
        ssl.create_default_context(cafile=str(tls_ca_file))
    except ssl.SSLError as exc:
        raise ClusterError(f"--tls-ca-file {tls_ca_file}: not a PEM certificate ({_ssl_reason(exc)})") from None
    pair = f"--tls-cert {tls_cert}" + (f" with --tls-key {tls_key}" if tls_key is not None else "")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(str(tls_cert), None if tls_key is None else str(tls_key), password=_no_passphrase)
    except _Encrypted:
        raise ClusterError(f"{pair}: the private key is protected by a passphrase; Dask needs it unencrypted (readable by you alone)") from None
    except ssl.SSLError as exc:
        what = "a PEM certificate and its private key" if tls_key is not None else "a PEM certificate with its private key (or give the key with --tls-key)"
        raise ClusterError(f"{pair}: not {what} ({_ssl_reason(exc)})") from None
    return Link(address, timeout, Tls(tls_ca_file, tls_cert, tls_key))


def _security(tls: Tls | None) -> Any:
    if tls is None:
        return None
    from distributed.security import Security

    return Security(
        tls_ca_file=str(tls.ca_file), tls_client_cert=str(tls.cert), tls_client_key=None if tls.key is None else str(tls.key), require_encryption=True,
    )


def _distrusted(link: Link, error: BaseException) -> str:
    assert link.tls is not None
    return (
        f"the scheduler at {link.address} presented a certificate that --tls-ca-file {link.tls.ca_file} does not vouch for "
        f"({_ssl_reason(error)}): is that the CA of this cluster?"
    )


def _refused_cert(link: Link, why: str) -> str:
    assert link.tls is not None
    return f"the scheduler at {link.address} refused this client's certificate, --tls-cert {link.tls.cert} ({why}): is it signed by the CA the scheduler trusts?"


def _alert(text: str) -> str | None:
    """The TLS alert named in an OpenSSL error text (``unknown_ca``, ``bad_certificate`` …), if any."""
    code = re.search(r"\[SSL: (?:TLSV1|TLSV13|SSLV3)_ALERT_([A-Z0-9_]+)\]", text)
    return code.group(1).lower() if code else None


def _refused(link: Link, error: BaseException) -> str:
    """Why Dask's TLS connection to the scheduler failed, in one line."""
    if isinstance(error.__cause__, ssl.SSLCertVerificationError):
        return _distrusted(link, error.__cause__)
    alert = _alert(str(error))
    if alert is not None:
        return _refused_cert(link, f"TLS alert {alert}")
    code = re.search(r"\[SSL: ([A-Z0-9_]+)\]", str(error))
    return f"the TLS connection to {link.address} failed ({code.group(1) if code else _ssl_reason(error)}): is a tls:// Dask scheduler listening there?"


def _tls_handshake(link: Link, context: ssl.SSLContext) -> None:
    """Shake hands with the scheduler over TLS, alone, before Dask does, and wait for its first
    word: a refused certificate is then told apart from a scheduler that is not there.

    With TLS 1.3 the scheduler judges the client's certificate after the handshake has completed
    on the client's side, and its refusal (an alert, then the connection closed) may reach the
    client as the alert or as a bare end of file; Dask counts the second as a connection to retry,
    until its timeout, and then reports no scheduler. A Dask scheduler speaks first on a
    connection it accepts, so here an alert or an end of file before its first byte is a refusal.
    Raises :class:`ClusterError` for a refusal or a certificate this client does not trust;
    returns, leaving the rest to Dask, when it cannot connect at all or nothing answers."""
    import socket

    assert link.tls is not None
    host, port = link.address.removeprefix("tls://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=link.timeout) as raw, context.wrap_socket(raw) as tls:
            first = tls.recv(1)
    except ssl.SSLCertVerificationError as exc:
        raise ClusterError(_distrusted(link, exc)) from None
    except (ssl.SSLEOFError, ConnectionResetError, BrokenPipeError):
        raise ClusterError(_refused_cert(link, "it closed the connection")) from None
    except ssl.SSLError as exc:
        alert = _alert(str(exc))
        if alert is not None:
            raise ClusterError(_refused_cert(link, f"TLS alert {alert}")) from None
        raise ClusterError(f"the TLS connection to {link.address} failed ({exc.reason or _ssl_reason(exc)}): is a tls:// Dask scheduler listening there?") from None
    except OSError:  # nothing there, or silent: Dask's connection says so, within the timeout
        return
    if not first:
        raise ClusterError(_refused_cert(link, "it closed the connection")) from None


def _client(link: Link) -> Any:
    """A Dask client connected to ``link.address`` within ``link.timeout`` seconds, handshake
    included, reading results as plain data only (:data:`PLAIN_DATA`).

    Dask's own timeout bounds the TCP connection, not the handshake after it: a port that accepts
    connections but never answers held the client for minutes, deaf to Ctrl+C. So the client is
    made in a thread of its own, and this thread waits for it in short steps (Ctrl+C, a
    KeyboardInterrupt, arrives between them) until the deadline; a connection still pending then
    is given up (the thread is a daemon: it never holds the process)."""
    try:
        import dask
        from distributed import Client
        from distributed.comm.core import FatalCommClosedError
    except ImportError:
        raise ClusterError("rendering on a cluster needs Dask distributed: pip install 'alliance-workbook[cluster]'") from None
    address, timeout = link.address, link.timeout
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            security = _security(link.tls)
            if security is not None:
                _tls_handshake(link, security.get_connection_args("client")["ssl_context"])
            with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
                outcome["client"] = Client(address, timeout=timeout, set_as_default=False, security=security, deserializers=PLAIN_DATA)
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
        if isinstance(error, FatalCommClosedError) and link.tls is not None:
            raise ClusterError(_refused(link, error)) from None
        if isinstance(error, (OSError, TimeoutError)):
            raise ClusterError(f"no Dask scheduler answered at {address} within {timeout:g} s ({error})") from None
        raise error
    return outcome["client"]


def check_scheduler(link: Link) -> int:
    """Check that the scheduler of ``link`` (:func:`link`) answers and has workers; returns how
    many workers it has. Raises :class:`ClusterError` otherwise, before anything is rendered."""
    client = _client(link)
    try:
        workers = len(client.scheduler_info().get("workers", {}))
    finally:
        client.close()
    if not workers:
        tls = "" if link.tls is None else " --tls-ca-file CA --tls-cert CERT --tls-key KEY"
        raise ClusterError(f"the Dask scheduler at {link.address} has no workers: start some with `dask worker {link.address}{tls}`")
    return workers


# --------------------------------------------------------------------------------------------
# On a worker

_lock = threading.Lock()
_renderer: Renderer | None = None


def _close_renderer() -> None:
    if _renderer is not None:
        _renderer.close()


def _answer(ok: bool, worker_path: Path, reason: str = "", files: dict[str, bytes] | None = None, summary: str = "") -> dict[str, Any]:
    return {"ok": ok, "reason": reason[:MAX_REASON_CHARS], "worker_path": str(worker_path), "files": files or {}, "summary": summary}


def render_remote(name: str, data: bytes, pdf: bool, xlsx: bool = False) -> dict[str, Any]:
    """Runs on a cluster worker: render the params file ``name`` (its bytes ``data``) and return
    the report as plain data (what :func:`accept` takes): ``ok``, ``reason`` (why it failed),
    ``worker_path`` (the worker's copy of the file, named in reasons), ``files`` (file name →
    bytes) and ``summary`` (the summary as JSON text). One render at a time per worker process,
    on its warm report kernel. Never raises: a failure is an answer with its reason."""
    global _renderer
    from ..params import load_params
    from .freshness import render_key

    with _lock:
        folder = Path(tempfile.mkdtemp(prefix="wbk-remote-"))
        params_path = folder / Path(name).name  # a bare name: the client's folders mean nothing here
        try:
            params_path.write_bytes(data)
            try:
                params = load_params(params_path)
            except ParamsError as exc:
                return _answer(False, params_path, str(exc))
            report = folder / "report"
            report.mkdir()
            if _renderer is None:
                _renderer = Renderer()
                atexit.register(_close_renderer)
            try:
                summary = _renderer.build(params_path, params, report, render_key(data, pdf, xlsx))
            except ReportError as exc:
                return _answer(False, params_path, exc.reason)
            files = {p.name: p.read_bytes() for p in report.iterdir() if p.is_file() and p.name in RETURNED_FILES}
            return _answer(True, params_path, files=files, summary=json.dumps(summary.as_dict()))
        except Exception as exc:  # sent back in words: the client reads plain data only
            return _answer(False, params_path, f"unexpected error on the cluster worker: {exc!r}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# On the client


@dataclass(frozen=True)
class Rendered:
    """A worker's answer for one file, checked (:func:`accept`): the report's files by name and
    its summary (the contract's object), or why it failed."""

    ok: bool
    reason: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    worker_path: str = ""  # where the worker kept its copy of the params file (to reword reasons)


class Refused(ValueError):
    """A worker's answer that is not a report of the file sent; the message says why."""


def _strict_json(text: str, what: str) -> Any:
    def no_constant(name: str) -> Any:
        raise Refused(f"{what} holds {name}, which is not JSON")

    try:
        return json.loads(text, parse_constant=no_constant)
    except ValueError as exc:
        if isinstance(exc, Refused):
            raise
        raise Refused(f"{what} is not JSON ({exc})") from None


def accept(answer: object, params: bytes, slug: str, pdf: bool = False, xlsx: bool = False) -> Rendered:
    """Check what a worker sent back for the params file of bytes ``params`` (alliance ``slug``;
    ``pdf`` and ``xlsx`` asked for or not) before anything of it is written.

    The answer must be the plain data :func:`render_remote` returns: a failure's reason (cut to
    :data:`MAX_REASON_CHARS`), or a report: only names of :data:`RETURNED_FILES`, each of bytes
    and at most :data:`MAX_FILE_BYTES`, with ``report.ipynb``, ``report.html``, ``render.json``
    (a JSON object recording these params bytes and the PDF and spreadsheet asked for) and the
    asked-for ``report.pdf`` and ``model.xlsx``; a summary that is strict JSON of the summary
    contract (:class:`workbook.summary.Summary`) for this alliance. Raises :class:`Refused`
    with the reason otherwise."""
    from pydantic import ValidationError

    if not isinstance(answer, dict) or set(answer) != _ANSWER_KEYS:
        keys = sorted(map(str, answer))[:8] if isinstance(answer, dict) else type(answer).__name__
        raise Refused(f"not a report answer (got {keys})")
    ok, reason, worker_path, files, summary = (answer[k] for k in ("ok", "reason", "worker_path", "files", "summary"))
    if not isinstance(ok, bool) or not isinstance(reason, str) or not isinstance(worker_path, str) or not isinstance(files, dict) or not isinstance(summary, str):
        raise Refused("a field of the answer is of the wrong type")
    if not ok:
        return Rendered(ok=False, reason=reason[:MAX_REASON_CHARS] or "failed on the cluster worker, no reason given", worker_path=worker_path[:4096])
    strange = sorted(repr(name)[:80] for name in files if name not in RETURNED_FILES)
    if strange:
        raise Refused(f"a file that is not part of a report: {', '.join(strange[:3])}")
    wanted = {"report.ipynb", "report.html", KEY_FILE} | ({"report.pdf"} if pdf else set()) | ({"model.xlsx"} if xlsx else set())
    missing = sorted(wanted - set(files))
    if missing:
        raise Refused(f"the report lacks {', '.join(missing)}")
    for name, data in files.items():
        if not isinstance(data, bytes):
            raise Refused(f"{name} is not bytes")
        if len(data) > MAX_FILE_BYTES:
            raise Refused(f"{name} holds {len(data):,} bytes, more than the {MAX_FILE_BYTES:,} a report file may")
    try:
        key = _strict_json(files[KEY_FILE].decode("utf-8"), KEY_FILE)
    except UnicodeDecodeError:
        raise Refused(f"{KEY_FILE} is not UTF-8 text") from None
    if not isinstance(key, dict) or key.get("params") != digest(params) or key.get("pdf") is not pdf or key.get("xlsx") is not xlsx:
        raise Refused(f"{KEY_FILE} does not record this file's bytes and the PDF and spreadsheet asked for")
    if len(summary) > MAX_SUMMARY_CHARS:
        raise Refused(f"the summary holds {len(summary):,} characters, more than the {MAX_SUMMARY_CHARS:,} allowed")
    try:
        checked = Summary.model_validate(_strict_json(summary, "the summary")).as_dict()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the summary"
        raise Refused(f"the summary is not the summary contract: {where}: {first['msg']}") from None
    if checked["slug"] != slug:
        raise Refused(f"the summary is of another alliance ({checked['slug']!r}, not {slug!r})")
    return Rendered(ok=True, files=dict(files), summary=checked, worker_path=worker_path[:4096])


def _place(rendered: Rendered, path: Path, slug: str, out: Path) -> Outcome:
    """Write a worker's checked report files into ``out/slug`` (all or nothing); the summary
    names the client's params file."""
    from ..files import owner_tag, replace_dir

    summary = Summary.checked(rendered.summary, path)
    if summary is None:
        return Outcome(params_path=path, reason="the worker sent back a summary that is not of the contract's shape")
    work = Path(tempfile.mkdtemp(prefix=f".{slug}.{owner_tag()}.", dir=out))
    try:
        for name, data in rendered.files.items():
            (work / name).write_bytes(data)
        (work / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2), encoding="utf-8")
        work.chmod(0o755)
        replace_dir(work, out / slug, owner_tag())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Outcome(params_path=path, slug=slug, ok=True, summary=summary)


@contextmanager
def _quiet_refusals() -> Iterator[None]:
    """Dask logs a result it would not deserialise (one not of plain data) as a critical error
    with a traceback; here that result fails its file alone, with its reason, so the log says
    nothing more."""
    log = logging.getLogger("distributed.protocol.core")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        log.setLevel(level)


def on_cluster(link: Link) -> Runner:
    """A batch runner (:data:`workbook.reports.batch.Runner`) rendering on the cluster of ``link``."""
    return partial(run_on_cluster, link=link)


def run_on_cluster(
    plan: Plan, out: Path, stop: BatchStop, finished: Callable[[Outcome], None], pdf: bool = False, xlsx: bool = False, *, link: Link,
) -> None:
    """Render the loaded files of ``plan`` on the cluster of ``link``, calling ``finished``
    with each file's outcome as it comes back. A stop request (``stop.signum``) cancels what has
    not finished; a render already running on a worker completes there and is discarded. What a
    worker sends back is read as plain data and checked (:func:`accept`) before it is written:
    anything else fails its file with the reason."""

    client = _client(link)
    try:
        futures: dict[Any, tuple[Path, bytes]] = {}
        for path in plan.paths:
            if path not in plan.loaded:
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                finished(Outcome(params_path=path, slug=plan.loaded[path].slug, reason=f"{path}: cannot read the file: {exc.strerror or exc}"))
                continue
            futures[client.submit(render_remote, path.name, data, pdf, xlsx, pure=False)] = (path, data)
        pending = set(futures)
        with _quiet_refusals():
            while pending and stop.signum is None:
                done = {f for f in pending if f.done()}
                if not done:
                    time.sleep(POLL)
                    continue
                pending -= done
                for future in done:
                    path, data = futures[future]
                    finished(_outcome(future, path, data, plan.loaded[path].slug, out, pdf, xlsx))
        if pending:
            client.cancel(list(pending))
    finally:
        client.close()


def _outcome(future: Any, path: Path, data: bytes, slug: str, out: Path, pdf: bool, xlsx: bool) -> Outcome:
    """The outcome of one file's finished task: its checked report written to ``out/slug``, or why not."""
    try:
        answer = future.result()
    except TypeError as exc:
        if "only able to deserialize" not in str(exc):
            return Outcome(params_path=path, slug=slug, reason=f"the cluster could not render it: {exc!r}")
        # Dask refused to deserialise it: not msgpack, so not the plain data a worker of this package sends
        return Outcome(
            params_path=path,
            slug=slug,
            reason="the cluster worker sent back something other than plain data (bytes and JSON), refused unread: is it running another version of workbook?",
        )
    except Exception as exc:  # the task failed on the cluster (a worker died, ...): this file only
        return Outcome(params_path=path, slug=slug, reason=f"the cluster could not render it: {exc!r}")
    try:
        rendered = accept(answer, data, slug, pdf, xlsx)
    except Refused as exc:
        return Outcome(params_path=path, slug=slug, reason=f"the cluster worker's answer was refused: {exc}")
    if not rendered.ok:
        reason = rendered.reason.replace(rendered.worker_path, str(path)) if rendered.worker_path else rendered.reason
        return Outcome(params_path=path, slug=slug, reason=reason)
    try:
        return _place(rendered, path, slug, out)
    except OSError as exc:
        return Outcome(params_path=path, slug=slug, reason=f"the report could not be written to {out / slug}: {exc}")


__all__ = [
    "ClusterError", "Link", "Refused", "Rendered", "Tls", "accept", "check_scheduler", "link", "on_cluster", "render_remote", "run_on_cluster",
]
