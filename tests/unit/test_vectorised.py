"""The engine runs many runs at once: the batch gives what running each run alone gives.

The oracle is :func:`month_by_month`, the monthly rules of ``workbook.ramp``'s docstring written
as a plain loop over one run's months (how the engine worked before it took a batch). The Monte
Carlo, the tornado and single runs must agree with it: the same curves to float precision, the
same first-revenue and break-even months, the same chance of breaking even.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from tests.unit.test_ramp import make_ramp
from workbook import ramp
from workbook.params import load_params
from workbook.schema import Event, Ramp

TIGHT = {"rtol": 1e-12, "atol": 1e-6}  # money: a millionth of a unit on sums of millions
EVERY_KIND = [
    {"month": 5, "kind": "people_change", "severity": 0.5},
    {"month": 5, "kind": "cynicism", "severity": 0.4},  # two changes in one month
    {"month": 9, "kind": "resource_withdrawal", "severity": 0.3},
    {"month": 9, "kind": "responsibility_move", "severity": 0.6},
    {"month": 14, "kind": "cynicism", "severity": 0.5},
    {"month": 20, "kind": "people_change", "severity": 1.0},
]


def month_by_month(
    r: Ramp,
    *,
    delay: int = 0,
    level: float = 1.0,
    events: Sequence[Event] | None = None,
    cogs_share: float | None = None,
    cost_to_serve_rate: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One run of the model, one month at a time: (revenue, cumulative net) by month."""
    h = r.horizon_months
    recurring, one_off = ramp._costs(r.investment, h, delay)
    effort = ramp._effort(r, recurring, delay, None) * level
    recurring = recurring * level
    begun = np.flatnonzero(effort > 0)
    selling_from = int(begun[0]) + 1 + ramp.whole_months(r.enablement_months) if begun.size else h + 1
    by_month: dict[int, list[Event]] = {}
    for ev in r.events if events is None else events:
        by_month.setdefault(ev.month + delay, []).append(ev)
    ramp_months = float(r.ramp_months)
    progress, deal_factor = 0.0, 1.0
    sourced = np.zeros(h)
    cycle = max(float(r.sales_cycle_months), 0.0)
    whole, frac = int(math.floor(cycle)), cycle - math.floor(cycle)
    # the share of each month's deals still to close on time (after `whole` months) and a month later
    on_time, late = np.ones(h), np.ones(h)
    for i in range(h):
        knock = 1.0
        for ev in by_month.get(i + 1, ()):
            s = ev.severity
            if ev.kind == "people_change":
                knock *= 1 - s
            elif ev.kind == "resource_withdrawal":
                effort[i:] *= 1 - s
                recurring[i:] *= 1 - s
            elif ev.kind == "responsibility_move":
                knock *= 1 - s
                effort[i : i + ramp.RESPONSIBILITY_STALL_MONTHS] *= 1 - s
            elif ev.kind == "cynicism":
                deal_factor *= 1 - s / 2
            if ev.kind in ("people_change", "responsibility_move"):
                for j in range(i):  # the pipeline: deals sourced before this month, closing in it or later
                    if j + whole >= i:
                        on_time[j] *= 1 - s
                    if j + whole + 1 >= i:
                        late[j] *= 1 - s
        progress += min(effort[i], 1.0)
        if ramp_months > 0:
            progress = min(progress, ramp_months)
        progress *= knock
        capability = float(ramp.s_curve(progress, ramp_months)) * effort[i]
        if i + 1 >= selling_from:
            sourced[i] = r.steady_deals_per_month * capability * deal_factor
    closed = np.zeros(h)
    if whole < h:
        closed[whole:] += (1 - frac) * (sourced * on_time)[: h - whole]
    if frac > 0 and whole + 1 < h:
        closed[whole + 1 :] += frac * (sourced * late)[: h - whole - 1]
    if r.deal_value_kind == "annual_recurring":
        # a twelfth of the annual value a month from the close month; the live book keeps
        # (1 − churn) and grows by (1 + expansion) over twelve months, a twelfth root a month
        keep = ((1 - r.annual_churn) * (1 + r.annual_expansion)) ** (1 / 12)
        revenue, book = np.zeros(h), 0.0
        for i in range(h):
            book = book * keep + closed[i] * r.avg_deal_value / 12
            revenue[i] = book
    else:
        revenue = closed * r.avg_deal_value
    cogs = ramp.cost_of_goods_share(r) if cogs_share is None else cogs_share
    net = (revenue - revenue * r.partner_margin) - revenue * cogs - revenue * cost_to_serve_rate - (recurring + one_off)
    return revenue, np.cumsum(net)


def break_even(revenue: np.ndarray, cumulative_net: np.ndarray) -> float:
    """The first month, once revenue has started, from which the cumulative net stays >= 0 to the
    horizon; NaN if none."""
    started = np.flatnonzero(revenue > 1e-9)
    if not started.size:
        return math.nan
    for month in range(started[0], len(cumulative_net)):
        if (cumulative_net[month:] >= -1e-6).all():
            return float(month + 1)
    return math.nan


def documented_draws(r: Ramp, runs: int, seed: int) -> list[dict[str, float]]:
    """The draws ``monte_carlo`` documents: one ``rng.triangular`` call per ranged input, in the
    inputs' name order, from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    columns = {
        name: rng.triangular(lo, mode, hi, size=runs) if hi > lo else np.full(runs, mode)
        for name, (lo, mode, hi) in sorted(r.triangles().items())
    }
    return [{name: float(values[i]) for name, values in columns.items()} for i in range(runs)]


def with_changes(base: Ramp, **overrides) -> Ramp:
    return Ramp.model_validate({**base.model_dump(), **overrides})


# saas-regional-reseller (annual contracts with churn) as one-off deals: a 12-month ramp, four ranges
SAAS = Ramp.model_validate(
    {
        **load_params(EXAMPLES[-1]).ramp.model_dump(exclude={"deal_value_kind", "annual_churn", "annual_expansion"}),
        "uncertainty": {k: v for k, v in load_params(EXAMPLES[-1]).ramp.uncertainty.ranges().items() if k != "annual_churn"},
    }
)
RAMPS = {
    **{path.stem: load_params(path).ramp for path in EXAMPLES},
    "every kind of change, every input ranged, fractional cycles": with_changes(
        SAAS,
        events=EVERY_KIND,
        uncertainty={
            "sales_cycle_months": [2, 4, 7.25],
            "enablement_months": [1, 3, 6],
            "ramp_months": [0, 12, 18],
            "steady_deals_per_month": [1, 2.5, 4],
            "avg_deal_value": [20_000, 40_000, 70_000],
            "partner_margin": [0.1, 0.25, 0.4],
            "gross_margin": [0.5, 0.75, 0.9],
        },
    ),
    "no ramp, cycles from 0 to 5 months": with_changes(
        SAAS, ramp_months=0, events=EVERY_KIND[:3], uncertainty={"sales_cycle_months": [0, 4, 5], "enablement_months": [0, 3, 4]}
    ),
    "recurring contracts, churn ranged, every kind of change": with_changes(
        SAAS,
        deal_value_kind="annual_recurring",
        annual_churn=0.15,
        annual_expansion=0.1,
        avg_deal_value=120_000,
        events=EVERY_KIND,
        uncertainty={"annual_churn": [0.05, 0.15, 0.4], "sales_cycle_months": [2, 4, 6.5], "avg_deal_value": [60_000, 120_000, 150_000]},
    ),
    "recurring contracts without churn": with_changes(SAAS, deal_value_kind="annual_recurring", avg_deal_value=120_000),
    "no recurring line": make_ramp(
        horizon_months=30, ramp_months=6, investment=[{"name": "launch", "one_off": 50_000, "month": 1}],
        uncertainty={"ramp_months": [2, 6, 9], "sales_cycle_months": [1, 3, 4.5]},
    ),
}


@pytest.mark.parametrize("name", list(RAMPS))
def test_monte_carlo_is_the_per_draw_loop(name):
    r = RAMPS[name]
    runs, seed = 150, 11
    mc = ramp.monte_carlo(r, runs=runs, seed=seed)
    loop = [month_by_month(ramp.varied(r, **draw)) for draw in documented_draws(r, runs, seed)]
    assert mc.curves is not None and mc.curves.shape == (runs, r.horizon_months)
    np.testing.assert_allclose(mc.curves, np.array([cum for _, cum in loop]), **TIGHT)
    breaks = np.array([break_even(revenue, cum) for revenue, cum in loop])
    np.testing.assert_array_equal(mc.break_even_months, breaks)
    assert mc.p_break_even_within_commitment == np.mean(np.nan_to_num(breaks, nan=np.inf) <= r.commitment_months)
    p10, p50, p90 = np.percentile(np.array([cum for _, cum in loop]), [10, 50, 90], axis=0)
    np.testing.assert_allclose(mc.bands[["p10", "p50", "p90"]].to_numpy(), np.column_stack([p10, p50, p90]), **TIGHT)


def test_the_simulation_spreads_its_draws():
    # the checks above would hold for a simulation that ran the plan every time
    r = RAMPS["every kind of change, every input ranged, fractional cycles"]
    mc = ramp.monte_carlo(r, runs=150, seed=11)
    assert mc.curves is not None
    churned = ramp.monte_carlo(RAMPS["recurring contracts, churn ranged, every kind of change"], runs=150, seed=11)
    assert churned.curves is not None and len({round(float(c), 2) for c in churned.curves[:, -1]}) == 150
    assert len({round(float(c), 2) for c in mc.curves[:, -1]}) == 150
    assert 0 < mc.p_break_even_within_commitment < 1


def test_one_run_of_a_batch_is_a_run_alone():
    r = RAMPS["every kind of change, every input ranged, fractional cycles"]
    for draw in documented_draws(r, 20, 3):
        alone = ramp.run(ramp.varied(r, **draw))
        revenue, cum = month_by_month(ramp.varied(r, **draw))
        np.testing.assert_allclose(alone.monthly["cumulative_net"], cum, **TIGHT)
        assert alone.metrics.break_even_month == (None if math.isnan(break_even(revenue, cum)) else break_even(revenue, cum))


def test_whole_month_inputs_are_rounded_half_up_run_by_run():
    r = with_changes(SAAS, enablement_months=3)
    inputs = ramp.Inputs.of(r, 4, enablement_months=np.array([2.4, 2.5, 3.49, 3.5]))
    assert inputs.enablement_months.tolist() == [2, 3, 3, 4]
    batch = ramp._engine(r, inputs)
    for row, months in zip(batch["cumulative_net"], (2, 3, 3, 4)):
        np.testing.assert_allclose(row, month_by_month(with_changes(r, enablement_months=months))[1], **TIGHT)
    # effort from month 1, sourcing from the month after the rounded enablement, revenue a
    # sales cycle (4 months) later
    first, _ = ramp.payback_curves(batch["revenue"], batch["cumulative_net"])
    assert first.tolist() == [1 + m + 4 for m in (2, 3, 3, 4)]


def test_fractional_sales_cycles_split_a_months_deals():
    r = with_changes(SAAS, events=EVERY_KIND)
    cycles = np.array([0.0, 0.5, 3.0, 3.25, 3.999, 35.5, 40.0])
    batch = ramp._engine(r, ramp.Inputs.of(r, len(cycles), sales_cycle_months=cycles))
    for row, cycle in zip(batch["cumulative_net"], cycles):
        np.testing.assert_allclose(row, month_by_month(ramp.varied(r, sales_cycle_months=cycle))[1], **TIGHT)
    # a quarter month longer: a quarter of each month's deals close a month later (without the
    # people changes and responsibility moves, which take their share of the deals in the pipeline)
    calm = with_changes(SAAS, events=[ev for ev in EVERY_KIND if ev["kind"] not in ("people_change", "responsibility_move")])
    split = ramp._engine(calm, ramp.Inputs.of(calm, 1, sales_cycle_months=3.25))
    np.testing.assert_allclose(split["deals_closed"][0, 4:], 0.75 * split["deals_sourced"][0, 1:-3] + 0.25 * split["deals_sourced"][0, :-4], **TIGHT)
    deals = batch["deals_closed"]
    assert deals[5].sum() == 0 and deals[6].sum() == 0  # cycles longer than the selling months left: nothing closes


def test_ramp_months_zero_and_a_ramp_side_by_side():
    r = with_changes(SAAS, events=EVERY_KIND)
    batch = ramp._engine(r, ramp.Inputs.of(r, 3, ramp_months=np.array([0.0, 6.0, 12.0])))
    for row, months in zip(batch["cumulative_net"], (0, 6, 12)):
        np.testing.assert_allclose(row, month_by_month(with_changes(r, ramp_months=months))[1], **TIGHT)
    # no ramp: capability is the effort itself, a people change costs no capability
    np.testing.assert_array_equal(batch["capability"][0], batch["effort"][0])
    assert (batch["capability"][1] <= batch["effort"][1]).all() and (batch["capability"][1] < batch["effort"][1]).any()


def test_same_seed_same_simulation_other_seed_other_simulation():
    r = RAMPS["every kind of change, every input ranged, fractional cycles"]
    a, b, c = ramp.monte_carlo(r, runs=80, seed=21), ramp.monte_carlo(r, runs=80, seed=21), ramp.monte_carlo(r, runs=80, seed=22)
    assert a.curves is not None and b.curves is not None and c.curves is not None
    np.testing.assert_array_equal(a.curves, b.curves)
    np.testing.assert_array_equal(a.break_even_months, b.break_even_months)
    assert a.bands.equals(b.bands)
    assert not np.allclose(a.curves, c.curves)
    assert not a.bands.equals(c.bands)


@pytest.mark.parametrize("name", list(RAMPS))
def test_tornado_batch_is_one_input_at_a_time(name):
    r = RAMPS[name]
    rows = ramp.sensitivity(r).set_index("input")
    assert rows["base"].tolist() == [ramp.run(r).metrics.cumulative_net_at_horizon] * len(rows)
    for key in ramp.sensitivity_inputs(r):
        row = rows.loc[key]
        for side, factor in (("low", 0.8), ("high", 1.2)):
            if key == "investment_level":
                alone = ramp.run(r, level=factor)
                assert row[f"{side}_value"] == factor
            else:
                value = float(getattr(r, key)) * factor
                changed = ramp.varied(r, **{key: min(value, 1.0) if key.endswith("_margin") or key == "annual_churn" else value})
                alone = ramp.run(changed)
                assert row[f"{side}_value"] == float(getattr(changed, key))
            assert row[side] == pytest.approx(alone.metrics.cumulative_net_at_horizon, rel=1e-12, abs=1e-6)
    assert list(rows["swing"]) == sorted(rows["swing"], reverse=True)


def test_scenarios_and_routes_run_through_the_same_engine():
    params = load_params(EXAMPLES[-1])  # saas-regional-reseller: both routes
    r = with_changes(params.ramp, events=EVERY_KIND)
    for s in ramp.scenarios(r, cost_to_serve_rate=0.03):
        assert s.result.monthly.shape == (r.horizon_months, len(ramp.COLUMNS))
    late = ramp.run(r, delay=6)
    np.testing.assert_allclose(late.monthly["cumulative_net"], month_by_month(r, delay=6)[1], **TIGHT)
    under = ramp.run(r, level=0.7, cogs_share=0.1, cost_to_serve_rate=0.05)
    expected = month_by_month(r, level=0.7, cogs_share=0.1, cost_to_serve_rate=0.05)[1]
    np.testing.assert_allclose(under.monthly["cumulative_net"], expected, **TIGHT)


# --- a property over random plans and random batches -------------------------------------------

KINDS = ["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]


@st.composite
def plans(draw: st.DrawFn) -> Ramp:
    h = draw(st.integers(3, 48))
    month = st.integers(1, h)
    lines = []
    for n in range(draw(st.integers(0, 3))):
        start = draw(month)
        cost = draw(st.sampled_from([0, 5_000, 12_000]))
        lines.append({"name": f"line {n}", "monthly_cost": cost, "start_month": start, "end_month": draw(st.integers(start, h))})
    if draw(st.booleans()):
        lines.append({"name": "launch", "one_off": draw(st.integers(0, 90_000)), "month": draw(month)})
    events = [
        {"month": draw(month), "kind": draw(st.sampled_from(KINDS)), "severity": draw(st.sampled_from([0, 0.25, 0.5, 1]))}
        for _ in range(draw(st.integers(0, 4)))
    ]
    recurring = draw(st.booleans())
    kind = {"deal_value_kind": "annual_recurring", "annual_expansion": draw(st.sampled_from([0, 0.2]))} if recurring else {}
    return Ramp.model_validate(
        {
            **kind,
            "horizon_months": h,
            "commitment_months": draw(st.integers(1, h)),
            "enablement_months": draw(st.integers(0, 6)),
            "sales_cycle_months": draw(st.integers(0, 8)),
            "ramp_months": draw(st.integers(0, 18)),
            "steady_deals_per_month": draw(st.sampled_from([0.5, 2, 7])),
            "avg_deal_value": draw(st.sampled_from([3_000, 25_000])),
            "partner_margin": draw(st.sampled_from([0, 0.2, 0.35])),
            "gross_margin": draw(st.sampled_from([0.4, 0.8, 1])),
            "investment": lines,
            "events": events,
        }
    )


RUNS = 4
per_run = st.lists(st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 2)), min_size=RUNS, max_size=RUNS)
shares = st.lists(st.sampled_from([0.0, 0.15, 0.5, 0.9, 1.0]), min_size=RUNS, max_size=RUNS)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), per_run, per_run, per_run, shares, st.lists(st.sampled_from([0.0, 0.7, 1.0, 1.2]), min_size=RUNS, max_size=RUNS))
def test_every_run_of_a_random_batch_is_the_month_by_month_run(r, cycles, enablement, ramps, margins, levels):
    values = {"sales_cycle_months": cycles, "enablement_months": enablement, "ramp_months": ramps, "partner_margin": margins}
    if r.deal_value_kind == "annual_recurring":
        values["annual_churn"] = margins[::-1]
    batch = ramp._engine(r, ramp.Inputs.of(r, RUNS, level=np.array(levels), **{k: np.array(v) for k, v in values.items()}))
    for i in range(RUNS):
        revenue, cum = month_by_month(ramp.varied(r, **{k: v[i] for k, v in values.items()}), level=levels[i])
        np.testing.assert_allclose(batch["cumulative_net"][i], cum, **TIGHT)
        np.testing.assert_allclose(batch["revenue"][i], revenue, **TIGHT)
        one = ramp.payback_curves(batch["revenue"][i : i + 1], batch["cumulative_net"][i : i + 1])[1][0]
        assert (math.isnan(one) and math.isnan(break_even(revenue, cum))) or one == break_even(revenue, cum)


def test_recurring_runs_with_different_churn_in_one_batch():
    r = RAMPS["recurring contracts, churn ranged, every kind of change"]
    churn = np.array([0.0, 0.15, 0.5, 1.0])
    batch = ramp._engine(r, ramp.Inputs.of(r, len(churn), annual_churn=churn))
    for row, c in zip(batch["cumulative_net"], churn):
        np.testing.assert_allclose(row, month_by_month(with_changes(r, annual_churn=c))[1], **TIGHT)
    # more churn, less money, month by month
    assert (np.diff(batch["cumulative_net"], axis=0) <= 1e-6).all()
    # the tornado varies churn for this plan, and more churn is its bad side
    rows = ramp.sensitivity(r).set_index("input")
    assert rows.loc["annual_churn", "low"] > rows.loc["annual_churn", "high"]
    assert "annual_churn" not in set(ramp.sensitivity(RAMPS["recurring contracts without churn"])["input"])


def test_scenarios_and_routes_bill_recurring_contracts_too():
    r = RAMPS["recurring contracts, churn ranged, every kind of change"]
    for s in ramp.scenarios(r, cost_to_serve_rate=0.03):
        assert s.result.monthly.shape == (r.horizon_months, len(ramp.COLUMNS))
    late = ramp.run(r, delay=6)
    np.testing.assert_allclose(late.monthly["cumulative_net"], month_by_month(r, delay=6)[1], **TIGHT)
    under = ramp.run(r, level=0.7, cogs_share=0.1, cost_to_serve_rate=0.05)
    np.testing.assert_allclose(under.monthly["cumulative_net"], month_by_month(r, level=0.7, cogs_share=0.1, cost_to_serve_rate=0.05)[1], **TIGHT)
    # the worst and best ends bound the simulation for recurring contracts as for one-off deals
    mc = ramp.monte_carlo(r, runs=200, seed=5)
    assert mc.curves is not None and mc.worst is not None and mc.best is not None
    assert (mc.curves >= mc.worst.monthly["cumulative_net"].to_numpy() - 1e-6).all()
    assert (mc.curves <= mc.best.monthly["cumulative_net"].to_numpy() + 1e-6).all()
