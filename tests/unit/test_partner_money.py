"""Recurring revenue and the partner's money machine: the issue's worked examples, hand-computed
cases and the claims the model makes (more churn never helps; a contract without churn pays its
one-off value within its first twelve billings)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_ramp import make_ramp
from workbook import ramp
from workbook.schema import PartnerEconomics, Ramp

PARTNER_TEAM = {"name": "Partner sales team", "monthly_cost": 2_000, "start_month": 1, "end_month": 12}


def partner(r: Ramp, **section) -> ramp.PartnerResult:
    return ramp.partner_economics(PartnerEconomics.model_validate(section), ramp.run(r))


# --- the partner's money machine ------------------------------------------------------------


def test_issue_example_vendor_month_8_partner_month_6():
    # 2 deals a month at 10,000, margin 0.2, cycle 3: the partner earns 2 × 10,000 × 0.2 = 4,000
    # a month from month 4 and spends 2,000 a month from month 1:
    # cumulative −2,000, −4,000, −6,000, −4,000, −2,000, 0 → month 6
    r = make_ramp()
    p = partner(r, investment=[PARTNER_TEAM])
    assert ramp.run(r).metrics.break_even_month == 8
    assert p.break_even_month == 6
    assert p.first_income_month == 4
    assert p.monthly["cumulative_net"].tolist()[:7] == [-2_000, -4_000, -6_000, -4_000, -2_000, 0, 2_000]
    assert p.peak_funding_need == 6_000
    assert p.cumulative_net_at_horizon == 9 * 4_000 - 12 * 2_000
    assert list(p.monthly.columns) == ramp.PARTNER_COLUMNS


def test_services_per_deal_add_to_the_partners_income():
    # 500 a deal on 2 deals a month: income 4,000 + 1,000 = 5,000 from month 4;
    # cumulative −6,000 at month 3, −3,000 at month 4, 0 at month 5
    p = partner(make_ramp(), investment=[PARTNER_TEAM], services_per_deal=500)
    assert p.monthly["services_income"].tolist()[3] == 1_000
    assert p.monthly["income"].tolist()[3] == 5_000
    assert p.break_even_month == 5


def test_a_one_off_partner_cost_and_none_at_all():
    # 10,000 paid in month 1, 4,000 a month from month 4: −10,000 … −6,000, −2,000, +2,000 → month 6
    assert partner(make_ramp(), investment=[{"name": "training", "one_off": 10_000, "month": 1}]).break_even_month == 6
    # nothing spent: the partner is even from its first income, by the vendor's rule
    assert partner(make_ramp()).break_even_month == 4
    # a partner that never earns never breaks even, even at no cost
    assert partner(make_ramp(partner_margin=0.0)).break_even_month is None


def test_partner_never_pays_back_within_the_horizon():
    p = partner(make_ramp(), investment=[{"name": "team", "monthly_cost": 5_000, "start_month": 1, "end_month": 12}])
    # 4,000 a month of income against 5,000 of cost: the J-curve only deepens
    assert p.break_even_month is None
    assert p.cumulative_net_at_horizon == 9 * 4_000 - 12 * 5_000


def test_paybacks_apart_defines_one_sided():
    assert ramp.paybacks_apart(8, 6, 36) is None
    assert ramp.paybacks_apart(8, 20, 36) is None  # 12 months apart is not "long"
    assert ramp.paybacks_apart(8, 21, 36) == 13
    assert ramp.paybacks_apart(30, 5, 36) == 25
    assert ramp.paybacks_apart(None, 5, 36) == 32  # never: counted to month 37
    assert ramp.paybacks_apart(30, None, 36) == 7  # one side never pays back: one-sided however close
    assert ramp.paybacks_apart(None, None, 36) is None


# --- recurring revenue ----------------------------------------------------------------------


def recurring(**overrides) -> Ramp:
    """One deal a month of an annual contract of 12,000, closing the month it is sourced, at no
    cost; the vendor keeps everything."""
    base = dict(
        deal_value_kind="annual_recurring",
        steady_deals_per_month=1,
        avg_deal_value=12_000,
        sales_cycle_months=0,
        partner_margin=0.0,
        horizon_months=36,
        commitment_months=36,
        investment=[],
    )
    return make_ramp(**{**base, **overrides})


def test_no_churn_month_k_bills_1000_per_deal_so_far():
    revenue = ramp.run(recurring()).monthly["revenue"].to_numpy()
    np.testing.assert_allclose(revenue, 1_000.0 * np.arange(1, 37), rtol=1e-12)


def test_one_deal_loses_half_its_billing_a_year_at_50_percent_churn():
    # effort only in month 1: one deal, closed in month 1; its billing halves every 12 months
    r = recurring(annual_churn=0.5, investment=[{"name": "launch team", "monthly_cost": 1_000, "start_month": 1, "end_month": 1}])
    df = ramp.run(r).monthly
    assert df["deals_closed"].tolist()[:2] == [1.0, 0.0]
    revenue = df["revenue"].to_numpy()
    assert revenue[0] == 1_000
    assert revenue[12] == pytest.approx(500, rel=1e-12)  # month 13
    assert revenue[24] == pytest.approx(250, rel=1e-12)  # month 25
    assert revenue[6] == pytest.approx(1_000 * 0.5**0.5, rel=1e-12)  # month 7: half a year of churn


def test_churn_and_expansion_act_together_on_the_live_book():
    # a year later the book keeps 90 % of its customers and grows by 20 %: 1,000 × 0.9 × 1.2
    r = recurring(annual_churn=0.1, annual_expansion=0.2, investment=[{"name": "t", "monthly_cost": 1, "start_month": 1, "end_month": 1}])
    assert ramp.run(r).monthly["revenue"].to_numpy()[12] == pytest.approx(1_080, rel=1e-12)


def test_steady_deals_with_churn_bill_a_geometric_series():
    # month k bills 1,000 × (1 + g + … + g^(k−1)) = 1,000 × (1 − g^k) / (1 − g), g = 0.5^(1/12)
    g = 0.5 ** (1 / 12)
    revenue = ramp.run(recurring(annual_churn=0.5)).monthly["revenue"].to_numpy()
    k = np.arange(1, 37)
    np.testing.assert_allclose(revenue, 1_000 * (1 - g**k) / (1 - g), rtol=1e-12)
    assert revenue[11] == pytest.approx(8_908.6, abs=0.1)  # month 12, by hand: 0.5 / (1 − 0.94387)


def test_total_churn_bills_each_contract_once():
    revenue = ramp.run(recurring(annual_churn=1.0)).monthly["revenue"].to_numpy()
    np.testing.assert_allclose(revenue, np.full(36, 1_000.0))


def test_partner_margin_applies_to_each_billing_and_partner_breaks_even_on_it():
    # the partner keeps 0.2 of month k's 1,000 × k and spends 1,000 a month:
    # cumulative 200 × k(k+1)/2 − 1,000 k >= 0 from k = 9
    r = recurring(partner_margin=0.2)
    df = ramp.run(r).monthly
    np.testing.assert_allclose(df["partner_share"], 200.0 * np.arange(1, 37), rtol=1e-12)
    np.testing.assert_allclose(df["vendor_revenue"], 800.0 * np.arange(1, 37), rtol=1e-12)
    p = partner(r, investment=[{"name": "team", "monthly_cost": 1_000, "start_month": 1, "end_month": 36}])
    assert p.monthly["cumulative_net"].tolist()[8] == 0
    assert p.break_even_month == 9


def test_the_issue_plan_as_recurring_contracts():
    # the worked plan with 2 contracts a month of 120,000 a year (10,000 a month), closing from
    # month 4: month k >= 4 bills 2 × (k − 3) × 10,000; the vendor keeps 0.8 and pays 10,000
    r = make_ramp(deal_value_kind="annual_recurring", avg_deal_value=120_000, horizon_months=12)
    df = ramp.run(r).monthly
    bills = [0, 0, 0, *(20_000 * (k - 3) for k in range(4, 13))]
    np.testing.assert_allclose(df["revenue"], bills)
    net = [0.8 * b - 10_000 for b in bills]
    np.testing.assert_allclose(df["cumulative_net"], np.cumsum(net))
    # cumulative: −30,000 to month 3, then +6,000, +22,000 …: −24,000, −2,000, +36,000 → month 6
    assert ramp.run(r).metrics.break_even_month == 6


def test_one_off_files_keep_their_behaviour():
    one_off = ramp.run(make_ramp())
    assert make_ramp().deal_value_kind == "one_off"
    np.testing.assert_array_equal(one_off.monthly["revenue"], ramp.run(make_ramp(deal_value_kind="one_off")).monthly["revenue"])


def test_churn_on_one_off_deals_is_an_error():
    with pytest.raises(ValueError, match="annual_churn applies only to recurring revenue"):
        make_ramp(annual_churn=0.1)
    with pytest.raises(ValueError, match="annual_expansion applies only"):
        make_ramp(annual_expansion=0.1)
    with pytest.raises(ValueError, match="annual_churn applies only"):
        make_ramp(uncertainty={"annual_churn": [0, 0.1, 0.2]})
    assert make_ramp(annual_churn=0).annual_churn == 0  # a zero changes nothing: allowed


# --- what the model claims ------------------------------------------------------------------

horizons = st.integers(6, 60)
deal_flow = st.fixed_dictionaries(
    {
        "horizon_months": horizons,
        "sales_cycle_months": st.sampled_from([0, 1, 2, 4]),
        "enablement_months": st.integers(0, 4),
        "ramp_months": st.sampled_from([0, 3, 9]),
        "steady_deals_per_month": st.sampled_from([0.5, 2, 5]),
        "partner_margin": st.sampled_from([0, 0.2, 0.4]),
        "gross_margin": st.sampled_from([0.3, 0.7, 1]),
        "annual_expansion": st.sampled_from([0, 0.1, 0.5]),
    }
)


def plan(flow: dict, churn: float) -> Ramp:
    h = flow["horizon_months"]
    return make_ramp(
        **{**flow, "commitment_months": h, "annual_churn": churn, "deal_value_kind": "annual_recurring", "avg_deal_value": 30_000},
        investment=[{"name": "team", "monthly_cost": 8_000, "start_month": 1, "end_month": h}],
    )


@settings(max_examples=60, deadline=None)
@given(deal_flow, st.floats(0, 1), st.floats(0, 1))
def test_more_churn_never_raises_the_cumulative_net(flow, a, b):
    low, high = sorted((a, b))
    kept, lost = ramp.run(plan(flow, low)), ramp.run(plan(flow, high))
    assert (lost.monthly["cumulative_net"].to_numpy() <= kept.monthly["cumulative_net"].to_numpy() + 1e-6).all()
    be_kept, be_lost = kept.metrics.break_even_month, lost.metrics.break_even_month
    assert be_lost is None or (be_kept is not None and be_kept <= be_lost)


@settings(max_examples=60, deadline=None)
@given(deal_flow)
def test_without_churn_a_contract_pays_its_one_off_value_within_twelve_billings(flow):
    # every contract closed 11 or more months before month m has billed at least its annual
    # value by m, so recurring revenue to month m >= one-off revenue to month m − 11
    flow = {**flow, "annual_expansion": 0}
    h = flow["horizon_months"]
    team = [{"name": "team", "monthly_cost": 8_000, "start_month": 1, "end_month": h}]
    rec = ramp.run(plan(flow, 0.0)).monthly["revenue"].cumsum().to_numpy()
    flow.pop("annual_expansion")
    once = ramp.run(make_ramp(**{**flow, "commitment_months": h, "avg_deal_value": 30_000}, investment=team))
    once_cum = once.monthly["revenue"].cumsum().to_numpy()
    assert (rec[11:] >= once_cum[:-11] - 1e-6).all()
    # a twelfth a month never gets ahead of the whole value at once in the first year of selling
    assert (rec[:12] <= once_cum[:12] + 1e-6).all()


# --- through the summary ---------------------------------------------------------------------


def test_summary_gives_the_partners_break_even_or_null(tmp_path):
    from tests.conftest import MINIMAL_PARAMS
    from workbook import assess, load_params, summarise

    plain = tmp_path / "plain.yaml"
    plain.write_text(MINIMAL_PARAMS.replace("  gross_margin: 1.0\n", "  gross_margin: 1.0\n  investment: [{name: team, monthly_cost: 10000, start_month: 1, end_month: 24}]\n"))
    both = tmp_path / "both.yaml"
    both.write_text(
        plain.read_text().replace("Test alliance", "Other alliance")
        + "partner_economics:\n  investment:\n    - {name: Partner sales team, monthly_cost: 2000, start_month: 1, end_month: 24}\n"
    )
    s_plain, s_both = summarise(load_params(plain)), summarise(load_params(both))
    assert s_plain["partner_break_even_month"] is None
    assert (s_both["break_even_month"], s_both["partner_break_even_month"]) == (8, 6)
    assert "one_sided_payback" not in {f["code"] for f in s_both["flags"]}
    # the partner paying 3,900 a month only just pays back (100 a month from month 4: 3 × 3,900 =
    # 11,700 to earn back, month 3 + 117 — never within 24 months): one-sided
    never = tmp_path / "never.yaml"
    never.write_text(both.read_text().replace("monthly_cost: 2000", "monthly_cost: 3900"))
    a = assess(load_params(never))
    assert a.ramp.partner is not None and a.ramp.partner.break_even_month is None
    flag = next(f for f in a.flags if f.code == "one_sided_payback")
    assert flag.severity == "medium" and "vendor breaks even in month 8, the partner not within the 24-month horizon" in flag.message


def test_the_partners_band_is_each_draws_partner_money_machine():
    # The simulation's draws, each run alone through the partner's rules, give the partner's
    # P10/P50/P90 by month; without ranges every run is the plan, so the band is the plan's curve.
    from tests.unit.test_vectorised import documented_draws

    r = make_ramp(
        horizon_months=24,
        ramp_months=6,
        uncertainty={"sales_cycle_months": [2, 3, 5], "steady_deals_per_month": [1, 2, 3], "partner_margin": [0.15, 0.2, 0.3]},
        simulation={"runs": 60, "seed": 3},
    )
    side = PartnerEconomics.model_validate({"investment": [PARTNER_TEAM], "services_per_deal": 500})
    mc = ramp.monte_carlo(r, partner=side)
    assert mc.partner_bands is not None
    curves = np.array(
        [ramp.partner_economics(side, ramp.run(ramp.varied(r, **draw))).monthly["cumulative_net"].to_numpy() for draw in documented_draws(r, 60, 3)]
    )
    for column, q in (("p10", 10), ("p50", 50), ("p90", 90)):
        np.testing.assert_allclose(mc.partner_bands[column].to_numpy(), np.percentile(curves, q, axis=0), rtol=1e-12, atol=1e-6)
    assert (mc.partner_bands["p90"] - mc.partner_bands["p10"]).max() > 1_000  # the ranges give the band a width
    fixed = ramp.monte_carlo(make_ramp(horizon_months=24), partner=side)
    assert fixed.partner_bands is not None
    plan_curve = ramp.partner_economics(side, ramp.run(make_ramp(horizon_months=24))).monthly["cumulative_net"].to_numpy()
    for column in ("p10", "p50", "p90"):
        np.testing.assert_allclose(fixed.partner_bands[column].to_numpy(), plan_curve)
    assert ramp.monte_carlo(r).partner_bands is None  # no partner economics, no partner band


def test_both_sides_chart_shades_each_sides_band_only_when_there_are_ranges():
    import json

    from workbook.charts import two_sides_chart

    r = make_ramp(horizon_months=24, uncertainty={"steady_deals_per_month": [1, 2, 3]}, simulation={"runs": 40, "seed": 1})
    side = PartnerEconomics.model_validate({"investment": [PARTNER_TEAM]})
    plan = ramp.run(r)
    mc = ramp.monte_carlo(r, partner=side)
    assert mc.partner_bands is not None
    shaded = json.dumps(two_sides_chart(plan, ramp.partner_economics(side, plan), bands=(mc.bands, mc.partner_bands)).to_dict(), ensure_ascii=False)
    plain = json.dumps(two_sides_chart(plan, ramp.partner_economics(side, plan)).to_dict(), ensure_ascii=False)
    assert shaded.count('"area"') == 2 and "P10–P90" in shaded and "middle 80 %" in shaded
    assert '"area"' not in plain and "P10" not in plain
