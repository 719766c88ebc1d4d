"""`workbook report --scheduler`: the same renders on a real Dask distributed cluster (a
scheduler and two worker processes on 127.0.0.1), the files written by the client; the link over
TLS; what the client takes back from a worker, and what Dask unpickles there regardless."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.certificates import Certificates, make_certificates
from workbook.params import is_programme_file, load_params
from workbook.reports.render import render_report
from workbook.summary import summarise

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "params").glob("*.yaml") if not is_programme_file(p))
BIN = Path(sys.executable).parent
PRELOAD = ROOT / "tests" / "data" / "cluster_preload.py"

pytestmark = pytest.mark.notebook


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen) -> None:
    """End a process we started, and whatever it started, by its own pid."""
    try:
        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    for p in tree:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(tree, timeout=5)


def tls_args(certs: Certificates) -> list[str]:
    return ["--tls-ca-file", str(certs.ca), "--tls-cert", str(certs.cert), "--tls-key", str(certs.key)]


@contextmanager
def running_cluster(home: Path, workers: int, certs: Certificates | None = None) -> Iterator[str]:
    """A `dask scheduler` and ``workers`` `dask worker` processes of one thread on 127.0.0.1 (over
    TLS with ``certs``), each in a folder of ``home`` with its log; yields the scheduler's address."""
    from distributed import Client
    from distributed.security import Security

    protocol = "tcp" if certs is None else "tls"
    address = f"{protocol}://127.0.0.1:{free_port()}"
    security = None if certs is None else Security(tls_ca_file=str(certs.ca), tls_client_cert=str(certs.cert), tls_client_key=str(certs.key), require_encryption=True)
    tls = [] if certs is None else tls_args(certs)
    names = ["scheduler", *(f"worker{i}" for i in range(1, workers + 1))]
    logs = []
    procs = []

    def start(name: str, *args: str) -> None:
        log = (home / f"{name}.log").open("w")
        logs.append(log)
        (home / name).mkdir()
        procs.append(subprocess.Popen([str(BIN / "dask"), *args], cwd=home / name, stdout=log, stderr=subprocess.STDOUT))

    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard", "--protocol", protocol, *tls)
        for name in names[1:]:
            start(name, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                  "--preload", str(PRELOAD), "--local-directory", str(home / name), *tls)
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout=5, security=security) as client:
                    if len(client.scheduler_info()["workers"]) == workers:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the test cluster did not start:\n" + "\n".join((home / f"{n}.log").read_text() for n in names))
            time.sleep(0.5)
        yield address
    finally:
        for proc in reversed(procs):
            stop(proc)
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    home = tmp_path_factory.mktemp("cluster")
    with running_cluster(home, 2) as address:
        yield address, home


@pytest.fixture(scope="module")
def local_report(tmp_path_factory):
    """The first example's report rendered here, to hold the cluster's against."""
    out = tmp_path_factory.mktemp("local")
    local = render_report(EXAMPLES[0], out)
    assert local.ok, local.reason
    return out / str(local.slug)


def workbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "workbook"), *args], capture_output=True, text=True, timeout=600, env=None if env is None else {**os.environ, **env})


def page(folder: Path) -> str:
    html = (folder / "report.html").read_text(encoding="utf-8")
    return re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', html)


def summary_of(path: Path) -> dict:
    summary = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in summary.items() if k != "file"}


def test_a_batch_renders_on_the_cluster_each_file_alone(cluster, local_report, tmp_path):
    address, home = cluster
    params = tmp_path / "params"
    params.mkdir()
    for p in EXAMPLES:
        shutil.copy(p, params / p.name)
    refused = params / "refused.yaml"
    refused.write_text(EXAMPLES[0].read_text(encoding="utf-8").replace("  name: ", "  name: Fails on the cluster — ", 1), encoding="utf-8")
    rogue = params / "rogue.yaml"
    rogue.write_text(EXAMPLES[1].read_text(encoding="utf-8").replace("  name: ", "  name: Rogue result — ", 1), encoding="utf-8")
    invalid = params / "invalid.yaml"
    invalid.write_text("schema: 1\nalliance: {name: Broken}\n", encoding="utf-8")
    files = sorted(params.glob("*.yaml"))
    out = tmp_path / "out"
    unpickled = tmp_path / "unpickled"

    run = workbook("report", *map(str, files), "--out", str(out), "--scheduler", address, env={"WORKBOOK_TEST_UNPICKLED": str(unpickled)})
    assert run.returncode == 1, run.stderr
    assert "4 of 7 reports rendered." in run.stdout
    assert f"FAILED {invalid}" in run.stderr  # refused by the client: never sent
    # named as the client knows it, not by the worker's copy
    assert f"FAILED {refused}:\nthe report notebook failed: RuntimeError: refused on this worker" in run.stderr
    assert "wbk-remote" not in run.stderr
    # a worker that sends back an object instead of plain data fails its file; the object is never unpickled here
    assert f"FAILED {rogue}:\nthe cluster worker sent back something other than plain data (bytes and JSON), refused unread" in run.stderr
    assert not unpickled.exists() and "Traceback" not in run.stderr

    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == 4 and not [p for p in out.iterdir() if p.name.startswith(".")]
    for folder in folders:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert Path(summary["file"]).parent == params  # the client's file, not the worker's copy
        assert {p.name for p in folder.iterdir()} == {"report.html", "report.ipynb", "summary.json", "render.json"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "4 reports in this folder" in index and "refused.yaml" in index and "invalid.yaml" in index and "rogue.yaml" in index
    # the workers kept nothing: the client wrote every file
    assert not [p for p in home.rglob("report.html")]

    assert page(out / local_report.name) == page(local_report)
    # `workbook programme` models from the params files and reads no report; what the cluster gives
    # back for the programme's alliances (params/programme.yaml: these four) is what they give here
    for example in EXAMPLES:
        params_model = load_params(example)
        here = {k: v for k, v in summarise(params_model, example).items() if k != "file"}
        assert summary_of(out / params_model.slug / "summary.json") == here, example.name

    good = [f for f in files if f not in (refused, invalid, rogue)]
    again = workbook("report", *map(str, good), "--out", str(out), "--scheduler", address)
    assert again.returncode == 0, again.stderr
    assert "0 of 4 reports rendered; 4 unchanged" in again.stdout

    # --xlsx: the spreadsheet is made on the worker and written here; the report made without it renders again
    spreadsheet = workbook("report", str(files[0]), "--out", str(out), "--scheduler", address, "--xlsx")
    assert spreadsheet.returncode == 0, spreadsheet.stderr
    assert "1 of 1 reports rendered." in spreadsheet.stdout
    folder = out / local_report.name
    assert {p.name for p in folder.iterdir()} == {"report.html", "report.ipynb", "summary.json", "render.json", "model.xlsx"}
    assert json.loads((folder / "render.json").read_text(encoding="utf-8"))["xlsx"] is True
    assert f"{local_report.name}/model.xlsx" in (out / "index.html").read_text(encoding="utf-8")


def test_what_dask_unpickles_on_the_client(cluster, tmp_path):
    """Results read as plain data are never unpickled; the error of a failed task is, by Dask,
    whatever the client asks (README, "Running on a cluster": who may join the scheduler)."""
    from distributed import Client

    from workbook.reports.cluster import Link, _client

    address, _ = cluster
    marker = tmp_path / "unpickled"
    # runs when unpickled in this process only (a worker checks that an error unpickles, there)
    code = f"import os\nif os.getpid() == {os.getpid()}: open({str(marker)!r}, 'w').close()"

    class RunsCode:
        def __reduce__(self):
            return (exec, (code,))

    def returns_it():
        return RunsCode()

    def fails_with_it():
        raise ValueError(RunsCode())

    with Client(address, timeout=10, set_as_default=False) as dask_default:
        dask_default.submit(returns_it, pure=False).result()
    assert marker.exists(), "a client that reads results with pickle runs the sender's code"
    marker.unlink()

    client = _client(Link(address))  # as `workbook report` connects: results as plain data
    try:
        with pytest.raises(TypeError, match="only able to deserialize data with \\['msgpack'\\]"):
            client.submit(returns_it, pure=False).result()
        assert not marker.exists()
        # Dask's limit: a failed task's exception is unpickled on arrival, before anyone asks for it.
        # If this fails, Dask has closed that door: the README's trust model can say so.
        failed = client.submit(fails_with_it, pure=False)
        deadline = time.monotonic() + 60
        while not failed.done() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert failed.status == "error" and marker.exists()
    finally:
        client.close()


def test_a_report_renders_over_tls_and_strangers_are_refused(local_report, tmp_path):
    certs = make_certificates(tmp_path / "certs")
    home = tmp_path / "cluster"
    home.mkdir()
    out = tmp_path / "out"
    with running_cluster(home, 1, certs) as address:
        assert address.startswith("tls://")
        run = workbook("report", str(EXAMPLES[0]), "--out", str(out), "--scheduler", address, *tls_args(certs))
        assert run.returncode == 0, run.stderr
        assert page(out / local_report.name) == page(local_report)
        assert summary_of(out / local_report.name / "summary.json") == summary_of(local_report / "summary.json")

        wrong_ca = workbook("report", str(EXAMPLES[0]), "--out", str(tmp_path / "x"), "--scheduler", address,
                            "--tls-ca-file", str(certs.other_ca), "--tls-cert", str(certs.cert), "--tls-key", str(certs.key))
        stranger = workbook("report", str(EXAMPLES[0]), "--out", str(tmp_path / "x"), "--scheduler", address,
                            "--tls-ca-file", str(certs.ca), "--tls-cert", str(certs.stranger_cert), "--tls-key", str(certs.stranger_key))
    assert wrong_ca.returncode == 2 and stranger.returncode == 2
    assert wrong_ca.stderr.splitlines() == [
        f"error: the scheduler at {address} presented a certificate that --tls-ca-file {certs.other_ca} does not vouch for "
        "(self-signed certificate in certificate chain): is that the CA of this cluster?",
        "Nothing rendered.",
    ]
    assert stranger.stderr.splitlines() == [
        f"error: the scheduler at {address} refused this client's certificate, --tls-cert {certs.stranger_cert} "
        "(TLS alert unknown_ca): is it signed by the CA the scheduler trusts?",
        "Nothing rendered.",
    ]
    assert not (tmp_path / "x").exists()


def test_no_scheduler_there_renders_nothing(tmp_path):
    out = tmp_path / "out"
    run = workbook("report", str(EXAMPLES[0]), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{free_port()}")
    assert run.returncode == 2
    assert "no Dask scheduler answered" in run.stderr and "Nothing rendered." in run.stderr
    assert not out.exists()
    bad = workbook("report", str(EXAMPLES[0]), "--out", str(out), "--scheduler", "127.0.0.1:8786")
    assert bad.returncode == 2 and "tcp://HOST:PORT" in bad.stderr


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says a word (not a Dask scheduler)."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    done.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def test_a_scheduler_that_never_answers_is_given_up_after_the_timeout(tmp_path, silent_port):
    out = tmp_path / "out"
    started = time.monotonic()
    run = workbook("report", str(EXAMPLES[0]), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{silent_port}", "--connect-timeout", "2")
    assert run.returncode == 2, run.stderr
    assert "did not complete the connection within 2 s" in run.stderr and "Nothing rendered." in run.stderr
    assert time.monotonic() - started < 60  # not the minutes a handshake took to give up
    assert not out.exists()


def test_ctrl_c_while_connecting_stops_at_once(tmp_path, silent_port):
    import signal

    out = tmp_path / "out"
    proc = subprocess.Popen(
        [str(BIN / "workbook"), "report", str(EXAMPLES[0]), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{silent_port}", "--connect-timeout", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        # wait until the command is connecting: it holds a connection to the silent port
        while time.monotonic() < deadline:
            if any(c.raddr and c.raddr.port == silent_port for c in psutil.Process(proc.pid).net_connections(kind="tcp")):
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            stop(proc)
    assert proc.returncode == 130, err
    assert "Stopped (SIGINT) while connecting" in err and not out.exists()


def test_report_help_explains_the_cluster_and_force():
    wide = dict(os.environ, COLUMNS="200")  # no line of the help wrapped
    run = subprocess.run([str(BIN / "workbook"), "report", "--help"], capture_output=True, text=True, env=wide, timeout=60)
    help_text = " ".join(run.stdout.replace("│", " ").split())
    assert "--scheduler" in help_text and "alliance-workbook[cluster]" in help_text
    assert "tls://HOST:PORT encrypts the link" in help_text
    assert all(option in help_text for option in ("--tls-ca-file PEM", "--tls-cert PEM", "--tls-key PEM"))
    assert "--force" in help_text and "up to date" in help_text
