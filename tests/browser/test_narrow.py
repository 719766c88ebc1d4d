"""Every page a reader opens, on a phone (390 × 844 in headless Chromium): the report, the
portfolio index and the four Voila apps fit the screen's width (a wide table may scroll in its own
box, never the page or the whole app; the portfolio shows one card per alliance instead), charts are scaled to the width, controls are full width and
at least 44 px tall, and the what-if sliders show their labels above them.

One `workbook serve` and one rendered report for the module. Screenshots go to
reports/screenshots/narrow-*.png (git-ignored) — or $WORKBOOK_SCREENSHOTS.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.server import ROOT, Server, start_server
from tests.conftest import PARAMS, open_report, workbook_cmd
from workbook.instruments import TRUST_ITEMS
from workbook.store import SQLiteStore

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("WORKBOOK_SCREENSHOTS") or ROOT / "reports" / "screenshots")
LOAD_MS = 60_000
ALLIANCE = "saas-regional-reseller.yaml"  # every section, and an acquisition that dwarfs the other routes

#: Elements whose right edge passes ``limit`` (the screen, or the app's box) without sitting in a
#: box of their own that scrolls sideways and itself fits: what a reader would have to scroll the
#: whole page (or the whole app) sideways to see.
STICKING_OUT = """([rootSel, limit]) => {
  const root = document.querySelector(rootSel) || document.body;
  const edge = limit || root.getBoundingClientRect().right;
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= edge + 0.5) continue;
    let p = el.parentElement, contained = false;
    while (p && p !== root && p !== document.body) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden'].includes(s.overflowX) && p.getBoundingClientRect().right <= edge + 0.5) { contained = true; break; }
      p = p.parentElement;
    }
    if (!contained) out.push(`${el.tagName.toLowerCase()}.${String(el.className.baseVal ?? el.className).split(' ').slice(-2).join('.')} ends at ${Math.round(r.right)} px`);
  }
  return out.slice(0, 12);
}"""

#: Each visible control of the app: its kind, width, height and the app's width.
CONTROLS = """(rootSel) => {
  const app = document.querySelector(rootSel);
  const width = app.getBoundingClientRect().width;
  const out = [];
  for (const el of app.querySelectorAll('button, select, input[type=text], input[type=number], .widget-slider')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.widget-slider') && !el.classList.contains('widget-slider')) continue;
    const name = (el.innerText || el.getAttribute('placeholder') || el.className || el.tagName).trim().slice(0, 40);
    out.push({name, tag: el.tagName.toLowerCase(), width: r.width, height: r.height, app: width});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("serve"), room_size=1)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """One alliance's report and the portfolio index, rendered by the real command."""
    out = tmp_path_factory.mktemp("reports")
    done = workbook_cmd("report", str(PARAMS / ALLIANCE), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def phone(_isolated_chromium):
    ctx = _isolated_chromium.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    yield ctx
    ctx.close()


#: The height of the page's content: Voila's page scrolls in an inner panel, not the document.
CONTENT_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
  ...[...document.querySelectorAll('.jp-LabShell *')].filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)).map(e => e.scrollHeight))"""


def shot(page, name: str) -> None:
    """The whole page at the phone's width (a taller window for Voila's inner scrolling panel)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = min(int(page.evaluate(CONTENT_HEIGHT)), 8000)
    if height > PHONE["height"]:
        page.set_viewport_size({"width": PHONE["width"], "height": height})
        page.evaluate(SETTLED)  # laid out again at the new size
    page.screenshot(path=str(SHOTS / f"narrow-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def assert_fits(page, root: str, what: str, explain=lambda s: s) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], explain(f"{what}: the page is {width} px wide on a {PHONE['width']} px screen")
    out = page.evaluate(STICKING_OUT, [root, PHONE["width"]])
    assert out == [], explain(f"{what}: past the screen's edge: {out}")
    if root != "body":
        # the app's own box must not scroll sideways either (Voila's page never does; the app would)
        inner = page.evaluate(STICKING_OUT, [root, 0])
        assert inner == [], explain(f"{what}: past the app's edge, so the whole app scrolls sideways: {inner}")


def assert_charts_scaled(page, selector: str, what: str, explain=lambda s: s) -> int:
    boxes = page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect()).map(r => [r.left, r.right, r.width])")
    assert boxes, explain(f"{what}: no chart found ({selector})")
    for left, right, width in boxes:
        assert left >= -0.5 and right <= PHONE["width"] + 0.5, explain(f"{what}: a chart runs from {left:.0f} to {right:.0f} px")
        assert width >= 0.75 * PHONE["width"] or width >= 250, explain(f"{what}: a chart shrank to {width:.0f} px")
    return len(boxes)


def assert_touch_sized(page, root: str, what: str, explain=lambda s: s) -> list[dict]:
    controls = page.evaluate(CONTROLS, root)
    assert controls, explain(f"{what}: no controls found")
    for c in controls:
        assert c["height"] >= 44, explain(f"{what}: {c['tag']} '{c['name']}' is {c['height']:.0f} px tall")
        assert c["width"] >= 0.9 * c["app"], explain(f"{what}: {c['tag']} '{c['name']}' is {c['width']:.0f} of {c['app']:.0f} px wide")
    return controls


#: Resolves once the page's fonts are loaded, no live chart has a drawing left to do
#: (``data-wb-drawing``), and two animation frames have passed since: Voila's shell lays the
#: widgets out in its animation-frame message loop, after the first paint.
SETTLED = """async () => {
  await document.fonts.ready;
  const end = performance.now() + 15000;
  while (document.querySelector('[data-wb-drawing]')) {
    if (performance.now() > end) throw new Error("a chart was still drawing after 15 s");
    await new Promise(r => requestAnimationFrame(r));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def open_phone_app(phone, server: Server, app: str, query: str = "", *selectors: str):
    """The app's page once each of ``selectors`` (default ``.wb-app``) shows and it has settled."""
    page = phone.new_page()
    page.goto(server.url(app, query))
    for selector in selectors or (".wb-app",):
        page.wait_for_selector(selector, timeout=LOAD_MS)
    page.evaluate(SETTLED)
    return page


@pytest.fixture
def explain(server: Server):
    return lambda what: f"{what}\n--- server output ---\n{server.tail()}"


# --------------------------------------------------------------------------------------------
# static pages


#: Each report chart: its box on the page, its figure's box, and its drawn (natural) width.
CHART_SIZES = """() => [...document.querySelectorAll('img.wb-chart')].map(img => {
  const r = img.getBoundingClientRect(), f = img.closest('figure').getBoundingClientRect();
  return {width: r.width, natural: img.naturalWidth, figLeft: f.left, figRight: f.right};
})"""


def test_report_page_fits_a_phone_with_legible_charts(phone, report):
    """The page never scrolls sideways; a chart keeps legible text (its 11 px labels at 9 px
    or more) and, when that is wider than the screen, scrolls sideways in its own box."""
    page = phone.new_page()
    open_report(page, next(report.glob("*/report.html")))
    assert_fits(page, "body", "report")
    charts = page.evaluate(CHART_SIZES)
    assert len(charts) >= 8
    for c in charts:
        assert c["figLeft"] >= -0.5 and c["figRight"] <= PHONE["width"] + 0.5, c
        assert 11 * c["width"] / c["natural"] >= 9, f"chart text shrinks to {11 * c['width'] / c['natural']:.1f} px: {c}"
    assert any(c["width"] > PHONE["width"] for c in charts), "no chart needed to scroll: is the test still looking at wide charts?"
    shot(page, "report")
    page.close()


#: Each alliance's card: its box, whether it is a block (not a table row), and its name's
#: position and size inside it.
CARDS = """(root) => [...document.querySelector(root).querySelectorAll('table.wb-portfolio tbody tr:not(.failed)')].map(r => {
  const b = r.getBoundingClientRect(), a = r.querySelector('a.wb-open').getBoundingClientRect();
  return {left: b.left, right: b.right, display: getComputedStyle(r).display, nameTop: a.top - b.top, nameHeight: a.height,
          flags: !!r.querySelector('td.wb-flags'), headings: getComputedStyle(r.closest('table').tHead).display};
})"""


def assert_cards(page, root: str, what: str, explain=lambda s: s) -> None:
    """One card per alliance, within the screen, its name on top and a touch target."""
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), explain(f"{what}: the page scrolls sideways")
    cards = page.evaluate(CARDS, root)
    assert cards, explain(f"{what}: no alliance shown")
    for c in cards:
        assert c["display"] == "block" and c["headings"] == "none", explain(f"{what}: a table, not cards: {c}")
        assert c["left"] >= 0 and c["right"] <= PHONE["width"], explain(f"{what}: a card past the screen's edge: {c}")
        assert c["nameTop"] < 20 and c["nameHeight"] >= 44 and c["flags"], explain(f"{what}: {c}")


def test_portfolio_index_shows_a_card_per_alliance_on_a_phone(phone, report):
    page = phone.new_page()
    page.goto((report / "index.html").as_uri())
    assert_fits(page, "body", "portfolio index")
    assert_cards(page, "body", "portfolio index")
    shot(page, "index")
    page.close()


# --------------------------------------------------------------------------------------------
# the Voila apps


def test_alliance_dashboard_fits_with_labelled_sliders(phone, server, explain):
    # the panels under the figures come after the chart (the file has a trust history)
    page = open_phone_app(phone, server, "alliance", f"params={ALLIANCE}", ".wb-ramp-chart svg", ".wb-trust-trend")
    assert_fits(page, ".wb-app", "alliance dashboard", explain)
    assert_charts_scaled(page, ".wb-app .vega-embed svg", "alliance dashboard", explain)
    assert_touch_sized(page, ".wb-app", "alliance dashboard", explain)
    sliders = page.eval_on_selector_all(
        ".wb-app .widget-slider",
        """els => els.map(s => {
            const label = s.querySelector('.widget-label'), track = s.querySelector('.slider-container');
            const l = label.getBoundingClientRect(), t = track.getBoundingClientRect();
            return {text: label.innerText.trim(), cut: label.scrollWidth > label.clientWidth + 1,
                    labelBottom: l.bottom, labelWidth: l.width, trackTop: t.top, trackWidth: t.width};
        })""",
    )
    assert len(sliders) == 6, explain(f"what-if sliders: {sliders}")
    for s in sliders:
        assert s["text"] and not s["cut"], explain(f"a slider's label is missing or cut: {s}")
        assert s["labelBottom"] <= s["trackTop"] + 1, explain(f"'{s['text']}' is not above its slider: {s}")
        assert s["trackWidth"] >= 200, explain(f"'{s['text']}': the slider is {s['trackWidth']:.0f} px wide")
    shot(page, "alliance")
    page.close()


def test_portfolio_app_shows_a_card_per_alliance(phone, server, explain):
    page = open_phone_app(phone, server, "portfolio", "", ".wb-app .vega-embed svg")
    assert_fits(page, ".wb-app", "portfolio app", explain)
    assert_charts_scaled(page, ".wb-app .vega-embed svg", "portfolio app", explain)
    assert_cards(page, ".wb-app", "portfolio app", explain)
    assert_touch_sized(page, ".wb-portfolio-block", "portfolio app", explain)
    shot(page, "portfolio")
    page.close()


def test_facilitator_board_fits_with_results_revealed(phone, server, explain):
    store = SQLiteStore(server.store)
    code = store.create_session("Acme Cloud × Northwind Systems", admission=False).code
    for side, score in (("vendor", 4), ("vendor", 5), ("vendor", 3), ("partner", 2), ("partner", 3), ("partner", 2)):
        p = store.join(code, side)
        for item in list(TRUST_ITEMS)[:4]:
            store.answer(code, p.id, item, score)
        store.submit(code, p.id)
    page = open_phone_app(phone, server, "facilitator", "", ".wb-session-code")
    page.click(".wb-reveal")
    # the reveal redraws the readiness chart last (these answers have no scoping part): once it
    # says so, every result of the reveal has reached the page
    page.wait_for_selector(".wb-results svg:has-text('No scoping answers submitted yet')", timeout=10_000)
    page.evaluate(SETTLED)
    assert_fits(page, ".wb-app", "facilitator board", explain)
    assert_charts_scaled(page, ".wb-results .vega-embed svg", "facilitator board", explain)
    assert_touch_sized(page, ".wb-app", "facilitator board", explain)
    shot(page, "facilitator")
    page.close()


def test_workshop_page_fits(phone, server, explain):
    page = open_phone_app(phone, server, "workshop", "", ".wb-join")
    assert_fits(page, "body", "workshop", explain)
    assert_touch_sized(page, ".wb-workshop", "workshop", explain)
    shot(page, "workshop")
    page.close()
