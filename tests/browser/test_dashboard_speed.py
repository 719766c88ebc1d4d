"""The alliance dashboard's speed-ups, checked for what a visitor sees (the times themselves are
measured by benchmarks/dashboard_bench.py): kernels prepared ahead of their visitors each show
the alliance their own page asked for; a what-if redraw, which swaps the chart's data in place,
shows the model's figures and the very chart a new drawing would; a bad ``?params=`` is still
explained; nothing is requested outside 127.0.0.1.

One `workbook serve` for the module, with its default of two prepared dashboard kernels.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest

from tests.browser.server import Server, start_server
from tests.conftest import outside_requests
from workbook import ramp, views
from workbook.charts.ramp import ramp_chart_data
from workbook.params import load_params
from workbook.schema import Event, SavedScenario
from workbook.apps.serve import DEFAULT_DASHBOARD_POOL, REFILL_DELAY

pytestmark = pytest.mark.browser

LOAD_MS = 60_000
CHART = ".wb-ramp-chart svg g.mark-line path"
USED = "Using pre-heated kernel"
ASKED = "asks for its page"  # a prepared kernel has run its notebook and waits for its visitor
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("dashboards"), room_size=0)
    yield srv
    srv.stop()


@pytest.fixture
def explain(server: Server):
    return lambda what: f"{what}\n--- server output ---\n{server.tail()}"


def prepared_taken(server: Server) -> int:
    return sum(1 for line in server.log().splitlines() if USED in line and "alliance.ipynb" in line)


def wait_for_prepared_kernels(server: Server) -> None:
    """Until every prepared dashboard kernel taken so far has been replaced, and every one has
    run its notebook (the server logs each prepared kernel's question for its page; only the
    dashboard has prepared kernels on this server)."""
    deadline = time.monotonic() + REFILL_DELAY + 90
    while server.log().count(ASKED) < DEFAULT_DASHBOARD_POOL + prepared_taken(server):
        assert time.monotonic() < deadline, f"the dashboard's kernel pool was not refilled:\n{server.tail()}"
        time.sleep(0.5)


def open_dashboard(new_context, server: Server, query: str, selector: str = CHART):
    page = new_context().new_page()
    page.requests = []  # type: ignore[attr-defined]
    page.on("request", lambda req: page.requests.append(req.url))  # type: ignore[attr-defined]
    page.goto(server.url("alliance", query))
    page.wait_for_selector(selector, timeout=LOAD_MS)
    return page


def expected(server: Server, name: str):
    params = load_params(server.params_dir / name)
    return params, ramp.run(params.ramp)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._open = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.cells[-1] += data


def model_figures(result, params) -> list[str]:
    """The headline tables' cells as the model states them (the same tables the report shows):
    the vendor's, then, with ``partner_economics``, the partner's money machine for that run."""
    code = params.alliance.currency
    html = views.ramp_metrics_table(result.metrics, code=code, months=params.months).html  # the file's calendar months
    if params.partner_economics is not None:
        partner = ramp.partner_economics(params.partner_economics, result)
        html += views.partner_metrics_table(partner, params.alliance.partner, code, params.months).html
    parser = _Cells()
    parser.feed(html)
    return [" ".join(c.split()) for c in parser.cells]


def shown_figures(page) -> list[str]:
    """The headline table's cells (the what-if against the plan, above it, is checked apart)."""
    cells = ".wb-alliance-metrics table:not(.wb-against-plan) td, .wb-alliance-metrics table:not(.wb-against-plan) th"
    return [" ".join(c.split()) for c in page.eval_on_selector_all(cells, "els => els.map(e => e.innerText)")]


def chart_words(page) -> tuple[str, str]:
    """The chart's own title and subtitle as drawn in its SVG (the panels' titles come first)."""
    titles = page.eval_on_selector_all(".wb-ramp-chart svg .role-title-text", "els => els.map(e => e.textContent)")
    subtitles = page.eval_on_selector_all(".wb-ramp-chart svg .role-title-subtitle", "els => els.map(e => e.textContent)")
    assert titles[:-1] == ["Monthly investment and vendor revenue", "Cumulative net: the J-curve"] and len(subtitles) == 1, (titles, subtitles)
    return titles[-1], subtitles[0]


def kernel_id(page) -> str:
    found = re.search(rf'"kernelId":\s*"({UUID})"', page.content())
    assert found, "no kernel id in the page"
    return found.group(1)


def no_outside(page) -> None:
    assert outside_requests(page.requests) == [], outside_requests(page.requests)


def assert_shows(page, server: Server, name: str, explain) -> None:
    params, result = expected(server, name)
    code = params.alliance.currency
    words = ramp_chart_data(result, code, params.months)
    assert page.inner_text(".wb-header h1") == params.alliance.name, explain(f"{name}: another alliance's header")
    assert chart_words(page) == (words.title, words.subtitle), explain(f"{name}: another alliance's chart")
    assert shown_figures(page) == model_figures(result, params), explain(f"{name}: another alliance's figures")


def test_prepared_kernels_each_show_the_alliance_their_page_asked_for(new_context, server, explain):
    assert DEFAULT_DASHBOARD_POOL == 2
    wait_for_prepared_kernels(server)
    taken = prepared_taken(server)
    first = open_dashboard(new_context, server, "params=saas-regional-reseller.yaml")
    second = open_dashboard(new_context, server, "params=enterprise-global-si.yaml")
    assert prepared_taken(server) == taken + 2, explain("the pages did not get the prepared kernels")
    assert_shows(first, server, "saas-regional-reseller.yaml", explain)
    assert_shows(second, server, "enterprise-global-si.yaml", explain)
    # the pool is empty now: the next page gets a kernel started for it, and its own alliance too
    third = open_dashboard(new_context, server, "params=manufacturer-distributor.yaml")
    assert prepared_taken(server) == taken + 2
    assert_shows(third, server, "manufacturer-distributor.yaml", explain)
    assert len({kernel_id(p) for p in (first, second, third)}) == 3
    assert_shows(first, server, "saas-regional-reseller.yaml", explain)  # still its own after the others
    for page in (first, second, third):
        no_outside(page)
        page.close()


# The drawing and what assistive technology reads of it: Vega numbers the clip paths of each
# new drawing anew, and what is inside an aria-hidden group is not read.
DRAWING = """() => {
  const svg = document.querySelector('.wb-ramp-chart svg');
  if (!svg || !svg.querySelector("g.mark-line path")) return null;
  const copy = svg.cloneNode(true);
  copy.querySelectorAll('[aria-hidden="true"] [aria-label]').forEach(e => e.removeAttribute("aria-label"));
  // an axis whose ticks change keeps the ticks it had and adds the new ones after them: the same
  // picture as a chart drawn anew, its elements in another order
  copy.querySelectorAll('g.role-axis-grid, g.role-axis-tick, g.role-axis-label').forEach(g => {
    const order = e => e.outerHTML;
    g.replaceChildren(...[...g.children].sort((a, b) => order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  });
  return copy.outerHTML.replace(/(id="|url\\(#)[^")]*/g, "$1");
}"""


def settled_drawing(page, previous: str, title: str) -> str:
    """The chart's drawing once it differs from ``previous``, shows ``title`` and the chart has
    nothing left to draw (it has ``data-wb-drawing`` from the moment the kernel's change arrives
    until it is drawn)."""
    page.wait_for_function(
        f"""([before, title]) => {{
          if (document.querySelector('.wb-ramp-chart[data-wb-drawing], .wb-ramp-chart [data-wb-drawing]')) return false;
          const d = ({DRAWING})(); return d !== null && d !== before && d.includes(title);
        }}""",
        arg=[previous, title.replace("&", "&amp;").replace("<", "&lt;")],
        timeout=10_000,
    )
    return page.evaluate(DRAWING)


def test_a_what_if_redraw_shows_the_models_figures_and_a_chart_like_a_new_one(new_context, server, explain):
    name = "saas-regional-reseller.yaml"  # no premature change in the plan
    params, _ = expected(server, name)
    base, code = params.ramp, params.alliance.currency
    page = open_dashboard(new_context, server, f"params={name}")
    # one step of each slider, by keyboard as a visitor would
    for slider, key in ((".wb-sales-cycle", "ArrowRight"), (".wb-ramp-months", "ArrowLeft"), (".wb-level", "ArrowLeft"), (".wb-delay", "ArrowRight")):
        before = page.inner_text(".wb-alliance-metrics") + page.evaluate(DRAWING)
        page.focus(f"{slider} .noUi-handle")
        page.keyboard.press(key)
        page.wait_for_function(
            f"b => document.querySelector('.wb-alliance-metrics').innerText + ({DRAWING})() !== b", arg=before, timeout=10_000
        )
    changed = base.model_copy(update={"sales_cycle_months": base.sales_cycle_months + 1, "ramp_months": base.ramp_months - 1})
    result = ramp.run(changed, delay=1, level=0.95, events=[])
    # the file gives ranges: the what-if's band is shaded under it, and the words say what it is
    what_if = SavedScenario(name="x", sales_cycle_months=changed.sales_cycle_months, ramp_months=changed.ramp_months, investment_level=0.95, start_delay_months=1)
    words = ramp_chart_data(result, code, params.months, ramp.what_if_band(base, what_if), "P10–P90 of the what-if (500 simulated runs)")
    page.wait_for_function(
        "t => [...document.querySelectorAll('.wb-ramp-chart svg .role-title-text')].some(e => e.textContent === t)", arg=words.title, timeout=10_000
    )
    assert shown_figures(page) == model_figures(result, params), explain("the redraw's figures are not the model's")
    # and the what-if against the plan, in words: plan, what-if and the change
    plan = ramp.run(base)
    against = page.inner_text(".wb-against-plan")
    assert "Plan\tWhat-if\tChange" in against or "Plan What-if Change" in " ".join(against.split())
    for row in ("Break-even", "Peak funding need", "Long-run NPV"):
        assert row in against
    assert " ".join(against.split()).count(params.months(plan.metrics.break_even_month)) >= 1
    assert chart_words(page) == (words.title, words.subtitle), explain("the redrawn chart's words are not the model's")
    assert page.get_attribute(".wb-ramp-chart", "aria-label") == words.description  # what a screen reader says
    swapped = page.evaluate(DRAWING)

    # A premature change adds a legend entry: a new chart is drawn. Taking it away draws the
    # chart of the same what-if anew: exactly what the data swaps drew.
    page.select_option(".wb-event-kind select", label="Resources withdrawn")
    event = Event(month=min(12, changed.horizon_months), kind="resource_withdrawal", severity=0.5, note="what-if")
    withdrawn = ramp_chart_data(ramp.run(changed, delay=1, level=0.95, events=[event]), code, params.months)
    with_change = settled_drawing(page, swapped, withdrawn.title)
    page.select_option(".wb-event-kind select", label="No premature change")
    fresh = settled_drawing(page, with_change, words.title)
    assert fresh == swapped, explain("the chart after data swaps differs from the same chart drawn anew")
    assert page.inner_text(".wb-status") == ""
    no_outside(page)
    page.close()


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared kernel", "kernel started for the page"])
def test_a_bad_params_name_gets_the_polite_error(new_context, server, explain, prepared):
    wait_for_prepared_kernels(server)
    held = []
    if not prepared:  # take the prepared kernels first; their replacements wait REFILL_DELAY
        held = [open_dashboard(new_context, server, "params=marketplace-referral.yaml") for _ in range(DEFAULT_DASHBOARD_POOL)]
    taken = prepared_taken(server)
    if prepared:
        queries = {"params=..%2Fpyproject.toml": "no alliance called", "params=%2Fetc%2Fpasswd": "no alliance called"}
    else:
        queries = {"params=nope.yaml": "no alliance called", "": "Choose an alliance"}
    for query, words in queries.items():
        # no alliance in the address: the params folder's alliances to choose from
        wanted = ".wb-alliance-pick" if not query else f".wb-status:has-text('{words}')"
        page = open_dashboard(new_context, server, query, wanted)
        assert "Traceback" not in page.inner_text("body")
        assert page.locator(".wb-ramp-chart svg").count() == 0 and page.locator(".wb-sales-cycle").count() == 0
        no_outside(page)
        page.close()
    assert prepared_taken(server) == taken + (len(queries) if prepared else 0), explain("pages not served as the test meant")
    for page in held:
        page.close()
