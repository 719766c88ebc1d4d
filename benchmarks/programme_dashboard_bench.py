"""The programme dashboard's redraw: what a tick or a budget move costs in the kernel.

Generates N alliances (default 200; copies of the examples, as benchmarks/programme_bench.py
makes them, some in pounds) and their programme file, opens the dashboard on them
(:class:`workbook.ui.programme_app.ProgrammeApp`, which models every alliance once), then times
R redraws (default 50) of the widget code path: each sets a control as the page would (an
alliance unticked, ticked again; the total budget or the yearly cap moved), and the observer
recombines the alliances ticked, chooses which to fund, and fills the chart's tables, the figures
and the table's rows. Prints the median and P90 in milliseconds, and the time to open.

    .venv/bin/python benchmarks/programme_dashboard_bench.py [--alliances 200] [--redraws 50]

Target: median redraw <= 100 ms. The browser's share (the chart swapping its data) comes on top:
about as much again, see benchmarks/dashboard_bench.py for the alliance dashboard's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.programme_bench import generate  # noqa: E402

TARGET_MS = 100.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alliances", type=int, default=200)
    ap.add_argument("--redraws", type=int, default=50)
    args = ap.parse_args()
    from workbook.ui.programme_app import ProgrammeApp

    with tempfile.TemporaryDirectory() as tmp:
        programme = generate(Path(tmp), args.alliances)
        t = time.perf_counter()
        app = ProgrammeApp(programme)
        opened = time.perf_counter() - t
        if not hasattr(app, "prepared"):
            raise SystemExit(f"the dashboard did not open: {app.status.value}")
        n = len(app.prepared.contributions)
        all_in = list(range(n))
        top_total, top_cap = app.total.max, app.cap.max
        times = []
        for k in range(args.redraws):
            step = k % 4

            def change() -> None:
                if step == 0:  # an alliance unticked
                    app.toggles.included = [i for i in all_in if i != (k * 7) % n]
                elif step == 1:  # ticked again
                    app.toggles.included = all_in
                elif step == 2:  # the total budget moved
                    app.total.value = top_total * (0.2 + 0.6 * ((k * 0.37) % 1))
                else:  # the yearly cap moved
                    app.cap.value = top_cap * (0.2 + 0.6 * ((k * 0.53) % 1))

            t = time.perf_counter()
            change()
            times.append((time.perf_counter() - t) * 1000)
            if app.status.value:
                raise SystemExit(f"a redraw failed: {app.status.value}")
    times.sort()
    median = statistics.median(times)
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
    print(f"alliances          {n}")
    print(f"open (model once)  {opened:8.2f} s")
    print(f"redraws            {len(times)}")
    print(f"median redraw      {median:8.1f} ms  (target <= {TARGET_MS:.0f} ms: {'PASS' if median <= TARGET_MS else 'MISS'})")
    print(f"P90 redraw         {p90:8.1f} ms")
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
