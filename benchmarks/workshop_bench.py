"""Workshop load: participants arriving together on `workbook serve`'s participant page.

**The plenary** (`--pages server`, the default): the page the server answers itself (no kernel per
participant, `workbook/apps/room.py`). N participants (default 300) arrive within SPREAD seconds
(default 60): most as scripted clients making exactly the page's requests (the page, the session,
join, one request per answer, submit), each from its own loopback address so the server sees one
device each, and `--browsers` (default 10) as real Chromium pages clicking every answer (half of
them phone-sized). Every participant answers every question of the full form, THINK seconds per
answer. Reports time to a usable form (page and screens received; for a browser, the join form
drawn), request latency, the server's peak memory (`workbook serve`, Voila and every kernel it
started, sampled every 0.5 s), and checks the store: every answer sent is there once with its
last value, every participant submitted, and the facilitator's board (a real board page) counts
them all.

    .venv/bin/python benchmarks/workshop_bench.py [--participants 300] [--spread 60] [--browsers 10] [--think 0.5]

Targets: all usable, slowest usable form <= 5 s, median <= 1 s, server memory <= 4 GB, 0 answers
lost or duplicated, every participant submitted, no error, nothing requested outside 127.0.0.1.

**The kernel pages** (`--pages light full`): N participants (default 30) open the workshop
notebook (a kernel each) in real Chromium pages, spread over SPREAD seconds (default 10), after a
baseline participant alone; then a latecomer after the preheated kernels are taken. Reports the
slowest time-to-form, errors, hung pages, kernel memory per participant, the CPU the server and
the browsers used, how soon the board showed every submission, and whether the kernels are gone
after the pages close; with both pages, the ratios between them. Targets (light page): all usable,
slowest time-to-form <= 15 s, no error, no hung page, kernels gone <= 60 s, nothing requested
outside 127.0.0.1.

All the browsers and scripted clients run on this machine's cores next to the server; in a room
each participant's browser runs on their own laptop or phone.
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


async def board_catches_up(board, submitted: int, timeout_s: float) -> dict:
    """How soon the board's counts show ``submitted`` submissions (``None``, and what it shows,
    when it does not within ``timeout_s``)."""
    t = time.monotonic()
    try:
        await board.wait_for_selector(f".wb-counts:has-text('n = {submitted} ')", timeout=timeout_s * 1000)
        return {"board_caught_up_s": round(time.monotonic() - t, 2)}
    except Exception:
        return {"board_caught_up_s": None, "board_text": await board.inner_text(".wb-counts")}


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
            expected = sum(1 for r in recs if "time_to_submitted" in r) + (1 if "time_to_submitted" in base else 0)
            result.update(await board_catches_up(board, expected, 15))

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



# --------------------------------------------------------------------------------------------
# The plenary: the server's own participant page (`--participant-page server`), no kernel each


def plan_answers(n: int, screens: list[dict]) -> list[tuple[str, int | None]]:
    """What participant ``n`` answers, question by question (every one; a "don't know" now and then)."""
    out = []
    for s in screens:
        for i, q in enumerate(s["questions"]):
            values = [v for _, v in q["choices"]]
            out.append((q["key"], values[(n * 7 + i * 3 + len(out)) % len(values)]))
    return out


class Light:
    """One scripted participant: the page's own requests, in the page's order, from its own
    loopback address (127.0.x.y: the server sees one device per participant, as in a room)."""

    def __init__(self, server: Server, code: str, n: int, think: float):
        import httpx

        self.server, self.code, self.n, self.think = server, code, n, think
        address = f"127.0.{1 + n // 250}.{1 + n % 250}"
        self.client = httpx.AsyncClient(base_url=server.base, transport=httpx.AsyncHTTPTransport(local_address=address), timeout=60)
        self.rec: dict = {"n": n, "kind": "script", "error": None, "retries": 0, "latencies": []}

    async def call(self, method: str, action: str, **body) -> dict:
        while True:
            t = time.monotonic()
            if method == "GET":
                r = await self.client.get(f"/workbook/api/room/{action}", params=body)
            else:
                r = await self.client.post(f"/workbook/api/room/{action}", json=body, headers={"X-XSRFToken": self.xsrf})
            self.rec["latencies"].append(time.monotonic() - t)
            if r.status_code in (429, 502, 503):  # the page retries these by itself
                self.rec["retries"] += 1
                await asyncio.sleep(1.0)
                continue
            r.raise_for_status()
            return r.json()

    async def run(self, delay: float) -> None:
        import re

        await asyncio.sleep(delay)
        t0 = time.monotonic()
        try:
            token = self.server.participant_token
            page = await self.client.get("/workbook/join", params={"session": self.code, **({"token": token} if token else {})})
            page.raise_for_status()
            self.xsrf = re.search(r'"xsrf": "([^"]+)"', page.text).group(1)
            session = await self.call("GET", "session", code=self.code)
            self.rec["time_to_form"] = time.monotonic() - t0
            state = await self.call("POST", "join", code=self.code, side="vendor" if self.n % 2 else "partner", role="")
            pid = self.rec["pid"] = state["participant"]["id"]
            self.rec["sent"] = dict(plan_answers(self.n, session["screens"]))
            for key, value in plan_answers(self.n, session["screens"]):
                await asyncio.sleep(self.think)
                await self.call("POST", "answer", code=self.code, participant=pid, key=key, value=value)
            await self.call("POST", "submit", code=self.code, participant=pid)
            self.rec["time_to_submitted"] = time.monotonic() - t0
        except Exception as exc:  # counted and reported, the run goes on
            self.rec["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
        finally:
            await self.client.aclose()


async def browser_participant(browser, server: Server, code: str, n: int, delay: float, think: float, out: dict) -> None:
    """A real Chromium page on the server's page: joins, answers every question by clicking, submits."""
    await asyncio.sleep(delay)
    ctx = await browser.new_context(viewport={"width": 390, "height": 844} if n % 2 else {"width": 1280, "height": 900})
    page = await ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    rec: dict = {"n": n, "kind": "browser", "error": None}
    t0 = time.monotonic()
    try:
        await page.goto(server.room_url(f"session={code}"), timeout=HUNG_AFTER * 1000)
        await page.wait_for_selector(f".wb-side [data-side=partner]:has-text('(the partner)')", timeout=HUNG_AFTER * 1000)
        rec["time_to_form"] = time.monotonic() - t0
        await page.click(f".wb-side [data-side={'vendor' if n % 2 else 'partner'}]")
        await page.click(".wb-join")
        await page.wait_for_selector(".wb-answer")
        screens = await page.evaluate("fetch(location.pathname.replace('join', 'api/room/session') + '?code=' + new URLSearchParams(location.search).get('session')).then(r => r.json()).then(s => s.screens)")
        plan = plan_answers(n, screens)
        rec["pid"] = await page.evaluate("new URLSearchParams(location.search).get('participant')")
        rec["sent"] = dict(plan)
        i = 0
        for s, screen in enumerate(screens):
            for q in screen["questions"]:
                key, value = plan[i]
                i += 1
                await asyncio.sleep(think)
                await page.click(f".wb-row-{key.replace(':', '-')} .wb-answer-{'dk' if value is None else value}")
            if s + 1 < len(screens):
                await page.click(".wb-next")
        await page.click(".wb-to-review")
        await page.click(".wb-submit")
        await page.wait_for_selector(".wb-status:has-text('submitted')", timeout=60_000)
        rec["time_to_submitted"] = time.monotonic() - t0
    except Exception as exc:
        rec["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    rec["outside"] = outside_requests(requests)
    await ctx.close()
    out[n] = rec


def tree_rss_mb(server: Server) -> float:
    """The server's memory: `workbook serve`, Voila and every kernel it started (RSS, MB)."""
    total = 0
    for p in server_procs(server):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


async def run_plenary(n_participants: int, spread: float, browsers: int, think: float, token: str) -> dict:
    """``n_participants`` arrive within ``spread`` seconds on the server's page: ``browsers`` of
    them in real Chromium pages, the others as scripted clients making the page's requests."""
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    # the scripted clients each have an address of their own; the Chromium pages (and the board)
    # all come from 127.0.0.1, as a room behind one NAT would: the server is told so
    server = start_server(tmp, args=("--participant-page", "server", "--token", token, "--participants-per-device", str(browsers + 5)))
    result: dict = {"participant_page": "server", "participants": n_participants, "browsers": browsers, "spread_s": spread, "think_s": think}
    peak = [tree_rss_mb(server)]
    result["server_rss_mb_idle"] = round(peak[0], 1)
    sampling = True

    async def sample() -> None:
        while sampling:
            peak.append(tree_rss_mb(server))
            await asyncio.sleep(0.5)

    try:
        store = SQLiteStore(server.store)
        code = store.create_session("Plenary alliance", vendor="Acme", partner="Northwind", admission=False).code
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            board_ctx = await browser.new_context()
            board = await board_ctx.new_page()
            await board.goto(server.url("facilitator"), timeout=120_000)
            await board.wait_for_selector(".wb-counts", timeout=120_000)
            sampler = asyncio.create_task(sample())
            cpu0 = cpu_seconds(server_procs(server))
            kernels0 = cpu_seconds(server.kernels())
            me0 = sum(psutil.Process().cpu_times()[:2])
            t_start = time.monotonic()
            step = spread / max(1, n_participants - 1)
            # the browsers arrive among the crowd, evenly spread
            in_browser = {round(i * n_participants / max(1, browsers)) for i in range(browsers)}
            scripts = [Light(server, code, n, think) for n in range(n_participants) if n not in in_browser]
            pages: dict = {}
            await asyncio.gather(
                *(s.run(s.n * step) for s in scripts),
                *(browser_participant(browser, server, code, n, n * step, think, pages) for n in sorted(in_browser)),
            )
            result["crowd_wall_s"] = round(time.monotonic() - t_start, 1)
            result["crowd_cpu_server_s"] = round(cpu_seconds(server_procs(server)) - cpu0, 1)
            # of which the kernels (the board's, the prepared dashboards'): the rest is the server
            # process answering the participants' pages
            result["crowd_cpu_kernels_s"] = round(cpu_seconds(server.kernels()) - kernels0, 1)
            # the scripted clients' own CPU (this process), on the same 2 cores as the server
            result["crowd_cpu_clients_s"] = round(sum(psutil.Process().cpu_times()[:2]) - me0, 1)
            sampling = False
            await sampler
            recs = [s.rec for s in scripts] + [pages[k] for k in sorted(pages)]
            result.update(await board_catches_up(board, sum(1 for r in recs if "time_to_submitted" in r), 60))
            await browser.close()
        # Every answer each participant gave is in the store once, with its last value.
        stored = store.answers(code)
        people = {p.id: p for p in store.participants(code)}
        lost = changed = 0
        for r in recs:
            got = stored.get(r.get("pid", ""), {})
            for key, value in r.get("sent", {}).items():
                if key not in got:
                    lost += 1
                elif got[key] != value:
                    changed += 1
        import sqlite3

        with sqlite3.connect(server.store) as con:
            rows = con.execute("SELECT COUNT(*), COUNT(DISTINCT participant || '/' || item) FROM answers WHERE session = ?", (code,)).fetchone()
        times = sorted(r["time_to_form"] for r in recs if "time_to_form" in r)
        lat = sorted(x for r in recs for x in r.get("latencies", []))
        result.update(
            usable=len(times),
            errors=[r["error"] for r in recs if r["error"]][:10],
            error_count=sum(1 for r in recs if r["error"]),
            submitted=sum(1 for p in people.values() if p.submitted),
            answers_sent=sum(len(r.get("sent", {})) for r in recs),
            answers_stored=rows[0],
            answers_duplicated=rows[0] - rows[1],
            answers_lost=lost,
            answers_wrong=changed,
            retries_after_429=sum(r.get("retries", 0) for r in recs),
            slowest_time_to_form_s=round(times[-1], 2) if times else None,
            median_time_to_form_s=round(statistics.median(times), 3) if times else None,
            browser_median_time_to_form_s=round(statistics.median([r["time_to_form"] for r in pages.values() if "time_to_form" in r]), 2) if pages else None,
            browser_slowest_time_to_form_s=round(max([r["time_to_form"] for r in pages.values() if "time_to_form" in r]), 2) if pages else None,
            script_slowest_time_to_form_s=round(max(r["time_to_form"] for r in recs if r["kind"] == "script" and "time_to_form" in r), 2),
            request_latency_median_ms=round(1000 * statistics.median(lat), 1) if lat else None,
            request_latency_p99_ms=round(1000 * lat[int(0.99 * (len(lat) - 1))], 1) if lat else None,
            slowest_time_to_submitted_s=round(max((r.get("time_to_submitted", 0) for r in recs)), 1),
            server_rss_mb_peak=round(max(peak), 1),
            kernels_at_end=len(server.kernels()),
            outside_requests=sorted({u for r in pages.values() for u in r.get("outside", [])}),
        )
    finally:
        sampling = False
        server.stop()
    result["targets"] = {
        "all usable": result.get("usable") == n_participants,
        "slowest usable form <= 5 s": (result.get("slowest_time_to_form_s") or 1e9) <= 5,
        "median usable form <= 1 s": (result.get("median_time_to_form_s") or 1e9) <= 1,
        "server memory <= 4 GB": result.get("server_rss_mb_peak", 1e9) <= 4096,
        "0 answers lost": result.get("answers_lost") == 0 and result.get("answers_wrong") == 0,
        "0 answers duplicated": result.get("answers_duplicated") == 0 and result.get("answers_stored") == result.get("answers_sent"),
        "every participant submitted": result.get("submitted") == n_participants,
        "no error": result.get("error_count") == 0,
        "board caught up": result.get("board_caught_up_s") is not None,
        "nothing leaves 127.0.0.1": not result.get("outside_requests"),
    }
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
    ap.add_argument("--participants", type=int, default=None, help="participants (default: 300 on the server's page, 30 on the kernel pages)")
    ap.add_argument("--spread", type=float, default=None, help="seconds over which participants arrive (default: 60 on the server's page, 10 on the kernel pages)")
    ap.add_argument("--contexts", type=int, default=3, help="kernel pages: browser contexts the pages are spread over")
    ap.add_argument("--room-size", type=int, default=None, help="kernel pages: preheated workshop kernels (default: participants + 1)")
    ap.add_argument("--browsers", type=int, default=10, help="server page: participants in real Chromium pages (the others are scripted)")
    ap.add_argument("--think", type=float, default=2.0, help="server page: seconds each participant takes per answer")
    ap.add_argument("--pages", nargs="+", choices=["server", "light", "full"], default=["server"], help="participant pages to measure, in turn")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    results = {}
    for kind in args.pages:
        if kind == "server":
            n = args.participants or 300
            result = asyncio.run(run_plenary(n, args.spread if args.spread is not None else 60.0, min(args.browsers, n), args.think, "bench-participants"))
        else:
            n = args.participants or 30
            room = args.room_size if args.room_size is not None else n + 1
            result = asyncio.run(run(n, args.spread if args.spread is not None else 10.0, args.contexts, room, kind))
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
    return 0 if all(all(r["targets"].values()) for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
