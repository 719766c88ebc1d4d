"""How fast a batch of reports renders, against the naive way, measured side by side in one run.

    .venv/bin/python benchmarks/batch_bench.py [--files 12] [--jobs 2] [--no-cluster | --cluster-only]

Generates FILES alliances (copies of the examples in params/, each under its own name) and
times, in this order:

1. the naive script: for each file, papermill's CLI executes the report notebook, then
   nbconvert's CLI exports it to HTML with the same offline template — a kernel, the imports
   and an exporter per report;
2. ``workbook report --jobs JOBS --force`` on the same files into an empty folder: warm
   workers that keep a report kernel alive between reports. Target: at least 6.5× faster on 12
   files, 9× on 48;
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


SPIN = "import time\nt = time.process_time()\nx = 0\nfor i in range(20_000_000): x += i\nprint(time.process_time() - t)"


def parallel_capacity() -> float:
    """How many single cores two busy processes of this machine are worth: the same loop run alone,
    then two at once (1.0: no gain from the second core; 2.0: two full cores)."""
    def spin(n: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.DEVNULL) for _ in range(n)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start

    alone = min(spin(1) for _ in range(2))
    together = min(spin(2) for _ in range(2))
    return 2 * alone / together


def least_cost(files: list[Path], out: Path) -> dict[str, float]:
    """CPU seconds per report of each part of one report's work in a warm process (this one), as
    the batch does it (charts as specs the reader's browser draws, the page with its bundle):
    every distinct example is done once to warm up, then twice measured. The params file is
    parsed once (the batch's plan; its kernel takes the validated model)."""
    import workbook as wb
    from workbook.reports.render import export_html

    import nbformat

    wb.views.use_charts("page")
    distinct = sorted({f.read_bytes(): f for f in files}.items())
    parts = {"load the params file": 0.0, "assess": 0.0, "charts and tables": 0.0, "summary": 0.0, "export the page": 0.0}

    def one(path: Path, count: bool) -> None:
        clock = time.process_time
        t = clock(); params = wb.load_params(path); load = clock() - t
        t = clock(); a = wb.assess(params); assess = clock() - t
        t = clock()
        wb.views.header(params), wb.views.executive_summary(a), wb.views.area_sections(a), wb.views.flag_list(a.flags)
        charts = clock() - t
        t = clock(); wb.summarise(params, path, a); summary = clock() - t
        executed = out / params.slug / "report.ipynb"  # the batch's own report of this alliance
        nb = nbformat.read(executed, as_version=4)
        t = clock(); export_html(nb, out / ".bench.html"); export = clock() - t
        if count:
            for key, value in zip(parts, (load, assess, charts, summary, export)):
                parts[key] += value

    for _, path in distinct:
        one(path, count=False)
    runs = 2
    for _ in range(runs):
        for _, path in distinct:
            one(path, count=True)
    (out / ".bench.html").unlink(missing_ok=True)
    return {k: v / (runs * len(distinct)) for k, v in parts.items()}


def warm_up_cost() -> float:
    """Wall seconds for a report kernel's process to start and import what a report needs."""
    start = time.perf_counter()
    from workbook.reports.render import WARM_UP

    run([sys.executable, "-c", f"import ipykernel.kernelapp\n{WARM_UP}"])
    return time.perf_counter() - start


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
            parts = least_cost(files, tmp_path / "out")
            least = sum(parts.values())
            print("the least one report costs, in a warm process (CPU):")
            for name, seconds in parts.items():
                print(f"  {name:<24} {seconds * 1000:7.0f} ms")
            print(f"  {'in all':<24} {least * 1000:7.0f} ms")
            capacity = parallel_capacity()
            warm = warm_up_cost()
            cores = min(args.jobs, 2)
            ideal = warm + args.files * least / (capacity if cores > 1 else 1.0)
            print(f"two busy cores here deliver {capacity:.2f}× one core; a report kernel warms up in {warm:.1f} s")
            print(f"ideal batch: {warm:.1f} s + {args.files} × {least:.2f} s / {capacity:.2f} = {ideal:.1f} s; "
                  f"the batch took {first_wall:.1f} s, {first_wall / ideal:.2f}× the ideal")
            print(f"ideal against the naive script: {naive_wall / ideal:5.1f}×")
            print()
            target = 9 if args.files >= 48 else 6.5
            print(f"warm batch against the naive script: {naive_wall / first_wall:5.1f}× wall, {naive_cpu / first_cpu:4.1f}× less CPU   {verdict(naive_wall / first_wall, target)}")
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
