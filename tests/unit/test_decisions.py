"""Rules that must not mislead a keep-or-cut decision, as properties over generated plans.

- Effort follows capacity: adding or extending a resource line never lowers the deals of any
  month, removing or shortening one never raises them, lines in relay at a constant total keep
  full effort, and effort never passes 1 (README, "How the model works", rule 2).
- Value beyond the horizon: for a plan that earns more than it costs at full strength, no
  premature change of any kind, at any month, raises the long-run NPV (rule 7).
- Break-even that stays: from ``break_even_month`` on, the cumulative net never dips below 0;
  ``first_break_even_month`` is never later (rule 6).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbook import ramp
from workbook.schema import Event, Ramp

PROPERTY = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
KINDS = ["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]

lines = st.lists(
    st.builds(
        dict,
        monthly_cost=st.floats(0, 30_000),
        start_month=st.integers(1, 30),
        length=st.integers(0, 40),
    ),
    min_size=1,
    max_size=4,
)
plans = st.fixed_dictionaries(
    {
        "horizon_months": st.integers(12, 48),
        "enablement_months": st.integers(0, 6),
        "sales_cycle_months": st.integers(0, 9),
        "ramp_months": st.integers(0, 18),
        "steady_deals_per_month": st.floats(0.1, 6),
        "avg_deal_value": st.floats(1_000, 100_000),
        "partner_margin": st.floats(0, 0.5),
        "gross_margin": st.floats(0.1, 1),
        "deal_value_kind": st.sampled_from(["one_off", "annual_recurring"]),
        "annual_churn": st.floats(0, 1),
        "full_effort_monthly_cost": st.one_of(st.none(), st.floats(1_000, 60_000)),
    }
)
changes = st.lists(
    st.builds(dict, month=st.integers(1, 48), kind=st.sampled_from(KINDS), severity=st.floats(0, 1)),
    max_size=3,
)


def line(d: dict, h: int, name: str) -> dict:
    start = min(d["start_month"], h)
    return {"name": name, "monthly_cost": d["monthly_cost"], "start_month": start, "end_month": min(h, start + d["length"])}


def build(d: dict, drawn_lines: list[dict], events: list[dict] | None = None) -> Ramp:
    h = d["horizon_months"]
    fields = {**d}
    if fields["deal_value_kind"] == "one_off":
        fields["annual_churn"] = 0.0
    return Ramp.model_validate(
        {
            **fields,
            "commitment_months": h,
            "investment": [line(x, h, f"line {i}") for i, x in enumerate(drawn_lines)],
            "events": [{**e, "month": min(e["month"], h)} for e in (events or [])],
        }
    )


def deals(r: Ramp) -> tuple[np.ndarray, np.ndarray]:
    cols = ramp.run(r).columns
    return np.asarray(cols["deals_sourced"]), np.asarray(cols["deals_closed"])


def no_fewer(more: Ramp, fewer: Ramp) -> None:
    (s1, c1), (s0, c0) = deals(more), deals(fewer)
    assert (s1 >= s0 - 1e-9).all() and (c1 >= c0 - 1e-9).all()


# --- effort follows capacity ---------------------------------------------------------------------


@PROPERTY
@given(plans, lines, lines.map(lambda xs: xs[0]), changes)
def test_adding_a_resource_line_never_costs_deals(d, drawn, extra, events):
    base = build(d, drawn, events)
    more = build(d, [*drawn, extra], events)
    no_fewer(more, base)


@PROPERTY
@given(plans, lines, st.integers(0, 12), changes)
def test_extending_a_line_never_costs_deals_and_shortening_never_adds_any(d, drawn, extra, events):
    base = build(d, drawn, events)
    longer = build(d, [{**drawn[0], "length": drawn[0]["length"] + extra}, *drawn[1:]], events)
    no_fewer(longer, base)
    shorter = build(d, [{**drawn[0], "length": max(0, drawn[0]["length"] - extra)}, *drawn[1:]], events)
    no_fewer(base, shorter)


@PROPERTY
@given(plans, lines, changes)
def test_removing_a_line_never_adds_deals(d, drawn, events):
    assume(len(drawn) > 1)
    no_fewer(build(d, drawn, events), build(d, drawn[1:], events))


@PROPERTY
@given(plans, st.floats(1_000, 30_000), st.lists(st.integers(2, 40), min_size=1, max_size=4, unique=True))
def test_lines_in_relay_at_a_constant_total_keep_full_effort(d, cost, handovers):
    """People who hand over to one another at the same cost: full effort in every month, whether
    or not the file states full strength (at or below that cost)."""
    h = d["horizon_months"]
    ends = sorted({min(x, h) for x in handovers} | {h})
    starts = [1, *(e + 1 for e in ends[:-1])]
    relay = [{"name": f"post {i}", "monthly_cost": cost, "start_month": s, "end_month": e} for i, (s, e) in enumerate(zip(starts, ends)) if s <= e]
    for full in (None, cost, cost * 0.5):
        r = Ramp.model_validate({**{**d, "annual_churn": 0.0, "deal_value_kind": "one_off"}, "full_effort_monthly_cost": full, "commitment_months": h, "investment": relay})
        assert ramp.run(r).columns["effort"].tolist() == [1.0] * h


@PROPERTY
@given(plans, lines, changes, st.floats(0.1, 1))
def test_effort_never_passes_one(d, drawn, events, level):
    r = build(d, drawn, events)
    effort = np.asarray(ramp.run(r, level=level).columns["effort"])
    assert (effort <= level + 1e-12).all() and (effort >= 0).all()


def test_a_short_surge_costs_only_what_it_costs():
    # The design's worked check breaks even in month 8 and ends at +168,000 at month 36. A
    # 3-month launch surge of 10,000 adds 30,000 of cost and nothing else: every other month
    # keeps full effort, the deals are the same, and the net at month 36 is 138,000.
    team = {"name": "team", "monthly_cost": 10_000, "start_month": 1, "end_month": 36}
    base = dict(
        horizon_months=36, commitment_months=24, sales_cycle_months=3, steady_deals_per_month=2, avg_deal_value=10_000,
        partner_margin=0.2, gross_margin=1.0, investment=[team],
    )
    plain = ramp.run(Ramp.model_validate(base))
    surge = ramp.run(Ramp.model_validate({**base, "investment": [team, {"name": "surge", "monthly_cost": 10_000, "start_month": 1, "end_month": 3}]}))
    assert plain.metrics.break_even_month == 8 and plain.metrics.cumulative_net_at_horizon == 168_000
    assert surge.monthly["deals_closed"].tolist() == plain.monthly["deals_closed"].tolist()
    assert surge.metrics.cumulative_net_at_horizon == 138_000 and surge.metrics.break_even_month == 13
    # two presales people overlapping for 6 months at a handover: the overlap's cost only
    overlap = [
        team,
        {"name": "presales A", "monthly_cost": 5_000, "start_month": 1, "end_month": 18},
        {"name": "presales B", "monthly_cost": 5_000, "start_month": 13, "end_month": 36},
    ]
    both = ramp.run(Ramp.model_validate({**base, "investment": overlap}))
    assert both.monthly["deals_closed"].tolist() == plain.monthly["deals_closed"].tolist()
    assert both.metrics.cumulative_net_at_horizon == 168_000 - 36 * 5_000 - 6 * 5_000


# --- value beyond the horizon --------------------------------------------------------------------


def year_of_selling(r: Ramp) -> float:
    """What one month of selling at full capability earns over the following twelve months
    (contribution): the month's deals, or for annual contracts their first year of billing with
    churn and expansion."""
    per_deal = r.avg_deal_value * (1 - r.partner_margin) * r.gross_margin
    if r.deal_value_kind == "annual_recurring":
        g = float(ramp.monthly_book_factor(r.annual_churn, r.annual_expansion)[0])
        per_deal = per_deal / 12 * sum(g**k for k in range(12))
    return r.steady_deals_per_month * per_deal


@settings(PROPERTY, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(plans, st.floats(1_000, 30_000), st.integers(1, 6), lines, changes, st.floats(2, 10), st.sampled_from(KINDS), st.floats(0.01, 1), st.integers(1, 48))
def test_no_premature_change_raises_the_long_run_npv(d, core, core_start, drawn, background, multiple, kind, severity, month):
    """For a money machine — a team in place from its first months to the horizon (so the
    alliance goes on past it), a month of full-strength selling earning over the next year at
    least twice what all the lines cost in their dearest month (after the cynicism and the
    withdrawals the plan already carries), and a positive long-run NPV —
    no change of any kind, in any month, raises the long-run NPV. (A machine that never earns
    its cost is worth cutting, and the figures say so.)"""
    h = d["horizon_months"]
    team = {"monthly_cost": core, "start_month": core_start, "length": h}
    r = build(d, [team, *drawn], background)
    cost = ramp._costs(r.investment, h, 0)[0].max()
    # as many deals a month as make a year of selling earn `multiple` times the dearest month's
    # cost, with the cynicism the plan already carries (it shrinks every later month's deals) and
    # its withdrawals: a team left with a share k of its effort costs k, but sources k of the
    # deals at full capability and climbs the S-curve k times as fast — a plan that has already
    # withdrawn most of its effort earns less than its cost, and cutting it is right
    cynical = float(np.prod([1 - e.severity / 2 for e in r.events if e.kind == "cynicism"]))
    kept = float(np.prod([1 - e.severity for e in r.events if e.kind == "resource_withdrawal"]))
    assume(cynical > 0.05 and kept >= 0.5)
    r = r.model_copy(update={"steady_deals_per_month": multiple * cost * r.steady_deals_per_month / year_of_selling(r) / (cynical * kept)})
    assert year_of_selling(r) >= 2 * cost * (1 - 1e-9)
    month = min(month, h)
    plan = ramp.run(r).metrics.long_run_npv
    assume(plan > 0)
    hit = ramp.run(r, events=[*r.events, Event(month=month, kind=kind, severity=severity)]).metrics.long_run_npv
    assert hit <= plan + 1e-6 * (1 + abs(plan))


def test_stopping_near_the_horizon_is_charged_for_the_deals_it_gives_up():
    # The worked check over 36 months: a full withdrawal in month 34 raises the cumulative net at
    # month 36 (168,000 to 198,000: three months' cost saved, the pipeline still closing) but the
    # long-run NPV falls from 280,459 to 162,594, and so does every other change.
    r = Ramp.model_validate(
        dict(
            horizon_months=36, commitment_months=24, sales_cycle_months=3, steady_deals_per_month=2, avg_deal_value=10_000,
            partner_margin=0.2, gross_margin=1.0, investment=[{"name": "team", "monthly_cost": 10_000, "start_month": 1, "end_month": 36}],
        )
    )
    plan = ramp.run(r).metrics
    stop = ramp.run(r, events=[Event(month=34, kind="resource_withdrawal", severity=1.0)]).metrics
    assert stop.cumulative_net_at_horizon > plan.cumulative_net_at_horizon
    assert round(plan.long_run_npv) == 280_459 and round(stop.long_run_npv) == 162_594
    # a 50 % cut in month 6 brings the first break-even earlier (month 7, not 8) and costs value
    cut = ramp.run(r, events=[Event(month=6, kind="resource_withdrawal", severity=0.5)]).metrics
    assert cut.break_even_month == 7 and cut.long_run_npv < plan.long_run_npv
    # resources stopping when the commitment ends
    stopped = ramp.stopped_at_commitment(r)
    assert stopped is not None and stopped.metrics.long_run_npv < plan.long_run_npv


# --- break-even that stays ---------------------------------------------------------------------


@PROPERTY
@given(plans, lines, changes, st.floats(0, 500_000), st.integers(1, 48))
def test_break_even_is_the_month_from_which_the_net_stays_at_or_above_zero(d, drawn, events, one_off, month):
    r = build(d, drawn, events)
    h = r.horizon_months
    r = r.model_copy(update={"investment": [*r.investment, r.investment[0].model_copy(update={"monthly_cost": None, "start_month": None, "end_month": None, "one_off": one_off, "month": min(month, h)})]})
    result = ramp.run(r)
    m, cum = result.metrics, result.monthly["cumulative_net"].to_numpy()
    if m.break_even_month is None:
        assert m.first_revenue_month is None or cum[-1] < -1e-6 or result.monthly["revenue"].sum() <= 1e-9
    else:
        assert (cum[m.break_even_month - 1 :] >= -1e-6).all()
        before = m.break_even_month - 2
        assert m.break_even_month == m.first_revenue_month or cum[before] < -1e-6
        assert m.first_break_even_month is not None and m.first_break_even_month <= m.break_even_month
    assert m.falls_back == (m.first_break_even_month is not None and m.first_break_even_month != m.break_even_month)


def test_the_report_shows_both_break_evens_and_the_long_run_npv():
    from workbook import views
    from workbook.charts.ramp import _markers, payback_title

    base = dict(
        horizon_months=36, commitment_months=24, sales_cycle_months=3, steady_deals_per_month=2, avg_deal_value=10_000,
        partner_margin=0.2, gross_margin=1.0,
        investment=[{"name": "team", "monthly_cost": 10_000, "start_month": 1, "end_month": 36}, {"name": "late one-off", "one_off": 200_000, "month": 20}],
    )
    result = ramp.run(Ramp.model_validate(base))
    html = views.ramp_metrics_table(result.metrics).html
    assert "First touches break-even (then falls back)</th><td>month 8" in html
    assert "Break-even (the net stays at or above 0 from then)</th><td>not within the horizon" in html
    assert "Long-run NPV (continued 36 months past the horizon)</th><td>$109,834" in html
    assert payback_title(result).startswith("Touches break-even in month 8 but ends below zero")
    markers = _markers(result)
    assert markers[markers["kind"] == "first"]["month"].tolist() == [8] and markers[markers["kind"] == "break-even"].empty
    # a plan that pays back for good shows one break-even and no "first touch" row
    steady = ramp.run(Ramp.model_validate({**base, "investment": base["investment"][:1]}))
    assert "First touches" not in views.ramp_metrics_table(steady.metrics).html
    assert _markers(steady)["kind"].tolist().count("first") == 0
