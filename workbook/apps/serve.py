"""``workbook serve``: publish the apps (``notebooks/apps/``, shipped in the package) with Voila.

The server's settings live in ``notebooks/apps/voila.json`` (strip sources, no template or theme
override from the address bar, kernel culling, execution timeout); this module adds what depends
on the command line: the address, the port, the token, and where the apps find their data.

Security choices
----------------
* By default the server listens on 127.0.0.1 only: nothing on the network can reach it.
* Two roles with two credentials (:mod:`workbook.apps.guard`): the **facilitator token** opens the
  board and everything else, and is printed only in the facilitator's link; the **participant
  token** opens the workshop and the dashboards. A server on a network address always has a
  participant token (generated when none is given); on 127.0.0.1 participants need none.
  Visitors open their link with ``?token=...`` once; a signed cookie keeps them signed in.
* Only the host names the server was started for are answered (``--allow-host`` adds one).
* Kernels are capped per client address and in total (``--max-kernels``,
  ``--max-kernels-per-client``).
* Only ``notebooks/apps/`` is served — not ``params/``, ``reports/`` or the package source.
* XSRF protection stays on; the page template sends the token with its kernel-shutdown request.
* SIGTERM, SIGINT and SIGHUP stop Voila and every kernel; the server also dies with this command.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import guard
from ..resources import apps_dir, jupyter_dir
from ..kernel_env import SAVES_ENV
from .room import PAGE_PATH
from ..ui.paths import PARAMS_ENV, REPORTS_ENV, STORE_ENV, has_programme, pinned

APPS = apps_dir()
TEMPLATES = jupyter_dir()
DEFAULT_IP = "127.0.0.1"
DEFAULT_PORT = 8866
APP_NAMES = ("workshop", "facilitator", "portfolio", "programme", "alliance")
#: Preheated workshop kernels. A participant's kernel costs about 2 s of CPU to start; on a
#: small machine a room arriving at once would queue behind each other without a warm pool.
DEFAULT_ROOM_SIZE = 30
#: The dashboards whose kernels are prepared ahead of their visitors (pandas, Altair and the
#: chart's JavaScript loaded: about 2 s of CPU a kernel), and how many of each are kept ready.
#: The portfolio and the programme are not among them: they read the params folder as it is when
#: the page opens (and the programme models its alliances then).
DASHBOARDS = ("alliance.ipynb",)
DEFAULT_DASHBOARD_POOL = 2
REFILL_DELAY = 30  # seconds: after the arrival burst (refilling during it steals its CPU); a visitor who finds no ready kernel gets a fresh one at once (voila_pool.py)

if TYPE_CHECKING:
    import psutil


def is_loopback(ip: str) -> bool:
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


@dataclass
class ServeOptions:
    """What ``workbook serve`` was asked for.

    ip : the address to listen on (127.0.0.1 by default; the room's address for a workshop).
    port : TCP port (8866).
    token : the participants' token; ``None`` generates one when ``ip`` is not a loopback address.
    facilitator_token : the facilitator's token (generated when ``None``; never empty, never
        equal to the participants').
    allow_hosts : further host names the server answers to (a DNS name for the room machine).
    max_kernels, max_kernels_per_client : caps on kernels held by pages.
    participants_per_device : participants one network address may join as on the server's own
        participant page (its request limits grow with it); the room's size behind a NAT or proxy.
    store : the workshop database file (default ``$WORKBOOK_STORE`` or ``workshop.sqlite`` in the current folder).
    room_size : with a kernel participant page (``light``/``full``), workshop kernels kept started
        and pre-rendered ahead of the participants (Voila's preheated pool); 0 turns preheating off.
    dashboard_pool, dashboards : kernels kept prepared for each of ``dashboards`` (app notebooks
        that wait for their visitor's page to say what to show); 0 for none.
    refill_delay : seconds before a taken pool kernel is replaced (:data:`REFILL_DELAY`).
    apps : the folder of app notebooks to publish, its ``voila.json`` included (the package's apps).
    participant_page : ``"server"`` (the default: a page the server answers itself, no kernel per
        participant, :mod:`workbook.apps.room`; holds a plenary of hundreds), ``"light"`` (the workshop
        notebook in its own light template, a kernel per participant) or ``"full"`` (the workshop
        notebook in Voila's standard page).
    params_dir, reports_dir : where the dashboards read params files and the board writes reports.
    extra : further Voila arguments, passed through.
    """

    ip: str = DEFAULT_IP
    port: int = DEFAULT_PORT
    token: str | None = None
    facilitator_token: str | None = None
    allow_hosts: tuple[str, ...] = ()
    max_kernels: int = 80
    max_kernels_per_client: int = 10
    participants_per_device: int = 6
    #: the published alliance dashboards may save what-ifs into the params files
    allow_scenario_saves: bool = False
    store: Path | None = None
    params_dir: Path | None = None
    reports_dir: Path | None = None
    room_size: int = DEFAULT_ROOM_SIZE
    dashboard_pool: int = DEFAULT_DASHBOARD_POOL
    dashboards: tuple[str, ...] = DASHBOARDS
    refill_delay: float = REFILL_DELAY
    participant_page: str = "server"
    apps: Path = APPS
    extra: list[str] = field(default_factory=list)

    def resolved_token(self) -> str:
        if self.token is not None:
            return self.token
        return "" if is_loopback(self.ip) else secrets.token_urlsafe(16)

    def resolved_facilitator_token(self, participant_token: str) -> str:
        token = self.facilitator_token or secrets.token_urlsafe(24)
        if token == participant_token:
            raise SystemExit("the facilitator's token must differ from the participants' token")
        return token


def public_host(ip: str) -> str:
    """The address to put in links: ``ip``, or for all interfaces this machine's first
    non-loopback IPv4 address (the one a participant's laptop can reach)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if not addr.is_unspecified:
        return ip if addr.version == 4 else f"[{ip}]"
    import psutil

    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family == socket.AF_INET and not ipaddress.ip_address(a.address).is_loopback:
                return a.address
    return "127.0.0.1"


def environment(opts: ServeOptions, base: dict[str, str] | None = None, tokens: tuple[str, str] | None = None) -> dict[str, str]:
    """The server's environment: the store, the data folders, the template path, and for the guard
    (:mod:`workbook.apps.guard`, which removes the credentials before any kernel starts) the tokens
    ``(participant, facilitator)``, host names and caps. Kernels also get the participants' link."""
    env = dict(os.environ if base is None else base)
    for name in guard.SECRETS:
        env.pop(name, None)
    if tokens is not None:
        participant, facilitator = tokens
        env[guard.ENV["participant_token"]] = participant
        env[guard.ENV["facilitator_token"]] = facilitator
        env["WORKBOOK_PARTICIPANT_URL"] = urls(opts, participant, facilitator)["workshop"]
    env[guard.ENV["hosts"]] = ",".join(sorted(guard.host_names_for(opts.ip, opts.allow_hosts)))
    env[guard.ENV["max_kernels"]] = str(opts.max_kernels)
    env[guard.ENV["max_kernels_per_client"]] = str(opts.max_kernels_per_client)
    env[guard.ENV["participants_per_device"]] = str(opts.participants_per_device)
    if opts.allow_scenario_saves:
        env[SAVES_ENV] = "1"
    else:
        env.pop(SAVES_ENV, None)
    # relative defaults and overrides are taken from this folder, once: Voila runs in the apps folder
    env.update(pinned(env))
    for name, given in ((STORE_ENV, opts.store), (PARAMS_ENV, opts.params_dir), (REPORTS_ENV, opts.reports_dir)):
        if given is not None:
            env[name] = str(Path(given).resolve())
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES), env.get("JUPYTER_PATH", "")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning in every kernel
    return env


def command(opts: ServeOptions, connection_root: str | None = None) -> list[str]:
    """The Voila command line (``sys.executable -m workbook.apps.voila_pool ...``: Voila, with a pool
    that hands out ready kernels only)."""
    return [
        sys.executable,
        "-m",
        "workbook.apps.voila_pool",
        str(opts.apps),
        "--no-browser",
        f"--port={opts.port}",
        # never move to another port: the links printed (tokens included) name this one
        "--Voila.port_retries=0",
        f"--Voila.ip={opts.ip}",
        # the tokens reach the guard through the environment, not this (world-readable) command line
        # Read voila.json from the apps folder only, so the machine's own config cannot leak in.
        f"--Voila.config_file_paths={opts.apps}",
        # Kernels talk to Voila over Unix sockets in Voila's private connection folder, not TCP
        # ports on 127.0.0.1: with a room's worth of kernels starting at once, a TCP port picked
        # for one kernel was sometimes taken before it could bind ("Address already in use"),
        # that kernel died and its participant's page never opened. Sockets in a folder only
        # this user can enter are also out of reach of other accounts on the machine.
        "--KernelManager.transport=ipc",
        *([f"--Voila.connection_dir_root={connection_root}"] if connection_root else []),
        *preheat_args(opts.room_size if opts.participant_page != "server" else 0, opts.dashboard_pool, opts.dashboards, opts.refill_delay),
        # The workshop notebook asks for the light page in its metadata; "full" stops Voila
        # from reading templates from notebooks, so it gets the standard page too.
        *(["--VoilaConfiguration.allow_template_override=NO"] if opts.participant_page == "full" else []),
        *opts.extra,
    ]


def preheat_args(room_size: int, dashboard_pool: int = 0, dashboards: tuple[str, ...] = DASHBOARDS,
                 refill_delay: float = REFILL_DELAY) -> list[str]:
    """Voila options for pools of preheated kernels: ``room_size`` for the workshop app and
    ``dashboard_pool`` for each of ``dashboards``; every other app (the board, whose kernel runs
    with the facilitator's role, and the portfolio) starts its kernel when its page is opened."""
    pools: dict[str, dict[str, int]] = {"default": {"pool_size": 0}}
    if room_size > 0:
        pools["workshop.ipynb"] = {"pool_size": room_size}
    if dashboard_pool > 0:
        pools.update({name: {"pool_size": dashboard_pool} for name in dashboards})
    if len(pools) == 1:
        return []
    return [
        "--preheat_kernel=True",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
        # refill a few seconds after a kernel is taken, so a room arriving at once gets the CPU first
        f"--VoilaKernelManager.fill_delay={refill_delay}",
    ]


def urls(opts: ServeOptions, token: str, facilitator_token: str) -> dict[str, str]:
    """Each app's link: the facilitator's board with the facilitator's token, the others with
    the participants' token (none on a loopback server without one)."""
    host = public_host(opts.ip)
    out = {}
    for name in APP_NAMES:
        t = facilitator_token if f"{name}.ipynb" in guard.FACILITATOR_APPS else token
        path = f"/{PAGE_PATH}" if name == "workshop" and opts.participant_page == "server" else f"/voila/render/{name}.ipynb"
        out[name] = f"http://{host}:{opts.port}{path}" + (f"?token={t}" if t else "")
    return out


#: The most alliances ``serve`` lists a link for; the portfolio lists them all.
ALLIANCE_LINKS = 20


def alliance_links(opts: ServeOptions, token: str, params_dir: Path) -> tuple[list[tuple[str, str]], int]:
    """A dashboard link per alliance of ``params_dir`` (its name, its link), at most
    :data:`ALLIANCE_LINKS` of them in name order, and how many more there are."""
    from urllib.parse import urlencode

    from ..export import alliance_name
    from ..params import is_programme_file

    host = public_host(opts.ip)
    found = []
    for path in sorted(p for p in params_dir.glob("*.yaml") if not is_programme_file(p)):
        name = alliance_name(path)
        if name is not None:
            query = {"params": path.name, **({"token": token} if token else {})}
            found.append((name, f"http://{host}:{opts.port}/voila/render/alliance.ipynb?{urlencode(query)}"))
    found.sort(key=lambda item: item[0].casefold())
    return found[:ALLIANCE_LINKS], max(0, len(found) - ALLIANCE_LINKS)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_GRACE = 6.0  # seconds Voila gets to shut its kernels down before they are killed


def serve(opts: ServeOptions, echo: Callable[[str], object] = print) -> int:
    """Run Voila in the foreground until it exits or a stop signal arrives (SIGTERM, SIGINT,
    SIGHUP); returns Voila's exit code, or 0 after a requested stop. Every process Voila started
    is gone when this returns, and so is its folder of kernel sockets."""
    import psutil

    token = opts.resolved_token()
    if not token and not is_loopback(opts.ip):
        raise SystemExit("refusing to serve on a network address without a token")
    facilitator = opts.resolved_facilitator_token(token)
    port_problem = port_in_use(opts.ip, opts.port)
    if port_problem:
        raise SystemExit(port_problem)
    sweep_stale_connection_folders()
    env = environment(opts, tokens=(token, facilitator))
    echo(f"Serving {opts.apps}/ on {opts.ip}:{opts.port}" + (" (token required)" if token else " (this machine only)"))
    echo(f"Workshop store: {env['WORKBOOK_STORE']}")
    if opts.participant_page == "server":
        echo(f"Participant page: served by the server, no kernel per participant; {opts.dashboard_pool} kernels kept ready per dashboard")
    else:
        echo(f"Participant page: {opts.participant_page}; {opts.room_size} workshop kernels kept ready, {opts.dashboard_pool} per dashboard")
    echo(f"Answers to host names: {env[guard.ENV['hosts']].replace(',', ', ')}")
    links = urls(opts, token, facilitator)
    echo("Facilitator only (keep this link to yourself; the board shows the participants' link):")
    echo(f"  {'facilitator':12} {links['facilitator']}")
    echo("For participants and stakeholders:")
    programme = has_programme(Path(env[PARAMS_ENV]))
    for name, url in links.items():
        if name not in ("facilitator", "alliance") and (name != "programme" or programme):
            echo(f"  {name:12} {url}")
    shown, more = alliance_links(opts, token, Path(env[PARAMS_ENV]))
    if shown:
        echo("One alliance's dashboard:")
        for name, url in shown:
            echo(f"  {name}: {url}")
        if more:
            echo(f"  ... and {more} more: open them from the portfolio")
    else:
        echo(f"  {'alliance':12} {links['alliance']}")
    connection_root = tempfile.mkdtemp(prefix=CONNECTION_PREFIX)
    (Path(connection_root) / OWNER_FILE).write_text(_owner_stamp(os.getpid()), encoding="ascii")
    requested: list[int] = []
    children: dict[int, psutil.Process] = {}
    env["WORKBOOK_CONNECTION_ROOT"] = connection_root
    proc = subprocess.Popen(command(opts, connection_root), env=env, cwd=str(opts.apps))

    def remember_children() -> None:
        try:
            for c in psutil.Process(proc.pid).children(recursive=True):
                children[c.pid] = c
        except psutil.Error:
            pass

    def on_signal(signum: int, _frame: object) -> None:
        if not requested:
            requested.append(signum)
            remember_children()
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # Voila's clean stop: kernels shut down

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        deadline = None
        ticks = 0
        while True:
            try:
                code = proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                ticks += 1
                if ticks % 10 == 0:  # kernels come and go: know them should Voila itself die
                    remember_children()
                if requested and deadline is None:
                    deadline = time.monotonic() + STOP_GRACE
                if deadline is not None and time.monotonic() > deadline:
                    remember_children()
                    proc.kill()
        _reap(list(children.values()))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(connection_root, ignore_errors=True)
    if requested:
        echo(f"Stopped ({signal.Signals(requested[0]).name}): the server and its kernels are gone.")
        return 0
    return code


def port_in_use(ip: str, port: int) -> str | None:
    """What stops a server listening on ``ip:port`` (``None`` when it can): checked before any
    link is printed, so a taken port is a clear refusal rather than links to someone else's server."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
        try:
            probe.bind((ip, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {ip} is already in use (another server?); stop it or choose another port with --port"
            return f"cannot listen on {ip}:{port}: {exc.strerror or exc}"
    return None


#: The kernel-socket folders ``serve`` makes in the temporary directory, and the file in each
#: naming the ``serve`` process that owns it.
CONNECTION_PREFIX = "workbook-serve-"
OWNER_FILE = "owner"


def _owner_stamp(pid: int) -> str:
    """``pid start-time``: a process id alone may be reused by another process later."""
    import psutil

    return f"{pid} {psutil.Process(pid).create_time():.3f}"


def sweep_stale_connection_folders(root: str | None = None) -> list[Path]:
    """Remove the kernel-socket folders left by ``serve`` processes that no longer run (a
    ``kill -9`` of the whole process group leaves no one to clean up): the folders are this
    user's, named :data:`CONNECTION_PREFIX`…, and their :data:`OWNER_FILE` names a process that
    is gone (or another process now holding its id). Folders of running servers, and folders
    without an owner file, are left alone. Returns the folders removed."""
    import psutil

    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(CONNECTION_PREFIX + "*"):
        try:
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue
            stamp = (folder / OWNER_FILE).read_text(encoding="ascii").split()
            pid, started = int(stamp[0]), stamp[1]
        except (OSError, ValueError, IndexError):
            continue
        try:
            alive = f"{psutil.Process(pid).create_time():.3f}" == started
        except psutil.Error:
            alive = False
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _reap(procs: list[psutil.Process]) -> None:
    """Terminate, then kill, whatever of ``procs`` still runs."""
    import psutil

    alive = [p for p in procs if p.is_running()]
    for p in alive:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(alive, timeout=3)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=3)


__all__ = ["APPS", "ServeOptions", "command", "environment", "is_loopback", "port_in_use", "public_host", "serve", "sweep_stale_connection_folders", "urls"]
