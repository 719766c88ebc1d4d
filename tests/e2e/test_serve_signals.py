"""`workbook serve` stops as a service manager expects: SIGTERM (kill, systemd, docker stop),
SIGINT (Ctrl+C) and SIGHUP (a closed terminal) end it within 10 s with Voila, every kernel and
the folder of kernel sockets gone; and a killed `workbook serve` takes its server with it."""

from __future__ import annotations

import re
import signal
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.browser.server import start_server

pytestmark = pytest.mark.browser  # starts real servers (no browser needed, but as slow)


def connection_root(log: str) -> Path:
    folder = re.search(r"Storing connection files in (\S+?)\.?$", log, re.M)
    assert folder, log
    return Path(folder.group(1)).parent


def with_a_kernel(tmp_path: Path):
    srv = start_server(tmp_path, room_size=1)
    # a stakeholder opens a dashboard: one more kernel, started for the page
    with urllib.request.urlopen(srv.url("portfolio"), timeout=60) as r:  # noqa: S310 (local)
        assert r.status == 200
        r.read()
    serve = psutil.Process(srv.proc.pid)
    deadline = time.monotonic() + 60
    while len(srv.kernels()) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(srv.kernels()) >= 2, srv.tail()
    return srv, serve, serve.children(recursive=True)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_ends_the_server_and_its_kernels(tmp_path, sig):
    srv, serve, family = with_a_kernel(tmp_path)
    sockets = connection_root(srv.log())
    assert sockets.is_dir() and any(sockets.rglob("kernel-*"))
    try:
        t0 = time.monotonic()
        serve.send_signal(sig)  # to the command only, as `kill` does: not to its process group
        code = srv.proc.wait(timeout=10)
        took = time.monotonic() - t0
        gone, alive = psutil.wait_procs(family, timeout=1)
        assert alive == [], f"left running after {sig.name}: {[p.cmdline()[:3] for p in alive]}\n{srv.tail()}"
        assert code == 0, srv.tail()
        assert not sockets.exists(), f"{sockets} left behind"
        assert f"Stopped ({sig.name})" in srv.log()
        print(f"{sig.name}: stopped {len(family)} processes in {took:.1f} s")
    finally:
        srv.stop()


def test_a_killed_serve_command_takes_its_server_with_it(tmp_path):
    srv, serve, family = with_a_kernel(tmp_path)
    sockets = connection_root(srv.log())
    try:
        serve.kill()  # SIGKILL: no chance to clean up itself
        srv.proc.wait(timeout=5)
        gone, alive = psutil.wait_procs(family, timeout=10)
        assert alive == [], f"orphans: {[p.cmdline()[:3] for p in alive]}"
        assert not sockets.exists(), f"{sockets} left behind"
    finally:
        srv.stop()


def test_a_killed_process_group_leaves_no_signing_keys_for_long(tmp_path):
    """`kill -9` of the whole group: no one is left to clean up, so the next `serve` sweeps the
    folder of kernel connection files (their signing keys) that the dead server left."""
    import os

    from workbook.apps.serve import sweep_stale_connection_folders

    srv, serve, family = with_a_kernel(tmp_path)
    sockets = connection_root(srv.log())
    try:
        os.killpg(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(timeout=5)
        psutil.wait_procs(family, timeout=10)
        assert any(sockets.rglob("kernel-*")), "the dead server's connection files should still be there"
        assert sockets in sweep_stale_connection_folders(str(sockets.parent))
        assert not sockets.exists()
    finally:
        srv.stop()
