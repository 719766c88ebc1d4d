"""Workshop load: N participants open the workshop app within the same few seconds.

Starts the real `workbook serve` on a free local port, opens the facilitator board, measures one
participant alone (the baseline: time to form, and the page's weight in requests and bytes), then
N participants in real headless Chromium pages (a few browser contexts) arriving spread over
SPREAD seconds. Each must get a usable form, join, answer and submit. Then one latecomer arrives
after the preheated kernels are all taken. Reports the slowest time-to-form, errors, hung pages,
kernel memory per participant, the CPU the server and the browsers used, how soon the board showed
every submission, and whether the kernels are gone after the pages close.

By default it runs twice, once per participant page (`--participant-page light`, the default of
`workbook serve`, and `full`, Voila's standard page), and prints the ratios between the two.
All the browsers run on this machine's cores next to the server; in a room each participant's
browser runs on their own laptop or phone.

    .venv/bin/python benchmarks/workshop_bench.py [--participants 30] [--spread 10] [--pages light full]

Targets (light page): all usable, slowest time-to-form <= 15 s, no error, no hung page, kernels
gone <= 60 s, nothing requested outside 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from collections import Counter
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.server import Server, start_server  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, outside_requests  # noqa: E402
from workbook.store import SQLiteStore  # noqa: E402

FORM = ".wb-join"


def cpu_seconds(procs) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def server_procs(server: Server) -> list:
    try:
        root = psutil.Process(server.proc.pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def browser_procs() -> list:
    """This benchmark's Chromium processes (under Playwright's driver, under this process)."""
    return [p for p in psutil.Process().children(recursive=True) if "chrom" in (p.name() or "")]
HUNG_AFTER = 60.0  # seconds without a form: the page is counted as hung


async def participant(ctx, server: Server, code: str, n: int, delay: float, out: dict, weigh: bool = False) -> None:
    await asyncio.sleep(delay)
    page = await ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"[:200]) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"[:200]))
    finished: list = []
    if weigh:
        page.on("requestfinished", lambda r: finished.append(r))
    rec: dict = {"n": n, "error": None, "hung": False}
    t0 = time.monotonic()
    try:
        await page.goto(server.url("workshop", f"session={code}"), timeout=HUNG_AFTER * 1000)
        try:
            await page.wait_for_selector(FORM, timeout=HUNG_AFTER * 1000)
        except Exception:
            rec["hung"] = True
            rec["page_text"] = (await page.inner_text("body"))[:200]
            raise
        rec["time_to_form"] = time.monotonic() - t0
        if weigh:
            await page.wait_for_load_state("networkidle")
            rec["page_requests"] = len(finished)
            rec["page_kb"] = round(sum([(await r.sizes())["responseBodySize"] for r in finished]) / 1024, 1)
        await page.click(f".wb-side button:has-text('{'vendor' if n % 2 else 'partner'}')")
        await page.click(".wb-join")
        await page.wait_for_selector(".wb-row-trust_discussed .wb-answer-4", timeout=30_000)
        await page.click(".wb-row-trust_discussed .wb-answer-4")  # the first answer, about the other company
        await page.wait_for_selector(".wb-row-trust_discussed .wb-answer-4.mod-info", timeout=30_000)
        await page.click(".wb-to-review")
        await page.click(".wb-submit")
        await page.wait_for_selector(".wb-status:has-text('submitted')", timeout=30_000)
        rec["time_to_submitted"] = time.monotonic() - t0
    except Exception as exc:  # counted and reported, the run goes on
        if not rec["hung"]:
            rec["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    rec["outside"] = outside_requests(requests)
    rec["console"] = console
    out[n] = (rec, page)


def kernel_rss_mb(server: Server) -> list[float]:
    out = []
    for k in server.kernels():
        try:
            out.append(k.memory_info().rss / 2**20)
        except Exception:
            pass
    return out


async def run(n_participants: int, spread: float, contexts: int, room_size: int, page_kind: str = "light") -> dict:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
    t_up = time.monotonic()
    # every simulated participant comes from 127.0.0.1: lift the per-device kernel cap
    server = start_server(tmp, room_size=room_size, args=("--participant-page", page_kind, "--max-kernels-per-client", "200"))
    result: dict = {"participant_page": page_kind, "participants": n_participants, "spread_s": spread, "room_size": room_size}
    # Ready when Voila says the pool is filled: every pooled kernel has run the notebook.
    while f"is filled with {room_size} kernel" not in server.log() and time.monotonic() - t_up < 600:
        await asyncio.sleep(0.5)
    result["pool_ready_s"] = round(time.monotonic() - t_up, 1)
    try:
        store = SQLiteStore(server.store)
        code = store.create_session("Benchmark alliance", admission=False).code  # counts every submission at once
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            board_ctx = await browser.new_context()
            board = await board_ctx.new_page()
            before_board = {k.pid for k in server.kernels()}
            await board.goto(server.url("facilitator"))
            await board.wait_for_selector(".wb-counts", timeout=60_000)
            board_pids = {k.pid for k in server.kernels()} - before_board

            # Baseline: one participant alone.
            base_ctx = await browser.new_context()
            alone: dict = {}
            await participant(base_ctx, server, code, 0, 0.0, alone, weigh=True)
            base, base_page = alone[0]
            result["baseline_time_to_form_s"] = round(base.get("time_to_form", float("nan")), 2)
            result["page_requests"] = base.get("page_requests")
            result["page_kb"] = base.get("page_kb")
            base_rss = kernel_rss_mb(server)
            await base_page.close()
            await base_ctx.close()
            await asyncio.sleep(3)

            # Kernels waiting in the pool now: the crowd will take them.
            waiting = {k.pid for k in server.kernels()} - board_pids
            # The crowd: arrivals spread evenly over `spread` seconds, across a few contexts.
            ctxs = [await browser.new_context() for _ in range(contexts)]
            records: dict = {}
            cpu_server0, cpu_browser0 = cpu_seconds(server_procs(server)), cpu_seconds(browser_procs())
            t_start = time.monotonic()
            await asyncio.gather(
                *(participant(ctxs[i % contexts], server, code, i + 1, spread * i / max(1, n_participants - 1), records) for i in range(n_participants))
            )
            result["crowd_wall_s"] = round(time.monotonic() - t_start, 1)
            # Where the machine's CPU went while the crowd arrived and answered: the server
            # (Voila and every kernel) against the 30 headless browsers sharing the same 2 cores.
            # In a real room each participant's own laptop does the browser's share.
            result["crowd_cpu_server_s"] = round(cpu_seconds(server_procs(server)) - cpu_server0, 1)
            result["crowd_cpu_browsers_s"] = round(cpu_seconds(browser_procs()) - cpu_browser0, 1)
            recs = [records[k][0] for k in sorted(records)]
            rss = kernel_rss_mb(server)
            # n = baseline + crowd; wait for the board to show it.
            t_board = time.monotonic()
            expected = sum(1 for r in recs if "time_to_submitted" in r) + (1 if "time_to_submitted" in base else 0)
            try:
                await board.wait_for_selector(f".wb-counts:has-text('n = {expected} ')", timeout=15_000)
                result["board_caught_up_s"] = round(time.monotonic() - t_board, 2)
            except Exception:
                result["board_caught_up_s"] = None
                result["board_text"] = await board.inner_text(".wb-counts")

            times = [r["time_to_form"] for r in recs if "time_to_form" in r]
            result.update(
                usable=len(times),
                errors=[r["error"] for r in recs if r["error"]],
                hung=sum(r["hung"] for r in recs),
                hung_pages=[{"page_text": r.get("page_text"), "console": r.get("console", [])[-5:]} for r in recs if r["hung"]],
                console_warnings=dict(Counter(m for r in recs for m in set(r.get("console", [])))),
                outside_requests=sorted({u for r in recs for u in r["outside"]}),
                slowest_time_to_form_s=round(max(times), 2) if times else None,
                median_time_to_form_s=round(statistics.median(times), 2) if times else None,
                slowest_time_to_submitted_s=round(max((r.get("time_to_submitted", 0) for r in recs)), 2),
                kernels_open=len(rss),
                kernel_rss_mb_mean=round(statistics.mean(rss), 1) if rss else None,
                kernel_rss_mb_total=round(sum(rss), 1),
                baseline_kernel_rss_mb=round(statistics.mean(base_rss), 1) if base_rss else None,
            )
            if times and result["baseline_time_to_form_s"]:
                result["ratio_slowest_to_baseline"] = round(max(times) / result["baseline_time_to_form_s"], 2)

            # A latecomer: the preheated kernels are all taken and the refill is still waiting.
            late: dict = {}
            await participant(ctxs[0], server, code, n_participants + 1, 0.0, late)
            late_rec = late[n_participants + 1][0]
            result["latecomer_usable"] = "time_to_form" in late_rec and not late_rec["error"]
            result["latecomer_time_to_form_s"] = round(late_rec.get("time_to_form", float("nan")), 2)
            records[n_participants + 1] = late[n_participants + 1]

            # Close every participant page; the board stays open (its kernel is expected to stay).
            for k in sorted(records):
                await records[k][1].close()
            t_close = time.monotonic()
            # The participants' kernels are the pool kernels the crowd took (plus fresh ones if the
            # crowd outnumbered the pool): every one of them must go once its page is closed.
            unused = max(0, len(waiting) - n_participants - 1)
            gone = None
            left = len(waiting)
            while time.monotonic() - t_close < 60:
                alive = {k.pid for k in server.kernels()}
                left = max(0, len(waiting & alive) - unused)
                if left == 0:
                    gone = time.monotonic() - t_close
                    break
                await asyncio.sleep(0.5)
            result["kernels_gone_after_close_s"] = None if gone is None else round(gone, 1)
            result["kernels_left_after_60s"] = left
            await browser.close()
    finally:
        server.stop()
    result["server_log_403_shutdown"] = "_xsrf' argument missing" in server.log()
    targets = {
        "all usable": result.get("usable") == n_participants,
        "latecomer usable": result.get("latecomer_usable", False),
        "slowest <= 15 s": (result.get("slowest_time_to_form_s") or 1e9) <= 15,
        "no error": not result.get("errors"),
        "no hung page": result.get("hung") == 0,
        "kernels gone <= 60 s": result.get("kernels_gone_after_close_s") is not None,
        "nothing leaves 127.0.0.1": not result.get("outside_requests"),
    }
    result["targets"] = targets
    return result


COMPARED = (
    "slowest_time_to_form_s",
    "median_time_to_form_s",
    "baseline_time_to_form_s",
    "latecomer_time_to_form_s",
    "crowd_cpu_browsers_s",
    "crowd_cpu_server_s",
    "page_requests",
    "page_kb",
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=30)
    ap.add_argument("--spread", type=float, default=10.0, help="seconds over which participants arrive")
    ap.add_argument("--contexts", type=int, default=3, help="browser contexts the pages are spread over")
    ap.add_argument("--room-size", type=int, default=None, help="preheated workshop kernels (default: participants + 1)")
    ap.add_argument("--pages", nargs="+", choices=["light", "full"], default=["light", "full"], help="participant pages to measure, in turn")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    room = args.room_size if args.room_size is not None else args.participants + 1
    results = {}
    for kind in args.pages:
        result = asyncio.run(run(args.participants, args.spread, args.contexts, room, kind))
        results[kind] = result
        print(f"== participant page: {kind}")
        for key, value in result.items():
            if key != "targets":
                print(f"{key:34} {value}")
        print("targets:")
        for name, ok in result["targets"].items():
            print(f"  [{'x' if ok else ' '}] {name}")
    if {"light", "full"} <= results.keys():
        print("== full page / light page (same machine, same run)")
        for key in COMPARED:
            a, b = results["full"].get(key), results["light"].get(key)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
                print(f"{key:34} {a:>8} / {b:<8} = {a / b:.1f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    judged = results.get("light") or next(iter(results.values()))
    return 0 if all(judged["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
