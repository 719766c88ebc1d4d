"""Calendar months: ``alliance.start`` dates month 1, ``health.alliance_start`` folds into it, and
one :class:`~workbook.months.MonthNames` words every month ("Apr 2027 (month 16)").

The worked plan: 13,000 a month invested, sales cycle 3, no enablement, ramp 0, 2 deals a month of
10,000, partner margin 0.2, gross margin 1. Vendor revenue is 2 × 10,000 × 0.8 = 16,000 a month
from month 4, net +3,000 a month from then; the cumulative net is −39,000 at month 3 and reaches
−39,000 + 13 × 3,000 = 0 in month 16: break-even in month 16, after a 12-month commitment. With the
alliance starting on 15 Jan 2026, month 16 is April 2027 (January + 15 months).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbook import portfolio, views
from workbook.areas import assess
from workbook.charts import svg
from workbook.charts.ramp import ramp_chart
from workbook.charts.theme import MONTH_AXIS, month_axis
from workbook.errors import ParamsError
from workbook.months import NUMBERED, MonthNames
from workbook.params import load_params, parse_params
from workbook.signals import month_of
from workbook.summary import Summary, summarise

PLAN: dict[str, Any] = {
    "schema": 1,
    "alliance": {"name": "Calendar example", "vendor": "V", "partner": "P", "type": "reseller"},
    "ramp": {
        "horizon_months": 24,
        "commitment_months": 12,
        "enablement_months": 0,
        "sales_cycle_months": 3,
        "ramp_months": 0,
        "steady_deals_per_month": 2,
        "avg_deal_value": 10000,
        "partner_margin": 0.2,
        "gross_margin": 1.0,
        "investment": [{"name": "Alliance manager", "monthly_cost": 13000, "start_month": 1, "end_month": 24}],
        "simulation": {"runs": 10},
    },
}
START = dt.date(2026, 1, 15)
HEALTH = {"check_ins": [{"date": "2026-03-02", "alliance_manager": "Dana", "sentiment": "positive"}]}


def plan(start: dt.date | None = START, **sections: Any) -> dict[str, Any]:
    data = copy.deepcopy(PLAN)
    if start is not None:
        data["alliance"]["start"] = start.isoformat()
    data.update(copy.deepcopy(sections))
    return data


def params(data: dict[str, Any]) -> Any:
    return parse_params(data, Path("calendar.yaml"))


# --------------------------------------------------------------------------------------------
# The wording


def test_a_month_is_worded_with_its_calendar_month_when_the_start_is_known():
    names = MonthNames(START)
    assert names.long(16) == "Apr 2027 (month 16)"
    assert names.short(16) == "Apr 2027"
    assert names.long(1) == "Jan 2026 (month 1)"
    assert names.long(12) == "Dec 2026 (month 12)"  # the last month of a year, not month 0 of the next
    assert names.long(13) == "Jan 2027 (month 13)"
    assert names(None, "never") == "never"
    assert names.first_day(16) == dt.date(2027, 4, 1)


def test_without_a_start_months_keep_their_old_wording():
    assert NUMBERED.long(16) == "month 16"
    assert NUMBERED.long(16, capital=True) == "Month 16"
    assert NUMBERED.short(16) == "month 16"
    assert NUMBERED(None) == "not within the horizon"
    assert NUMBERED.calendar(16) is None and NUMBERED.axis_label_expr() is None
    assert month_axis(NUMBERED, 36) is MONTH_AXIS  # the chart's axis is the one it always had


@given(
    start=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    m=st.integers(min_value=1, max_value=240),
)
def test_month_m_is_the_start_month_plus_m_minus_1_and_the_check_ins_agree(start, m):
    names = MonthNames(start)
    day = names.first_day(m)
    assert day is not None and day.day == 1
    assert (day.year * 12 + day.month) - (start.year * 12 + start.month) == m - 1
    # a check-in dated in that calendar month is numbered m by the health signals
    assert month_of(day, start) == m
    assert names.long(m) == f"{day:%b %Y} (month {m})"


# --------------------------------------------------------------------------------------------
# The schema: alliance.start and health.alliance_start


def test_alliance_start_alone_dates_month_1_and_the_check_ins():
    p = params(plan(health=HEALTH))
    assert p.start == START
    assert p.health is not None and p.health.alliance_start == START  # the health section takes it
    assert p.months.long(16) == "Apr 2027 (month 16)"


def test_health_alliance_start_alone_dates_month_1_too():
    p = params(plan(start=None, health={**HEALTH, "alliance_start": "2026-01-15"}))
    assert p.alliance.start is None
    assert p.start == START and p.months.long(16) == "Apr 2027 (month 16)"


def test_both_starts_are_accepted_while_they_agree():
    p = params(plan(health={**HEALTH, "alliance_start": START.isoformat()}))
    assert p.start == START


def test_two_starts_that_differ_are_an_error_naming_the_file_line_and_field(tmp_path):
    data = plan(health={**HEALTH, "alliance_start": "2026-02-01"})
    with pytest.raises(ParamsError) as info:
        params(data)
    [problem] = info.value.problems
    assert problem.field == "health.alliance_start"
    assert "2026-02-01 differs from alliance.start (2026-01-15)" in problem.message
    # from a file, with its line, as workbook check prints it
    path = tmp_path / "two-starts.yaml"
    path.write_text(
        "schema: 1\n"
        "alliance: {name: Two starts, vendor: V, partner: P, type: reseller, start: 2026-01-15}\n"
        "ramp: {horizon_months: 24, commitment_months: 12, sales_cycle_months: 3, steady_deals_per_month: 2,\n"
        "       avg_deal_value: 10000, partner_margin: 0.2, gross_margin: 1.0}\n"
        "health:\n"
        "  alliance_start: 2026-02-01\n"
        "  check_ins:\n"
        "    - {date: 2026-03-02, alliance_manager: Dana, sentiment: positive}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParamsError) as info:
        load_params(path)
    [problem] = info.value.problems
    assert str(problem).startswith(f"{path}:6: health.alliance_start: 2026-02-01 differs from alliance.start (2026-01-15)")


def test_a_bad_alliance_start_is_reported_once_where_it_is_written():
    with pytest.raises(ParamsError) as info:
        params(plan(start=None, alliance={**PLAN["alliance"], "start": "2026-02-30"}, health=HEALTH))
    fields = [p.field for p in info.value.problems]
    assert fields == ["alliance.start"], info.value.problems


# --------------------------------------------------------------------------------------------
# Where months are shown


def test_a_flag_and_the_money_machine_section_name_april_2027():
    a = assess(params(plan()))
    assert a.ramp.plan.metrics.break_even_month == 16  # as worked by hand above
    [flag] = [f for f in a.flags if f.code == "commitment_before_break_even"]
    assert flag.message == "Resources are committed for 12 months but the plan pays back only in Apr 2027 (month 16)."
    html = views.section(a, "ramp").html
    assert "<th>Break-even (the net stays at or above 0 from then)</th><td>Apr 2027 (month 16)</td>" in html
    assert "<th>Commitment ends</th><td>Dec 2026 (month 12)</td>" in html
    summary = views.executive_summary(a).html
    assert "Break-even Apr 2027 (month 16) against a 12-month commitment" in summary


def test_the_chart_axis_shows_calendar_months_and_its_tooltips_the_month_in_words():
    p = params(plan())
    a = assess(p)
    chart = ramp_chart(a.ramp.plan, None, "USD", p.months)
    spec = chart.to_dict()
    jcurve = spec["vconcat"][1]["layer"][1]
    assert jcurve["encoding"]["x"]["axis"]["values"] == [1, 4, 7, 10, 13, 16, 19, 22]  # Jan, Apr, Jul, Oct
    assert {"field": "when", "title": "Month", "type": "nominal"} in jcurve["encoding"]["tooltip"]
    assert "Apr 2027 (month 16)" in str(spec["datasets"])
    drawn = svg(chart)
    assert "Apr 2027" in drawn and "Jan 2026" in drawn  # Vega's label expression, as the report draws it


def test_the_portfolio_cell_shows_the_calendar_month_over_its_number():
    s = summarise(params(plan()))
    assert s["start"] == "2026-01-15" and s["break_even_month"] == 16  # the contract keeps numbers
    cells = portfolio.row_cells(Summary.model_validate(s))
    assert '<span class="wb-calendar" style="white-space:nowrap">Apr 2027</span><br><small>month 16</small>' in cells[4]
    assert '<span class="wb-calendar" style="white-space:nowrap">Apr 2026</span><br><small>month 4</small>' in cells[3]  # first revenue


def test_a_file_without_a_start_is_worded_as_before():
    a = assess(params(plan(start=None)))
    [flag] = [f for f in a.flags if f.code == "commitment_before_break_even"]
    assert flag.message == "Resources are committed for 12 months but the plan pays back only in month 16."
    html = views.section(a, "ramp").html
    assert "<th>Break-even (the net stays at or above 0 from then)</th><td>month 16</td>" in html
    assert not any(f"{m} 20" in html for m in ("Jan", "Apr", "Dec"))
    s = summarise(a.params, assessment=a)
    assert s["start"] is None
    cells = portfolio.row_cells(Summary.model_validate(s))
    assert cells[3] == "month 4" and cells[4].startswith('<span class="late">month 16</span>')
    spec = ramp_chart(a.ramp.plan, None, "USD", a.params.months).to_dict()
    jcurve = spec["vconcat"][1]["layer"][1]
    assert jcurve["encoding"]["x"]["axis"] == {"format": "d", "tickMinStep": 1, "title": "Month"}
    assert {"field": "month", "title": "Month", "type": "quantitative"} in jcurve["encoding"]["tooltip"]


def test_a_health_flag_names_the_calendar_month_of_its_check_in():
    health = {
        "check_ins": [
            {"date": "2026-03-02", "alliance_manager": "Dana", "sentiment": "positive"},
            {"date": "2026-06-30", "alliance_manager": "Dana", "sentiment": "neutral",
             "events": [{"kind": "resources", "note": "budget cut"}]},
        ]
    }
    a = assess(params(plan(health=health)))
    [flag] = [f for f in a.flags if f.code == "resources_cut_before_break_even"]
    # 30 Jun 2026 is month 6 of an alliance starting in January 2026; break-even is month 16
    assert flag.message == (
        "Resources were cut in Jun 2026 (month 6), reported on 30 Jun 2026, "
        "before the modelled break-even in Apr 2027 (month 16): budget cut."
    )


def test_the_alliance_dashboard_words_its_months_as_calendar_months(monkeypatch):
    from tests.conftest import PARAMS
    from workbook.ui import dashboards

    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(PARAMS))
    for name in ("VOILA_PREHEAT", "VOILA_KERNEL_ID", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    app = dashboards.AllianceApp("saas-regional-reseller.yaml")  # starts 1 Jul 2025; breaks even in month 22
    assert app.result.metrics.break_even_month == 22
    assert "<th>Break-even (the net stays at or above 0 from then)</th><td>Apr 2027 (month 22)</td>" in app.metrics.value
    assert app.chart.chart is not None and app.chart.chart.to_dict()["title"]["text"].startswith("Pays back in Apr 2027 (month 22)")
    assert "(Jul 2025 to Jun 2028)" in app.header.value
    app.event_month.value = 12
    assert app.event_when.value == "<small>Plan month 12 is Jun 2026.</small>"
