"""A portfolio of 1,000 alliances against the four examples, measured in one run.

    .venv/bin/python benchmarks/portfolio_bench.py [--alliances 1000] [--repeat 3]

Makes a params folder of N alliances (copies of params/*.yaml, each with a name of its own) and
summarises every one through the real model, as the portfolio dashboard's first visit does: that
is the "recompute every model" case. From those summaries it writes a report folder per alliance
(``summary.json`` and the ``render.json`` key ``workbook report`` leaves; the report pages
themselves are not rendered). Then, for the N alliances and for the four examples:

- writing the index page (``workbook.reports.folders.write_portfolio_index``);
- loading that page from disk in headless Chromium until its controls are shown and a search has
  narrowed the table to one alliance (and, within the page, sorting by break-even);
- building the dashboard's rows (``portfolio_rows()``) from the report folders, and from the
  summaries an earlier visit kept (``reports/.summaries``), against modelling every alliance;
  and the whole dashboard (``portfolio_app()``: rows, table and chart, without a browser).

Prints the median of each case, its ratio N / 4, and that ratio per alliance (1.00: it grows
linearly with the alliances; less: a fixed part dominates), and how much faster a cached
dashboard build is than recomputing every model.
Compare ratios, which are measured together, rather than seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alliances import EXAMPLES, copies  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from workbook.reports import freshness as cache  # noqa: E402
from workbook.reports.folders import write_portfolio_index  # noqa: E402
from workbook.reports.summary_store import STORE_DIR  # noqa: E402
from workbook.ui.paths import PARAMS_ENV, REPORTS_ENV  # noqa: E402
from workbook.ui.portfolio_app import portfolio_app, portfolio_rows  # noqa: E402


def use(params: Path, reports: Path) -> None:
    os.environ[PARAMS_ENV], os.environ[REPORTS_ENV] = str(params), str(reports)


def write_reports(reports: Path, params: Path, rows: list[dict]) -> None:
    """A report folder per alliance, as ``workbook report`` leaves it, but for the pages."""
    for row in rows:
        path = params / row["file"]
        folder = reports / row["slug"]
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps(row | {"file": str(path)}), encoding="utf-8")
        (folder / cache.KEY_FILE).write_text(json.dumps(cache.render_key(path.read_bytes())), encoding="utf-8")
        (folder / "report.html").write_text("<!DOCTYPE html><title>report</title>", encoding="utf-8")


def median(repeat: int, fn: Callable[[], object]) -> float:
    """The median seconds of ``repeat`` calls after one untimed call (imports, the disk's cache)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


#: Within the page: sort by break-even (the column's button), and the time until the rows moved
#: and were laid out again (ms).
SORT_MS = """() => {
  const button = [...document.querySelectorAll('thead th button')].find(b => b.textContent.startsWith('Break-even'));
  const start = performance.now();
  button.click();
  document.body.offsetHeight;
  return performance.now() - start;
}"""


def browse(index: Path, name: str, repeat: int) -> tuple[float, float]:
    """Median seconds from opening the page to a search for ``name`` narrowing the table to one
    row, and median milliseconds of a sort by break-even, each in a fresh page."""
    from playwright.sync_api import sync_playwright

    loads, sorts = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(repeat + 1):  # the first round warms the browser's caches and is dropped
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(index.as_uri())
            page.wait_for_selector("#wb-portfolio-controls:not([hidden])")
            page.fill("input[name=q]", name)
            page.wait_for_function("() => document.getElementById('wb-portfolio-count').textContent.startsWith('1 of')")
            loads.append(time.perf_counter() - start)
            page.fill("input[name=q]", "")
            page.wait_for_function("() => !document.getElementById('wb-portfolio-count').textContent.startsWith('1 of')")
            sorts.append(float(page.evaluate(SORT_MS)))
            page.close()
        browser.close()
    return statistics.median(loads[1:]), statistics.median(sorts[1:])


def measure(tmp: Path, n: int, repeat: int) -> dict[str, float]:
    """Every case for a portfolio of ``n`` alliances (its folders under ``tmp``)."""
    params, reports, kept = tmp / f"params-{n}", tmp / f"reports-{n}", tmp / f"kept-{n}"
    copies(params, n, renamed=n != len(EXAMPLES))
    reports.mkdir()
    kept.mkdir()
    out: dict[str, float] = {}

    # the first visit: nothing kept, every alliance modelled (timed once for N: the slowest case)
    use(params, kept)
    start = time.perf_counter()
    rows, problems = portfolio_rows()
    out["dashboard rows, every model computed"] = time.perf_counter() - start
    if problems or len(rows) != n:
        raise SystemExit(f"{len(problems)} of {n} generated files failed: {problems[:1]}")
    if len({r["slug"] for r in rows}) != n:
        raise SystemExit("generated alliances share a report folder")
    if n == len(EXAMPLES):  # the baseline is quick: a median like the other cases
        out["dashboard rows, every model computed"] = median(repeat, lambda: (shutil.rmtree(kept / STORE_DIR), portfolio_rows()))

    write_reports(reports, params, rows)
    use(params, reports)
    out["dashboard rows from the reports' summaries"] = median(repeat, portfolio_rows)
    if (reports / STORE_DIR).exists():
        raise SystemExit("the dashboard modelled an alliance although its report was fresh")
    use(params, kept)
    out["dashboard rows from the kept summaries"] = median(repeat, portfolio_rows)
    use(params, reports)
    out["dashboard page built from the reports (rows, table, chart)"] = median(repeat, portfolio_app)

    out["index page written"] = median(repeat, lambda: write_portfolio_index(reports))
    index = reports / "index.html"
    out["index page size (MB)"] = index.stat().st_size / 1e6
    load, sort_ms = browse(index, rows[-1]["alliance"], repeat)  # each name is the only one of its kind
    out["index page opened until a search narrowed it"] = load
    out["index page sorted by break-even (in page)"] = sort_ms / 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alliances", type=int, default=1000, help="alliances in the large portfolio (default 1000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported (default 3)")
    args = ap.parse_args()
    n, small = args.alliances, len(EXAMPLES)
    print(f"Alliance Workbook portfolio benchmark: {n} alliances against the {small} examples, median of {args.repeat} runs, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = measure(tmp, small, args.repeat)
        large = measure(tmp, n, args.repeat)
    def shown(case: str, value: float) -> str:
        return f"{value:8.2f} MB" if "MB" in case else f"{value * 1000:8.1f} ms"

    width = max(len(k) for k in base)
    print(f"\n{'case':<{width}}  {small:>11}  {n:>11}  {'ratio':>7}  {'per alliance':>12}")
    for case, b in base.items():
        big = large[case]
        print(f"{case:<{width}}  {shown(case, b)}  {shown(case, big)}  {big / b:6.1f}×  {big / b / (n / small):11.2f}×")
    computed = large["dashboard rows, every model computed"]
    print()
    for how in ("from the reports' summaries", "from the kept summaries"):
        cached = large[f"dashboard rows {how}"]
        print(f"{n} alliances, dashboard rows {how}: {cached * 1000:.0f} ms, {computed / cached:.0f}× faster than computing every model ({computed:.1f} s)")


if __name__ == "__main__":
    main()
