"""A programme at scale: `workbook programme` over N generated alliances (default 1,000) against
`workbook check` of the same files, both as a user runs them (the console script, one process).

The alliances are copies of the examples in params/, each renamed (the examples' four starts and
types), some of those that name their currency kept in pounds, with a programme file giving the
rates. Prints both times and the ratio.

    .venv/bin/python benchmarks/programme_bench.py [--alliances 1000]

Target: `workbook programme` in at most 5x the time of `workbook check` on the same files.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.alliances import copies  # noqa: E402

BIN = Path(sys.executable).parent
CURRENCY = re.compile(r"currency: [A-Z]{3}")


def generate(folder: Path, n: int) -> Path:
    for i, path in enumerate(copies(folder, n)):
        text = path.read_text(encoding="utf-8")
        # every other file that names its currency is kept in pounds instead (its amounts as written)
        if i % 2 == 0 and CURRENCY.search(text):
            text = CURRENCY.sub("currency: GBP", text, count=1)
            path.write_text(text, encoding="utf-8")
    programme = folder / "programme.yaml"
    programme.write_text(
        "programme:\n  name: Generated programme\n  currency: USD\n  rates: {EUR: 1.08, GBP: 1.27, JPY: 0.0067}\n"
        "  budget: {total: 500000000, yearly_cap: 150000000}\n",
        encoding="utf-8",
    )
    return programme


def timed(*args: str) -> float:
    t = time.perf_counter()
    run = subprocess.run([str(BIN / "workbook"), *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if run.returncode != 0:
        raise SystemExit(f"workbook {args[0]} failed:\n{run.stderr[-2000:]}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alliances", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        programme = generate(folder, args.alliances)
        files = sorted(str(p) for p in folder.glob("*.yaml") if p != programme)
        check = timed("check", *files)
        combined = timed("programme", str(programme), "--json")
    ratio = combined / check
    print(f"alliances                 {args.alliances}")
    print(f"workbook check            {check:8.1f} s")
    print(f"workbook programme --json {combined:8.1f} s")
    print(f"ratio                     {ratio:8.1f}x  (target <= 5x: {'PASS' if ratio <= 5 else 'MISS'})")
    return 0 if ratio <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
