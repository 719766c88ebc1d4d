"""The revenue-ramp model: the design's worked check, hand-computed cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import ramp
from workbook.schema import Ramp


def make_ramp(**overrides) -> Ramp:
    """The design's worked check: one-off deals, no ramp, no enablement; the team is paid
    10,000 a month to the horizon unless ``investment`` says otherwise."""
    base = dict(
        horizon_months=12,
        commitment_months=12,
        enablement_months=0,
        sales_cycle_months=3,
        ramp_months=0,
        steady_deals_per_month=2,
        avg_deal_value=10_000,
        partner_margin=0.2,
        gross_margin=1.0,
    )
    base.update(overrides)
    base.setdefault("investment", [{"name": "team", "monthly_cost": 10_000, "start_month": 1, "end_month": base["horizon_months"]}])
    return Ramp.model_validate(base)


def test_worked_check_from_the_design():
    result = ramp.run(make_ramp())
    df, m = result.monthly, result.metrics
    assert m.first_revenue_month == 4
    assert list(df["net"].iloc[3:]) == [6_000.0] * 9  # 2 × 10,000 × 0.8 − 10,000
    assert df["cumulative_net"].iloc[2] == -30_000
    assert m.break_even_month == 8
    assert df["cumulative_net"].iloc[7] == 0
    assert m.peak_funding_need == 30_000
    assert m.cumulative_net_at_horizon == -30_000 + 9 * 6_000


def test_monthly_table_has_the_documented_columns_and_1_based_months():
    df = ramp.run(make_ramp()).monthly
    assert list(df.columns) == ramp.COLUMNS
    assert df["month"].tolist() == list(range(1, 13))
    assert (df["cumulative_investment"].diff().fillna(df["investment"]) == df["investment"]).all()


def test_enablement_delays_sourcing_by_whole_months():
    # 2 months of enablement: sourcing starts in month 3, closes 3 months later in month 6.
    m = ramp.run(make_ramp(enablement_months=2)).metrics
    assert m.first_revenue_month == 6


def test_one_offs_and_gross_margin_hand_computed():
    r = make_ramp(
        gross_margin=0.5,
        investment=[
            {"name": "team", "monthly_cost": 2_000, "start_month": 1, "end_month": 12},
            {"name": "launch", "one_off": 5_000, "month": 1},
        ],
    )
    df = ramp.run(r).monthly
    # month 1: −2,000 − 5,000; months 2–3: −2,000; from month 4: 20,000 × 0.8 × 0.5 − 2,000 = 6,000
    assert df["net"].tolist()[:5] == [-7_000, -2_000, -2_000, 6_000, 6_000]
    # cumulative: −11,000 at month 3; −5,000 at 4; +1,000 at 5 → break-even month 5
    assert ramp.run(r).metrics.break_even_month == 5


def test_no_break_even_within_horizon_is_none():
    m = ramp.run(make_ramp(steady_deals_per_month=0.5)).metrics
    # 0.5 × 10,000 × 0.8 = 4,000 a month against 10,000 of cost: never pays back
    assert m.break_even_month is None
    assert m.pays_back_after_commitment


def test_npv_uses_a_monthly_rate_from_the_annual_discount_rate():
    r = make_ramp(discount_rate=0.12)
    result = ramp.run(r)
    i = 1.12 ** (1 / 12) - 1
    expected = sum(net / (1 + i) ** month for month, net in zip(result.monthly["month"], result.monthly["net"]))
    assert result.metrics.npv == pytest.approx(expected)
    assert result.metrics.npv < result.metrics.cumulative_net_at_horizon  # late gains are discounted


@pytest.mark.parametrize("ramp_months", [4, 9, 12, 30])
def test_s_curve_is_zero_at_start_full_at_the_end_and_hits_documented_points(ramp_months):
    assert float(ramp.s_curve(0, ramp_months)) == 0.0
    assert float(ramp.s_curve(ramp_months, ramp_months)) == pytest.approx(1.0)
    assert float(ramp.s_curve(ramp_months / 2, ramp_months)) == pytest.approx(0.5)
    assert float(ramp.s_curve(ramp.S_CURVE_10 * ramp_months, ramp_months)) == pytest.approx(0.10)
    assert float(ramp.s_curve(ramp.S_CURVE_90 * ramp_months, ramp_months)) == pytest.approx(0.90)
    xs = np.linspace(0, ramp_months, 50)
    assert np.all(np.diff(ramp.s_curve(xs, ramp_months)) > 0)


def test_zero_ramp_months_means_full_capability_at_once():
    df = ramp.run(make_ramp(ramp_months=0)).monthly
    assert df["capability"].tolist() == [1.0] * 12


def test_ramp_slows_the_first_revenue_and_the_payback():
    fast = ramp.run(make_ramp(horizon_months=36, commitment_months=24)).metrics
    slow = ramp.run(make_ramp(horizon_months=36, commitment_months=24, ramp_months=12)).metrics
    assert slow.break_even_month > fast.break_even_month


def _with_events(*events, **kw):
    return make_ramp(horizon_months=36, commitment_months=24, ramp_months=12, events=list(events), **kw)


@pytest.mark.parametrize(
    "kind", ["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]
)
def test_each_premature_change_has_a_visible_cost(kind):
    plan = ramp.run(_with_events())
    hit = ramp.run(_with_events({"month": 10, "kind": kind, "severity": 0.6, "note": "x"}))
    after = hit.monthly["deals_sourced"].iloc[10:] < plan.monthly["deals_sourced"].iloc[10:] - 1e-9
    assert after.any(), f"{kind} did not reduce deal flow"
    assert hit.monthly["deals_sourced"].iloc[:9].equals(plan.monthly["deals_sourced"].iloc[:9])


def test_people_change_knocks_capability_back_then_it_rebuilds():
    hit = ramp.run(_with_events({"month": 14, "kind": "people_change", "severity": 0.5}))
    cap = hit.monthly["capability"]
    assert cap.iloc[13] < cap.iloc[12]  # the drop in month 14
    assert cap.iloc[-1] == pytest.approx(1.0)  # and it rebuilds with sustained effort


def test_resource_withdrawal_cuts_cost_as_well_as_capability():
    plan = ramp.run(_with_events())
    hit = ramp.run(_with_events({"month": 10, "kind": "resource_withdrawal", "severity": 0.5}))
    assert hit.monthly["investment"].iloc[9] == pytest.approx(plan.monthly["investment"].iloc[9] * 0.5)
    assert hit.monthly["capability"].iloc[-1] == pytest.approx(0.5)


def test_responsibility_move_stalls_effort_for_a_few_months():
    hit = ramp.run(_with_events({"month": 10, "kind": "responsibility_move", "severity": 1.0}))
    assert hit.monthly["effort"].iloc[9:12].tolist() == [0.0, 0.0, 0.0]
    assert hit.monthly["effort"].iloc[12] == 1.0
    half = ramp.run(_with_events({"month": 10, "kind": "responsibility_move", "severity": 0.5}))
    assert half.monthly["effort"].iloc[8:13].tolist() == [1.0, 0.5, 0.5, 0.5, 1.0]
    assert half.monthly["investment"].iloc[9] == 10_000  # the people are still paid


def test_target_revenue_gives_the_business_plan_gap():
    r = make_ramp(target_revenue={6: 50_000, 12: 200_000})
    result = ramp.run(r)
    # modelled cumulative vendor revenue at month 12: 9 months × 16,000 = 144,000
    assert result.metrics.plan_gap == pytest.approx(200_000 - 144_000)
    assert result.metrics.plan_gap_month == 12
    table = ramp.plan_gap_table(r, result)
    assert table["gap"].tolist() == pytest.approx([50_000 - 3 * 16_000, 56_000])
    # target curve is linear from 0 between the points
    assert result.monthly["target_cumulative_revenue"].iloc[2] == pytest.approx(25_000)


def test_scenarios_include_the_alternative_routes_when_given():
    r = make_ramp(
        horizon_months=36,
        commitment_months=24,
        scenarios={
            "direct": {"monthly_cost": 30_000, "steady_deals_per_month": 2},
            "acquire": {"price": 500_000, "month": 2, "steady_deals_per_month": 3},
        },
    )
    items = ramp.scenarios(r)
    names = [s.name for s in items]
    assert names[0] == "As planned"
    assert any(n.startswith("Invest 6 months late") for n in names)
    assert any(n.startswith("Under-invest by 30%") for n in names)
    assert "Build a direct team" in names and "Acquire" in names
    acquire = items[names.index("Acquire")].result
    assert acquire.monthly["investment"].iloc[1] == 500_000
    late = items[1].result.metrics
    assert late.first_revenue_month == ramp.run(r).metrics.first_revenue_month + 6


def test_monte_carlo_bands_are_ordered_and_reproducible():
    r = make_ramp(
        horizon_months=24,
        uncertainty={"sales_cycle_months": [2, 3, 6], "avg_deal_value": [6_000, 10_000, 14_000]},
    )
    a = ramp.monte_carlo(r, runs=200, seed=3)
    b = ramp.monte_carlo(r, runs=200, seed=3)
    c = ramp.monte_carlo(r, runs=200, seed=4)
    assert a.bands.equals(b.bands)
    assert not a.bands.equals(c.bands)
    assert (a.bands["p10"] <= a.bands["p50"] + 1e-9).all() and (a.bands["p50"] <= a.bands["p90"] + 1e-9).all()
    assert 0 < a.p_break_even_within_commitment < 1


def test_sensitivity_ranks_inputs_by_swing():
    sens = ramp.sensitivity(make_ramp(horizon_months=24, ramp_months=6))
    assert list(sens["swing"]) == sorted(sens["swing"], reverse=True)
    row = sens.set_index("input").loc["avg_deal_value"]
    assert row["high"] > row["base"] > row["low"]
    cycle = sens.set_index("input").loc["sales_cycle_months"]
    assert cycle["high"] < cycle["low"]  # a longer cycle hurts


# --- properties (the essay's claims are in test_essay_claims.py) ---------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_same_seed_same_monte_carlo(seed):
    r = make_ramp(uncertainty={"sales_cycle_months": [1, 3, 5], "steady_deals_per_month": [1, 2, 3]})
    a = ramp.monte_carlo(r, runs=20, seed=seed)
    b = ramp.monte_carlo(r, runs=20, seed=seed)
    assert a.bands.equals(b.bands)
    assert a.p_break_even_within_commitment == b.p_break_even_within_commitment
    assert math.isclose(np.nansum(a.break_even_months), np.nansum(b.break_even_months))
