"""Run Voila with a preheated pool that hands out only kernels that are ready.

Voila's pool (``VoilaKernelManager``) is a list of tasks, and a visitor gets the oldest one
whether or not it has finished. After a kernel is taken, the replacement task first sleeps for
``fill_delay`` seconds (``serve.REFILL_DELAY``, so that refilling does not compete with a room
arriving at once) — so a participant who arrives just after the room, when the ready kernels
are gone, was handed a kernel that had not even started and waited out the whole delay
(28 s measured with a 30 s delay). Here the pool counts and gives out finished kernels only;
when none is ready, Voila's own path starts a fresh kernel for that visitor at once (about
1–2 s for the participant's light app), and the refill keeps its delay.

``workbook serve`` starts Voila as ``python -m workbook.voila_pool``; arguments are Voila's.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .guard import VoilaKernelManager

    _KernelManagerBase = VoilaKernelManager
else:
    _KernelManagerBase = object

#: A preheated kernel in Voila's pool: the task that starts it and renders its notebook.
PoolTask = asyncio.Future[dict[str, object]]


def _ready(task: PoolTask) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def _failed(task: PoolTask) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


class ReadyFirstMixin(_KernelManagerBase):
    """Put in front of Voila's preheating kernel manager: its pool offers ready kernels only."""

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
        return await super().get_rendered_notebook(notebook_name, *args, **kwargs)


def ready_first(manager_class: type[VoilaKernelManager]) -> type[VoilaKernelManager]:
    """``manager_class`` (Voila's preheating kernel manager) with :class:`ReadyFirstMixin` in front."""
    ready = type(f"ReadyFirst{manager_class.__name__}", (ReadyFirstMixin, manager_class), {})
    return cast("type[VoilaKernelManager]", ready)  # type() is typed as returning a plain type


def guarded_voila() -> type[Any]:
    """Voila's application with :mod:`workbook.guard` in front of every handler: two roles, the
    host check, kernel caps, and the request-info socket behind the same credential.

    (``type[Any]``: Voila ships no types, so its application class is ``Any`` to mypy.)"""
    import voila.app
    from voila.tornado.handler import TornadoVoilaHandler

    from . import guard

    class GuardedVoila(voila.app.Voila):  # type: ignore[misc]  # Voila ships no types: its base class is Any
        def init_settings(self) -> dict[str, Any]:
            self.identity_provider_class = guard.RoleIdentityProvider
            settings: dict[str, Any] = super().init_settings()
            return settings

        def init_handlers(self) -> list[tuple[Any, ...]]:
            out: list[tuple[Any, ...]] = []
            for spec in super().init_handlers():
                pattern, cls, *rest = spec
                out.append((pattern, guard.guarded(cls, renders=issubclass(cls, TornadoVoilaHandler)), *rest))
            return out

    return GuardedVoila


def main() -> None:
    import os
    import signal
    import warnings

    import voila.app

    from . import guard

    # serve.py passes the per-notebook pool sizes as one JSON dict on the command line; traitlets
    # still reads it correctly but warns about the form on every start. (After the import: the
    # import itself puts a "show traitlets' deprecations" filter in front.)
    warnings.filterwarnings("ignore", message=r".*for dict-traits is deprecated", category=DeprecationWarning)
    guard.configure(guard.GuardConfig.from_environment())
    _die_with_parent()
    _remove_at_exit(os.environ.pop("WORKBOOK_CONNECTION_ROOT", ""))
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

    from .processes import die_with_parent

    if die_with_parent(signal.SIGTERM) and os.getppid() == 1:  # the parent died before prctl
        os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    main()
