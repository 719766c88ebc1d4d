"""`workbook report` under real signals: the real console script on copies of an example,
stopped by SIGTERM, Ctrl+C (SIGINT to the process group, as a terminal sends it) or a closed
terminal (SIGHUP to the group), with a worker killed mid-batch, and with the batch process
itself killed outright.

Each batch renders three alliances two at a time, so when the first report is in place the
second is about to finish and the third has just started: a signal then leaves some reports
finished and at least one unfinished.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import PARAMS
from workbook.files import owner_tag

pytestmark = pytest.mark.notebook

EXAMPLE = PARAMS / "marketplace-referral.yaml"
EXIT_WITHIN = 10.0  # seconds from the signal to the end of the batch and of every process it started


def alliance_copies(folder: Path, n: int) -> list[Path]:
    """``n`` copies of the example, each naming its own alliance."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert re.search(r"(?m)^  name: .*$", text)
    paths = []
    for i in range(1, n + 1):
        path = folder / f"alliance-{i}.yaml"
        path.write_text(re.sub(r"(?m)^  name: .*$", f"  name: Signal test {i}", text, count=1), encoding="utf-8")
        paths.append(path)
    return paths


class Run:
    """`workbook report` in a process group of its own, with a temp directory of its own (where
    the kernels' socket folders go) so that anything left behind shows."""

    def __init__(self, tmp_path: Path, n: int = 3):
        self.params = alliance_copies(tmp_path, n)
        self.out = tmp_path / "out"
        # a short path: kernel sockets live under it, and a socket path must stay under ~100 characters
        self.tmp = Path(tempfile.mkdtemp(prefix="wbt-", dir="/tmp"))
        exe = Path(sys.executable).parent / "workbook"
        self.proc = subprocess.Popen(
            [str(exe), "report", *map(str, self.params), "--out", str(self.out), "--jobs", "2"],
            env={**os.environ, "TMPDIR": str(self.tmp)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.started = time.monotonic()
        self.main = psutil.Process(self.proc.pid)

    def finished_folders(self) -> set[str]:
        if not self.out.is_dir():
            return set()
        return {p.name for p in self.out.iterdir() if not p.name.startswith(".") and (p / "report.html").exists()}

    def workers_with_kernels(self) -> list[psutil.Process]:
        """The worker processes (of the batch process) that run a kernel: the kernels' parents."""
        workers = []
        for proc in self.main.children(recursive=True):
            try:
                if "ipykernel_launcher" in " ".join(proc.cmdline()) and (parent := proc.parent()) is not None:
                    workers.append(parent)
            except psutil.NoSuchProcess:
                pass
        return workers

    def rendering(self) -> list[psutil.Process]:
        """The workers rendering a report now: those whose pid names a work folder in the output
        folder (its owner tag, ``wbk-<host>-<pid>-<start>``). A worker only warming up its kernel
        (before the batch gives it a file) has none."""
        pids = {int(m.group(1)) for name in hidden(self.out) if (m := re.search(r"wbk-[0-9a-f]+-(\d+)-", name))}
        return [w for w in self.workers_with_kernels() if w.pid in pids]

    def wait_for(self, condition, what: str, timeout: float = 180.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                pytest.fail(f"the batch ended (exit {self.proc.returncode}) before {what}:\n{out}\n{err}")
            time.sleep(0.1)
        pytest.fail(f"no {what} within {timeout} s")

    def finish(self, timeout: float) -> tuple[str, str]:
        try:
            return self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate()
            pytest.fail(f"the batch did not end within {timeout} s of the signal:\n{out}\n{err}")

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def still_running(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """The processes of ``procs`` still running after up to ``timeout`` seconds (a zombie has ended).

    Polls every 50 ms, so the time it returns at measures when the last one ended."""

    def running(p: psutil.Process) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + max(timeout, 0.1)
    while True:
        left = [p for p in procs if running(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def describe(procs: list[psutil.Process]) -> list[str]:
    out = []
    for p in procs:
        try:
            out.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
        except psutil.Error:
            out.append(str(p.pid))
    return out


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) if folder.is_dir() else []


@pytest.fixture
def run(tmp_path):
    runs: list[Run] = []

    def start(n: int = 3) -> Run:
        r = Run(tmp_path, n)
        runs.append(r)
        return r

    yield start
    for r in runs:
        r.cleanup()


@pytest.mark.parametrize(
    ("sig", "to_group"),
    [
        pytest.param(signal.SIGTERM, False, id="SIGTERM-to-the-process"),
        pytest.param(signal.SIGINT, True, id="Ctrl+C-SIGINT-to-the-group"),
        pytest.param(signal.SIGHUP, True, id="terminal-closed-SIGHUP-to-the-group"),
    ],
)
def test_a_signal_stops_the_batch_keeping_what_finished(run, sig, to_group):
    r = run()
    r.wait_for(r.finished_folders, "finished report")
    descendants = r.main.children(recursive=True)
    sent = time.monotonic()
    if to_group:
        os.killpg(r.proc.pid, sig)
    else:
        r.proc.send_signal(sig)
    out, err = r.finish(timeout=EXIT_WITHIN)
    exited = time.monotonic() - sent
    left = still_running(descendants, EXIT_WITHIN - exited)
    gone = time.monotonic() - sent
    print(f"{sig.name}: first report after {sent - r.started:.1f} s; exit {exited:.2f} s and every process gone {gone:.2f} s after the signal")

    assert r.proc.returncode == 128 + sig, f"{out}\n{err}"
    assert exited < EXIT_WITHIN
    assert left == [], f"still running {gone:.1f} s after {sig.name}: {describe(left)}"
    assert "Traceback" not in err, err
    assert hidden(r.out) == [], "temporary folders left in OUT"
    assert list(r.tmp.iterdir()) == [], "kernel socket folders left in the temp directory"

    finished = r.finished_folders()
    assert 1 <= len(finished) < 3, finished
    for folder in finished:  # a finished report is whole
        assert {p.name for p in (r.out / folder).iterdir()} == {"report.ipynb", "report.html", "summary.json", "render.json"}
    index = (r.out / "index.html").read_text(encoding="utf-8")
    assert sorted(re.findall(r'href="([^"/]+)/report.html"', index)) == sorted(finished)
    shown = {html.unescape(n) for n in re.findall(r"Signal test \d", index)}
    assert len(shown) == len(finished)
    assert f"Interrupted ({sig.name}): {len(finished)} of 3 reports finished; index written to {r.out / 'index.html'}" in err


def test_a_killed_worker_fails_only_its_own_file(run):
    r = run()
    workers = r.wait_for(lambda: len(r.workers_with_kernels()) == 2 and r.rendering(), "a worker rendering a report")
    victim = workers[0]
    kernels = victim.children(recursive=True)
    killed = time.monotonic()
    victim.kill()
    left = still_running(kernels, 5.0)
    kernel_gone = time.monotonic() - killed
    out, err = r.finish(timeout=180)
    print(f"killed worker's kernel gone {kernel_gone:.2f} s after SIGKILL; batch ended {time.monotonic() - r.started:.1f} s after its start")

    assert left == [], f"the killed worker's kernel is still running: {describe(left)}"
    assert r.proc.returncode == 1, f"{out}\n{err}"
    assert "2 of 3 reports rendered." in out
    failed = re.findall(r"FAILED (\S+):\nthe worker process died \(killed by SIGKILL\) before the report was finished", err)
    assert len(failed) == 1, err
    assert len(r.finished_folders()) == 2
    index = (r.out / "index.html").read_text(encoding="utf-8")
    assert f"Failed: {Path(failed[0]).name}" in index and "worker process died" in index
    assert len(re.findall(r'href="[^"/]+/report.html"', index)) == 2
    assert hidden(r.out) == [] and list(r.tmp.iterdir()) == []


def test_killing_the_batch_process_ends_its_workers_and_the_next_run_cleans_up(run, tmp_path):
    r = run()
    r.wait_for(lambda: len(r.workers_with_kernels()) == 2 and r.rendering(), "a worker rendering a report")
    descendants = r.main.children(recursive=True)
    killed = time.monotonic()
    r.main.kill()
    r.proc.wait()
    left = still_running(descendants, EXIT_WITHIN)
    print(f"workers and kernels gone {time.monotonic() - killed:.2f} s after SIGKILL of the batch process")
    assert left == [], describe(left)
    stale_out, stale_tmp = hidden(r.out), list(r.tmp.iterdir())
    assert stale_out and stale_tmp, "the killed run left nothing to clean (did it get to render?)"

    # folders that are not provably stale stay: one whose owner still runs (this test), one of ours
    # without an owner tag
    live = r.out / f".in-use.{owner_tag()}.x"
    live.mkdir()
    untagged = r.tmp / "wbk-notes"
    untagged.mkdir()
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "workbook"
    nxt = subprocess.run([str(exe), "report", str(bad), "--out", str(r.out)], env={**os.environ, "TMPDIR": str(r.tmp)},
                         capture_output=True, text=True, timeout=120)
    assert nxt.returncode == 1, nxt.stderr
    assert hidden(r.out) == [live.name]
    assert list(r.tmp.iterdir()) == [untagged]


def test_a_report_moved_aside_by_a_killed_run_is_put_back(tmp_path):
    """A worker killed between moving the old report aside and moving the new one in leaves
    the old one under a hidden name: the next run puts it back (or drops it when the new one
    made it), and removes a half-written index of a dead run."""
    from workbook.files import HOST
    from workbook.reports.owners import remove_stale

    dead = f"wbk-{HOST}-{2**22 + 1}-1"  # above Linux's default pid_max: no such process
    aside = tmp_path / f".acme.{dead}.old"
    aside.mkdir()
    (aside / "report.html").write_text("the old report", encoding="utf-8")
    (tmp_path / "beta").mkdir()
    (tmp_path / f".beta.{dead}.old").mkdir()
    (tmp_path / f".index.html.{dead}.x1y2").write_text("<html>half", encoding="utf-8")

    remove_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme", "beta"]
    assert (tmp_path / "acme" / "report.html").read_text(encoding="utf-8") == "the old report"
