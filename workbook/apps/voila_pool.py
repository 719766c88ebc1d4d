"""Run Voila with a preheated pool that hands out only kernels that are ready, and tells each
prepared kernel which page it was handed to.

Voila's pool (``VoilaKernelManager``) is a list of tasks, and a visitor gets the oldest one
whether or not it has finished. After a kernel is taken, the replacement task first sleeps for
``fill_delay`` seconds (``serve.REFILL_DELAY``, so that refilling does not compete with a room
arriving at once) — so a participant who arrives just after the room, when the ready kernels
are gone, was handed a kernel that had not even started and waited out the whole delay
(28 s measured with a 30 s delay). Here the pool counts and gives out finished kernels only;
when none is ready, Voila's own path starts a fresh kernel for that visitor at once (about
1–2 s for the participant's light app), and the refill keeps its delay.

A preheated kernel runs its notebook before anyone opens it, so it does not know its visitor's
query string (the alliance dashboard's ``?params=``). Voila's own way (``voila.utils.
wait_for_request``) is a websocket on the server's address that :mod:`workbook.apps.guard` opens only
to requests carrying a visitor's credential, which a kernel has not got. Here a kernel asks over
a Unix socket in Voila's private connection folder instead (:class:`Visits`, which only the
server's user can reach) and gets its page's query string, without the token, the moment Voila
hands it to that page (:func:`next_visit`).

``workbook serve`` starts Voila as ``python -m workbook.apps.voila_pool``; arguments are Voila's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

from traitlets.log import get_logger

from ..kernel_env import LIVE_CHART_BUNDLE_ENV, VISITOR_ADDRESS_ENV, VISITS_ENV

if TYPE_CHECKING:
    from .guard import VoilaKernelManager

    _KernelManagerBase = VoilaKernelManager
else:
    _KernelManagerBase = object

#: A preheated kernel in Voila's pool: the task that starts it and renders its notebook.
PoolTask = asyncio.Future[dict[str, object]]




def visit_query(url: str) -> str:
    """The query string of a page's ``url`` as its kernel may see it: without the token."""
    return urlencode([(k, v) for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k != "token"])


class Visits:
    """Which page each prepared kernel was handed to, told to the kernel that asks.

    A kernel connects to the Unix socket, sends its kernel id and a newline, and receives its
    page's query string and a newline, then the page's remote address and a newline, once Voila
    hands it out (at once if that happened before it asked). A kernel shut down before being handed out gets nothing: the socket closes.
    """

    def __init__(self) -> None:
        self._answers: dict[str, asyncio.Future[tuple[str, str]]] = {}
        self._asked: dict[str, asyncio.Event] = {}

    def _answer_for(self, kernel_id: str) -> asyncio.Future[tuple[str, str]]:
        if kernel_id not in self._answers:
            self._answers[kernel_id] = asyncio.get_running_loop().create_future()
        return self._answers[kernel_id]

    def _asked_event(self, kernel_id: str) -> asyncio.Event:
        return self._asked.setdefault(kernel_id, asyncio.Event())

    async def asked(self, kernel_id: str) -> None:
        """Until ``kernel_id`` has asked for its page: it has run its notebook that far."""
        await self._asked_event(kernel_id).wait()

    async def serve(self, path: str) -> asyncio.AbstractServer:
        """Listen on ``path`` (a Unix socket, readable and writable by this user only)."""
        server = await asyncio.start_unix_server(self._tell, path=path)
        os.chmod(path, 0o600)
        return server

    async def _tell(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            kernel_id = (await reader.readline()).decode("ascii", "replace").strip()
            # the server's log says when a prepared kernel is ready for its visitor
            get_logger().info("Prepared kernel %s asks for its page", kernel_id)
            self._asked_event(kernel_id).set()
            query, address = await self._answer_for(kernel_id)
            writer.write(query.encode("utf-8") + b"\n" + address.encode("utf-8") + b"\n")
            await writer.drain()
        except (asyncio.CancelledError, ConnectionError):
            pass  # the kernel was shut down before a page took it, or went away itself
        finally:
            writer.close()

    def hand_out(self, kernel_id: str, url: str, address: str = "") -> None:
        """Voila gave ``kernel_id`` to the page at ``url``, requested from ``address``."""
        answer = self._answer_for(kernel_id)
        if not answer.done():
            answer.set_result((visit_query(url), "".join(address.split())))

    def forget(self, kernel_id: str) -> None:
        self._asked.pop(kernel_id, None)
        answer = self._answers.pop(kernel_id, None)
        if answer is not None and not answer.done():
            answer.cancel()


#: The Voila process's visits (one server, one socket).
VISITS = Visits()


def _ready(task: PoolTask) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def _failed(task: PoolTask) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


class ReadyFirstMixin(_KernelManagerBase):
    """Put in front of Voila's preheating kernel manager: its pool offers ready kernels only, and
    each kernel it hands out learns its page's query string (:data:`VISITS`)."""

    def get_pool_size(self, notebook_name: str) -> int:
        pool = self._pools.get(notebook_name, [])
        # a kernel that failed to start is dropped, so the next refill replaces it
        pool[:] = [t for t in pool if not _failed(t)]
        return sum(1 for t in pool if _ready(t))

    async def get_rendered_notebook(
        self, notebook_name: str, *args: Any, **kwargs: Any
    ) -> tuple[asyncio.Task[object], list[str], str]:
        pool = self._pools.get(notebook_name, [])
        ready = next((i for i, t in enumerate(pool) if _ready(t)), None)
        if ready is not None:
            pool.insert(0, pool.pop(ready))  # Voila takes the first one
            taken = pool[0].result()
            if isinstance(taken, dict):
                self._woken(taken.get("kernel_id"))
        from .guard import VISITOR  # the request being served (set by the guard in front)

        visitor = VISITOR.get()
        rendered = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        page: dict[str, str] = kwargs.get("extra_kernel_env_variables") or {}
        VISITS.hand_out(rendered[2], page.get("VOILA_REQUEST_URL", ""), visitor.client if visitor is not None else "")
        return rendered

    def _woken(self, kernel_id: object) -> None:
        """A pooled kernel handed out starts its idle time afresh. The culler spares pooled
        kernels only while they are in the pool: one that waited there longer than
        ``cull_idle_timeout`` (``voila.json``) would otherwise be culled as idle, with no
        connection yet, in the moment between leaving the pool and its page connecting — and
        the visitor's page would never come alive."""
        kernel = getattr(self, "_kernels", {}).get(kernel_id)
        if kernel is not None:
            from jupyter_server._tz import utcnow

            kernel.last_activity = utcnow()

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]  # a coroutine in jupyter_server's managers, typed sync in jupyter_client's
        VISITS.forget(kernel_id)
        shutdown: Callable[..., Awaitable[None]] = super().shutdown_kernel  # jupyter_server leaves it untyped
        await shutdown(kernel_id, *args, **kwargs)


def ready_first(manager_class: type[VoilaKernelManager]) -> type[VoilaKernelManager]:
    """``manager_class`` (Voila's preheating kernel manager) with :class:`ReadyFirstMixin` in front."""
    ready = type(f"ReadyFirst{manager_class.__name__}", (ReadyFirstMixin, manager_class), {})
    return cast("type[VoilaKernelManager]", ready)  # type() is typed as returning a plain type


def guarded_voila() -> type[Any]:
    """Voila's application with :mod:`workbook.apps.guard` in front of every handler: two roles, the
    host check, kernel caps, and the request-info socket behind the same credential.

    (``type[Any]``: Voila ships no types, so its application class is ``Any`` to mypy.)"""
    import voila.app
    from tornado.ioloop import IOLoop
    from voila.tornado.handler import TornadoVoilaHandler

    from . import guard

    class GuardedVoila(voila.app.Voila):  # type: ignore[misc]  # Voila ships no types: its base class is Any
        def init_settings(self) -> dict[str, Any]:
            self.identity_provider_class = guard.RoleIdentityProvider
            if self.voila_configuration.preheat_kernel:
                # before the kernel manager starts the pools: their kernels inherit the variable
                path = os.path.join(self.connection_dir, "visits")
                os.environ[VISITS_ENV] = path
                IOLoop.current().add_callback(VISITS.serve, path)
            settings: dict[str, Any] = super().init_settings()
            return settings

        def init_handlers(self) -> list[tuple[Any, ...]]:
            from . import room

            out: list[tuple[Any, ...]] = []
            # the participants' page that needs no kernel (workbook.apps.room), before Voila's own routes
            for spec in [*room.handlers(self.base_url), *super().init_handlers()]:
                pattern, cls, *rest = spec
                out.append((pattern, guard.guarded(cls, renders=issubclass(cls, TornadoVoilaHandler)), *rest))
            return out

    return GuardedVoila


def main() -> None:
    import signal
    import warnings

    import voila.app

    from . import guard

    # serve.py passes the per-notebook pool sizes as one JSON dict on the command line; traitlets
    # still reads it correctly but warns about the form on every start. (After the import: the
    # import itself puts a "show traitlets' deprecations" filter in front.)
    warnings.filterwarnings("ignore", message=r".*for dict-traits is deprecated", category=DeprecationWarning)
    config = guard.GuardConfig.from_environment()
    guard.configure(config)
    from . import room

    room.configure(config.participants_per_device)
    _die_with_parent()
    root = os.environ.pop("WORKBOOK_CONNECTION_ROOT", "")
    _remove_at_exit(root)
    if root:  # kernels inherit it: one bundle of the chart's JavaScript for the whole server
        os.environ[LIVE_CHART_BUNDLE_ENV] = os.path.join(root, "live-chart.js")
    # Voila stops cleanly (kernels shut down, connection files removed) on SIGTERM and Ctrl+C;
    # a closed terminal (SIGHUP) gets the same treatment.
    # Ctrl+C in a terminal reaches both `workbook serve` and Voila: one clean stop, not a
    # KeyboardInterrupt in the middle of shutting the kernels down.
    for sig in (signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda *_: signal.raise_signal(signal.SIGTERM))

    build = voila.app.voila_kernel_manager_factory

    def factory(base_class: type, preheat_kernel: bool, *args: Any, **kwargs: Any) -> type:
        manager = build(base_class, preheat_kernel, *args, **kwargs)
        return guard.owning_manager(ready_first(manager) if preheat_kernel else manager)

    voila.app.voila_kernel_manager_factory = factory
    guarded_voila().launch_instance()


def _remove_at_exit(folder: str) -> None:
    """Remove ``workbook serve``'s folder of kernel sockets when Voila exits (Voila removes its own
    subfolder; this also covers a ``workbook serve`` that was killed and could not clean up)."""
    import atexit
    import shutil
    from pathlib import Path

    if folder and Path(folder).name.startswith("workbook-serve-"):
        atexit.register(shutil.rmtree, folder, True)


def _die_with_parent() -> None:
    """Receive SIGTERM when ``workbook serve`` dies, even by SIGKILL, so the server and its
    kernels never outlive the command that started it."""
    import os
    import signal

    from ..reports.processes import die_with_parent

    if die_with_parent(signal.SIGTERM) and os.getppid() == 1:  # the parent died before prctl
        os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    main()
