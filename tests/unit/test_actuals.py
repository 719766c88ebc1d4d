"""Plan against actual, by hand: the worked example, behind / ahead / below P10, spend tracking,
the re-forecast's fit of a delay and a scale, the ``off_track``, ``over_budget`` and re-forecast
``commitment_before_break_even`` flags, the summary fields and the schema's checks; and properties
(a plan tracked exactly is on plan with the plan's break-even; less revenue never pays back
sooner; the plan itself run late and smaller gives back its delay and size, and with noisy
months its delay within one month).

The worked plan: 2 deals a month of 10,000, partner margin 0.2, gross margin 1, no enablement,
sales cycle 3, ramp 0, 10,000 a month invested. Vendor revenue is 2 × 10,000 × 0.8 = 16,000 a
month from month 4, net +6,000 a month from then, cumulative −30,000 at month 3; it breaks even
in month 8 (−30,000 + 5 × 6,000 = 0) and stands at +24,000 at month 12 (−30,000 + 9 × 6,000).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workbook import actuals, ramp
from workbook.areas import assess
from workbook.errors import ParamsError
from workbook.params import parse_params
from workbook.schema import Params
from workbook.summary import summarise

BASE: dict[str, Any] = {
    "schema": 1,
    "alliance": {"name": "Worked example", "vendor": "V", "partner": "P", "type": "reseller"},
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
        "investment": [{"name": "Team", "monthly_cost": 10000, "start_month": 1, "end_month": 24}],
    },
}


def months(revenue_from_4: float, n: int = 12, investment: float = 10000) -> list[dict[str, Any]]:
    """``n`` actual months: ``investment`` each, ``revenue_from_4`` of vendor revenue from month 4."""
    return [
        {
            "month": m,
            "investment": investment,
            "deals_closed": 0 if m < 4 else revenue_from_4 / 8000,
            "vendor_revenue": 0 if m < 4 else revenue_from_4,
        }
        for m in range(1, n + 1)
    ]


def params(actual_months: list[dict[str, Any]] | None, **ramp_changes: Any) -> Params:
    data = {**BASE, "ramp": {**BASE["ramp"], **ramp_changes}}
    if actual_months is not None:
        data["actuals"] = {"source": "CRM export", "months": actual_months}
    return Params.model_validate(data)


def test_the_worked_plan_breaks_even_in_month_8():
    assert ramp.run(params(None).ramp).metrics.break_even_month == 8


def test_actuals_equal_to_the_plan_for_12_months_are_on_plan():
    a = assess(params(months(16000)))
    t = a.actuals
    assert t is not None
    assert t.through_month == 12
    assert t.tracking == "on_plan"
    assert t.actual_cumulative_net == 24000
    assert t.actual_cumulative_vendor_revenue == 144000 == t.plan_cumulative_vendor_revenue
    assert t.reforecast_break_even_month == 8
    assert not [f for f in a.flags if "off_track" in f.code]
    s = json.loads(json.dumps(summarise(a.params, assessment=a), allow_nan=False))
    assert (s["actuals_through_month"], s["actual_cumulative_net"], s["tracking"], s["reforecast_break_even_month"]) == (12, 24000, "on_plan", 8)


def test_behind_plan_re_forecasts_a_later_break_even_and_raises_a_medium_flag():
    # 12,000 a month from month 4: 108,000 of a planned 144,000 (75 %); net −30,000 + 9 × 2,000 = −12,000.
    # Re-forecast: the plan's 16,000 × 0.75 = 12,000 a month after month 12, net +2,000: 0 at month 18.
    a = assess(params(months(12000)))
    t = a.actuals
    assert t is not None
    assert (t.tracking, t.revenue_ratio, t.actual_cumulative_net) == ("behind", 0.75, -12000)
    assert (t.reforecast_delay_months, t.reforecast_scale) == (0, 0.75)
    assert t.reforecast["vendor_revenue"].iloc[12:].tolist() == [12000.0] * 12
    assert t.reforecast_break_even_month == 18
    assert t.reforecast_cumulative_net_at_horizon == -12000 + 12 * 2000
    off = [f for f in a.flags if "off_track" in f.code]
    assert len(off) == 1 and off[0].severity == "medium" and off[0].area == "ramp"
    assert "month 18" in off[0].message and "75%" in off[0].message
    assert summarise(a.params, assessment=a)["tracking"] == "behind"
    assert a.area_status()["ramp"] in ("amber", "red")


def test_ahead_of_plan_re_forecasts_an_earlier_break_even():
    # 20,000 a month from month 4: 180,000 of 144,000 (125 %); −30,000 + 10,000 a month → 0 at month 6.
    t = assess(params(months(20000))).actuals
    assert t is not None
    assert (t.tracking, t.revenue_ratio, t.actual_cumulative_net, t.reforecast_break_even_month) == ("ahead", 1.25, 60000, 6)


@pytest.mark.parametrize(("revenue", "state"), [(14400, "on_plan"), (17600, "on_plan"), (14300, "behind"), (17700, "ahead")])
def test_ten_per_cent_either_side_is_on_plan(revenue, state):
    # 9 × 14,400 = 129,600 = 90 % of 144,000; 9 × 17,600 = 158,400 = 110 %.
    t = assess(params(months(revenue))).actuals
    assert t is not None and t.tracking == state


def test_far_behind_with_uncertainty_ranges_is_below_p10_and_high():
    # 4,000 a month: net −30,000 + 9 × (−6,000) = −84,000 at month 12. Even at the worst deal value
    # of the range (8,000) the plan stands at −30,000 + 9 × (12,800 − 10,000) = −4,800, so the
    # simulation's P10 there is at least −4,800.
    a = assess(params(months(4000), uncertainty={"avg_deal_value": [8000, 10000, 12000]}))
    t = a.actuals
    assert t is not None
    assert t.p10_net is not None and t.p10_net >= -4800
    assert (t.tracking, t.actual_cumulative_net) == ("below_p10", -84000)
    off = [f for f in a.flags if "off_track" in f.code]
    assert len(off) == 1 and off[0].severity == "high" and "P10" in off[0].message
    assert a.area_status()["ramp"] == "red"
    # the same shortfall without ranges is only behind
    assert assess(params(months(4000))).actuals.tracking == "behind"  # type: ignore[union-attr]


def test_behind_but_inside_the_band_stays_behind():
    # 14,000 a month: 87.5 % of plan; net −30,000 + 9 × 4,000 = 6,000, above any P10 of a wide range.
    t = assess(params(months(14000), uncertainty={"avg_deal_value": [5000, 10000, 20000]})).actuals
    assert t is not None and t.p10_net is not None and t.actual_cumulative_net > t.p10_net
    assert t.tracking == "behind"


def test_a_plan_expecting_no_revenue_yet():
    # months 1-3: the plan has no revenue (sales cycle 3); none came either: on plan, k = 1
    t = assess(params(months(0, n=3))).actuals
    assert t is not None and (t.tracking, t.revenue_ratio, t.reforecast_scale) == ("on_plan", None, 1.0)
    assert (t.fit.basis, t.reforecast_delay_months) == ("no_revenue_expected", 0)
    assert t.reforecast_break_even_month == 8
    # an early deal: ahead, and the re-forecast adds it to the plan (k stays 1)
    early = months(0, n=3)
    early[2].update(vendor_revenue=8000, deals_closed=1)
    t = assess(params(early)).actuals
    assert t is not None and t.tracking == "ahead" and (t.reforecast_delay_months, t.reforecast_scale) == (0, 1.0)
    # cumulative −22,000 at month 3, then +6,000 a month: 2,000 at month 7
    assert t.reforecast_break_even_month == 7


def test_no_actuals_gives_null_fields():
    s = summarise(params(None))
    keys = (
        "actuals_through_month",
        "actual_cumulative_net",
        "tracking",
        "spend_tracking",
        "reforecast_break_even_month",
        "reforecast_delay_months",
        "reforecast_scale",
    )
    assert {k: s[k] for k in keys} == dict.fromkeys(keys)
    assert not [f for f in assess(params(None)).flags if f.subject == actuals.REFORECAST_SUBJECT]


def test_contribution_follows_the_plan_s_rule_with_a_gross_margin():
    # gross margin 0.5: contribution = 16,000 × 0.5 = 8,000; net −2,000 a month from month 4
    t = assess(params(months(16000, n=6), gross_margin=0.5)).actuals
    assert t is not None
    assert t.monthly["contribution"].tolist() == [0, 0, 0, 8000, 8000, 8000]
    assert t.actual_cumulative_net == -30000 - 3 * 2000


# -- spend tracking ---------------------------------------------------------------------------


def test_twice_the_planned_spend_with_revenue_on_plan_is_over_budget_and_never_pays_back():
    # 20,000 a month against the plan's 10,000: 240,000 of 120,000 by month 12 (200 %); revenue on plan.
    # Net: 3 × −20,000 + 9 × (16,000 − 20,000) = −96,000; then the plan's +6,000 a month: −24,000 at month 24.
    a = assess(params(months(16000, investment=20000)))
    t = a.actuals
    assert t is not None
    assert (t.tracking, t.spend_tracking, t.spend_ratio) == ("on_plan", "over_budget", 2.0)
    assert (t.actual_cumulative_investment, t.plan_cumulative_investment, t.actual_cumulative_net) == (240000, 120000, -96000)
    assert t.reforecast_break_even_month is None and t.reforecast_cumulative_net_at_horizon == -24000
    over = [f for f in a.flags if f.code == "over_budget"]
    assert len(over) == 1 and over[0].severity == "high" and over[0].area == "ramp"
    assert over[0].size == pytest.approx((2.0 - 1.1) / 1.1)
    assert "200% of the planned" in over[0].message
    late = [f for f in a.flags if f.code == "commitment_before_break_even"]
    assert [(f.subject, f.severity) for f in late] == [(actuals.REFORECAST_SUBJECT, "high")]
    assert "re-forecast" in late[0].message and "does not break even within the 24-month horizon" in late[0].message
    assert a.area_status()["ramp"] == "red"
    s = summarise(a.params, assessment=a)
    assert (s["tracking"], s["spend_tracking"], s["reforecast_break_even_month"]) == ("on_plan", "over_budget", None)
    assert "investment $240,000 is 200% of the planned $120,000 (over budget)" in actuals.headline(t)


@pytest.mark.parametrize(
    ("monthly", "state", "severity"),
    [(11000, "on_budget", None), (11001, "over_budget", "medium"), (15000, "over_budget", "high"), (9000, "on_budget", None), (8999, "under_budget", None)],
)
def test_ten_per_cent_either_side_is_on_budget_and_half_as_much_again_is_high(monthly, state, severity):
    # 12 × 11,000 = 132,000 = 110 % of 120,000; 12 × 9,000 = 90 %; 12 × 15,000 = 150 %.
    a = assess(params(months(16000, investment=monthly)))
    assert a.actuals is not None and a.actuals.spend_tracking == state
    assert [f.severity for f in a.flags if f.code == "over_budget"] == ([severity] if severity else [])


def test_a_plan_that_spends_nothing_yet():
    team = [{"name": "Team", "monthly_cost": 10000, "start_month": 4, "end_month": 24}]
    t = assess(params(months(0, n=3, investment=0), investment=team)).actuals
    assert t is not None and (t.spend_tracking, t.spend_ratio) == ("on_budget", None)
    early = months(0, n=3, investment=0)
    early[1]["investment"] = 5000
    a = assess(params(early, investment=team))
    assert a.actuals is not None and (a.actuals.spend_tracking, a.actuals.spend_ratio) == ("over_budget", None)
    over = [f for f in a.flags if f.code == "over_budget"]
    assert len(over) == 1 and over[0].severity == "medium" and over[0].size == 1.0
    assert "where the plan spent nothing by then" in over[0].message


# -- the re-forecast's fit ----------------------------------------------------------------------


def late_months(revenue: float, first: int, n: int = 12, investment: float = 10000) -> list[dict[str, Any]]:
    """``n`` actual months of ``investment`` each, with ``revenue`` a month from month ``first``."""
    return [
        {"month": m, "investment": investment, "deals_closed": 0 if m < first else revenue / 8000, "vendor_revenue": 0 if m < first else revenue}
        for m in range(1, n + 1)
    ]


def test_three_months_late_at_the_planned_size():
    # 16,000 a month from month 7 instead of 4: A = 16,000 × (1..6) in months 7-12 is the plan's cumulative
    # revenue shifted by 3 exactly, so d = 3, k = 1. Net −60,000 at month 6, +6,000 a month from month 7:
    # −24,000 at month 12, 0 at month 16, +48,000 at month 24 (the old rule, k = 96,000 / 144,000, never paid back).
    t = assess(params(late_months(16000, first=7))).actuals
    assert t is not None
    assert (t.fit.basis, t.reforecast_delay_months, t.reforecast_scale) == ("fit", 3, 1.0)
    assert t.tracking == "behind"
    assert t.reforecast["vendor_revenue"].iloc[12:].tolist() == [16000.0] * 12
    assert (t.reforecast_break_even_month, t.reforecast_cumulative_net_at_horizon) == (16, 48000)
    assert "the plan runs about 3 months late, at the planned size: re-forecast break-even month 16 (plan: month 8)" in actuals.headline(t)
    s = summarise(params(late_months(16000, first=7)))
    assert (s["reforecast_delay_months"], s["reforecast_scale"], s["reforecast_break_even_month"]) == (3, 1.0, 16)


def test_two_months_late_and_smaller():
    # 12,000 a month from month 6: A = 12,000 × (1..7) = 0.75 × the plan shifted by 2. Net −50,000 at month 5,
    # +2,000 a month after: −36,000 at month 12, −12,000 at month 24: no break-even.
    t = assess(params(late_months(12000, first=6))).actuals
    assert t is not None
    assert (t.reforecast_delay_months, t.reforecast_scale) == (2, pytest.approx(0.75))
    assert (t.reforecast_break_even_month, t.reforecast_cumulative_net_at_horizon) == (None, pytest.approx(-12000))
    assert "about 2 months late and at 75% of the planned size" in actuals.headline(t)


def test_no_revenue_yet_although_the_plan_expected_some():
    # Through month 5 the plan expected revenue from month 4; none came. The size cannot be judged: k = 1,
    # and d = 5 − 4 + 1 = 2, the smallest delay at which the plan expects none by month 5. Revenue then
    # starts in month 6: −50,000 at month 5, +6,000 a month: −2,000 at month 13, +4,000 at month 14.
    t = assess(params(months(0, n=5))).actuals
    assert t is not None
    assert (t.fit.basis, t.reforecast_delay_months, t.reforecast_scale) == ("no_revenue_yet", 2, 1.0)
    assert t.reforecast["vendor_revenue"].iloc[5] == 16000 and t.reforecast["vendor_revenue"].iloc[:5].sum() == 0
    assert t.reforecast_break_even_month == 14
    words = actuals.headline(t)
    assert "No vendor revenue yet, though the plan expected its first in month 4: at least 2 months late" in words
    assert "size cannot be judged" in words


@pytest.mark.parametrize(
    ("delay", "scale", "words"),
    [
        (0, 0.75, "on time, at 75% of the planned size"),
        (3, 1.0, "about 3 months late, at the planned size"),
        (1, 0.996, "about 1 month late, at the planned size"),
        (2, 0.8, "about 2 months late and at 80% of the planned size"),
    ],
)
def test_the_fit_in_words(delay, scale, words):
    assert actuals.fit_words(delay, scale) == words


def test_a_re_forecast_that_already_broke_even_says_so_and_a_late_one_raises_the_commitment_flag():
    # On plan through month 12: the re-forecast (the plan) breaks even in month 8, already past.
    a = assess(params(months(16000), commitment_months=6))
    t = a.actuals
    assert t is not None and t.already_broken_even
    assert "the alliance has already broken even, in month 8" in actuals.headline(t)
    assert "re-forecast break-even month" not in actuals.headline(t)
    late = {f.subject: f for f in a.flags if f.code == "commitment_before_break_even"}
    # the plan's own (ramp and scope see it: once) and the re-forecast's, one per subject
    assert set(late) == {"", actuals.REFORECAST_SUBJECT}
    assert late[actuals.REFORECAST_SUBJECT].message == (
        "The actuals through month 12 broke even only in month 8, after the 6-month commitment ended (plan: month 8)."
    )
    # behind plan, commitment 12: the re-forecast breaks even in month 18, after it; the plan (month 8) does not
    b = assess(params(months(12000)))
    late = [f for f in b.flags if f.code == "commitment_before_break_even"]
    assert [f.subject for f in late] == [actuals.REFORECAST_SUBJECT]
    assert late[0].message.startswith("The re-forecast from the actuals through month 12 breaks even only in month 18, after the 12-month")
    assert late[0].size == pytest.approx((18 - 12) / 12)


def test_the_readme_s_worked_checks_are_what_the_code_gives():
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    part = readme[readme.index("*Plan against actual*") : readme.index("*Uncertainty.*")]
    on_plan, behind, slipped, smaller, none_yet, spent = (
        assess(params(m)).actuals
        for m in (months(16000), months(12000), late_months(16000, 7), late_months(12000, 6), months(0, n=5), months(16000, investment=20000))
    )
    assert on_plan and behind and slipped and smaller and none_yet and spent
    assert "the alliance has already broken even, in month 8" in part and on_plan.already_broken_even and on_plan.reforecast_break_even_month == 8
    assert "d = 0, k = 0.75 exactly" in part and (behind.reforecast_delay_months, behind.reforecast_scale) == (0, 0.75)
    assert "re-forecast break-even month 18" in part and behind.reforecast_break_even_month == 18
    assert "so d = 3, k = 1" in part and (slipped.reforecast_delay_months, slipped.reforecast_scale) == (3, 1.0)
    assert "break-even month 16" in part and slipped.reforecast_break_even_month == 16
    assert "d = 2, k = 0.75, −12,000 at month 24" in part and smaller.reforecast_delay_months == 2
    assert round(smaller.reforecast_cumulative_net_at_horizon) == -12000
    assert "d = 5 − 4 + 1 = 2, k = 1, revenue from month 6, break-even month 14" in part
    assert (none_yet.reforecast_delay_months, none_yet.reforecast_break_even_month) == (2, 14)
    assert "240,000 ÷ 120,000 = 200 %" in part and (spent.spend_tracking, spent.spend_ratio) == ("over_budget", 2.0)


# -- the schema -------------------------------------------------------------------------------


def _problems(actual: Any, horizon: int = 24) -> list[str]:
    team = [{"name": "Team", "monthly_cost": 10000, "start_month": 1, "end_month": horizon}]
    data = {**BASE, "ramp": {**BASE["ramp"], "horizon_months": horizon, "commitment_months": horizon, "investment": team}, "actuals": actual}
    with pytest.raises(ParamsError) as err:
        parse_params(data, Path("a.yaml"))
    return [f"{p.field}: {p.message}" for p in err.value.problems]


def test_months_must_run_from_1_without_gaps():
    found = _problems({"months": [months(0, 3)[0], months(0, 3)[2]]})
    assert found == ["actuals.months[1].month: months must run 1, 2, 3, ... without gaps: entry 2 should be month 2, got 3"]


def test_months_stay_inside_the_horizon():
    found = _problems({"months": months(0, 5)}, horizon=4)
    assert found == ["actuals.months[4].month: month 5 is after the horizon (4 months); actuals cannot run past the plan"]


def test_negative_numbers_and_unknown_keys_are_refused():
    bad = months(0, 2)
    bad[1]["vendor_revenue"] = -5
    bad[0]["revenue"] = 1
    found = _problems({"months": bad})
    assert "actuals.months[1].vendor_revenue: must not be negative, got -5" in found
    assert any(f.startswith("actuals.months[0].revenue: unknown key") for f in found)


def test_at_least_one_month():
    assert _problems({"months": []}) == ["actuals.months: at least one entry is needed, got none"]


# -- properties -------------------------------------------------------------------------------

plans = st.fixed_dictionaries(
    {
        "sales_cycle_months": st.integers(0, 8),
        "enablement_months": st.integers(0, 4),
        "ramp_months": st.integers(0, 12),
        "steady_deals_per_month": st.floats(0.0, 10.0),
        "avg_deal_value": st.floats(1000, 100000),
        "partner_margin": st.floats(0.0, 0.5),
        "gross_margin": st.floats(0.1, 1.0),
    }
)


def _plan_as_actuals(p: Params, n: int, delay: int = 0) -> list[dict[str, Any]]:
    df = ramp.run(p.ramp, delay=delay).monthly.head(n)
    return [
        {"month": int(r.month), "investment": float(r.investment), "deals_closed": float(r.deals_closed), "vendor_revenue": float(r.vendor_revenue)}
        for r in df.itertuples()
    ]


@settings(max_examples=40, deadline=None)
@given(plans, st.integers(1, 24))
def test_a_plan_tracked_exactly_is_on_plan_with_the_plan_s_break_even(changes, n):
    p = params(None, **changes)
    plan = ramp.run(p.ramp)
    t = actuals.track(params(_plan_as_actuals(p, n), **changes), plan)
    assert t is not None
    assert t.tracking == "on_plan"
    assert t.reforecast_break_even_month == plan.metrics.break_even_month
    assert t.actual_cumulative_net == pytest.approx(float(plan.monthly["cumulative_net"].iloc[n - 1]), abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(plans, st.integers(1, 24), st.floats(0.0, 1.0))
def test_less_actual_revenue_never_pays_back_sooner(changes, n, share):
    p = params(None, **changes)
    plan = ramp.run(p.ramp)
    full = _plan_as_actuals(p, n)
    less = [{**m, "vendor_revenue": m["vendor_revenue"] * share} for m in full]
    a = actuals.track(params(full, **changes), plan)
    b = actuals.track(params(less, **changes), plan)
    assert a is not None and b is not None
    never = 10**6
    assert (b.reforecast_break_even_month or never) >= (a.reforecast_break_even_month or never)
    assert b.reforecast_cumulative_net_at_horizon <= a.reforecast_cumulative_net_at_horizon + 1e-6


@settings(max_examples=60, deadline=None)
@given(plans, st.integers(0, 6), st.integers(2, 8), st.one_of(st.just(1.0), st.floats(0.25, 2.0)))
def test_the_plan_run_late_and_smaller_gives_back_its_delay_and_size(changes, delay, revenue_months, share):
    """Actuals that are the plan itself started ``delay`` months late (``ramp.run(r, delay=...)``),
    at ``share`` of its revenue, through a month with at least two months of revenue: the fit gives
    the delay exactly and the scale to its 4 published decimals, and the re-forecast is that
    slipped plan at that scale."""
    p = params(None, **changes)
    plan = ramp.run(p.ramp)
    first = plan.metrics.first_revenue_month
    assume(first is not None)
    assert first is not None
    n = first + delay + revenue_months - 1
    assume(n <= p.ramp.horizon_months)
    slipped = ramp.run(p.ramp, delay=delay).monthly
    revenue = slipped["vendor_revenue"].to_numpy()
    assume(revenue[first + delay - 1] > 1e-6 * revenue[:n].sum())  # revenue has really started: two months of it
    rows = [{**m, "vendor_revenue": m["vendor_revenue"] * share, "deals_closed": m["deals_closed"] * share} for m in _plan_as_actuals(p, n, delay)]
    t = actuals.track(params(rows, **changes), plan)
    assert t is not None
    assert (t.fit.basis, t.reforecast_delay_months) == ("fit", delay)
    assert t.reforecast_scale == pytest.approx(share, abs=0.5e-4)  # k is published to 4 decimals
    expected = np.concatenate([share * revenue[:n], t.reforecast_scale * revenue[n:]])
    assert t.reforecast["vendor_revenue"].to_numpy() == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert t.reforecast["investment"].to_numpy() == pytest.approx(slipped["investment"].to_numpy())
    if share == 1.0:
        assert t.reforecast_break_even_month == ramp.run(p.ramp, delay=delay).metrics.break_even_month


@settings(max_examples=60, deadline=None)
@given(plans, st.integers(0, 6), st.integers(3, 10), st.data())
def test_a_noisy_late_plan_gives_back_its_delay_within_a_month(changes, delay, revenue_months, data):
    """The same, with each month's revenue off by up to ±20 % (lumpy deals): the delay comes back
    within one month, as long as at least three months of revenue have come."""
    p = params(None, **changes)
    plan = ramp.run(p.ramp)
    first = plan.metrics.first_revenue_month
    assume(first is not None)
    assert first is not None
    n = first + delay + revenue_months - 1
    assume(n <= p.ramp.horizon_months)
    revenue = ramp.run(p.ramp, delay=delay).monthly["vendor_revenue"].to_numpy()[:n]
    assume(revenue[first + delay - 1] > 1e-6 * revenue.sum())
    noise = np.array(data.draw(st.lists(st.floats(0.8, 1.2), min_size=n, max_size=n)))
    fit = actuals.fit_delay_and_scale(np.cumsum(revenue * noise), plan.monthly["cumulative_vendor_revenue"].to_numpy())
    assert fit.basis == "fit" and abs(fit.delay_months - delay) <= 1
