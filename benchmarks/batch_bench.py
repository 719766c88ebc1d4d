"""How fast a batch of reports renders, against the naive way, measured side by side in one run.

    .venv/bin/python benchmarks/batch_bench.py [--files 12] [--jobs 2] [--no-cluster | --cluster-only]

Generates FILES alliances (copies of the examples in params/, each under its own name) and
times, in this order:

1. the naive script: for each file, papermill's CLI executes the report notebook, then
   nbconvert's CLI exports it to HTML with the same offline template — a kernel, the imports
   and an exporter per report;
2. ``workbook report --jobs JOBS --force`` on the same files into an empty folder: warm
   workers that keep a report kernel alive between reports. Target: at least 6× faster;
3. the same command again, without --force, on the unchanged files. Target: at least 10×
   faster than (2);
4. unless --no-cluster: ``workbook report --scheduler --force`` on a Dask cluster started here
   on 127.0.0.1 (one scheduler; one, then two worker processes of one thread each,
   ``dask worker --nworkers 1 --nthreads 1``), printing the throughput in reports per minute
   and how much two workers give against one. Target: at least 1.6× (0.8 × linear). Before
   each timed run every worker renders one report, so both runs measure warm workers (a
   worker's first report also starts its report kernel). --cluster-only runs this part alone.

Each time is wall time; the CPU time of the processes is printed beside it. Machines are noisy:
compare the ratios, which are measured together, rather than the seconds. The cluster's
client, scheduler and workers share this machine's cores: two workers can only approach 2× on
a machine with at least two cores free for them.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alliances import copies  # noqa: E402

from tests.browser.server import free_port  # noqa: E402

BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "alliance_report.ipynb"
TEMPLATES = ROOT / "workbook" / "templates"


def cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: Sequence[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr[-3000:]}")


def timed(label: str, work) -> tuple[float, float]:
    cpu, start = cpu_of_children(), time.perf_counter()
    work()
    wall, used = time.perf_counter() - start, cpu_of_children() - cpu
    print(f"  {label:<58} {wall:7.1f} s wall {used:7.1f} s CPU", flush=True)
    return wall, used


def naive(files: list[Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for f in files:
        nb = out / f"{f.stem}.ipynb"
        run([str(BIN / "papermill"), "--no-progress-bar", str(NOTEBOOK), str(nb), "-p", "params_path", str(f), "--cwd", str(NOTEBOOK.parent)])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "--no-prompt", "--template", "offline",
             f"--TemplateExporter.extra_template_basedirs={TEMPLATES}", str(nb), "--output-dir", str(out)])


def batch(files: list[Path], out: Path, *extra: str) -> None:
    run([str(BIN / "workbook"), "report", *map(str, files), "--out", str(out), *extra])


class Cluster:
    """A Dask scheduler and worker processes on 127.0.0.1, stopped (with what they started, their
    report kernels) by their own pids."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self._start("scheduler", "--host", "127.0.0.1", "--port", self.address.rsplit(":", 1)[1], "--no-dashboard")

    def _start(self, *args: str) -> None:
        self.procs.append(subprocess.Popen([str(BIN / "dask"), *args], cwd=self.home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def add_worker(self) -> None:
        """One more worker: one process of one thread (one report kernel)."""
        self._start("worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1")
        self.wait_for(len(self.procs) - 1)

    def wait_for(self, workers: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with Client(self.address, timeout=5) as client:
                    if len(client.scheduler_info()["workers"]) >= workers:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the cluster did not reach {workers} workers")

    def stop(self) -> None:
        import psutil

        for proc in reversed(self.procs):
            try:
                tree = psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                tree = []
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            for child in tree:
                try:
                    child.kill()
                except psutil.NoSuchProcess:
                    pass
            psutil.wait_procs(tree, timeout=5)


def cluster_scaling(files: list[Path], tmp_path: Path) -> dict[int, float]:
    """Reports per minute on a local Dask cluster with one, then two workers (warm)."""
    home = tmp_path / "cluster"
    home.mkdir()
    cluster = Cluster(home)
    rates: dict[int, float] = {}
    try:
        for workers in (1, 2):
            cluster.add_worker()
            # each worker renders one report first: its report kernel starts outside the timed run
            batch(files[:workers], tmp_path / f"warm-{workers}", "--scheduler", cluster.address, "--force")
            out = tmp_path / f"cluster-{workers}"
            label = f"workbook report --scheduler, {workers} worker{'s' if workers > 1 else ''} (warm)"
            wall, _ = timed(label, lambda out=out: batch(files, out, "--scheduler", cluster.address, "--force"))
            rates[workers] = len(files) / wall * 60
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)
    return rates


def verdict(ratio: float, target: float, higher: bool = True) -> str:
    ok = ratio >= target if higher else ratio <= target
    return f"{'PASS' if ok else 'MISS'} (target {'≥' if higher else '≤'} {target:g}×)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=12)
    ap.add_argument("--jobs", type=int, default=2)
    part = ap.add_mutually_exclusive_group()
    part.add_argument("--no-cluster", action="store_true", help="skip the Dask cluster part")
    part.add_argument("--cluster-only", action="store_true", help="only the Dask cluster part: one worker, then two")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        tmp_path = Path(tmp)
        files = copies(tmp_path / "params", args.files)
        print(f"{args.files} alliances, --jobs {args.jobs}, on {BIN.parent}")
        local_rate = None
        if not args.cluster_only:
            naive_wall, naive_cpu = timed("naive: papermill CLI, then nbconvert CLI, per file", lambda: naive(files, tmp_path / "naive"))
            first_wall, first_cpu = timed(f"workbook report --jobs {args.jobs} --force (empty folder)", lambda: batch(files, tmp_path / "out", "--jobs", str(args.jobs), "--force"))
            second_wall, _ = timed("workbook report again, files unchanged", lambda: batch(files, tmp_path / "out", "--jobs", str(args.jobs)))
            local_rate = args.files / first_wall * 60

            print()
            print(f"warm batch against the naive script: {naive_wall / first_wall:5.1f}× wall, {naive_cpu / first_cpu:4.1f}× less CPU   {verdict(naive_wall / first_wall, 6)}")
            print(f"unchanged files against the first run: {first_wall / second_wall:5.1f}× wall   {verdict(first_wall / second_wall, 10)}")
            if args.no_cluster:
                return
            print()
        rates = cluster_scaling(files, tmp_path)
        print()
        for workers, rate in rates.items():
            print(f"cluster, {workers} worker{'s' if workers > 1 else ' '}: {rate:6.1f} reports/min")
        if local_rate is not None:
            print(f"local --jobs {args.jobs}:     {local_rate:6.1f} reports/min (a cold start included)")
        scaling = rates[2] / rates[1]
        print(f"2 workers against 1: {scaling:4.2f}× the throughput, {scaling / 2:.0%} of linear   {verdict(scaling, 1.6)}")


if __name__ == "__main__":
    main()
