"""The server's guard (workbook.apps.guard): two roles, host names, kernel caps, kernel environments."""

from __future__ import annotations

import pytest

from workbook.apps import guard


@pytest.fixture
def cfg():
    previous = guard.CONFIG
    c = guard.GuardConfig(facilitator_token="f" * 24, participant_token="p" * 16, hosts=frozenset({"10.0.0.2"}), max_kernels=3, max_kernels_per_client=2)
    guard.configure(c)
    guard.OWNERS._owners.clear()
    yield c
    guard.OWNERS._owners.clear()
    guard.CONFIG = previous


def test_each_token_gives_its_role_and_nothing_else(cfg):
    assert cfg.role_for_token("f" * 24) == guard.FACILITATOR
    assert cfg.role_for_token("p" * 16) == guard.PARTICIPANT
    assert cfg.role_for_token("") is None
    assert cfg.role_for_token("p" * 15) is None
    open_server = guard.GuardConfig(facilitator_token="f" * 24, participant_token="")
    assert open_server.role_for_token("") is None  # no token is never the facilitator


def test_the_config_comes_from_the_environment_and_leaves_no_credential_behind():
    env = {"WORKBOOK_FACILITATOR_TOKEN": "ff", "WORKBOOK_PARTICIPANT_TOKEN": "pp", "WORKBOOK_ALLOWED_HOSTS": "A.example, 10.0.0.2", "WORKBOOK_MAX_KERNELS": "7"}
    c = guard.GuardConfig.from_environment(env)
    assert (c.facilitator_token, c.participant_token, c.max_kernels) == ("ff", "pp", 7)
    assert c.hosts == {"a.example", "10.0.0.2"}
    assert "WORKBOOK_FACILITATOR_TOKEN" not in env and "WORKBOOK_PARTICIPANT_TOKEN" not in env
    with pytest.raises(SystemExit, match="WORKBOOK_FACILITATOR_TOKEN"):
        guard.GuardConfig.from_environment({})


@pytest.mark.parametrize(
    ("header", "host"),
    [("10.0.0.2:8866", "10.0.0.2"), ("LOCALHOST:80", "localhost"), ("[::1]:8866", "::1"), ("evil.example", "evil.example"), ("[::1]", "::1")],
)
def test_host_header_without_port(header, host):
    assert guard.request_host(header) == host


def test_a_loopback_server_answers_to_its_local_names_only():
    names = guard.host_names_for("127.0.0.1")
    assert {"127.0.0.1", "localhost", "::1"} <= names
    assert "evil.example" not in names
    room = guard.host_names_for("192.168.1.20", ("room.example",))
    assert room == {"192.168.1.20", "room.example"}


def test_kernels_are_capped_per_client_and_in_total(cfg):
    guard.OWNERS.record("k1", guard.Visitor("10.0.0.5", "participant", "workshop.ipynb"))
    assert guard.over_limit({"k1"}, "10.0.0.5") is None
    guard.OWNERS.record("k2", guard.Visitor("10.0.0.5", "participant", "workshop.ipynb"))
    status, why = guard.over_limit({"k1", "k2"}, "10.0.0.5")
    assert status == 429 and "2 pages of this server open" in why
    assert guard.over_limit({"k1", "k2"}, "10.0.0.6") is None
    guard.OWNERS.record("k3", guard.Visitor("10.0.0.6", "participant", "alliance.ipynb"))
    status, why = guard.over_limit({"k1", "k2", "k3"}, "10.0.0.7")
    assert status == 503 and "its limit" in why
    # a kernel that has gone no longer counts
    assert guard.over_limit({"k1", "k3"}, "10.0.0.5") is None


def test_kernels_never_inherit_a_credential_and_know_their_role():
    env = guard.kernel_role_env({"WORKBOOK_FACILITATOR_TOKEN": "x", "WORKBOOK_PARTICIPANT_TOKEN": "y", "PATH": "/bin"}, "/voila/render/facilitator.ipynb")
    assert env == {"PATH": "/bin", "WORKBOOK_ROLE": "facilitator"}
    assert guard.kernel_role_env({"WORKBOOK_ROLE": "facilitator"}, "/voila/render/./workshop.ipynb")["WORKBOOK_ROLE"] == "participant"
    assert guard.kernel_role_env({}, "/voila/render/sub/../facilitator.ipynb")["WORKBOOK_ROLE"] == "facilitator"


def test_every_guarded_handler_refuses_an_unknown_host_name_with_the_page(cfg, tmp_path):
    """Static files are served by plain Tornado handlers (no Jupyter ``log``): the refusal must
    not depend on anything beyond Tornado's own RequestHandler."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from tornado.httpclient import AsyncHTTPClient
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port
    from tornado.web import Application, StaticFileHandler

    (tmp_path / "app.css").write_text("body { margin: 0 }")
    app = Application([(r"/static/(.*)", guard.guarded(StaticFileHandler), {"path": str(tmp_path)})])

    async def fetch_as(*hosts: str):
        sock, port = bind_unused_port()
        server = HTTPServer(app)
        server.add_sockets([sock])
        client = AsyncHTTPClient()
        try:
            return [
                await client.fetch(f"http://127.0.0.1:{port}/static/app.css", headers={"Host": h}, raise_error=False)
                for h in hosts
            ]
        finally:
            server.stop()
            client.close()

    # in a thread of its own: the browser tests' Playwright may own this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        foreign, known = pool.submit(asyncio.run, fetch_as("rebound.example", "10.0.0.2")).result()
    assert foreign.code == 403, foreign.body
    assert b"Unknown host name" in foreign.body
    assert known.code == 200 and known.body == b"body { margin: 0 }"


def test_sockets_are_capped_per_kernel_and_per_address_and_given_back_on_close():
    from types import SimpleNamespace

    before = guard.CONFIG
    guard.configure(guard.GuardConfig(facilitator_token="f" * 24, max_kernels_per_client=2))
    per_kernel, per_client = guard.MAX_SOCKETS_PER_KERNEL, guard.MAX_SOCKETS_PER_KERNEL * 2

    class Socket(guard.GuardMixin):  # the guard's counting, without a server
        def __init__(self, ip: str) -> None:
            self.request = SimpleNamespace(remote_ip=ip)
            self.refused: int | None = None

        def _refuse(self, status: int, title: str, text: str) -> None:
            self.refused = status

    def open_(ip: str, kernel: str) -> Socket:
        s = Socket(ip)
        s._count_socket(kernel)
        return s

    try:
        one = [open_("10.0.0.5", "k1") for _ in range(per_kernel + 2)]
        assert [s.refused for s in one] == [None] * per_kernel + [429, 429]  # one kernel: 6 at most
        spread = [open_("10.0.0.5", f"k{i}") for i in range(2, 20)]  # the same device, over many kernels
        assert sum(s.refused is None for s in spread) == per_client - per_kernel
        assert open_("10.0.0.6", "k1").refused == 429 and open_("10.0.0.6", "k99").refused is None  # another device
        for s in one + spread:
            s._release()  # the sockets close: their places come back
        assert open_("10.0.0.5", "k1").refused is None
    finally:
        guard.SOCKETS.clear()
        guard.CLIENT_SOCKETS.clear()
        guard.CONFIG = before
