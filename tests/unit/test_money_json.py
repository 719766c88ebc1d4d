"""Money in the JSON the package writes is rounded to the currency's minor unit: no decimals for
JPY, cents for USD and EUR."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MINIMAL_PARAMS
from workbook import load_params, summarise
from workbook.currency import DEFAULT_MINOR_UNIT, minor_unit, round_money
from workbook.summary import MONEY_FIELDS

#: A plan whose amounts are not whole: a third of a deal a month and an odd deal value.
ODD = (
    MINIMAL_PARAMS.replace("avg_deal_value: 10000", "avg_deal_value: 10000.37")
    .replace("steady_deals_per_month: 2", "steady_deals_per_month: 2.3333")
    + "  investment: [{name: team, monthly_cost: 9999.99, start_month: 1, end_month: 24}]\n"
    + "  target_revenue: {24: 400000.123}\n"
)


def test_minor_units():
    assert (minor_unit("JPY"), minor_unit("USD"), minor_unit("EUR"), minor_unit("BHD")) == (0, 2, 2, 3)
    assert minor_unit("XXX") == DEFAULT_MINOR_UNIT == 2  # a code with no minor unit in the data


def test_round_money_by_hand():
    assert round_money(1234.5, "JPY") == 1235 and isinstance(round_money(1234.5, "JPY"), int)
    assert round_money(-1234.5, "JPY") == -1235  # halves away from zero, as the pages round
    assert round_money(12.345, "USD") == 12.35
    assert round_money(0.125, "EUR") == 0.13
    assert round_money(-0.001, "USD") == 0.0 and str(round_money(-0.001, "USD")) == "0.0"
    assert round_money(None, "USD") is None


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.sampled_from(["JPY", "USD", "EUR", "BHD"]))
def test_round_money_writes_at_most_the_minor_unit_and_stays_within_half_a_unit(value, code):
    got = round_money(value, code)
    digits = minor_unit(code)
    text = json.dumps(got)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    assert decimals <= max(digits, 1)
    assert abs(got - value) <= 0.5 * 10 ** -digits + 1e-6 * max(1.0, abs(value))


@pytest.mark.parametrize("code", ["JPY", "USD", "EUR"])
def test_summary_money_is_rounded_to_the_minor_unit(tmp_path, code):
    path = tmp_path / "odd.yaml"
    path.write_text(ODD.replace("type: reseller}", f"type: reseller, currency: {code}}}"))
    text = json.dumps(summarise(load_params(path)))
    data = json.loads(text)
    for key in ("cumulative_net_at_horizon", "peak_funding_need", "npv", "business_plan_gap"):
        assert key in MONEY_FIELDS
        value = data[key]
        assert value is not None
        written = re.search(rf'"{key}": (-?[0-9.]+)', text).group(1)
        if minor_unit(code) == 0:
            assert "." not in written, (key, written)
        else:
            assert len(written.partition(".")[2]) <= 2, (key, written)
