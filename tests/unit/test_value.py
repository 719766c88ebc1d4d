"""The partner's non-sales value, on the essay's case of 6,000 quotes a year.

Worked by hand (per year):
  quotes          6,000 quotes x 1.5 h x 60/h                 = 540,000
  design advice   1,000 h x 60/h                              =  60,000
  credit checks   1,200 checks x 25                           =  30,000
  cost of money   10,000,000 revenue x 45/365 days x 8 %      =  98,630.14
  bad debt        10,000,000 x 0.5 %                          =  50,000
  total direct cost                                           = 778,630.14
"""

from __future__ import annotations

import pytest

from workbook import value
from workbook.schema import Value

ESSAY = {
    "quotes_per_year": 6000,
    "hours_per_quote": 1.5,
    "loaded_cost_per_hour": 60,
    "design_advice_hours_per_year": 1000,
    "credit_checks_per_year": 1200,
    "cost_per_credit_check": 25,
    "revenue_via_partner_per_year": 10_000_000,
    "dso_days_partner_carries": 45,
    "cost_of_capital": 0.08,
    "bad_debt_rate_avoided": 0.005,
}
TOTAL = 540_000 + 60_000 + 30_000 + 10_000_000 * 45 / 365 * 0.08 + 50_000


def make_value(**overrides) -> Value:
    return Value.model_validate({**ESSAY, **overrides}, strict=True)


def test_breakdown_of_the_essay_case_by_hand():
    table = value.breakdown(make_value(), partner_margin=0.15).set_index("item")
    assert table.loc["quotes", "amount"] == pytest.approx(540_000)
    assert table.loc["design_advice", "amount"] == pytest.approx(60_000)
    assert table.loc["credit_checks", "amount"] == pytest.approx(30_000)
    assert table.loc["cost_of_money", "amount"] == pytest.approx(98_630.137, abs=0.01)
    assert table.loc["bad_debt", "amount"] == pytest.approx(50_000)
    assert table.loc["quotes", "basis"] == "6,000 quotes × 1.5 h × $60/h"
    # margin derived from revenue x ramp.partner_margin: 10,000,000 x 15 %
    assert table.loc["margin", "amount"] == pytest.approx(1_500_000)
    assert table.loc["margin", "kind"] == "margin"


def test_totals_and_flag_quiet_when_margin_is_larger():
    result = value.analyse(make_value(), partner_margin=0.15)
    assert result.direct_cost == pytest.approx(TOTAL)  # 778,630.14
    assert result.net == pytest.approx(TOTAL - 1_500_000)
    assert result.coverage == pytest.approx(TOTAL / 1_500_000)
    assert value.flags(result) == []


def test_flag_fires_when_going_direct_costs_more_than_the_margin():
    flags = value.flags(make_value(margin_paid_to_partner_per_year=700_000))
    assert [f.code for f in flags] == ["non_sales_value_exceeds_margin"]
    assert flags[0].area == "value"
    assert "778,630" in flags[0].message and "700,000" in flags[0].message


def test_other_costs_are_added():
    v = make_value(other_costs=[{"name": "First-line support", "cost_per_year": 120_000}])
    result = value.analyse(v, partner_margin=0.15)
    assert result.direct_cost == pytest.approx(TOTAL + 120_000)
    assert "First-line support" in list(result.breakdown["label"])


def test_explicit_margin_wins_over_partner_margin():
    assert value.margin_paid(make_value(margin_paid_to_partner_per_year=42.0), partner_margin=0.5) == 42.0
    with pytest.raises(ValueError, match="partner_margin"):
        value.margin_paid(make_value())
