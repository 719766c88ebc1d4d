"""How fast the money machine's model runs, against baselines measured in the same run.

    .venv/bin/python benchmarks/model_bench.py [--repeat 3] [--draws 10000] [--alliances 200]

1. The Monte Carlo, DRAWS draws over 120 months (the enterprise example with its horizon
   stretched to 120 months and its lines that ran to the old horizon running to the new one).
   The baseline is the old way: a Python loop that runs the month-by-month engine once per draw
   (``month_by_month`` in tests/unit/test_vectorised.py, the loop the engine is tested against),
   then the same bands, chance of breaking even and extremes. Against it, ``ramp.monte_carlo``,
   which runs every draw through the engine in one batch. Also shown: today's engine called one
   draw at a time, which is what batching alone gains. All draw the same inputs from the same
   seed; the script checks that they give the same curves and break-even months. Target: the
   batch at least 25× faster than the old way.
2. ``workbook summary --json`` against ``workbook check`` over ALLIANCES distinct alliances
   (copies of the examples in params/ under other names, in a temporary folder), each command
   started as a process, as a user would run it. ``check`` reads and validates every file;
   ``summary`` also runs every area of every alliance. Target: summary at most 2× check.

Each time is the median of REPEAT runs (everything is run once before it is timed, so the first
allocation of the batch's arrays is not counted). Machines are noisy: compare the ratios,
measured side by side, rather than the seconds.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alliances import EXAMPLES, copies  # noqa: E402

from tests.unit.test_vectorised import break_even, month_by_month  # noqa: E402
from workbook import ramp  # noqa: E402
from workbook.params import load_params  # noqa: E402
from workbook.schema import Ramp  # noqa: E402

BIN = Path(sys.executable).parent
HORIZON = 120
SEED = 7

MC_TARGET = 25.0  # at least this many times faster than the per-draw loop
CLI_TARGET = 2.0  # summary at most this many times as long as check


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def median_time(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def long_ramp() -> Ramp:
    """The enterprise example over 120 months: lines that ran to its horizon run to the new one."""
    r = load_params(ROOT / "params" / "enterprise-global-si.yaml").ramp
    data = r.model_dump()
    for line in data["investment"]:
        if line.get("end_month") == r.horizon_months:
            line["end_month"] = HORIZON
    data["horizon_months"] = HORIZON
    return Ramp.model_validate(data)


def per_draw_monte_carlo(r: Ramp, runs: int, seed: int, one_run: Callable[[Ramp], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The Monte Carlo one draw at a time: the same draws as ``ramp.monte_carlo``, ``one_run``
    (revenue and cumulative net of one run) in a Python loop, then the same bands, chance of
    breaking even and extremes. Returns the curves and the break-even months."""
    rng = np.random.default_rng(seed)
    draws = {
        name: rng.triangular(lo, mode, hi, size=runs) if hi > lo else np.full(runs, mode)
        for name, (lo, mode, hi) in sorted(r.triangles().items())
    }
    curves = np.empty((runs, r.horizon_months))
    breaks = np.full(runs, np.nan)
    for i in range(runs):
        revenue, curves[i] = one_run(ramp.varied(r, **{name: float(values[i]) for name, values in draws.items()}))
        breaks[i] = break_even(revenue, curves[i])
    np.percentile(curves, [10, 50, 90], axis=0)
    np.mean(np.nan_to_num(breaks, nan=np.inf) <= r.commitment_months)
    ramp.extremes(r)
    return curves, breaks


def batch_of_one(r: Ramp) -> tuple[np.ndarray, np.ndarray]:
    """Today's engine, for one run."""
    cols = ramp._engine(r, ramp.Inputs.of(r))
    return cols["revenue"][0], cols["cumulative_net"][0]


def monte_carlo_case(draws: int, repeat: int) -> bool:
    r = long_ramp()
    print(f"Monte Carlo: {draws:,} draws × {r.horizon_months} months, ranged inputs {', '.join(sorted(r.triangles()))}")
    mc = ramp.monte_carlo(r, runs=draws, seed=SEED)
    assert mc.curves is not None
    same = True
    for label, one_run in (("the month-by-month engine", month_by_month), ("today's engine", batch_of_one)):
        curves, breaks = per_draw_monte_carlo(r, draws, SEED, one_run)
        agree = np.allclose(curves, mc.curves, rtol=1e-12, atol=1e-6) and np.array_equal(breaks, mc.break_even_months, equal_nan=True)
        exact = np.array_equal(curves, mc.curves)
        print(f"  one draw at a time with {label}, the same curves and break-even months: {'yes' if agree else 'NO'}{' (to the bit)' if exact else ''}")
        same = same and agree
    old = median_time(repeat, lambda: per_draw_monte_carlo(r, draws, SEED, month_by_month))
    alone = median_time(repeat, lambda: per_draw_monte_carlo(r, draws, SEED, batch_of_one))
    batch = median_time(repeat, lambda: ramp.monte_carlo(r, runs=draws, seed=SEED))
    ratio = old / batch
    print(f"  the old way: the month-by-month engine, one draw at a time (baseline)  {old:8.3f} s")
    print(f"  today's engine, one draw at a time                                     {alone:8.3f} s   ({alone / batch:.1f}× the batch)")
    print(f"  monte_carlo: every draw in one batch                                   {batch:8.3f} s")
    ok = same and ratio >= MC_TARGET
    print(f"  speed-up against the old way {ratio:6.1f}×   target ≥ {MC_TARGET:g}×   {verdict(ok)}\n")
    return ok


def timed_process(cmd: Sequence[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd[:3])} ...\n{proc.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_case(alliances: int, repeat: int) -> bool:
    workbook = str(BIN / "workbook")
    with tempfile.TemporaryDirectory() as tmp:
        files = [str(p) for p in copies(Path(tmp), alliances)]
        print(f"workbook summary --json against workbook check: {alliances} alliances ({len(EXAMPLES)} examples, renamed)")
        runs: dict[str, list[tuple[float, float]]] = {"check": [], "summary": []}
        for _ in range(repeat):  # side by side, so both meet the same load on the machine
            runs["check"].append(timed_process([workbook, "check", *files]))
            runs["summary"].append(timed_process([workbook, "summary", *files, "--json"]))
    wall = {name: statistics.median(w for w, _ in times) for name, times in runs.items()}
    cpu = {name: statistics.median(c for _, c in times) for name, times in runs.items()}
    for name, label in (("check", "workbook check"), ("summary", "workbook summary --json")):
        print(f"  {label:<24} {wall[name]:7.2f} s   ({wall[name] / alliances * 1000:.1f} ms a file; CPU {cpu[name]:.2f} s)")
    ratio = wall["summary"] / wall["check"]
    ok = ratio <= CLI_TARGET
    print(f"  summary / check {ratio:5.2f} (CPU {cpu['summary'] / cpu['check']:.2f})   target ≤ {CLI_TARGET:g}   {verdict(ok)}\n")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported (default 3)")
    ap.add_argument("--draws", type=int, default=10_000, help="Monte Carlo draws (default 10,000)")
    ap.add_argument("--alliances", type=int, default=200, help="params files for the CLI case (default 200)")
    args = ap.parse_args()
    print(f"Alliance Workbook model benchmark — median of {args.repeat} runs, {os.cpu_count()} cores\n")
    results = [monte_carlo_case(args.draws, args.repeat), cli_case(args.alliances, args.repeat)]
    print("all targets met" if all(results) else "some targets missed")


if __name__ == "__main__":
    main()
