"""`workbook serve`: the Voila command line it builds and the pool that hands out ready kernels."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from workbook.apps.serve import REFILL_DELAY, ServeOptions, command, environment, preheat_args, urls
from tests.conftest import ROOT
from workbook.apps.voila_pool import ready_first


def test_local_by_default_and_token_on_a_network_address():
    local = ServeOptions()
    assert local.ip == "127.0.0.1" and local.resolved_token() == ""
    room = ServeOptions(ip="192.168.1.20")
    token = room.resolved_token()
    assert len(token) >= 16
    facilitator = room.resolved_facilitator_token(token)
    links = urls(room, token, facilitator)
    # participants open the server's own page (no kernel each); the kernel pages stay on offer
    assert links["workshop"] == f"http://192.168.1.20:8866/workbook/join?token={token}"
    kernel_room = ServeOptions(ip="192.168.1.20", participant_page="light")
    assert urls(kernel_room, token, facilitator)["workshop"] == f"http://192.168.1.20:8866/voila/render/workshop.ipynb?token={token}"
    # the facilitator's token is only in the facilitator's link
    assert links["facilitator"].endswith(f"facilitator.ipynb?token={facilitator}")
    assert all(facilitator not in url for name, url in links.items() if name != "facilitator")
    # even on this machine only, the board needs its own token
    assert urls(local, "", local.resolved_facilitator_token(""))["facilitator"].count("?token=") == 1


def test_the_facilitator_token_cannot_be_the_participants():
    with pytest.raises(SystemExit, match="must differ"):
        ServeOptions(ip="10.0.0.2", token="same", facilitator_token="same").resolved_facilitator_token("same")


def test_tokens_travel_in_the_environment_not_the_command_line():
    opts = ServeOptions(ip="10.0.0.2", allow_hosts=("room.example",))
    env = environment(opts, base={}, tokens=("p-token", "f-token"))
    assert env["WORKBOOK_PARTICIPANT_TOKEN"] == "p-token" and env["WORKBOOK_FACILITATOR_TOKEN"] == "f-token"
    assert set(env["WORKBOOK_ALLOWED_HOSTS"].split(",")) == {"10.0.0.2", "room.example"}
    assert env["WORKBOOK_PARTICIPANT_URL"] == "http://10.0.0.2:8866/workbook/join?token=p-token"
    cmd = " ".join(command(opts))
    assert "p-token" not in cmd and "f-token" not in cmd and "--Voila.token" not in cmd


def test_voila_runs_with_ready_first_pools_for_the_workshop_and_the_alliance_dashboard_only():
    # the server's own participant page needs no workshop kernels: only the dashboard's are prepared
    default = next(a for a in command(ServeOptions(room_size=12)) if a.startswith("--VoilaKernelManager.kernel_pools_config="))
    assert "workshop.ipynb" not in default and '"alliance.ipynb": {"pool_size": 2}' in default
    cmd = command(ServeOptions(room_size=12, participant_page="light"))
    assert cmd[1:3] == ["-m", "workbook.apps.voila_pool"]
    pools = next(a for a in cmd if a.startswith("--VoilaKernelManager.kernel_pools_config="))
    assert '"workshop.ipynb": {"pool_size": 12}' in pools and '"default": {"pool_size": 0}' in pools
    assert '"alliance.ipynb": {"pool_size": 2}' in pools and "portfolio.ipynb" not in pools
    assert f"--VoilaKernelManager.fill_delay={REFILL_DELAY}" in cmd
    assert "--KernelManager.transport=ipc" in cmd  # no TCP port races when a room's kernels start at once
    assert "--VoilaConfiguration.allow_template_override=NO" not in cmd  # the light participant page
    assert "--VoilaConfiguration.allow_template_override=NO" in command(ServeOptions(participant_page="full"))
    assert preheat_args(0) == []


class FakeVoilaPool:
    """What Voila's preheating manager does with its pool: hand out the first task."""

    def __init__(self, pool: list) -> None:
        self._pools = {"workshop.ipynb": pool}

    def get_pool_size(self, notebook_name: str) -> int:
        return len(self._pools.get(notebook_name, []))

    async def get_rendered_notebook(self, notebook_name: str, **kwargs):
        return await self._pools[notebook_name].pop(0)


def test_a_latecomer_gets_a_ready_kernel_not_one_still_waiting_to_start():
    async def scenario():
        loop = asyncio.get_running_loop()
        waiting = loop.create_future()  # a refill still sleeping out its delay
        failed = loop.create_future()
        failed.set_exception(RuntimeError("kernel died"))
        ready = loop.create_future()
        ready.set_result("kernel-ready")
        plain = FakeVoilaPool([waiting, failed, ready])
        manager = ready_first(FakeVoilaPool)([waiting, failed, ready])
        assert plain.get_pool_size("workshop.ipynb") == 3  # Voila would hand out `waiting`
        assert manager.get_pool_size("workshop.ipynb") == 1
        assert manager._pools["workshop.ipynb"] == [waiting, ready]  # the failed start is dropped
        assert await manager.get_rendered_notebook("workshop.ipynb") == "kernel-ready"
        assert manager._pools["workshop.ipynb"] == [waiting]
        # nothing ready: Voila's handler sees an empty pool and starts a fresh kernel at once
        assert manager.get_pool_size("workshop.ipynb") == 0
        waiting.cancel()
        assert manager.get_pool_size("workshop.ipynb") == 0 and manager._pools["workshop.ipynb"] == []

    # in a thread of its own: the browser tests' Playwright may own this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_a_kernel_that_waited_in_the_pool_is_not_culled_before_its_page_connects():
    """A pooled kernel idle past the cull timeout, handed out: its idle time starts afresh, so
    the culler (which spares only kernels still in the pool) leaves it to the page connecting."""
    from datetime import timedelta
    from types import SimpleNamespace

    from jupyter_server._tz import utcnow

    cull_idle_timeout = json.loads((ROOT / "notebooks" / "apps" / "voila.json").read_text())["MappingKernelManager"]["cull_idle_timeout"]

    class Pool(FakeVoilaPool):  # Voila's pool tasks give a dict; it hands out (task, ..., kernel id)
        async def get_rendered_notebook(self, notebook_name: str, **kwargs):
            return (None, [], (await self._pools[notebook_name].pop(0))["kernel_id"])

    async def scenario():
        ready = asyncio.get_running_loop().create_future()
        ready.set_result({"kernel_id": "kernel-1"})
        manager = ready_first(Pool)([ready])
        waited = utcnow() - timedelta(seconds=cull_idle_timeout + 40)
        manager._kernels = {"kernel-1": SimpleNamespace(last_activity=waited), "kernel-2": SimpleNamespace(last_activity=waited)}
        await manager.get_rendered_notebook("workshop.ipynb")
        return manager._kernels

    with ThreadPoolExecutor(1) as pool:
        kernels = pool.submit(asyncio.run, scenario()).result()
    assert utcnow() - kernels["kernel-1"].last_activity < timedelta(seconds=cull_idle_timeout)
    assert utcnow() - kernels["kernel-2"].last_activity > timedelta(seconds=cull_idle_timeout)  # others keep theirs


def test_a_taken_port_is_refused_before_any_link_is_printed(tmp_path):
    import socket

    from tests.conftest import workbook_cmd
    from workbook.apps.serve import command, port_in_use

    with socket.socket() as other:  # someone else's server on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert "already in use" in (port_in_use("127.0.0.1", port) or "")
        result = workbook_cmd("serve", "--port", str(port), "--store", str(tmp_path / "ws.sqlite"), timeout=60)
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "token=" not in result.stdout and "http://" not in result.stdout
    assert not (tmp_path / "ws.sqlite").exists()
    assert port_in_use("127.0.0.1", port) is None  # free again once the other server is gone
    # and Voila itself never wanders to the next port if it loses a race for this one
    assert "--Voila.port_retries=0" in command(ServeOptions(port=port))


def test_socket_folders_of_killed_servers_are_swept_and_live_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    from workbook.apps.serve import CONNECTION_PREFIX, OWNER_FILE, _owner_stamp, sweep_stale_connection_folders

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    stale_stamp = _owner_stamp(gone.pid)
    gone.wait()

    def folder(name: str, stamp: str | None) -> Path:
        f = tmp_path / name
        (f / "kernel").mkdir(parents=True)
        (f / "kernel" / "kernel-1.json").write_text('{"key": "secret"}')
        if stamp is not None:
            (f / OWNER_FILE).write_text(stamp)
        return f

    stale = folder(CONNECTION_PREFIX + "stale", stale_stamp)
    reused = folder(CONNECTION_PREFIX + "reused", f"{os.getpid()} 12.000")  # our pid, another start
    live = folder(CONNECTION_PREFIX + "live", _owner_stamp(os.getpid()))
    unknown = folder(CONNECTION_PREFIX + "no-owner", None)
    other = folder("someone-else-stale", stale_stamp)

    assert sorted(sweep_stale_connection_folders(str(tmp_path))) == sorted([stale, reused])
    assert not stale.exists() and not reused.exists()
    assert live.exists() and unknown.exists() and other.exists()


def test_serve_prints_a_dashboard_link_per_alliance(tmp_path):
    import shutil

    from tests.conftest import EXAMPLES, PARAMS
    from workbook.apps.serve import ALLIANCE_LINKS, alliance_links

    folder = tmp_path / "params"
    shutil.copytree(PARAMS, folder)
    (folder / "broken.yaml").write_text(": not yaml [", encoding="utf-8")  # listed nowhere, no error
    shown, more = alliance_links(ServeOptions(ip="192.168.1.20", port=8866), "room-token", folder)
    assert more == 0 and len(shown) == len(EXAMPLES)
    names = [name for name, _ in shown]
    assert names == sorted(names, key=str.casefold)
    name, url = next(item for item in shown if item[0] == "Acme Cloud × Northwind Systems")
    assert url == "http://192.168.1.20:8866/voila/render/alliance.ipynb?params=saas-regional-reseller.yaml&token=room-token"
    for i in range(ALLIANCE_LINKS + 3):  # a big portfolio: the first ones, and a count of the rest
        (folder / f"extra-{i:02}.yaml").write_text(f"alliance: {{name: Extra {i:02}}}\n", encoding="utf-8")
    shown, more = alliance_links(ServeOptions(), "", folder)
    assert len(shown) == ALLIANCE_LINKS and more == len(EXAMPLES) + 3
    assert "token" not in shown[0][1]  # a loopback server without a token


def test_the_programme_dashboard_is_offered_only_beside_a_programme_file(tmp_path):
    from workbook.apps.serve import APP_NAMES
    from workbook.ui.paths import has_programme

    assert "programme" in APP_NAMES and urls(ServeOptions(), "", "f")["programme"].endswith("/voila/render/programme.ipynb")
    assert not has_programme(tmp_path)
    (tmp_path / "programme.yaml").write_text("schema: 1\nalliance: {name: An alliance named so}\n", encoding="utf-8")
    assert not has_programme(tmp_path)  # an alliance's file of that name is no programme
    (tmp_path / "programme.yaml").write_text("programme:\n  name: Two alliances\n", encoding="utf-8")
    assert has_programme(tmp_path)
