"""The essay's claims about the money machine, as properties over valid random plans, and the
hand-computed cases behind each rule of the model (README, "How the model works").

- A premature change never helps: it never raises the cumulative net, and it strictly lowers
  it when it strikes after selling began, early enough for its effect to show in the horizon.
- Ending resources early never raises revenue; a withdrawal is the same as ending the lines.
- Investing late, or a longer sales cycle, never pays back earlier.
- The plan always lies inside its simulation's range.

Every property holds for one-off deals and for annual contracts billed monthly (with any churn
and expansion): the drawn plans are of both kinds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbook import ramp
from tests.unit.test_ramp import make_ramp
from workbook.schema import Event, Ramp

PROPERTY = settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow], deadline=None)
CHANGES = ["people_change", "responsibility_move", "cynicism"]


def plan(**overrides) -> Ramp:
    """The design's worked check (test_ramp.make_ramp) over 36 months with a 24-month commitment:
    one-off deals of 10,000, 2 a month at full capability, a 10,000-a-month team to the horizon."""
    return make_ramp(**{"horizon_months": 36, "commitment_months": 24, **overrides})


# --- hand-computed cases, one per rule ---------------------------------------------------------


def test_a_people_change_after_the_ramp_still_costs_the_capability_it_knocks_back():
    # 12-month ramp, a people change of severity 0.5 in month 30: progress was capped at 12,
    # falls to 6 and rebuilds one month at a time (6, 7, 8, 9 ... in months 30, 31, 32, 33 ...).
    # Deals sourced in months 30-33 close by month 36 (cycle 3); each lost deal costs 8,000.
    # The person also takes half the pipeline: the 2 deals a month sourced in months 27-29,
    # which would close in months 30-32.
    r = plan(ramp_months=12)
    before = ramp.run(r).metrics.cumulative_net_at_horizon
    after = ramp.run(r, events=[Event(month=30, kind="people_change", severity=0.5)]).metrics.cumulative_net_at_horizon
    lost_deals = 2 * sum(1 - float(ramp.s_curve(p, 12)) for p in (6, 7, 8, 9)) + 0.5 * (2 + 2 + 2)
    assert before - after == pytest.approx(lost_deals * 8_000)
    assert before - after > 10_000


def test_damage_left_longer_before_repair_costs_more():
    # A responsibility move knocks progress back like a people change of the same severity,
    # and also cuts effort for 3 months while the new owner picks it up: rebuilding starts
    # later, so it costs more.
    r = plan(ramp_months=12, horizon_months=60, commitment_months=36)
    net = {
        kind: ramp.run(r, events=[Event(month=20, kind=kind, severity=0.5)]).metrics.cumulative_net_at_horizon
        for kind in ("people_change", "responsibility_move")
    }
    assert net["responsibility_move"] < net["people_change"] < ramp.run(r).metrics.cumulative_net_at_horizon


def test_ending_the_lines_and_withdrawing_every_resource_give_the_same_machine():
    # The case: the only recurring line ends at month 24 of 36. Effort ends with it,
    # so deals sourced up to month 24 close up to month 27: 24 months × 16,000 − 24 × 10,000.
    ended = plan(investment=[{"name": "team", "monthly_cost": 10_000, "start_month": 1, "end_month": 24}])
    withdrawn = plan(events=[{"month": 25, "kind": "resource_withdrawal", "severity": 1.0}])
    a, b = ramp.run(ended), ramp.run(withdrawn)
    assert a.metrics.cumulative_net_at_horizon == pytest.approx(144_000)
    assert b.metrics.cumulative_net_at_horizon == pytest.approx(144_000)
    cols = ["investment", "effort", "capability", "deals_sourced", "deals_closed", "net", "cumulative_net"]
    assert np.allclose(a.monthly[cols].to_numpy(), b.monthly[cols].to_numpy())


def test_effort_is_the_recurring_cost_against_the_full_strength_the_file_states():
    # Full strength costs 10,000 a month: 6,000 from month 1 and 4,000 from month 4 give
    # effort 0.6 in months 1-3, then 1, and 0.6 again once the 4,000 line ends after month 30.
    lines = [
        {"name": "manager", "monthly_cost": 6_000, "start_month": 1, "end_month": 36},
        {"name": "engineer", "monthly_cost": 4_000, "start_month": 4, "end_month": 30},
        {"name": "launch", "one_off": 50_000, "month": 1},
    ]
    r = plan(investment=lines, full_effort_monthly_cost=10_000)
    effort = ramp.run(r).monthly["effort"].tolist()
    assert effort[:3] == [0.6] * 3 and effort[3:30] == [1.0] * 27 and effort[30:] == [0.6] * 6
    assert ramp.run(r, level=0.5).monthly["effort"].iloc[5] == 0.5  # under-investing halves it
    # A surge above full strength buys no extra effort (capped at 1) and takes none from other months.
    surge = plan(investment=[*lines, {"name": "surge", "monthly_cost": 30_000, "start_month": 5, "end_month": 7}], full_effort_monthly_cost=10_000)
    assert ramp.run(surge).monthly["effort"].tolist() == effort
    # Without the figure, every month with a recurring line in place counts as fully resourced.
    assert ramp.run(plan(investment=lines)).monthly["effort"].tolist() == [1.0] * 36


def test_a_plan_without_recurring_lines_keeps_full_effort():
    r = plan(investment=[{"name": "launch", "one_off": 20_000, "month": 1}])
    assert ramp.run(r).monthly["effort"].tolist() == [1.0] * 36


def test_every_route_pays_the_same_cost_of_goods_and_the_direct_route_pays_to_serve():
    # Deal 10,000, partner margin 0.2, gross margin 0.75: the partner route keeps
    # 8,000 × 0.75 = 6,000 a deal, so a deal's cost of goods is 2,000. A direct team keeps
    # 10,000 − 2,000 − 1,000 (a 10 % cost-to-serve) = 7,000 a deal.
    r = plan(gross_margin=0.75, scenarios={"direct": {"monthly_cost": 0, "hiring_months": 0, "ramp_months": 0, "steady_deals_per_month": 2},
                                            "acquire": {"price": 0, "month": 1, "integration_months": 0, "steady_deals_per_month": 2}})
    items = {s.key: s for s in ramp.scenarios(r, cost_to_serve_rate=0.10)}
    partner = items["plan"].result.monthly.iloc[5]
    direct = items["direct"].result.monthly.iloc[5]
    acquired = items["acquire"].result.monthly.iloc[5]
    assert partner["contribution"] == pytest.approx(2 * 6_000)
    assert partner["cost_of_goods"] == pytest.approx(2 * 2_000) == direct["cost_of_goods"] == acquired["cost_of_goods"]
    assert direct["cost_to_serve"] == pytest.approx(2 * 1_000)
    assert direct["contribution"] == pytest.approx(2 * 7_000)
    assert acquired["contribution"] == pytest.approx(2 * 8_000)  # its own team serves its customers


def test_routes_feel_the_files_changes_but_not_cynicism():
    direct = {"monthly_cost": 10_000, "hiring_months": 0, "ramp_months": 12, "steady_deals_per_month": 2}

    def route(*events):
        r = plan(ramp_months=12, events=list(events), scenarios={"direct": direct})
        return next(s for s in ramp.scenarios(r) if s.key == "direct").result.metrics.cumulative_net_at_horizon

    calm = route()
    assert route({"month": 15, "kind": "people_change", "severity": 0.5}) < calm
    assert route({"month": 15, "kind": "responsibility_move", "severity": 0.5}) < calm
    assert route({"month": 15, "kind": "cynicism", "severity": 0.5}) == calm


def test_tornado_and_simulation_round_whole_months_the_same_way():
    r = plan(enablement_months=3, uncertainty={"enablement_months": [2, 3, 4]})
    row = ramp.sensitivity(r).set_index("input").loc["enablement_months"]
    assert (row["low_value"], row["high_value"]) == (2, 4)  # 2.4 and 3.6, rounded half up
    assert row["low"] > row["base"] > row["high"]  # both sides of the bar move
    assert ramp.whole_months(2.5) == 3 and ramp.whole_months(2.49) == 2
    assert ramp.varied(r, enablement_months=2.4).enablement_months == 2


def test_the_simulation_follows_the_plan_when_the_plan_is_edited():
    # Ranges written around 2.5 deals a month; the plan was lowered to 1.2 afterwards. The
    # simulation keeps the written distances (−1, +1) around the plan's 1.2.
    written = {"steady_deals_per_month": [1.5, 2.5, 3.5], "sales_cycle_months": [2, 3, 5]}
    r = plan(steady_deals_per_month=1.2, avg_deal_value=11_500, uncertainty=written)
    assert r.triangles()["steady_deals_per_month"] == pytest.approx((0.2, 1.2, 2.2))
    assert r.moved_ranges() == {"steady_deals_per_month": (2.5, 1.2)}
    m = ramp.run(r).metrics
    assert m.break_even_month is not None and m.break_even_month > r.commitment_months
    assert ramp.monte_carlo(r, runs=300).p_break_even_within_commitment < 0.5


def test_ranges_stay_above_zero_and_shares_below_one():
    r = plan(enablement_months=1, partner_margin=0.9, uncertainty={"enablement_months": [2, 4, 6], "partner_margin": [0.1, 0.2, 0.4]})
    assert r.triangles()["enablement_months"] == (0.0, 1.0, 3.0)
    assert r.triangles()["partner_margin"] == pytest.approx((0.8, 0.9, 1.0))


# --- properties over valid random plans ----------------------------------------------------------

plans = st.fixed_dictionaries(
    {
        "horizon_months": st.integers(6, 60),
        "enablement_months": st.integers(0, 6),
        "sales_cycle_months": st.one_of(st.integers(0, 12), st.floats(0, 12)),
        "ramp_months": st.integers(0, 18),
        "steady_deals_per_month": st.floats(0.1, 10),
        "avg_deal_value": st.floats(1_000, 200_000),
        "partner_margin": st.floats(0, 0.5),
        "gross_margin": st.floats(0.1, 1),
        "monthly_cost": st.floats(0, 50_000),
        "one_off": st.floats(0, 200_000),
        "start_month": st.integers(1, 4),
        "deal_value_kind": st.sampled_from(["one_off", "annual_recurring"]),
        "annual_churn": st.floats(0, 1),
        "annual_expansion": st.floats(0, 0.5),
    }
)
events = st.lists(
    st.builds(
        dict,
        month=st.integers(1, 60),
        kind=st.sampled_from(["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]),
        severity=st.floats(0, 1),
    ),
    max_size=3,
)


def _ramp(d: dict, extra_events: list[dict] | None = None, **kw) -> Ramp:
    """A valid plan from the drawn values; a fractional sales cycle is set after validation,
    as the simulation sets its draws (the params file itself takes whole months)."""
    d = {**d, **kw}
    if d["deal_value_kind"] == "one_off":  # churn and expansion are for recurring contracts only
        d = {**d, "annual_churn": 0.0, "annual_expansion": 0.0}
    h = d["horizon_months"]
    r = Ramp.model_validate(
        {
            **{k: v for k, v in d.items() if k not in ("monthly_cost", "one_off", "start_month")},
            "sales_cycle_months": int(d["sales_cycle_months"]),
            "commitment_months": h,
            "investment": [
                {"name": "team", "monthly_cost": d["monthly_cost"], "start_month": min(d["start_month"], h), "end_month": h},
                {"name": "launch", "one_off": d["one_off"], "month": 1},
            ],
            "events": [{**e, "month": min(e["month"], h)} for e in (extra_events or [])],
        }
    )
    return r.model_copy(update={"sales_cycle_months": d["sales_cycle_months"]})


@PROPERTY
@given(plans, events, st.sampled_from(CHANGES), st.floats(0.01, 1), st.integers(1, 60))
def test_a_premature_change_never_helps(d, background, kind, severity, month):
    """Never a higher cumulative net, in any month; strictly lower at the horizon when the change
    hits a month that sources deals, early enough for them to close within the horizon."""
    r = _ramp(d, background)
    month = min(month, r.horizon_months)
    base = ramp.run(r)
    hit = ramp.run(r, events=[*r.events, Event(month=month, kind=kind, severity=severity)])
    assert (hit.monthly["cumulative_net"] <= base.monthly["cumulative_net"] + 1e-6).all()
    sourcing = base.monthly["deals_sourced"].iloc[month - 1] > 1e-6
    # every one of the month's deals closes within the horizon (a fractional cycle splits them over
    # two months: with a cycle of 11.999..., nearly all close a month later than floor() says)
    closes_in_time = month + math.ceil(r.sales_cycle_months) <= r.horizon_months
    learnt = kind != "people_change" or r.ramp_months > 0  # with no ramp there is no learning to lose
    if sourcing and closes_in_time and learnt:
        assert hit.metrics.cumulative_net_at_horizon < base.metrics.cumulative_net_at_horizon


@PROPERTY
@given(plans, events, st.floats(0.01, 1), st.integers(1, 60))
def test_withdrawing_resources_never_raises_revenue(d, background, severity, month):
    r = _ramp(d, background)
    month = min(month, r.horizon_months)
    base = ramp.run(r).monthly
    hit = ramp.run(r, events=[*r.events, Event(month=month, kind="resource_withdrawal", severity=severity)]).monthly
    assert (hit["cumulative_vendor_revenue"] <= base["cumulative_vendor_revenue"] + 1e-6).all()
    assert (hit["investment"] <= base["investment"] + 1e-6).all()


@PROPERTY
@given(plans, events, st.integers(1, 59))
def test_ending_resources_early_never_raises_revenue(d, background, end):
    r = _ramp(d, background)
    assume(end < r.horizon_months and d["monthly_cost"] > 0)
    cut = r.model_copy(update={"investment": [r.investment[0].model_copy(update={"end_month": max(end, r.investment[0].start_month)}), r.investment[1]]})
    base = ramp.run(r).monthly
    short = ramp.run(cut).monthly
    assert (short["cumulative_vendor_revenue"] <= base["cumulative_vendor_revenue"] + 1e-6).all()


@PROPERTY
@given(plans, events, st.integers(1, 12))
def test_investing_late_never_pays_back_earlier(d, background, delay):
    r = _ramp(d, background)
    on_time = ramp.run(r).metrics
    late = ramp.run(r, delay=delay).metrics
    if on_time.break_even_month is None:
        assert late.break_even_month is None
    elif late.break_even_month is not None:
        assert late.break_even_month >= on_time.break_even_month


@PROPERTY
@given(plans, events, st.floats(0.1, 6))
def test_a_longer_sales_cycle_never_pays_back_earlier(d, background, extra):
    r = _ramp(d, background)
    longer = r.model_copy(update={"sales_cycle_months": r.sales_cycle_months + extra})
    short, long = ramp.run(r), ramp.run(longer)
    assert (long.monthly["cumulative_net"] <= short.monthly["cumulative_net"] + 1e-6).all()
    if short.metrics.break_even_month is None:
        assert long.metrics.break_even_month is None
    elif long.metrics.break_even_month is not None:
        assert long.metrics.break_even_month >= short.metrics.break_even_month


def _range(plan_value: float, below: float, above: float) -> list[float]:
    return [max(0.0, plan_value - below), plan_value, plan_value + above]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(plans, events, st.floats(0, 3), st.floats(0, 3), st.floats(0, 0.5), st.floats(0, 0.5), st.floats(0, 2), st.floats(0, 6))
def test_the_plan_lies_inside_its_simulations_range(d, background, cycle_down, cycle_up, deals_down, deals_up, enable, ramp_up):
    r = _ramp(d, background)
    r = r.model_copy(
        update={
            "uncertainty": r.uncertainty.model_validate(
                {
                    "sales_cycle_months": _range(r.sales_cycle_months, cycle_down, cycle_up),
                    "steady_deals_per_month": _range(r.steady_deals_per_month, deals_down * r.steady_deals_per_month, deals_up * r.steady_deals_per_month),
                    "enablement_months": _range(r.enablement_months, enable, enable),
                    "ramp_months": _range(r.ramp_months, 0, ramp_up),
                    "partner_margin": [r.partner_margin, r.partner_margin, min(1.0, r.partner_margin + 0.1)],
                    **(
                        {"annual_churn": [max(0.0, r.annual_churn - 0.1), r.annual_churn, min(1.0, r.annual_churn + 0.2)]}
                        if r.deal_value_kind == "annual_recurring"
                        else {}
                    ),
                }
            )
        }
    )
    mc = ramp.monte_carlo(r, runs=40, seed=1)
    assert mc.worst is not None and mc.best is not None and mc.curves is not None
    low = mc.worst.monthly["cumulative_net"].to_numpy()
    high = mc.best.monthly["cumulative_net"].to_numpy()
    planned = ramp.run(r).monthly["cumulative_net"].to_numpy()
    tol = 1e-6 * (1 + np.abs(planned))
    assert (low <= planned + tol).all() and (planned <= high + tol).all()
    assert (mc.curves >= low - tol).all() and (mc.curves <= high + tol).all()
    assert (mc.bands["p10"].to_numpy() >= low - tol).all() and (mc.bands["p90"].to_numpy() <= high + tol).all()


@PROPERTY
@given(plans, events, st.floats(0.01, 1))
def test_more_churn_never_helps_either_side(d, background, extra):
    """Losing customers faster never raises the vendor's cumulative net nor the partner's, and
    never brings either side's break-even earlier."""
    from workbook.schema import PartnerEconomics

    r = _ramp({**d, "deal_value_kind": "annual_recurring"}, background)
    worse = r.model_copy(update={"annual_churn": min(1.0, r.annual_churn + extra)})
    kept, lost = ramp.run(r), ramp.run(worse)
    assert (lost.monthly["cumulative_net"] <= kept.monthly["cumulative_net"] + 1e-6).all()
    side = PartnerEconomics(investment=[{"name": "partner team", "monthly_cost": 3_000, "start_month": 1, "end_month": r.horizon_months}], services_per_deal=500)
    p_kept, p_lost = ramp.partner_economics(side, kept), ramp.partner_economics(side, lost)
    assert (p_lost.monthly["cumulative_net"] <= p_kept.monthly["cumulative_net"] + 1e-6).all()
    for a, b in ((kept.metrics.break_even_month, lost.metrics.break_even_month), (p_kept.break_even_month, p_lost.break_even_month)):
        assert b is None or (a is not None and a <= b)
