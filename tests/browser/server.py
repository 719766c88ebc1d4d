"""A real `workbook serve` on a free port, for the browser tests and the workshop benchmark.

It starts the command as a user would (in its own process group, so stopping it by its pid also
stops Voila and the kernels), waits until the server answers, and keeps the server's output in a
file so a failing test can show it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path
    store: Path
    params_dir: Path
    reports_dir: Path
    facilitator_token: str = ""
    participant_token: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, app: str, query: str = "", token: str | None = None) -> str:
        """An app's link as `workbook serve` prints it: the board with the facilitator's token,
        the others with the participants' (``token`` overrides; ``""`` for none)."""
        if token is None:
            token = self.facilitator_token if app == "facilitator" else self.participant_token
        query = "&".join(q for q in (query, f"token={token}" if token else "") if q)
        return f"{self.base}/voila/render/{app}.ipynb" + (f"?{query}" if query else "")

    def room_url(self, query: str = "", token: str | None = None) -> str:
        """The participants' link of the server's own page (``--participant-page server``)."""
        token = self.participant_token if token is None else token
        query = "&".join(q for q in (query, f"token={token}" if token else "") if q)
        return f"{self.base}/workbook/join" + (f"?{query}" if query else "")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tail(self, n: int = 80) -> str:
        return "\n".join(self.log().splitlines()[-n:])

    def kernels(self) -> list[psutil.Process]:
        """The live kernel processes under the server."""
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        out = []
        for c in children:
            try:
                if "ipykernel_launcher" in " ".join(c.cmdline()):
                    out.append(c)
            except psutil.Error:
                pass
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_server(tmp: Path, timeout: float = 60.0, room_size: int | None = None, args: tuple[str, ...] = ()) -> Server:
    """`workbook serve` on 127.0.0.1 with its own store, a copy of the params and a reports folder
    (``args``: further `workbook serve` options). A ``room_size`` asks for the workshop notebook's
    kernels kept ready, so it also asks for that participant page (``--participant-page light``)
    unless ``args`` choose one."""
    port = free_port()
    if room_size is not None and "--participant-page" not in args:
        args = ("--participant-page", "light", *args)
    params = tmp / "params"
    if not params.exists():
        shutil.copytree(ROOT / "params", params)
    reports = tmp / "reports"
    store = tmp / "workshop.sqlite"
    log_path = tmp / f"server-{port}.log"
    facilitator_token = f"facilitator-{port}-board"
    participant_token = args[args.index("--token") + 1] if "--token" in args else ""
    # the facilitator's token from the environment, as a careful facilitator would pass it
    env = dict(
        os.environ, WORKBOOK_PARAMS_DIR=str(params), WORKBOOK_REPORTS_DIR=str(reports), PYTHONUNBUFFERED="1", WORKBOOK_FACILITATOR_TOKEN=facilitator_token
    )
    exe = Path(sys.executable).parent / "workbook"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--store", str(store),
             *(["--room-size", str(room_size)] if room_size is not None else []), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(ROOT),
            start_new_session=True,
        )
    server = Server(proc, port, log_path, store, params, reports, facilitator_token, participant_token)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"workbook serve exited with {proc.returncode}:\n{server.tail()}")
        try:
            with urllib.request.urlopen(f"{server.base}/voila/static/voila.js", timeout=2) as r:  # noqa: S310 (local)
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"workbook serve did not answer within {timeout:.0f} s:\n{server.tail()}")
