"""`workbook report --scheduler`: the same renders on a real Dask distributed cluster (a
scheduler and two worker processes on 127.0.0.1), the files written by the client."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from workbook.params import is_programme_file
from workbook.reports.render import render_report

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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from distributed import Client

    home = tmp_path_factory.mktemp("cluster")
    address = f"tcp://127.0.0.1:{free_port()}"
    logs = []
    procs = []

    def start(name: str, *args: str) -> None:
        log = (home / f"{name}.log").open("w")
        logs.append(log)
        (home / name).mkdir()
        procs.append(subprocess.Popen([str(BIN / "dask"), *args], cwd=home / name, stdout=log, stderr=subprocess.STDOUT))

    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard")
        for i in (1, 2):
            start(f"worker{i}", "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                  "--preload", str(PRELOAD), "--local-directory", str(home / f"worker{i}"))
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout=5) as client:
                    if len(client.scheduler_info()["workers"]) == 2:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the test cluster did not start:\n" + "\n".join((home / f"{n}.log").read_text() for n in ("scheduler", "worker1", "worker2")))
            time.sleep(0.5)
        yield address, home
    finally:
        for proc in reversed(procs):
            stop(proc)
        for log in logs:
            log.close()


def workbook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "workbook"), *args], capture_output=True, text=True, timeout=600)


def page(folder: Path) -> str:
    html = (folder / "report.html").read_text(encoding="utf-8")
    return re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', html)


def test_a_batch_renders_on_the_cluster_each_file_alone(cluster, tmp_path):
    address, home = cluster
    params = tmp_path / "params"
    params.mkdir()
    for p in EXAMPLES[:3]:
        shutil.copy(p, params / p.name)
    refused = params / "refused.yaml"
    refused.write_text(EXAMPLES[3].read_text(encoding="utf-8").replace("  name: ", "  name: Fails on the cluster — ", 1), encoding="utf-8")
    invalid = params / "invalid.yaml"
    invalid.write_text("schema: 1\nalliance: {name: Broken}\n", encoding="utf-8")
    files = sorted(params.glob("*.yaml"))
    out = tmp_path / "out"

    run = workbook("report", *map(str, files), "--out", str(out), "--scheduler", address)
    assert run.returncode == 1, run.stderr
    assert "3 of 5 reports rendered." in run.stdout
    assert f"FAILED {invalid}" in run.stderr  # refused by the client: never sent
    # named as the client knows it, not by the worker's copy
    assert f"FAILED {refused}:\nthe report notebook failed: RuntimeError: refused on this worker" in run.stderr
    assert "wbk-remote" not in run.stderr

    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == 3 and not [p for p in out.iterdir() if p.name.startswith(".")]
    for folder in folders:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert Path(summary["file"]).parent == params  # the client's file, not the worker's copy
        assert {p.name for p in folder.iterdir()} == {"report.html", "report.ipynb", "summary.json", "render.json"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "3 reports in this folder" in index and "refused.yaml" in index and "invalid.yaml" in index
    # the workers kept nothing: the client wrote every file
    assert not [p for p in home.rglob("report.html")]

    local = render_report(files[0], tmp_path / "local")
    assert local.ok, local.reason
    assert page(out / str(local.slug)) == page(tmp_path / "local" / str(local.slug))

    good = [f for f in files if f not in (refused, invalid)]
    again = workbook("report", *map(str, good), "--out", str(out), "--scheduler", address)
    assert again.returncode == 0, again.stderr
    assert "0 of 3 reports rendered; 3 unchanged" in again.stdout

    # --xlsx: the spreadsheet is made on the worker and written here; the report made without it renders again
    spreadsheet = workbook("report", str(files[0]), "--out", str(out), "--scheduler", address, "--xlsx")
    assert spreadsheet.returncode == 0, spreadsheet.stderr
    assert "1 of 1 reports rendered." in spreadsheet.stdout
    folder = out / str(local.slug)
    assert {p.name for p in folder.iterdir()} == {"report.html", "report.ipynb", "summary.json", "render.json", "model.xlsx"}
    assert json.loads((folder / "render.json").read_text(encoding="utf-8"))["xlsx"] is True
    assert f"{local.slug}/model.xlsx" in (out / "index.html").read_text(encoding="utf-8")


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
    assert "--force" in help_text and "up to date" in help_text
