"""The published apps, served by the real `workbook serve`, driven in headless Debian Chromium.

One server for the module (its own store and a copy of the params). On failure, the server's
own output is in the assertion message. Screenshots of every app go to reports/screenshots/
(git-ignored) — or $WORKBOOK_SCREENSHOTS.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat
import pytest

from tests.browser.server import ROOT, Server, start_server
from tests.conftest import EXAMPLES, outside_requests
from workbook.currency import currency
from workbook.instruments import TRUST_ITEMS
from workbook.programme import summarise_programme
from workbook.store import SQLiteStore, self_key

pytestmark = pytest.mark.browser

APPS = ROOT / "notebooks" / "apps"
SHOTS = Path(os.environ.get("WORKBOOK_SCREENSHOTS") or ROOT / "reports" / "screenshots")
LOAD_MS = 60_000


TRUST_IDS = list(TRUST_ITEMS)
POOL = 6  # preheated workshop kernels: more than the pages this module opens, fewer than a room


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("serve"), room_size=POOL, args=("--allow-scenario-saves",))
    yield srv
    srv.stop()


@pytest.fixture
def explain(server: Server):
    """Use as ``assert ok, explain("what")``: the message carries the server's log."""
    return lambda what: f"{what}\n--- server output ---\n{server.tail()}"


def recording(page):
    """``page`` with the URL of every request it makes in ``page.requests``."""
    page.requests = []  # type: ignore[attr-defined]
    page.on("request", lambda req: page.requests.append(req.url))  # type: ignore[attr-defined]
    return page


def open_app(browser, server: Server, app: str, query: str = "", selector: str = ".wb-app"):
    page = recording(browser.new_page())
    page.goto(server.url(app, query))
    page.wait_for_selector(selector, timeout=LOAD_MS)
    return page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_outside(page) -> None:
    assert outside_requests(page.requests) == [], outside_requests(page.requests)


def status_text(page) -> str:
    return page.inner_text(".wb-workshop .wb-status")


# --------------------------------------------------------------------------------------------


def test_app_notebooks_are_thin_and_clean():
    """Markdown and calls into workbook.ui only: no definitions, no outputs."""
    names = sorted(p.stem for p in APPS.glob("*.ipynb"))
    assert names == ["alliance", "facilitator", "portfolio", "programme", "workshop"]
    for path in APPS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"
            assert not re.search(r"^\s*(def|class|async def|lambda)\b", cell.source, re.M), f"{path.name} defines code"
            assert "workbook.ui" in cell.source


SCREENS = 20  # 13 trust principles (each statement about both companies) and 7 checklist groups
FIRST_SCREENS = [["trust_discussed", "shows_trust"], ["principled", "keeps_word"]]  # principles 1 and 2


def answer(page, key: str, value: int) -> None:
    """Click answer ``value`` of question ``key`` (``self-<item>``: about one's own company) and
    wait until the page shows it chosen (the store has it by then)."""
    page.click(f".wb-row-{key} .wb-answer-{value}")
    page.wait_for_selector(f".wb-row-{key} .wb-answer-{value}.mod-info", timeout=10_000)


def join_and_answer(browser, server, code: str, side: str, score: int, own: int | None = None, viewport=None):
    """Join, answer the first two screens' statements — ``score`` about the other company,
    ``own`` (default ``score``) about one's own — and submit."""
    page = open_app(browser, server, "workshop", f"session={code}", ".wb-join")
    if viewport:
        page.set_viewport_size(viewport)
    # the code comes from the address: from the request, or, in a preheated kernel, from the page
    page.wait_for_function("c => document.querySelector('.wb-code-input input').value === c", arg=code, timeout=10_000)
    page.click(f".wb-side button:has-text('{side}')")
    page.click(".wb-join")
    page.wait_for_selector(".wb-answer", timeout=LOAD_MS)
    for n, items in enumerate(FIRST_SCREENS):
        page.wait_for_selector(f".wb-progress:has-text('Screen {n + 1} of {SCREENS}')")
        for item in items:
            answer(page, item, score)
            answer(page, f"self-{item}", score if own is None else own)
        page.click(".wb-next")
    page.wait_for_selector(f".wb-progress:has-text('Screen 3 of {SCREENS}')")
    page.click(".wb-to-review")
    page.click(".wb-submit")
    page.wait_for_selector(".wb-status:has-text('submitted')")
    return page


def seed(store: SQLiteStore, code: str, side: str, score: int, n_items: int = 4) -> str:
    """A participant who answered from another device (straight into the store), about the
    other company and their own alike."""
    p = store.join(code, side)
    for item in TRUST_IDS[:n_items]:
        store.answer(code, p.id, item, score)
        store.answer(code, p.id, self_key(item), score)
    store.submit(code, p.id)
    return p.id


def test_workshop_session_end_to_end(browser, new_context, server, explain):
    store = SQLiteStore(server.store)
    code = store.create_session("Acme Cloud × <b>Northwind</b>", vendor="Acme <i>Cloud</i>", partner="Northwind", admission=False).code

    board = open_app(new_context(), server, "facilitator", "", ".wb-session-code")
    assert code in board.inner_text(".wb-session-code"), explain("the board does not show the new session")
    assert "<b>" in board.inner_text(".wb-session-code")  # the alliance name is escaped, not markup
    assert board.get_attribute(".wb-min input", "min") == "3"  # the anonymity floor

    pages = [
        join_and_answer(browser, server, code, "vendor", 5),
        join_and_answer(browser, server, code, "vendor", 4, viewport={"width": 390, "height": 844}),  # a phone
        join_and_answer(browser, server, code, "partner", 2),
    ]
    t0 = time.monotonic()
    board.wait_for_selector(".wb-counts:has-text('n = 3')", timeout=5_000)
    lag = time.monotonic() - t0
    print(f"board showed n = 3 {lag:.1f} s after the last submission")
    for side, score in (("vendor", 3), ("partner", 1), ("partner", 2)):
        seed(store, code, side, score)
    board.click(".wb-reveal")
    board.wait_for_selector(".wb-gap:has-text('Widest asymmetry')", timeout=10_000)
    gap = board.inner_text(".wb-gap")
    assert re.search(r"Widest asymmetry: .+ \(\d\.\d points\)", gap), explain("no gap on the board")
    board.wait_for_selector(".wb-results svg", timeout=10_000)
    # the mirror: the vendor's people rate their own company 5, 4, 3 (mean 4) on principles 1
    # and 2, the partner's people rate the vendor 2, 1, 2 (5/3): a blind spot of 2.3 points
    assert "Largest blind spot: the vendor on Trust recognised explicitly — it rates itself 2.3 points" in gap, explain(gap)
    board.wait_for_selector(".wb-mirror svg", timeout=10_000)
    shot(board, "facilitator")
    shot(pages[0], "workshop")

    # Two more people answer: the revealed results hold still (a change would be theirs) ...
    seed(store, code, "vendor", 1)
    seed(store, code, "partner", 5)
    board.wait_for_selector(".wb-waiting:has-text('2 newer answers will show once 3 people')", timeout=5_000)
    assert board.inner_text(".wb-gap") == gap
    # ... and move with the third
    seed(store, code, "partner", 5)
    board.wait_for_selector(".wb-waiting", state="hidden", timeout=5_000)
    board.wait_for_function("g => document.querySelector('.wb-gap').innerText !== g", arg=gap, timeout=5_000)

    # A participant reloads: the address now carries their id, and the answers come back.
    first = pages[0]
    query = parse_qs(urlparse(first.url).query)
    assert query["session"] == [code] and query.get("participant"), first.url
    first.reload()
    first.wait_for_selector(".wb-review", timeout=LOAD_MS)
    assert "You answered 8 of 83" in first.inner_text(".wb-review")
    assert "submitted" in status_text(first)

    # The facilitator closes the session; a late change is refused politely.
    board.click(".wb-close")
    board.wait_for_selector(".wb-session-code:has-text('closed')", timeout=5_000)
    late = pages[2]
    late.click(".wb-revise")
    late.click(".wb-row-trust_discussed .wb-answer-3")
    late.wait_for_selector(".wb-status:has-text('is closed')", timeout=5_000)
    assert "Traceback" not in late.inner_text("body")
    late_id = parse_qs(urlparse(late.url).query)["participant"][0]
    assert set(store.answers(code)[late_id].values()) == {2}  # the refused answer was not written

    for p in [board, *pages]:
        no_outside(p)
        p.close()


def test_the_principle_screen_on_a_phone_and_a_laptop(browser, server):
    """The new participant screen, 390 px and 1280 px wide: both companies' names on the side
    choice and the rows, every answer button inside the page (nothing to scroll sideways),
    buttons big enough to touch; screenshots for a person to look at."""
    store = SQLiteStore(server.store)
    code = store.create_session("Screens", vendor="Helix Software", partner="Atlas Global Consulting", admission=False).code
    for width, height in ((390, 844), (1280, 900)):
        page = open_app(browser, server, "workshop", f"session={code}", ".wb-join")
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_selector(".wb-side button:has-text('I work for Atlas Global Consulting (the partner)')", timeout=10_000)
        page.click(".wb-side button:has-text('partner')")
        page.click(".wb-join")
        page.wait_for_selector(f".wb-progress:has-text('Screen 1 of {SCREENS}')", timeout=LOAD_MS)
        answer(page, "trust_discussed", 4)
        answer(page, "self-trust_discussed", 5)
        text = page.inner_text(".wb-workshop")
        assert "About Helix Software (the other company)" in text and "About Atlas Global Consulting (your company)" in text
        boxes = [b for b in page.locator(".wb-answer").all()]
        assert len(boxes) == 4 * 6  # two statements, each about both companies, 1-5 and don't know
        for b in boxes:
            box = b.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
            assert box["height"] >= 44 and box["width"] >= 40, (width, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # every label fits its button on one line ("Don't know" once wrapped and spilled out of it)
        spilled = page.evaluate(
            "() => [...document.querySelectorAll('.wb-answer')].filter(b => b.scrollHeight > b.clientHeight + 1 || b.scrollWidth > b.clientWidth + 1).map(b => b.textContent)"
        )
        assert spilled == [], (width, spilled)
        shot(page, f"workshop-principle-{width}")
        no_outside(page)
        page.close()


def test_workshop_unknown_session_is_explained(browser, server):
    page = open_app(browser, server, "workshop", "session=NOPE22&participant=abc", ".wb-join")
    page.wait_for_selector(".wb-status:has-text('no workshop session')")
    assert "Traceback" not in page.inner_text("body")
    no_outside(page)
    page.close()


def chart_svg(page) -> str:
    return page.inner_html(".wb-ramp-chart svg")


def test_alliance_what_if_redraws_over_its_band_and_is_saved_as_a_scenario(browser, server):
    name = "marketplace-referral.yaml"  # a file no other test of the module writes to
    page = open_app(browser, server, "alliance", f"params={name}", ".wb-ramp-chart svg g.mark-area path")
    band = ".wb-ramp-chart svg g.mark-area path"
    assert "P10–P90 of the what-if (500 simulated runs)" in (page.text_content(".wb-ramp-chart svg") or "")
    before_svg, before_metrics, before_band = chart_svg(page), page.inner_text(".wb-alliance-metrics"), page.get_attribute(band, "d")
    shot(page, "alliance")
    page.select_option(".wb-event-kind select", label="Resources withdrawn")
    page.wait_for_function(
        "m => document.querySelector('.wb-alliance-metrics').innerText !== m", arg=before_metrics, timeout=10_000
    )
    page.wait_for_function("s => document.querySelector('.wb-ramp-chart svg').innerHTML !== s", arg=before_svg, timeout=10_000)
    # the band is the what-if's: it moved with the line
    page.wait_for_function("([sel, d]) => document.querySelector(sel)?.getAttribute('d') !== d", arg=[band, before_band], timeout=10_000)
    assert page.inner_text(".wb-status") == ""
    page.fill(".wb-scenario-name input", "Resources cut in month 12")
    page.click(".wb-save-scenario")
    page.wait_for_selector(".wb-scenario-status:has-text('Saved')", timeout=30_000)
    text = (server.params_dir / name).read_text(encoding="utf-8")
    assert "- {name: Resources cut in month 12, change: {kind: resource_withdrawal, month: 12, severity: 0.5}}" in text, text
    shot(page, "alliance-saved")
    no_outside(page)
    page.close()


def test_alliance_refuses_paths_outside_params(browser, server):
    page = open_app(browser, server, "alliance", "params=../pyproject.toml", ".wb-status")
    page.wait_for_selector(".wb-status:has-text('no alliance called')")
    page.close()


def test_portfolio_opens_an_alliance(browser, server):
    page = open_app(browser, server, "portfolio", "", ".wb-portfolio")
    rows = page.locator(".wb-portfolio a.wb-open")
    assert rows.count() == len(EXAMPLES)
    page.wait_for_selector(".wb-portfolio-app svg", timeout=LOAD_MS)
    shot(page, "portfolio")
    # the index page's search and sort, run in the browser (no kernel round trip)
    page.fill(".wb-portfolio-block input[name=q]", "KESTREL")
    page.wait_for_function("() => document.querySelector('.wb-portfolio-block .wb-count').textContent === '1 of 4 alliances shown'")
    assert page.locator(".wb-portfolio a.wb-open:visible").all_inner_texts() == ["Kestrel Instruments × Meridian Distribution"]
    page.get_by_role("button", name="Show all").click()
    page.select_option(".wb-portfolio-block select[name=sort]", "7:descending")  # NPV, highest first
    npv = page.eval_on_selector_all(".wb-portfolio tbody tr", "rs => rs.map(r => Number(r.cells[7].dataset.sort))")
    assert len(npv) == rows.count() and npv == sorted(npv, reverse=True)
    assert page.get_attribute(".wb-programme-link a", "href") == "programme.ipynb"  # params/programme.yaml is there
    name = rows.first.inner_text()
    no_outside(page)
    rows.first.click()
    page.wait_for_selector(".wb-ramp-chart svg", timeout=LOAD_MS)
    assert name in page.inner_text(".wb-header")
    no_outside(page)
    page.close()


def test_programme_dashboard_redraws_when_an_alliance_is_left_out(browser, server, explain):
    """In serve's links (and the portfolio's: see above); unticking an alliance moves the peak
    funding need (the curve is redrawn in place, the band still under it)."""
    assert "/voila/render/programme.ipynb" in server.log(), explain("serve does not print the programme's link")
    page = open_app(browser, server, "programme", "", ".wb-programme-chart svg g.mark-area path")
    assert page.inner_text(".wb-status") == "", explain(page.inner_text(".wb-status"))
    peak = page.inner_text(".wb-peak-funding")
    expected = summarise_programme(server.params_dir / "programme.yaml")["peak_funding_need"]
    assert peak.startswith(currency("USD")(expected)), peak  # workbook programme's figure
    shot(page, "programme")
    boxes = page.locator(".wb-programme-alliances input[type=checkbox]")
    assert boxes.count() == len(EXAMPLES)
    page.get_by_label("Include Acme Cloud × Northwind Systems").uncheck()
    page.wait_for_function("p => document.querySelector('.wb-peak-funding').innerText !== p", arg=peak, timeout=10_000)
    assert page.locator(".wb-programme-alliances tr:has-text('Acme Cloud') td:last-child").inner_text() == "not ticked"
    assert page.locator(".wb-programme-chart svg g.mark-area path").count() == 1
    assert "<Integrations>" in page.inner_text(".wb-programme-alliances")  # a name as text, not markup
    no_outside(page)
    page.close()


def test_kernels_are_shut_down_when_pages_close(browser, server, explain):
    """A participant's page takes a preheated kernel; when the page closes, that kernel goes
    (voila#1458: the shutdown request needs the XSRF token)."""
    before = {k.pid for k in server.kernels()}
    page = open_app(browser, server, "workshop", "", ".wb-join")
    page.close()
    deadline = time.monotonic() + 15
    while before <= {k.pid for k in server.kernels()} and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not before <= {k.pid for k in server.kernels()}, explain("the closed page's kernel was left behind")
    assert "_xsrf' argument missing" not in server.log(), explain("shutdown refused for a missing XSRF token")


def test_participant_kernel_imports_stay_light():
    """The participant's app must not pull in pandas or altair (thirty kernels start at once)."""
    import subprocess
    import sys

    code = "import sys; from workbook.ui.workshop import workshop_app; print(json.dumps(sorted(m for m in ('pandas', 'altair', 'numpy') if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == []


def test_participant_page_is_light(browser, server):
    """Phones on a venue's wifi: the participant's page loads a few small files, not Voila's
    JupyterLab bundle (about 5 MB in some 100 files), and the address cannot swap the page."""
    page = browser.new_page()
    sizes: dict[str, int] = {}
    page.on("requestfinished", lambda req: sizes.__setitem__(req.url, req.sizes()["responseBodySize"]))
    page.goto(server.url("workshop", "template=lab"))
    page.wait_for_selector(".wb-join", timeout=LOAD_MS)
    page.wait_for_load_state("networkidle")
    heavy = [u for u in sizes if "/voila/static/" in u or "/voila/labextensions/" in u]
    assert heavy == [], heavy
    assert len(sizes) <= 6, sorted(sizes)
    assert sum(sizes.values()) < 150_000, sizes
    assert any(u.split("?")[0].endswith("/workbook-light/static/light.js") for u in sizes)
    assert outside_requests(list(sizes)) == []
    page.close()


def test_latecomer_does_not_wait_for_the_pool_refill(browser, tmp_path_factory):
    """Once the preheated kernels are taken, the next participant gets a fresh kernel at once,
    not a pool slot that is still sleeping out its refill delay (REFILL_DELAY, 30 s)."""
    from workbook.apps.serve import REFILL_DELAY

    srv = start_server(tmp_path_factory.mktemp("late"), room_size=1)
    try:
        deadline = time.monotonic() + 60
        while "is filled with 1 kernel" not in srv.log() and time.monotonic() < deadline:
            time.sleep(0.3)
        first = open_app(browser, srv, "workshop", "", ".wb-join")
        late = browser.new_page()
        late.goto(srv.url("workshop"), timeout=REFILL_DELAY * 1000 / 2)
        late.wait_for_selector(".wb-join", timeout=REFILL_DELAY * 1000 / 2)
        assert srv.log().count("Using pre-heated kernel") == 1, srv.tail()
        late.click(".wb-side button:has-text('partner')")  # the fresh kernel's form works
        late.wait_for_selector(".wb-side button.mod-active:has-text('partner')", timeout=10_000)
        for p in (first, late):
            p.close()
    finally:
        srv.stop()


def test_facilitator_runs_a_session_from_create_to_report(browser, new_context, server, explain):
    """Create, collect, reveal, close, export and render — all from the facilitator's page."""
    board = open_app(new_context(), server, "facilitator", "", ".wb-create")
    board.fill(".wb-alliance-input input", "Brightdesk × Lumen")
    board.click(".wb-create")
    board.wait_for_selector(".wb-session-code:has-text('Brightdesk')", timeout=10_000)
    code = re.search(r"\b[A-Z0-9]{6}\b", board.inner_text(".wb-session-code")).group(0)  # type: ignore[union-attr]
    participant = join_and_answer(browser, server, code, "partner", 3, own=5)
    # anyone with the link can join: a new session counts a participant only once let in
    board.wait_for_selector(".wb-counts:has-text('1 waiting to be let in')", timeout=10_000)
    assert "n = 0" in board.inner_text(".wb-counts")
    participant.wait_for_selector(".wb-standing:has-text('waiting for the facilitator')", timeout=10_000)
    # the participant's kernel learnt the address its page came from: the store has its hint only
    from workbook.store import device_hint

    [joined] = SQLiteStore(server.store).participants(code)
    assert joined.standing == "waiting" and joined.device == device_hint(code, "127.0.0.1"), joined
    board.click(".wb-person-waiting .wb-admit")
    board.click(".wb-reveal")
    board.wait_for_selector(".wb-counts:has-text('n = 1')", timeout=10_000)
    board.click(".wb-close")
    board.wait_for_selector(".wb-session-code:has-text('closed')", timeout=10_000)

    base = server.params_dir / "saas-regional-reseller.yaml"
    before = base.read_text()
    board.select_option(".wb-base select", label=base.name)
    # the file holds respondents, so the board offers to add the room to them; this test replaces
    board.wait_for_selector(".wb-export-mode button.mod-active:has-text('Add')", timeout=10_000)
    board.click(".wb-export-mode button:has-text('Replace')")
    board.click(".wb-preview")  # first what would change ...
    board.wait_for_selector(".wb-export-preview", timeout=10_000)
    assert base.read_text() == before, "a preview must not write"
    # one partner for the file's eight: the board warns before anything is written, and writes
    # only once the facilitator ticks that they read the warnings
    warned = board.inner_text(".wb-export-warnings")
    assert "replaces 8 respondents" in warned and "partner side would have 1 respondent" in warned, warned
    assert board.is_disabled(".wb-export")
    board.check(".wb-export-confirm input")
    board.wait_for_function("() => !document.querySelector('.wb-export').disabled", timeout=10_000)
    board.click(".wb-export")  # ... then the write, keeping the old version
    board.wait_for_selector(".wb-export-out:has-text('Written')", timeout=10_000)
    assert base.read_text() != before and "previous:" in base.read_text() and "history:" in base.read_text(), explain(board.inner_text(".wb-export-out"))
    # the participant's ratings of their own company reach the file as self_answers
    from workbook.params import load_params

    exported = load_params(base).trust
    assert exported is not None and [r.self_answers for r in exported.respondents] == [
        {"trust_discussed": 5, "shows_trust": 5, "principled": 5, "keeps_word": 5}
    ]
    kept = list((server.params_dir / ".history").glob("saas-regional-reseller*.yaml"))
    assert [k.read_text() for k in kept] == [before]
    board.click(".wb-render")
    board.wait_for_selector(".wb-export-out:has-text('Report written')", timeout=180_000)
    reports = list(server.reports_dir.glob("*/report.html"))
    assert reports, explain(board.inner_text(".wb-export-out"))
    index = (server.reports_dir / "index.html").read_text()  # the portfolio page lists the new report
    assert f'{reports[0].parent.name}/report.html' in index, explain("the portfolio index does not list the report")
    assert "Traceback" not in board.inner_text("body")
    # the link opens the alliance's dashboard, with the room's answers, on this server
    link = board.get_attribute(".wb-dashboard-link", "href") or ""
    assert link.endswith("alliance.ipynb?params=saas-regional-reseller.yaml"), link
    shot(board, "facilitator-export")
    for p in (board, participant):
        no_outside(p)
        p.close()


RECORD_SOCKETS = """
window.__sockets = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) { super(...args); window.__sockets.push(this); }
};
"""


def test_participant_survives_a_dropped_connection(browser, server):
    """The connection drops mid-questionnaire (wifi, a sleeping phone): the page says so,
    reconnects to the same kernel by itself, and the participant carries on where they were."""
    store = SQLiteStore(server.store)
    code = store.create_session("Wifi test", admission=False).code
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.add_init_script(RECORD_SOCKETS)
    page.goto(server.url("workshop", f"session={code}"))
    page.wait_for_selector(".wb-join", timeout=LOAD_MS)
    page.click(".wb-side button:has-text('partner')")
    page.click(".wb-join")
    page.wait_for_selector(f".wb-progress:has-text('Screen 1 of {SCREENS}')", timeout=LOAD_MS)
    answer(page, "trust_discussed", 2)
    shot(page, "workshop-phone")

    page.evaluate("window.__sockets[window.__sockets.length - 1].close()")
    page.wait_for_selector(".wb-notice:has-text('Reconnecting')", timeout=5_000)
    page.wait_for_function("() => !document.querySelector('.wb-notice')", timeout=20_000)
    assert page.evaluate("window.__sockets.length") >= 2  # a new connection, same page, same kernel
    answer(page, "self-trust_discussed", 5)
    pid = parse_qs(urlparse(page.url).query)["participant"][0]
    assert sorted(store.answers(code)[pid].values()) == [2, 5]
    page.close()


def test_room_server_with_a_token(browser, tmp_path_factory):
    """On a room's network the server wants its token: without it no page opens; with it the
    participant's page works, and the address it keeps (to come back) still carries the token."""
    srv = start_server(tmp_path_factory.mktemp("token"), room_size=1, args=("--token", "room-secret-42"))
    try:
        code = SQLiteStore(srv.store).create_session("Token test", admission=False).code
        refused = browser.new_page()
        refused.requests = []  # type: ignore[attr-defined]
        refused.on("request", lambda req: refused.requests.append(req.url))  # type: ignore[attr-defined]
        refused.goto(srv.url("workshop", f"session={code}", token=""))
        assert urlparse(refused.url).path == "/login"  # asked for the token, nothing of the app
        assert refused.locator(".wb-join").count() == 0
        no_outside(refused)
        refused.close()

        page = open_app(browser, srv, "workshop", f"session={code}", ".wb-join")  # the link carries the token
        page.click(".wb-side button:has-text('vendor')")
        page.click(".wb-join")
        page.wait_for_selector(f".wb-progress:has-text('Screen 1 of {SCREENS}')", timeout=LOAD_MS)
        answer(page, "trust_discussed", 4)
        query = parse_qs(urlparse(page.url).query)
        assert query["token"] == ["room-secret-42"] and query["participant"], page.url
        page.reload()
        page.wait_for_selector(".wb-status:has-text('1 answer restored')", timeout=LOAD_MS)
        no_outside(page)
        page.close()
    finally:
        srv.stop()


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TRY_SOCKET = """u => new Promise(done => {
  const ws = new WebSocket(u);
  ws.onopen = () => { done("open"); ws.close(); };
  ws.onerror = () => done("refused");
  setTimeout(() => done("timeout"), 8000);
})"""


SHUTDOWN = """async u => {
  const x = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || "";
  const r = await fetch(u, {method: "POST", headers: {"X-XSRFToken": decodeURIComponent(x)}});
  return [r.status, await r.text()];
}"""


def test_participants_cannot_open_the_board_or_its_kernel(new_context, tmp_path_factory):
    """Two roles: the facilitator's link opens the board, which shows the participants' link
    and its QR code; that link (its token, its cookie) opens neither the board nor its kernel."""
    srv = start_server(tmp_path_factory.mktemp("roles"), room_size=1, args=("--token", "room-pt-42"))
    try:
        code = SQLiteStore(srv.store).create_session("Roles test", admission=False).code
        board = open_app(new_context(), srv, "facilitator", "", ".wb-session-code")
        board.wait_for_selector(".wb-join-link svg.wb-qr", timeout=10_000)
        link = board.get_attribute(".wb-join-link a", "href") or ""
        assert parse_qs(urlparse(link).query) == {"token": ["room-pt-42"], "session": [code]}, link
        assert srv.facilitator_token not in link
        board_kernel = re.search(rf'"kernelId":\s*"({UUID})"', board.content()) or re.search(rf"({UUID})", board.content())
        assert board_kernel, "no kernel id in the board's page"
        shot(board, "facilitator-join-link")

        phone = new_context(viewport={"width": 390, "height": 844})
        page = recording(phone.new_page())
        page.goto(link)  # what a participant's phone opens from the QR code
        page.wait_for_function("c => document.querySelector('.wb-code-input input')?.value === c", arg=code, timeout=LOAD_MS)
        shot(page, "workshop-phone-from-link")
        for url in (srv.url("facilitator", token="room-pt-42"), srv.url("facilitator", token="")):
            refused = page.goto(url)
            assert refused is not None and refused.status == 403, url
            assert "Facilitator only" in page.inner_text("body") and page.locator(".wb-app").count() == 0
        page.goto(link)
        page.wait_for_selector(".wb-join", timeout=LOAD_MS)
        ws = f"ws://127.0.0.1:{srv.port}"
        assert page.evaluate(TRY_SOCKET, f"{ws}/api/kernels/{board_kernel.group(1)}/channels") == "refused"
        assert board.evaluate(TRY_SOCKET, f"{ws}/api/kernels/{board_kernel.group(1)}/channels") == "open"  # its owner may
        # nor may it stop the board's kernel through Voila's shutdown route (it names the kernel
        # positionally), even with the XSRF token a real page sends
        status, text = page.evaluate(SHUTDOWN, f"/voila/api/shutdown/{board_kernel.group(1)}")
        assert (status, "Facilitator only" in text) == (403, True), (status, text[:300])
        assert board.evaluate(TRY_SOCKET, f"{ws}/api/kernels/{board_kernel.group(1)}/channels") == "open"  # still running

        # the request-info socket of a preheated kernel wants the same credential as the pages
        stranger = recording(new_context().new_page())
        stranger.goto(f"{srv.base}/voila/static/voila.js")
        assert stranger.evaluate(TRY_SOCKET, f"{ws}/voila/query/{board_kernel.group(1)}") == "refused"
        assert page.evaluate(TRY_SOCKET, f"{ws}/voila/query/{board_kernel.group(1)}") == "refused"  # not the participant's
        assert board.evaluate(TRY_SOCKET, f"{ws}/voila/query/{board_kernel.group(1)}") == "open"
        for p in (board, page, stranger):
            no_outside(p)
    finally:
        srv.stop()


def test_host_names_and_kernel_caps(browser, tmp_path_factory):
    """A page under another host name (DNS rebinding) gets nothing; a device that holds its
    quota of pages is told to close one, and can open it once it did."""
    import urllib.error
    import urllib.request

    srv = start_server(tmp_path_factory.mktemp("caps"), room_size=0, args=("--max-kernels-per-client", "2"))
    try:
        request = urllib.request.Request(srv.url("portfolio"), headers={"Host": f"rebind.example:{srv.port}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 (local)
        assert refused.value.code == 403
        with urllib.request.urlopen(f"http://localhost:{srv.port}/voila/static/voila.js", timeout=10) as ok:  # noqa: S310
            assert ok.status == 200

        pages = [open_app(browser, srv, "alliance", "params=saas-regional-reseller.yaml", ".wb-ramp-chart svg") for _ in range(2)]
        third = recording(browser.new_page())
        response = third.goto(srv.url("alliance", "params=saas-regional-reseller.yaml"))
        assert response is not None and response.status == 429
        assert "You already have 2 pages of this server open" in third.inner_text("body")
        shot(third, "too-many-pages")
        pages.pop().close()  # its kernel is shut down with the page
        # the closed page's kernel is shut down in the background (slower on a busy machine):
        # the device gets its page as soon as the server counts one kernel fewer
        deadline = time.monotonic() + 60
        while True:
            response = third.reload()
            if response is None or response.status != 429 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert response is not None and response.status == 200
        third.wait_for_selector(".wb-ramp-chart svg", timeout=LOAD_MS)
        for p in (*pages, third):
            p.close()
    finally:
        srv.stop()


def test_a_burst_of_page_requests_gets_no_more_kernels_than_the_cap(tmp_path_factory):
    """Twelve page requests from one address at the same moment (a script, a stuck reload key):
    the cap counts each page from the moment it is let through, not from when its kernel has
    started, so no more than the cap get a kernel; the others are told why."""
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    cap = 3
    srv = start_server(tmp_path_factory.mktemp("burst"), room_size=0, args=("--max-kernels-per-client", str(cap)))

    def fetch(_: int) -> int:
        try:
            with urllib.request.urlopen(srv.url("portfolio"), timeout=180) as r:  # noqa: S310 (local)
                r.read()
                return int(r.status)
        except urllib.error.HTTPError as refused:
            return int(refused.code)

    try:
        deadline = time.monotonic() + 120  # the alliance dashboard's ready kernels (no visitor's) first
        while "Kernel pool of alliance.ipynb is filled" not in srv.log() and time.monotonic() < deadline:
            time.sleep(0.5)
        spares = {k.pid for k in srv.kernels()}
        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(fetch, range(12)))
        assert sorted(statuses) == [200] * cap + [429] * (12 - cap), statuses
        started = {k.pid for k in srv.kernels()} - spares
        assert len(started) == cap, srv.tail()
    finally:
        srv.stop()


FLOOD = """async ([u, n]) => {
  const sockets = [];
  const states = await Promise.all(Array.from({length: n}, () => new Promise(done => {
    const ws = new WebSocket(u);
    sockets.push(ws);
    ws.onopen = () => done("open");
    ws.onerror = () => done("refused");
    setTimeout(() => done("timeout"), 15000);
  })));
  sockets.forEach(ws => ws.close());
  return states;
}"""


def test_a_flood_of_sockets_to_one_kernel_is_refused_and_others_still_get_pages(browser, server):
    """Forty websockets opened at once to one page's kernel: a few are let in, the rest refused,
    so the server keeps file descriptors for the next participant, who gets a working page."""
    from workbook.apps.guard import MAX_SOCKETS_PER_KERNEL

    page = open_app(browser, server, "alliance", "params=saas-regional-reseller.yaml", ".wb-ramp-chart svg")
    kernel = re.search(rf'"kernelId":\s*"({UUID})"', page.content()) or re.search(rf"({UUID})", page.content())
    assert kernel, "no kernel id in the page"
    states = page.evaluate(FLOOD, [f"ws://127.0.0.1:{server.port}/api/kernels/{kernel.group(1)}/channels", 40])
    assert states.count("open") <= MAX_SOCKETS_PER_KERNEL - 1, states  # the page holds one itself
    assert states.count("refused") >= 40 - MAX_SOCKETS_PER_KERNEL, states
    assert "Refused socket" in server.log()
    # closed sockets give their places back: the page's owner can reconnect as often as it needs
    deadline = time.monotonic() + 20
    while True:
        again = page.evaluate(FLOOD, [f"ws://127.0.0.1:{server.port}/api/kernels/{kernel.group(1)}/channels", MAX_SOCKETS_PER_KERNEL - 2])
        if again.count("open") == MAX_SOCKETS_PER_KERNEL - 2 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert again == ["open"] * (MAX_SOCKETS_PER_KERNEL - 2), again
    nxt = open_app(browser, server, "alliance", "params=saas-regional-reseller.yaml", ".wb-ramp-chart svg")
    no_outside(nxt)
    for p in (page, nxt):
        p.close()
