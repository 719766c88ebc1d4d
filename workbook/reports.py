"""Batch reports: papermill executes the report notebook per params file, nbconvert turns it
into a self-contained HTML page, and a portfolio index links them all.

Each report is built in a temporary folder next to its destination and renamed into place
only when complete, so a failed or interrupted run never leaves partial output behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ParamsError, ReportError
from .params import load_params

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REPORT_NOTEBOOK = NOTEBOOKS / "alliance_report.ipynb"
TEMPLATES = Path(__file__).resolve().parent / "templates"
KERNEL_START_TIMEOUT = 120  # seconds; two kernels starting at once on a small machine are slow


@dataclass
class Outcome:
    """What happened to one params file."""

    params_path: Path
    slug: str | None = None
    ok: bool = False
    reason: str = ""
    summary: dict[str, Any] = field(default_factory=dict)


def export_html(notebook_path: Path, html_path: Path) -> None:
    """Convert an executed notebook to HTML with no input cells and no CDN scripts."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb = nbformat.read(notebook_path, as_version=4)
    body, _ = exporter.from_notebook_node(nb)
    html_path.write_text(body, encoding="utf-8")


def _replace_dir(src: Path, dest: Path) -> None:
    """Move the finished folder ``src`` to ``dest``, replacing an older report there."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.replace(dest, old)
    os.replace(src, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _kernel_config(socket_dir: Path) -> Any:
    """Kernels talk over local IPC sockets in a folder of their own, not TCP ports: parallel runs
    cannot race for a port (nteract/papermill#511, "Address already in use"), nor for a socket
    name (jupyter_client numbers them per folder), and nothing listens on the network."""
    from traitlets.config import Config

    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(socket_dir / "k")
    return config


def _execution_reason(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"the report notebook failed: {ename}: {evalue}".strip()


def render_report(params_path: str | Path, out_dir: str | Path) -> Outcome:
    """Validate one params file, execute the report notebook for it and export HTML.

    Writes ``out_dir/<slug>/report.ipynb``, ``report.html`` and ``summary.json`` — all or
    nothing. Never raises for a bad file: the reason is in the returned :class:`Outcome`.
    """
    import papermill as pm

    from .summary import summarise

    params_path = Path(params_path).resolve()
    out_dir = Path(out_dir).resolve()
    outcome = Outcome(params_path=params_path)
    try:
        params = load_params(params_path)
    except ParamsError as exc:
        outcome.reason = str(exc)
        return outcome
    outcome.slug = params.slug
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{params.slug}-", dir=out_dir))
    # short path: a unix socket path must stay under ~100 characters
    sockets = Path(tempfile.mkdtemp(prefix="wbk-"))
    try:
        nb_out = work / "report.ipynb"
        try:
            pm.execute_notebook(
                str(REPORT_NOTEBOOK),
                str(nb_out),
                parameters={"params_path": str(params_path)},
                cwd=str(NOTEBOOKS),
                progress_bar=False,
                start_timeout=KERNEL_START_TIMEOUT,
                kernel_name="python3",
                config=_kernel_config(sockets),
            )
        except Exception as exc:  # papermill raises several kinds; each becomes a reason
            raise ReportError(params_path, _execution_reason(exc)) from exc
        export_html(nb_out, work / "report.html")
        outcome.summary = summarise(params, params_path)
        (work / "summary.json").write_text(json.dumps(outcome.summary, indent=2), encoding="utf-8")
        work.chmod(0o755)  # mkdtemp makes it private; the finished report is for anyone who can read DIR
        _replace_dir(work, out_dir / params.slug)
        outcome.ok = True
    except ReportError as exc:
        outcome.reason = exc.reason
    except Exception as exc:  # an unexpected failure of one report must not stop the batch
        outcome.reason = f"unexpected error: {exc!r}\n{traceback.format_exc(limit=3)}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)
    return outcome


def _duplicate_slugs(paths: Sequence[Path]) -> dict[Path, str]:
    """Files whose alliance would overwrite another's report folder (same slug)."""
    seen: dict[str, Path] = {}
    clashes: dict[Path, str] = {}
    for p in paths:
        try:
            slug = load_params(p).slug
        except ParamsError:
            continue
        if slug in seen:
            clashes[p] = f"alliance.name gives the same report folder '{slug}' as {seen[slug]}; rename one alliance"
        else:
            seen[slug] = p
    return clashes


def render_all(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    jobs: int = 1,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Render every params file (``jobs`` at a time, one process each) and write the index.

    ``progress`` is called once per finished file (the CLI drives its progress bar with it).
    """
    from .index import write_index

    resolved = [Path(p).resolve() for p in paths]
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    clashes = _duplicate_slugs(resolved)
    outcomes: list[Outcome] = []
    todo = []
    for p in resolved:
        if p in clashes:
            o = Outcome(params_path=p, reason=clashes[p])
            outcomes.append(o)
            if progress:
                progress(o)
        else:
            todo.append(p)
    if jobs <= 1:
        for p in todo:
            o = render_report(p, out)
            outcomes.append(o)
            if progress:
                progress(o)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(render_report, p, out): p for p in todo}
            for fut in as_completed(futures):
                try:
                    o = fut.result()
                except Exception as exc:  # a worker died (out of memory, killed)
                    o = Outcome(params_path=futures[fut], reason=f"the worker process failed: {exc!r}")
                outcomes.append(o)
                if progress:
                    progress(o)
    order = {p: i for i, p in enumerate(resolved)}
    outcomes.sort(key=lambda o: order[o.params_path])
    write_index(outcomes, out)
    return outcomes
