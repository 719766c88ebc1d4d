"""The alliance dashboard's fast paths, without a browser: a what-if redraw sends the tables and
words a new chart would draw; a kernel prepared ahead of its visitor learns its page from the
server (or the page) and shows one alliance only; which apps get prepared kernels."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, PARAMS
from workbook import ramp, views
from workbook.charts.ramp import ramp_chart, ramp_chart_data
from workbook.charts.render import LiveChart, _table_values
from workbook.params import load_params
from workbook.schema import SavedScenario
from workbook.apps.serve import DASHBOARDS, preheat_args
from workbook.ui import dashboards
from workbook.apps.voila_pool import Visits, visit_query
from workbook.kernel_env import LIVE_CHART_BUNDLE_ENV, VISITS_ENV
from workbook.ui.visits import next_visit

SAAS = "saas-regional-reseller.yaml"  # a plan without premature changes
OTHER = "enterprise-global-si.yaml"


def run_async(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` in an event loop of its own thread, as the other async unit tests do (a
    browser test of the same session leaves its loop running in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def params_dir(monkeypatch):
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(PARAMS))
    for name in ("VOILA_PREHEAT", "VOILA_KERNEL_ID", VISITS_ENV, "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    return PARAMS


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_chart_data_is_what_the_chart_draws(path):
    p = load_params(path)
    result = ramp.run(p.ramp)
    data = ramp_chart_data(result, p.alliance.currency, p.months)  # the examples date month 1: calendar months
    spec = ramp_chart(result, code=p.alliance.currency, names=p.months).to_dict()
    for name, table in data.tables.items():
        assert _table_values(table) in spec["datasets"].values(), f"the chart does not draw the {name} table"
    assert spec["title"] == {"text": data.title, "subtitle": data.subtitle}
    assert spec["description"] == data.description


def test_a_what_if_redraw_sends_what_a_new_chart_would_draw(params_dir):
    app = dashboards.AllianceApp(SAAS)
    spec = app.chart.spec
    app.sales_cycle.value = 7
    app.level.value = 0.8
    app.delay.value = 2
    expected = ramp.run(app.base.model_copy(update={"sales_cycle_months": 7}), delay=2, level=0.8, events=[])
    # the band under it: the simulation re-run on the what-if (the file has ranges)
    band = ramp.what_if_band(app.base, SavedScenario(name="x", sales_cycle_months=7, investment_level=0.8, start_delay_months=2))
    assert band is not None and app.band_label == "P10–P90 of the what-if (500 simulated runs)"
    fresh = ramp_chart(expected, band, code="USD", names=app.params.months, band_label=app.band_label).to_dict()
    assert app.chart.spec is spec, "a what-if with the same layout must not send a new spec"
    patch = app.chart.patch
    assert patch["tables"], patch
    for name, table in patch["tables"].items():
        assert table["rows"] in fresh["datasets"].values(), f"{name}: not what a new chart would draw"
    # the chart shown, its tables swapped as the browser does, draws exactly the new chart's data
    shown = {**spec["datasets"], **{name: table["rows"] for name, table in patch["tables"].items()}}
    assert sorted(map(json.dumps, shown.values())) == sorted(map(json.dumps, fresh["datasets"].values()))
    assert patch["words"] == {"title": fresh["title"]["text"], "subtitle": fresh["title"]["subtitle"], "description": fresh["description"]}
    # the partner's money machine (the file has partner_economics) follows the what-if too
    assert app.params.partner_economics is not None
    partner = ramp.partner_economics(app.params.partner_economics, expected)
    assert partner.break_even_month != ramp.partner_economics(app.params.partner_economics, ramp.run(app.base)).break_even_month
    assert app.metrics.value == (
        dashboards.against_plan_html(ramp.run(app.base).metrics, expected.metrics, "USD", app.params.months)
        + "<h2>Headline</h2>"
        + views.ramp_metrics_table(expected.metrics, code="USD", months=app.params.months).html
        + views.partner_metrics_table(partner, "Northwind Systems", "USD", app.params.months).html
    )


def test_only_changed_tables_get_a_new_version(params_dir):
    app = dashboards.AllianceApp(SAAS)
    app.level.value = 0.8  # less money, less effort: every table moves but the markers may not
    first = {name: t["version"] for name, t in app.chart.patch["tables"].items()}
    app.chart.update(ramp_chart_data(app.result, "USD", app.params.months).tables)  # the same result again
    assert {name: t["version"] for name, t in app.chart.patch["tables"].items()} == first


def test_a_layout_change_draws_a_new_chart(params_dir):
    app = dashboards.AllianceApp(SAAS)
    spec = app.chart.spec
    app.event_kind.value = "resource_withdrawal"  # a premature change: its legend entry appears
    assert app.chart.spec is not spec and app.chart.patch == {}
    assert "Premature change" in json.dumps(app.chart.spec)
    app.sales_cycle.value = 6  # same layout again: tables only
    new = app.chart.spec
    app.sales_cycle.value = 5
    assert app.chart.spec is new and app.chart.patch["tables"]


def test_reset_redraws_once(params_dir, monkeypatch):
    app = dashboards.AllianceApp(SAAS)
    app.sales_cycle.value, app.ramp_months.value, app.level.value = 9, 3, 0.7
    runs = []
    real = ramp.run
    monkeypatch.setattr(dashboards.ramp, "run", lambda *a, **k: runs.append(1) or real(*a, **k))
    app._reset()
    assert runs == [] and app.result.metrics == real(app.base).metrics  # the plan, run once when the page opened
    assert "Against the plan" not in app.metrics.value


def test_the_kernels_of_one_server_bundle_the_charts_javascript_once(tmp_path, monkeypatch):
    import vl_convert

    from workbook.charts import render

    shared = tmp_path / "live-chart.js"
    monkeypatch.setenv(LIVE_CHART_BUNDLE_ENV, str(shared))
    render._live_chart_bundle.cache_clear()  # a new kernel
    first = render._live_chart_bundle()
    assert shared.read_text(encoding="utf-8") == first and "vega" in first
    render._live_chart_bundle.cache_clear()  # the next kernel reads it
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda *a, **k: pytest.fail("bundled again"))
    assert render._live_chart_bundle() == first
    render._live_chart_bundle.cache_clear()


def test_the_chart_refuses_a_table_it_does_not_draw():
    p = load_params(PARAMS / SAAS)
    result = ramp.run(p.ramp)
    with pytest.raises(ValueError, match="does not draw the table 'monthly'"):
        LiveChart(ramp_chart(result), {"monthly": result.monthly})


# --------------------------------------------------------------------------------------------
# prepared kernels


def test_the_token_never_reaches_a_kernel():
    url = "http://10.0.0.2:8866/voila/render/alliance.ipynb?token=room-secret&params=a%20b.yaml&params=c.yaml"
    assert visit_query(url) == "params=a+b.yaml&params=c.yaml"


def run_visits(scenario, tmp_path: Path, monkeypatch):
    """Run ``scenario(visits)`` with a :class:`Visits` server and a prepared kernel's environment."""
    monkeypatch.setenv(VISITS_ENV, str(tmp_path / "visits"))
    monkeypatch.setenv("VOILA_KERNEL_ID", "kernel-1")
    monkeypatch.setenv("VOILA_PREHEAT", "True")

    async def main():
        visits = Visits()
        server = await visits.serve(str(tmp_path / "visits"))
        try:
            return await scenario(visits)
        finally:
            server.close()

    return run_async(main())


def test_a_prepared_kernel_learns_its_page_when_it_is_handed_out(tmp_path, monkeypatch):
    async def scenario(visits):
        asked = asyncio.create_task(next_visit())
        await asyncio.wait_for(visits.asked("kernel-1"), 5)  # the question has reached the server
        assert not asked.done()  # nobody has opened the page yet
        visits.hand_out("kernel-1", "http://127.0.0.1:8866/voila/render/alliance.ipynb?params=x.yaml&token=t")
        visits.hand_out("kernel-1", "http://127.0.0.1:8866/voila/render/alliance.ipynb?params=other.yaml")  # never a second page
        return await asyncio.wait_for(asked, 5)

    assert run_visits(scenario, tmp_path, monkeypatch) == "params=x.yaml"
    assert (tmp_path / "visits").stat().st_mode & 0o777 == 0o600


def test_a_kernel_handed_out_before_it_asked_learns_its_page_at_once(tmp_path, monkeypatch):
    async def scenario(visits):
        visits.hand_out("kernel-1", "http://127.0.0.1/voila/render/alliance.ipynb?params=y.yaml")
        return await asyncio.wait_for(next_visit(), 5)

    assert run_visits(scenario, tmp_path, monkeypatch) == "params=y.yaml"


def test_a_kernel_shut_down_unvisited_hears_nothing(tmp_path, monkeypatch):
    async def scenario(visits):
        asked = asyncio.create_task(next_visit())
        await asyncio.wait_for(visits.asked("kernel-1"), 5)  # shut down while it waits for its page
        visits.forget("kernel-1")
        return await asyncio.wait_for(asked, 5)

    assert run_visits(scenario, tmp_path, monkeypatch) is None


def test_only_a_prepared_kernel_asks(params_dir):
    assert run_async(next_visit()) is None


def test_a_prepared_dashboard_shows_the_alliance_of_its_visit_only(tmp_path, monkeypatch, params_dir):
    async def scenario(visits):
        app = dashboards.AllianceApp(wait=True)
        assert "Opening the alliance" in app.status.value and app.body.children == (app.chart,)
        visits.hand_out("kernel-1", f"http://127.0.0.1/voila/render/alliance.ipynb?params={OTHER}&token=t")
        await asyncio.wait_for(app.visit, 10)
        return app

    app = run_visits(scenario, tmp_path, monkeypatch)
    name = load_params(PARAMS / OTHER).alliance.name
    assert name in app.header.value and app.status.value == ""
    assert app.chart.chart is not None and app.chart.chart.to_dict()["title"]["text"] == ramp_chart_data(app.result, names=app.params.months).title


def test_without_the_server_the_page_reports_its_alliance_once(params_dir):
    async def scenario():
        app = dashboards.AllianceApp(wait=True)
        await app.visit  # no server to ask: the page will say
        return app

    app = run_async(scenario())
    assert app.page in app.root.children and app.body.children == (app.chart,)
    app.page.params, app.page.reported = SAAS, True  # what the page's script sends
    assert load_params(PARAMS / SAAS).alliance.name in app.header.value
    shown = app.header.value
    app.page.params, app.page.reported = OTHER, False
    app.page.reported = True  # a second report (a tampered page): ignored
    assert app.header.value == shown


@pytest.mark.parametrize("name", ["../pyproject.toml", "/etc/passwd", "nope.yaml", ""])
def test_a_prepared_dashboard_explains_a_bad_params_name(tmp_path, monkeypatch, params_dir, name):
    async def scenario(visits):
        app = dashboards.AllianceApp(wait=True)
        visits.hand_out("kernel-1", f"http://127.0.0.1/voila/render/alliance.ipynb?params={name}")
        await asyncio.wait_for(app.visit, 10)
        return app

    app = run_visits(scenario, tmp_path, monkeypatch)
    assert app.chart.spec == {}
    if name:
        assert "no alliance called" in app.status.value and app.body.children == (app.chart,)
    else:  # no alliance in the address: the params folder's alliances to choose from
        [pick] = app.body.children
        assert "wb-alliance-pick" in pick._dom_classes and pick.value == ""
        assert "Choose an alliance" in app.header.value


def test_only_the_alliance_dashboard_gets_prepared_kernels_besides_the_workshop():
    assert DASHBOARDS == ("alliance.ipynb",)
    pools = json.loads(next(a for a in preheat_args(0, 2) if "kernel_pools_config" in a).split("=", 1)[1])
    assert pools == {"default": {"pool_size": 0}, "alliance.ipynb": {"pool_size": 2}}
    assert preheat_args(0, 0) == []


def test_the_address_carries_the_what_if_and_opens_on_it(params_dir, monkeypatch):
    from urllib.parse import parse_qs

    app = dashboards.AllianceApp(SAAS)
    assert app.url.query == f"params={SAAS}"  # the plan: only the alliance
    app.sales_cycle.value = 7
    app.event_kind.value = "people_change"
    app.event_month.value = 10
    query = {k: v[0] for k, v in parse_qs(app.url.query).items()}
    assert query == {"params": SAAS, "cycle": "7", "ramp": str(app.base.ramp_months), "level": "1", "delay": "0",
                     "change": "people_change", "month": "10", "severity": "0.5"}
    # a colleague opens the link: the same what-if, the same figures
    monkeypatch.setenv("QUERY_STRING", app.url.query)
    shared = dashboards.AllianceApp(SAAS)
    assert (shared.sales_cycle.value, shared.event_kind.value, shared.event_month.value) == (7, "people_change", 10)
    assert shared.result.metrics == app.result.metrics and "Against the plan" in shared.metrics.value
    # out-of-range or unreadable settings are clamped or ignored, never an error
    monkeypatch.setenv("QUERY_STRING", f"params={SAAS}&cycle=999&level=abc&change=explode&delay=-4")
    odd = dashboards.AllianceApp(SAAS)
    assert odd.sales_cycle.value == odd.sales_cycle.max and odd.level.value == 1.0 and odd.event_kind.value == "" and odd.delay.value == 0
    assert odd.status.value == ""


def test_against_the_plan_states_each_change_in_words():
    p = load_params(PARAMS / SAAS)
    plan = ramp.run(p.ramp)
    later = ramp.run(p.ramp, delay=3)
    html = dashboards.against_plan_html(plan.metrics, later.metrics, "USD", p.months)
    be_plan, be_late = plan.metrics.break_even_month, later.metrics.break_even_month
    assert be_plan is not None and be_late is not None
    assert f"{be_late - be_plan} months later" in html
    assert "<th>Plan</th><th>What-if</th><th>Change</th>" in html
