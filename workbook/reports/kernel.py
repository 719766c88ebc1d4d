"""A report kernel kept alive from one report to the next.

Starting a kernel and importing pandas, Altair and vl-convert in it costs seconds; executing the
report notebook for one alliance costs less than one. So a batch worker starts one kernel and
papermill executes each report on it in turn (papermill's nbclient engine, handed the kernel
through an engine of its own, :data:`ENGINE`). Between two reports the kernel is reset as a new
session: the user namespace, the output cache and the execution counter start afresh, so a report
executed on a warm kernel is the report a fresh kernel gives (same cells, same outputs, same
execution counts). What the package itself keeps in its modules is configuration the report
notebook sets the same way each time (static charts, the chart theme).

A kernel that died (or was killed) is replaced before the next report.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import WorkbookError

#: papermill's name for the engine that executes on a :class:`WarmKernel`.
ENGINE = "workbook-warm"
#: What the kernel runs between two reports (never stored in its history). IPython's reset ends
#: with a full garbage collection, which walks every object the imports made (pandas, Altair and
#: its Vega-Lite schema): about a tenth of a second a report. ``gc.freeze()`` then moves what
#: survived the reset (modules and their caches) out of the collector's way, so the next reset
#: walks only what the last report left. The namespace is emptied all the same.
RESET = "get_ipython().reset(new_session=True, aggressive=False); __import__('gc').freeze()"
RESET_TIMEOUT = 60.0  # seconds


def kernel_config(socket_dir: Path) -> Any:
    """Kernels talk over local IPC sockets in a folder of their own, not TCP ports: parallel runs
    cannot race for a port (nteract/papermill#511, "Address already in use"), nor for a socket
    name (jupyter_client numbers them per folder), and nothing listens on the network. The
    connection file lives there too, so removing the folder leaves nothing of the kernel behind."""
    from traitlets.config import Config

    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(socket_dir / "k")
    config.KernelManager.connection_file = str(socket_dir / "kernel.json")
    return config


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class WarmEngine(NBClientEngine):  # type: ignore[misc]  # papermill ships no types: NBClientEngine is Any
        """papermill's nbclient engine on the kernel of a :class:`WarmKernel` (``warm=``),
        whose kernel and client it leaves running."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            **kwargs: Any,
        ) -> Any:
            warm: WarmKernel = kwargs.pop("warm")
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man,
                km=warm.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            client.kc = warm.kc  # None the first time: the client then starts one, which we keep
            try:
                return client.execute()
            finally:
                warm.kc = client.kc

    papermill_engines.register(ENGINE, WarmEngine)


class WarmKernel:
    """One Python kernel on which papermill executes notebook after notebook.

    ``socket_dir`` is a private folder for the kernel's sockets and connection file (see
    :func:`kernel_config`); the caller removes it after :meth:`close`.
    """

    def __init__(self, socket_dir: Path, kernel_name: str = "python3") -> None:
        self.socket_dir = socket_dir
        self.kernel_name = kernel_name
        self.km: Any = None
        self.kc: Any = None
        self.executed = 0  # notebooks executed on the current kernel
        self._new_manager()

    def _new_manager(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self.km = AsyncKernelManager(kernel_name=self.kernel_name, config=kernel_config(self.socket_dir))
        self.kc = None
        self.executed = 0

    def _alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return bool(self.km.has_kernel and run_sync(self.km.is_alive)())

    def execute(
        self, notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path, start_timeout: float, prelude: str | None = None
    ) -> Any:
        """Execute ``notebook`` with ``parameters`` into ``output`` (papermill), on this kernel,
        reset first if it has run a notebook before. ``prelude`` is code run silently after the
        reset, before the notebook (outside its history and execution counts), on a kernel that
        is already running (else not at all). Returns the executed notebook (the node papermill
        wrote to ``output``). Raises what papermill raises."""
        import papermill as pm

        if self.km.has_kernel and not self._alive():
            self.close()
            self._new_manager()
        if self.executed:
            from jupyter_core.utils import run_sync

            self.reset()
            if prelude:
                run_sync(self._run)(prelude)
        if ENGINE not in _registered:
            _register_engine()
            _registered.add(ENGINE)
        self.executed += 1  # counted before: a failed notebook leaves its state behind too
        return pm.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            cwd=str(cwd),
            progress_bar=False,
            # written once, at the end: papermill would otherwise rewrite (and validate) the whole
            # notebook before and after every cell
            request_save_on_cell_execute=False,
            start_timeout=start_timeout,
            kernel_name=self.kernel_name,
            engine_name=ENGINE,
            warm=self,
        )

    def warm(self, cwd: Path, code: str, start_timeout: float) -> None:
        """Start the kernel in ``cwd`` (where papermill would start it) and run ``code`` on it —
        the imports a report needs — before any notebook is given, so that a batch's first report
        does not wait for them. :meth:`execute` then resets the session first, as between two
        reports: the report is still the one a fresh kernel gives."""
        from jupyter_core.utils import run_sync

        run_sync(self._start)(cwd, start_timeout)
        self.executed += 1  # the next notebook starts from a reset session
        run_sync(self._run)(code)

    async def _start(self, cwd: Path, start_timeout: float) -> None:
        await self.km.start_kernel(cwd=str(cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=start_timeout)
        self.kc.allow_stdin = False  # as nbclient sets it on a client it starts

    def reset(self) -> None:
        """Start a new session on the kernel: an empty namespace, execution count 1."""
        from jupyter_core.utils import run_sync

        run_sync(self._run)(RESET)

    async def _run(self, code: str) -> None:
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + RESET_TIMEOUT
        while True:
            reply = await self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":
            raise WorkbookError(f"the report kernel could not run {code[:40]!r}: {reply['content'].get('evalue', '')}")

    def close(self) -> None:
        """Shut the kernel down (at once) and close the client's channels."""
        from jupyter_core.utils import run_sync

        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            self.kc = None


_registered: set[str] = set()

__all__ = ["ENGINE", "RESET", "WarmKernel", "kernel_config"]
