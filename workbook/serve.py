"""``workbook serve``: publish ``notebooks/apps/`` with Voila.

The server's settings live in ``notebooks/apps/voila.json`` (strip sources, no template or theme
override from the address bar, kernel culling, execution timeout); this module adds what depends
on the command line: the address, the port, the token, and where the apps find their data.

Security choices
----------------
* By default the server listens on 127.0.0.1 only: nothing on the network can reach it.
* Binding to any other address (``--ip``, for a workshop room) requires a token; one is
  generated when none is given, and the URLs printed carry it. Participants open the URL with
  ``?token=...`` once; the server then keeps them logged in with a cookie.
* Only ``notebooks/apps/`` is served — not ``params/``, ``reports/`` or the package source.
* XSRF protection stays on; the page template sends the token with its kernel-shutdown request.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "notebooks" / "apps"
TEMPLATES = Path(__file__).resolve().parent / "ui" / "jupyter"
DEFAULT_IP = "127.0.0.1"
DEFAULT_PORT = 8866
APP_NAMES = ("workshop", "facilitator", "portfolio", "alliance")
#: Preheated workshop kernels. A participant's kernel costs about 2 s of CPU to start; on a
#: small machine a room arriving at once would queue behind each other without a warm pool.
DEFAULT_ROOM_SIZE = 30
REFILL_DELAY = 30  # seconds: after the arrival burst (refilling during it steals its CPU); a visitor who finds no ready kernel gets a fresh one at once (voila_pool.py)


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
    token : required token; ``None`` generates one when ``ip`` is not a loopback address.
    store : the workshop database file (default ``$WORKBOOK_STORE`` or ``workshop.sqlite`` in the repo).
    room_size : workshop kernels kept started and pre-rendered ahead of the participants
        (Voila's preheated pool); 0 turns preheating off.
    participant_page : ``"light"`` (the workshop notebook's own light template, made for phones
        and full rooms) or ``"full"`` (Voila's standard page, as for the other apps).
    params_dir, reports_dir : where the dashboards read params files and the board writes reports.
    extra : further Voila arguments, passed through.
    """

    ip: str = DEFAULT_IP
    port: int = DEFAULT_PORT
    token: str | None = None
    store: Path | None = None
    params_dir: Path | None = None
    reports_dir: Path | None = None
    room_size: int = DEFAULT_ROOM_SIZE
    participant_page: str = "light"
    extra: list[str] = field(default_factory=list)

    def resolved_token(self) -> str:
        if self.token is not None:
            return self.token
        return "" if is_loopback(self.ip) else secrets.token_urlsafe(16)


def environment(opts: ServeOptions, base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment (kernels inherit it): the store, the data folders, the template path."""
    env = dict(os.environ if base is None else base)
    env["WORKBOOK_STORE"] = str((opts.store or Path(env.get("WORKBOOK_STORE") or ROOT / "workshop.sqlite")).resolve())
    env["WORKBOOK_PARAMS_DIR"] = str((opts.params_dir or Path(env.get("WORKBOOK_PARAMS_DIR") or ROOT / "params")).resolve())
    env["WORKBOOK_REPORTS_DIR"] = str((opts.reports_dir or Path(env.get("WORKBOOK_REPORTS_DIR") or ROOT / "reports")).resolve())
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES), env.get("JUPYTER_PATH", "")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning in every kernel
    return env


def command(opts: ServeOptions, token: str) -> list[str]:
    """The Voila command line (``sys.executable -m workbook.voila_pool ...``: Voila, with a pool
    that hands out ready kernels only)."""
    return [
        sys.executable,
        "-m",
        "workbook.voila_pool",
        str(APPS),
        "--no-browser",
        f"--port={opts.port}",
        f"--Voila.ip={opts.ip}",
        f"--Voila.token={token}",
        # Read voila.json from the apps folder only, so the machine's own config cannot leak in.
        f"--Voila.config_file_paths={APPS}",
        # Kernels talk to Voila over Unix sockets in Voila's private connection folder, not TCP
        # ports on 127.0.0.1: with a room's worth of kernels starting at once, a TCP port picked
        # for one kernel was sometimes taken before it could bind ("Address already in use"),
        # that kernel died and its participant's page never opened. Sockets in a folder only
        # this user can enter are also out of reach of other accounts on the machine.
        "--KernelManager.transport=ipc",
        *preheat_args(opts.room_size),
        # The workshop notebook asks for the light page in its metadata; "full" stops Voila
        # from reading templates from notebooks, so it gets the standard page too.
        *(["--VoilaConfiguration.allow_template_override=NO"] if opts.participant_page == "full" else []),
        *opts.extra,
    ]


def preheat_args(room_size: int) -> list[str]:
    """Voila options for a pool of ``room_size`` preheated kernels for the workshop app only
    (the dashboards are opened by a few people and keep their normal start)."""
    if room_size <= 0:
        return []
    pools = json.dumps({"default": {"pool_size": 0}, "workshop.ipynb": {"pool_size": room_size}})
    return [
        "--preheat_kernel=True",
        f"--VoilaKernelManager.kernel_pools_config={pools}",
        # refill a few seconds after a kernel is taken, so a room arriving at once gets the CPU first
        f"--VoilaKernelManager.fill_delay={REFILL_DELAY}",
    ]


def urls(opts: ServeOptions, token: str) -> dict[str, str]:
    host = opts.ip if ":" not in opts.ip else f"[{opts.ip}]"
    suffix = f"?token={token}" if token else ""
    return {name: f"http://{host}:{opts.port}/voila/render/{name}.ipynb{suffix}" for name in APP_NAMES}


def serve(opts: ServeOptions, echo=print) -> int:  # type: ignore[no-untyped-def]
    """Run Voila in the foreground until interrupted; returns its exit code."""
    token = opts.resolved_token()
    if not token and not is_loopback(opts.ip):
        raise SystemExit("refusing to serve on a network address without a token")
    env = environment(opts)
    echo(f"Serving {APPS.relative_to(ROOT)}/ on {opts.ip}:{opts.port}" + (" (token required)" if token else " (this machine only)"))
    echo(f"Workshop store: {env['WORKBOOK_STORE']}")
    echo(f"Participant page: {opts.participant_page}; {opts.room_size} workshop kernels kept ready")
    for name, url in urls(opts, token).items():
        echo(f"  {name:12} {url}")
    proc = subprocess.Popen(command(opts, token), env=env, cwd=str(APPS))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


__all__ = ["APPS", "ServeOptions", "command", "environment", "is_loopback", "serve", "urls"]
