"""The plan-against-actual chart and its place in the money machine's area: the actual line, the
plan, the band (only with uncertainty ranges) and the dashed re-forecast, read from the spec."""

from __future__ import annotations

from tests.unit.test_actuals import months, params
from workbook import views
from workbook.areas import assess
from workbook.charts.actuals import ACTUAL, PLAN, REFORECAST, actuals_chart, actuals_table


def test_the_re_forecast_continues_the_actual_line_to_the_horizon():
    a = assess(params(months(12000)))
    t = a.actuals
    assert t is not None
    data = actuals_table(a.ramp.plan, t)
    actual = data[data["series"] == ACTUAL]
    ahead = data[data["series"] == REFORECAST]
    assert actual["month"].tolist() == list(range(1, 13))
    assert ahead["month"].tolist() == list(range(12, 25))
    assert ahead["cumulative_net"].iloc[0] == actual["cumulative_net"].iloc[-1] == -12000
    assert ahead["cumulative_net"].iloc[-1] == 12000  # −12,000 + 12 × 2,000
    assert len(data[data["series"] == PLAN]) == 24


def test_the_chart_states_the_finding_and_draws_the_band_only_with_ranges():
    a = assess(params(months(12000), uncertainty={"avg_deal_value": [8000, 10000, 12000]}))
    t = a.actuals
    assert t is not None
    spec = actuals_chart(a.ramp.plan, t, a.ramp.monte_carlo).to_dict()
    assert spec["title"]["text"] == "Behind plan, below the simulation's P10 through month 12: re-forecast break-even month 18 (plan: month 8)"
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks[0] == "area"
    lines = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert lines["encoding"]["strokeDash"]["scale"]["range"][2] == [6, 4]  # the re-forecast is dashed
    no_band = actuals_chart(a.ramp.plan, t, None).to_dict()
    assert "area" not in str([layer["mark"] for layer in no_band["layer"]])


def test_the_money_machine_area_shows_the_actuals_and_escapes_the_source():
    p = params(months(16000)).model_copy()
    data = p.model_dump(by_alias=True)
    data["actuals"]["source"] = "<script>alert(1)</script>"
    from workbook.schema import Params

    a = assess(Params.model_validate(data))
    html = views.render(a.view("ramp")).html
    assert "Plan against actual" in html and "on plan" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    # a file without actuals shows no such part
    assert views.actuals_view(assess(params(None))) == []


def test_the_portfolio_has_a_tracking_column_that_sorts_the_furthest_behind_highest():
    from workbook.portfolio import HEADERS, row_cells, sort_keys
    from workbook.summary import summary_of

    column = HEADERS.index("Plan against actual") - 1  # the cells follow the alliance's name
    behind = summary_of(params(months(12000)))
    over = summary_of(params(months(12000, investment=12000)))
    on_plan = summary_of(params(months(16000)))
    none = summary_of(params(None))
    assert row_cells(behind)[column] == (
        '<span class="wb-tracking late">behind plan at month 12</span>; <span class="wb-spend ok">on budget</span>; '
        "re-forecast break-even month 18"
    )
    # 144,000 of 120,000 spent (120 %); the re-forecast: −36,000 at month 12, +2,000 a month after, never
    assert row_cells(over)[column] == (
        '<span class="wb-tracking late">behind plan at month 12</span>; <span class="wb-spend late">over budget</span>; '
        "re-forecast: no break-even within the horizon"
    )
    # on plan, the re-forecast broke even in month 8, before the last actual month
    assert row_cells(on_plan)[column].endswith("; broke even in month 8")
    assert row_cells(none)[column] == "—"
    assert [sort_keys(s)[column] for s in (on_plan, behind, over, none)] == ["4", "6", "7", ""]
    assert HEADERS[-1] == "Top flags"


def test_the_alliance_dashboard_shows_the_plan_against_actual(monkeypatch):
    from tests.conftest import PARAMS
    from workbook.ui import dashboards

    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(PARAMS))
    app = dashboards.AllianceApp("marketplace-referral.yaml")
    parts = [w for w in app.root.children if "wb-actuals" in w._dom_classes]
    assert len(parts) == 1
    words = parts[0].children[0].value
    assert "Through Aug 2026 (month 10) the alliance is behind plan" in words  # the file starts in Nov 2025
    # the spend, what the fit found, and a re-forecast break-even before month 10 said as the past
    assert "(on budget)" in words and "the plan runs on time, at " in words
    assert "the alliance has already broken even, in Apr 2026 (month 6)" in words
    plain = dashboards.AllianceApp("saas-regional-reseller.yaml")
    assert not [w for w in plain.root.children if "wb-actuals" in w._dom_classes]
