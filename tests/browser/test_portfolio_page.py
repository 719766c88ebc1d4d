"""The portfolio index of a large reports folder, opened straight from disk (file://) in headless
Chromium: a column's heading sorts (numbers as numbers, an empty value last either way, with a
visible arrow and aria-sort), the search and the filters narrow the table and the count says how
many are shown, nothing is fetched, and without JavaScript the table is complete.

The reports folder holds a few hundred report folders made from the examples' summaries, varied
so every column has highs, lows and gaps (the page reads only each folder's summary.json).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from workbook import load_params, summarise
from workbook.portfolio import HEADERS, is_late, needs_attention
from workbook.summary import Summary
from workbook.outcomes import Outcome
from workbook.reports.folders import write_portfolio_index

pytestmark = pytest.mark.browser

ALLIANCES = 300
TYPES = ("reseller", "referral", "technology", "co-sell", "oem", "services")
LIGHTS = ("red", "amber", "green", "unknown", "none")
BREAK_EVEN = HEADERS.index("Break-even vs commitment")
NPV = HEADERS.index("NPV")
FAILED = "broken.yaml"

#: Each shown row of the alliances' body, in page order: its name and its cells' data-sort.
SHOWN = """() => [...document.querySelector('table.wb-portfolio').tBodies[0].rows].filter(r => !r.hidden).map(r => ({
  name: r.querySelector('a.wb-open').textContent,
  keys: [...r.cells].map(c => c.getAttribute('data-sort')),
}))"""


def _varied(base: list[dict], i: int) -> dict:
    s = json.loads(json.dumps(base[i % len(base)]))
    s["alliance"] = f"{s['alliance']} {i:03d}"
    s["slug"] = f"alliance-{i:03d}"
    s["type"] = TYPES[i % len(TYPES)]
    s["break_even_month"] = None if i % 9 == 0 else (i * 7) % 40 + 1  # 1..40 with gaps: 9 before 10
    s["npv"] = round((i * 7919) % 20011 * 97.5 - 500_000, 2)
    s["areas"] = {**s["areas"], "trust": LIGHTS[i % len(LIGHTS)]}
    return s


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> tuple[Path, list[dict]]:
    """The index page of a reports folder of ``ALLIANCES`` reports and one failed file."""
    base = [summarise(load_params(p), p) for p in EXAMPLES]
    out = tmp_path_factory.mktemp("reports")
    rows = [_varied(base, i) for i in range(ALLIANCES)]
    for s in rows:
        folder = out / s["slug"]
        folder.mkdir()
        (folder / "summary.json").write_text(json.dumps(s), encoding="utf-8")
        (folder / "report.html").write_text("<html>report</html>", encoding="utf-8")
        if int(s["slug"].rsplit("-", 1)[1]) % 5 == 0:  # some made with --pdf --xlsx: their links must not widen the table
            (folder / "report.pdf").write_bytes(b"%PDF-1.4")
            (folder / "model.xlsx").write_bytes(b"PK")
    failure = Outcome(params_path=Path(FAILED), reason=f"{FAILED}:9: ramp.partner_margin: <b>20</b> is not a share")
    return write_portfolio_index(out, failures=[failure]), rows


@pytest.fixture
def page(browser, portfolio):
    """The page, opened from disk, recording every request it makes (``page.requests``)."""
    p = browser.new_page()
    p.requests = []  # type: ignore[attr-defined]
    p.on("request", lambda req: p.requests.append(req.url))  # type: ignore[attr-defined]
    p.errors = []  # type: ignore[attr-defined]
    p.on("pageerror", lambda exc: p.errors.append(str(exc)))  # type: ignore[attr-defined]
    p.goto(portfolio[0].as_uri())
    p.wait_for_selector("#wb-portfolio-controls:not([hidden])")
    yield p
    assert p.errors == []  # type: ignore[attr-defined]
    p.close()


#: Resolves after the next two animation frames: what a change made the page do is done and painted.
NEXT_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def count(page) -> str:
    return page.inner_text("#wb-portfolio-count")


def shown_names(page) -> list[str]:
    return [r["name"] for r in page.evaluate(SHOWN)]


def wait_for_count(page, text: str) -> None:
    page.wait_for_function("t => document.getElementById('wb-portfolio-count').textContent === t", arg=text, timeout=5000)


def sort_button(page, header: str):
    return page.get_by_role("button", name=header, exact=True)


def test_sorting_by_break_even_orders_months_as_numbers_with_none_last(page, portfolio):
    heading = page.locator("thead th").nth(BREAK_EVEN)
    assert heading.get_attribute("aria-sort") is None
    sort_button(page, HEADERS[BREAK_EVEN]).click()

    keys = [r["keys"][BREAK_EVEN] for r in page.evaluate(SHOWN)]
    months = [int(k) for k in keys if k]
    assert len(keys) == ALLIANCES
    assert months == sorted(months) and months[0] == 1 and months[-1] == 40
    assert keys[len(months) :] == [""] * (ALLIANCES - len(months)), "alliances without a break-even are not all last"
    assert heading.get_attribute("aria-sort") == "ascending"
    assert heading.locator(".wb-arrow").inner_text() == "▲"
    # a row's shown month follows its key: the table moved whole rows, not just values
    first = page.locator("table.wb-portfolio tbody tr").first
    assert "month 1 /" in first.locator("td").nth(BREAK_EVEN).inner_text()

    sort_button(page, HEADERS[BREAK_EVEN]).click()
    keys = [r["keys"][BREAK_EVEN] for r in page.evaluate(SHOWN)]
    months = [int(k) for k in keys if k]
    assert months == sorted(months, reverse=True)
    assert keys[len(months) :] == [""] * (ALLIANCES - len(months)), "descending must keep the gaps last too"
    assert heading.get_attribute("aria-sort") == "descending"
    assert heading.locator(".wb-arrow").inner_text() == "▼"
    # the failed file stays listed after the alliances
    assert page.locator("tr.failed").inner_text().startswith(f"Failed: {FAILED}")


def test_a_heading_sorts_from_the_keyboard_and_only_one_column_is_marked(page):
    sort_button(page, HEADERS[BREAK_EVEN]).click()
    sort_button(page, HEADERS[NPV]).focus()
    page.keyboard.press("Enter")
    npv = [float(r["keys"][NPV]) for r in page.evaluate(SHOWN)]
    assert npv == sorted(npv) and npv[0] < 0 < npv[-1]
    marked = page.eval_on_selector_all("thead th", "ths => ths.map(th => th.getAttribute('aria-sort'))")
    assert marked == [None] * NPV + ["ascending"] + [None] * (len(HEADERS) - NPV - 1)


def test_the_search_narrows_the_table_and_the_count_follows(page, portfolio):
    _, rows = portfolio
    assert count(page) == f"{ALLIANCES} of {ALLIANCES} alliances shown"
    kestrel = [s["alliance"] for s in rows if "Kestrel" in s["alliance"]]
    page.fill("input[name=q]", "KESTREL")
    wait_for_count(page, f"{len(kestrel)} of {ALLIANCES} alliances shown")
    assert sorted(shown_names(page)) == sorted(kestrel)

    # every word counts, in any order; accents and case do not matter
    page.fill("input[name=q]", "07 méridian")
    wanted = sorted(s["alliance"] for s in rows if "Meridian" in s["alliance"] and "07" in s["alliance"])
    wait_for_count(page, f"{len(wanted)} of {ALLIANCES} alliances shown")
    assert sorted(shown_names(page)) == wanted and len(wanted) >= 2

    page.fill("input[name=q]", "no such alliance")
    wait_for_count(page, f"0 of {ALLIANCES} alliances shown")
    assert page.locator("#wb-portfolio-none").is_visible()
    assert page.locator("tr.failed").is_visible(), "a failed file is not an alliance: the search leaves it listed"

    page.get_by_role("button", name="Show all").click()
    wait_for_count(page, f"{ALLIANCES} of {ALLIANCES} alliances shown")
    assert not page.locator("#wb-portfolio-none").is_visible()


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def test_the_filters_narrow_by_type_status_and_area_light(page, portfolio):
    _, rows = portfolio

    def expect(rows_wanted: list[dict]) -> None:
        wait_for_count(page, f"{len(rows_wanted)} of {ALLIANCES} alliances shown")
        assert sorted(shown_names(page)) == sorted(s["alliance"] for s in rows_wanted)

    page.select_option("select[name=type]", "referral")
    referral = [s for s in rows if s["type"] == "referral"]
    expect(referral)

    page.select_option("select[name=status]", "late")  # on top of the type
    expect([s for s in referral if is_late(Summary.model_validate(s))])

    page.select_option("select[name=type]", "")
    page.select_option("select[name=status]", "attention")
    expect([s for s in rows if needs_attention(Summary.model_validate(s))])

    page.select_option("select[name=status]", "")
    page.select_option("select[name=light]", "trust:unknown")
    expect([s for s in rows if s["areas"]["trust"] == "unknown"])

    page.select_option("select[name=light]", "*:red")
    expect([s for s in rows if "red" in s["areas"].values()])

    # the search works together with the filters
    page.fill("input[name=q]", _folded(rows[2]["alliance"].split(" ")[0]))
    word = _folded(rows[2]["alliance"].split(" ")[0])
    expect([s for s in rows if "red" in s["areas"].values() and word in _folded(s["alliance"])])


def test_nothing_is_fetched(page, portfolio):
    _, rows = portfolio
    sort_button(page, HEADERS[BREAK_EVEN]).click()
    page.fill("input[name=q]", "helix")
    page.select_option("select[name=light]", "*:amber")
    # the page has sorted and filtered (the count says so) and painted the result twice since
    assert page.locator("thead th").nth(BREAK_EVEN).get_attribute("aria-sort") == "ascending"
    wait_for_count(page, f"{sum(1 for s in rows if 'helix' in _folded(s['alliance']) and 'amber' in s['areas'].values())} of {ALLIANCES} alliances shown")
    page.evaluate(NEXT_FRAMES)
    assert page.requests == [portfolio[0].as_uri()]  # type: ignore[attr-defined]


def test_without_javascript_the_table_is_complete(new_context, portfolio):
    ctx = new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(portfolio[0].as_uri())
    rows = page.locator("table.wb-portfolio tbody tr:visible")
    assert rows.count() == ALLIANCES + 1  # and the failed file
    assert not page.locator("#wb-portfolio-controls").is_visible()
    assert page.locator("thead button").count() == 0


@pytest.mark.parametrize("width", [1205, 1280, 1440])
def test_a_wide_screen_shows_every_column_without_scrolling_sideways(new_context, portfolio, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(portfolio[0].as_uri())
    page.wait_for_selector("#wb-portfolio-controls:not([hidden])")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    right = page.eval_on_selector("table.wb-portfolio", "t => t.getBoundingClientRect().right")
    assert right <= width
    assert page.locator("a.wb-xlsx").count() == page.locator("a.wb-pdf").count() > 0
    # from 1280 px rows stay short: three flags of two lines at most, then "+ N more"
    heights = page.eval_on_selector_all("table.wb-portfolio tbody:first-of-type tr", "rs => rs.map(r => r.getBoundingClientRect().height)")
    assert width < 1280 or max(heights) <= 200, f"the tallest row is {max(heights):.0f} px"


def test_the_sort_list_sorts_as_the_headings_do(page):
    """The "Sort by" list (a phone's only way to sort: its cards have no headings) and the
    headings are one state: either shows what the other chose."""
    page.select_option("select[name=sort]", f"{NPV}:descending")
    npv = [float(r["keys"][NPV]) for r in page.evaluate(SHOWN)]
    assert npv == sorted(npv, reverse=True)
    assert page.locator("thead th").nth(NPV).get_attribute("aria-sort") == "descending"
    sort_button(page, HEADERS[BREAK_EVEN]).click()
    assert page.input_value("select[name=sort]") == f"{BREAK_EVEN}:ascending"
    page.get_by_role("button", name="Show all").click()  # back to the page's order, by name
    page.wait_for_function(f"() => document.querySelector('select[name=sort]').value === ''")
    names = shown_names(page)
    assert names == sorted(names, key=str.casefold)


#: The shared script's pure parts, run on cases: (search words, type, status, light) -> which
#: of three rows pass; and an order over numbers with gaps.
CASES = """() => {
  const rows = [
    {folded: wbPortfolioFold("Crème Brûlée × Ácme 007"), type: "oem", lights: ["trust:red", "scope:green"], status: ["attention", "late"]},
    {folded: wbPortfolioFold("Acme × Northwind"), type: "reseller", lights: ["trust:amber", "scope:red"], status: ["in-time"]},
    {folded: wbPortfolioFold("Helix"), type: "oem", lights: ["trust:green", "scope:amber"], status: ["late"]},
  ];
  const pass = (q, type, status, light) => rows.map((r, i) => wbPortfolioMatches(r, wbPortfolioFold(q).split(/\\s+/).filter(Boolean), type, status, light) ? i : -1).filter(i => i >= 0);
  const items = [5, null, -2, 5, 40, null, 9].map((v, order) => ({v, order}));
  const collator = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});
  const order = d => wbPortfolioOrder(items, it => it.v, d, collator).map(it => it.order);
  return {
    words: [pass("", "", "", ""), pass("ACME", "", "", ""), pass("acme creme", "", "", ""), pass("acme nothing", "", "", "")],
    filters: [pass("", "oem", "", ""), pass("", "", "late", ""), pass("", "", "", "*:red"), pass("", "", "", "scope:red"), pass("acme", "oem", "late", "trust:red")],
    ascending: order("ascending"), descending: order("descending"),
    names: wbPortfolioOrder([{v: "b", order: 0}, {v: "A10", order: 1}, {v: "a9", order: 2}], it => it.v, "ascending", collator).map(it => it.order),
  };
}"""


def test_the_shared_search_and_sort_on_cases(browser):
    from workbook.portfolio import script

    page = browser.new_page()
    page.set_content(f"<script>{script()}</script>")
    got = page.evaluate(CASES)
    page.close()
    # every word, in any case and without accents; the filters add up
    assert got["words"] == [[0, 1, 2], [0, 1], [0], []]
    assert got["filters"] == [[0, 2], [0, 2], [0, 1], [1], [0]]
    # numbers as numbers, empty last both ways, ties in page order
    assert got["ascending"] == [2, 0, 3, 6, 4, 1, 5]
    assert got["descending"] == [4, 6, 0, 3, 2, 1, 5]
    assert got["names"] == [2, 1, 0]  # names by the collator: case-blind, digits as numbers


def test_a_phone_shows_one_card_per_alliance(new_context, portfolio):
    ctx = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(portfolio[0].as_uri())
    page.wait_for_selector("#wb-portfolio-controls:not([hidden])")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    boxes = page.eval_on_selector_all(
        "#wb-portfolio-controls input, #wb-portfolio-controls select, #wb-portfolio-controls button",
        "els => els.map(e => e.getBoundingClientRect()).map(r => [r.left, r.right, r.height])",
    )
    assert len(boxes) == 6
    for left, right, height in boxes:
        assert left >= 0 and right <= 390 and height >= 44, boxes
    assert re.fullmatch(rf"{ALLIANCES} of {ALLIANCES} alliances shown", count(page))
    # each alliance a card the screen's width: its name on top, each figure under its column's name
    assert not page.locator("thead").is_visible()
    card = page.locator("table.wb-portfolio tbody tr").first
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    label = card.locator("td").nth(NPV).evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"NPV"'
    # the search hides cards as it hides rows
    page.fill("input[name=q]", "kestrel 001")
    wait_for_count(page, f"1 of {ALLIANCES} alliances shown")
    assert page.locator("table.wb-portfolio tbody tr:visible").count() == 1 + 1  # and the failed file
