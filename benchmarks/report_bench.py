"""How long reports take, against the floor of papermill itself, measured in one run.

    .venv/bin/python benchmarks/report_bench.py [--repeat 5]

Prints the median wall time of each case and its ratio to the floor (papermill executing an
empty parameterised notebook). Machines are noisy, so compare the ratios, which are measured
together, rather than the seconds.

The last block shows the cost of jsonschema's optional ``rfc3987_syntax`` import, which the
project's environment leaves out (see the Makefile): the same floor and ``import pandas,
altair`` are timed again with the module put back on ``PYTHONPATH`` from a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat

from workbook.params import is_programme_file

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLES = sorted(p for p in (ROOT / "params").glob("*.yaml") if not is_programme_file(p))


def timed(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed


def median_of(repeat: int, cmd: Sequence[str], **kw) -> float:
    return statistics.median(timed(cmd, **kw) for _ in range(repeat))


def empty_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("x")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    return path


def rfc3987_dir(folder: Path) -> Path | None:
    """rfc3987-syntax (and its lark dependency) installed into a throw-away folder, or None."""
    target = folder / "rfc3987"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-warn-conflicts", "--target", str(target), "rfc3987-syntax"],
        capture_output=True,
        text=True,
    )
    return target if proc.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported (default 3)")
    args = ap.parse_args()
    r = args.repeat
    papermill = [str(BIN / "papermill"), "--no-progress-bar", "--log-level", "ERROR"]
    workbook = [str(BIN / "workbook")]
    rows: list[tuple[str, float]] = []

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        empty = empty_notebook(tmp)
        print(f"Alliance Workbook report benchmark — median of {r} runs, {os.cpu_count()} cores, {len(EXAMPLES)} examples")
        print("(each case runs in a fresh process, as a user would run it)\n")

        floor = median_of(r, [*papermill, str(empty), str(tmp / "o.ipynb"), "-p", "x", "2"])
        rows.append(("papermill, empty parameterised notebook (floor)", floor))
        rows.append(
            (
                "papermill, the report notebook (one alliance)",
                median_of(
                    r,
                    [*papermill, str(ROOT / "notebooks" / "alliance_report.ipynb"), str(tmp / "r.ipynb"),
                     "-p", "params_path", str(EXAMPLES[0])],
                    cwd=ROOT / "notebooks",
                ),
            )
        )
        rows.append(("workbook report, one file", median_of(r, [*workbook, "report", str(EXAMPLES[0]), "--out", str(tmp / "one")])))
        for jobs in (1, 2):
            rows.append(
                (
                    f"workbook report, all {len(EXAMPLES)} examples, --jobs {jobs}",
                    median_of(r, [*workbook, "report", *map(str, EXAMPLES), "--out", str(tmp / f"all{jobs}"), "--jobs", str(jobs)]),
                )
            )
        width = max(len(name) for name, _ in rows)
        for name, secs in rows:
            print(f"{name:<{width}}  {secs:7.2f} s  {secs / floor:5.2f}× floor")
        j1, j2 = rows[-2][1], rows[-1][1]
        print(f"\nparallel speed-up --jobs 2 vs --jobs 1: {j1 / j2:.2f}×")

        print("\njsonschema's optional rfc3987_syntax import (left out of this environment):")
        extra = rfc3987_dir(tmp)
        if extra is None:
            print("  could not install rfc3987-syntax into a temporary folder (no package index?): skipped")
            return
        with_env = {**os.environ, "PYTHONPATH": str(extra)}
        imports = [sys.executable, "-c", "import jsonschema, pandas, altair"]
        cases = [
            ("papermill floor", [*papermill, str(empty), str(tmp / "o.ipynb"), "-p", "x", "2"]),
            ("import jsonschema, pandas, altair", imports),
        ]
        for name, cmd in cases:
            without = median_of(r, cmd)
            with_it = median_of(r, cmd, env=with_env)
            print(f"  {name:<36} without {without:6.2f} s   with {with_it:6.2f} s   ({with_it / without:.2f}× slower with it)")
        shutil.rmtree(extra, ignore_errors=True)


if __name__ == "__main__":
    main()
