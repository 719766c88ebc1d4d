"""The money machine: a monthly revenue ramp set against the investment timeline.

Months are numbered from 1. The model, month by month (README, "How the model works", gives
the same rules with a worked example):

1. **Investment.** Recurring lines cost ``monthly_cost`` from ``start_month`` to ``end_month``
   inclusive; one-offs are paid in their ``month``.
2. **Effort** is the resourcing actually in place against full strength:
   ``effort(m) = level × min(1, recurring(m) / full)``, where ``recurring(m)`` is the recurring
   cost of month m and ``full`` is ``ramp.full_effort_monthly_cost`` — what the team at full
   strength costs a month — or, when the file does not say, the smallest positive monthly
   recurring cost of the plan's lines as written (:func:`full_effort_cost`), so that any month
   with a recurring resource in place counts as fully resourced. Effort never passes 1: a
   surge above full strength buys no extra deals, and takes none from other months. So adding
   or extending a line never lowers effort in any month, removing or shortening one never
   raises it, and lines in relay at a constant total keep full effort. An under-invested plan
   (``level`` 0.7) has 70 % of the effort. One-offs buy no effort. A recurring line of cost 0
   (a post paid from another budget) counts as full strength while it runs. With no recurring
   line at all effort is ``level`` from month 1 (or the route's start) to the horizon.
3. **Progress** up the S-curve grows by ``min(effort, 1)`` a month and never exceeds
   ``ramp_months``; **capability** is ``s_curve(progress) × effort`` (see :func:`s_curve`);
   ``ramp_months: 0`` means full capability whenever there is effort.
4. **Time to revenue.** Nothing is sourced before ``enablement_months`` have passed since the
   first month of effort; at full capability the partner sources ``steady_deals_per_month``
   deals, each closing ``sales_cycle_months`` later (a fractional cycle splits a month's deals
   between the two neighbouring months, so Monte Carlo draws stay smooth).
5. **Money.** revenue = closed deals × ``avg_deal_value`` (one-off deals; for recurring
   contracts see below); the partner keeps
   ``partner_margin`` of it; vendor revenue = revenue − partner's share; cost of goods =
   revenue × (1 − ``partner_margin``) × (1 − ``gross_margin``), so on the partner route
   contribution = vendor revenue × ``gross_margin``; net = contribution − investment; the
   cumulative net is the J-curve.
6. **Recurring contracts** (``deal_value_kind: annual_recurring``). ``avg_deal_value`` is then
   the annual contract value, billed a twelfth a month from the month the deal closes. The live
   book of contracts changes once a month after each contract's close month by the factor
   ``g = (1 − annual_churn)^(1/12) × (1 + annual_expansion)^(1/12)``: monthly retention times
   monthly growth, so that over twelve months the book keeps ``1 − annual_churn`` of its
   customers and grows by ``annual_expansion``. Revenue (the month's billing) is therefore
   ``billing(m) = g × billing(m − 1) + deals_closed(m) × avg_deal_value / 12``; the partner's
   margin, the cost of goods and everything after apply to each billing as in step 5. With
   no churn and one deal a month of 12,000 a year, month k bills 1,000 × k.

Premature changes (``ramp.events``) at month m, each scaled by its ``severity`` s in [0, 1]:

- ``people_change`` — the people who built the relationships leave: after month m's progress
  is added, progress × (1 − s). Capability must be rebuilt along the S-curve, so a change
  costs something whenever capability has been built. They also take s of the pipeline: the
  deals sourced before month m that would close in month m or later (:func:`_pipeline_kept`),
  so even with ``ramp_months: 0`` (no learning to lose) a change costs the deals in flight.
- ``resource_withdrawal`` — recurring investment × (1 − s) from month m on; effort follows
  it. A withdrawal of severity 1 at month m is the same as ending every line at month m − 1.
- ``responsibility_move`` — the alliance moves to another part of the organisation: progress
  and the pipeline × (1 − s) as for a people change, and effort × (1 − s) for the 3 months from
  m while the new owner picks it up (the cost stays).
- ``cynicism`` — the internal narrative turns negative: deals sourced × (1 − s/2) from month
  m on, while the cost stays.

7. **Past the horizon** the alliance continues as it stands for ``ramp.tail_months`` (default
   36): every recurring line running in the horizon's last month keeps running at its cost then
   (a withdrawal's cut included), lines that ended stay ended, there are no one-offs and no new
   changes; the pipeline closes, capability keeps building, recurring contracts keep billing.
8. **Headline figures.** First revenue: the first month with revenue. First break-even: the
   first month, from first revenue on, whose cumulative net is >= 0. Break-even (the one that
   counts): the first month, from first revenue on, from which the cumulative net stays >= 0 to
   the horizon (``None`` when it ends below 0). Peak funding need: −(lowest cumulative net). NPV:
   Σ net(m) / (1 + i)^m over the horizon, ``i = (1 + discount_rate)^(1/12) − 1``; long-run NPV:
   the same sum over the horizon and the months past it (step 7), so that stopping or cutting
   the alliance near the horizon is charged for the deals it gives up.

Routes other than the partner (scenarios ``direct`` and ``acquire``) sell the same deals at the
same cost of goods; the direct route also pays the cost-to-serve the ``value`` section measures
(:func:`workbook.value.cost_to_serve_rate` × its revenue). Both feel the file's people changes,
withdrawals and responsibility moves — an impatient organisation does the same to its own team
— but not cynicism, which is about the channel.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import currency
from .flags import Flag, past
from .inputs import RAMP_INPUTS, ranged
from .months import NUMBERED, MonthNames
from .schema import RANGED_INPUTS, Event, EventKind, InvestmentLine, Params, PartnerEconomics, Ramp, SavedScenario
from .text import count

#: A month-by-month (or run-by-run) series of numbers.
FloatArray = npt.NDArray[np.float64]
#: Month numbers (1-based).
IntArray = npt.NDArray[np.int_]

#: Raw logistic reaches 10 % and 90 % at these fractions of ``ramp_months``; it is then
#: rescaled to start at exactly 0 and end at exactly 1, which moves the 10 % and 90 %
#: points of the curve as used to :data:`S_CURVE_10` and :data:`S_CURVE_90`.
_RAW_T10, _RAW_T90 = 0.25, 0.75
_K = math.log(81) / (_RAW_T90 - _RAW_T10)  # per unit of ramp fraction; logit(0.9) - logit(0.1) = ln 81
S_CURVE_10 = 0.5 * (1 + math.log(9 / 73) / math.log(81))  # ≈ 0.262 of ramp_months
S_CURVE_90 = 1 - S_CURVE_10  # ≈ 0.738 of ramp_months

#: A responsibility move cuts effort by its severity for this many months.
RESPONSIBILITY_STALL_MONTHS = 3
#: Changes an own team (direct or acquired) feels too; cynicism is about the channel.
ROUTE_EVENT_KINDS: frozenset[EventKind] = frozenset({"people_change", "resource_withdrawal", "responsibility_move"})
#: Inputs counted in whole months: drawn and varied values are rounded half up.
WHOLE_MONTH_INPUTS = frozenset({"enablement_months"})


def s_curve(progress: float | FloatArray, ramp_months: float | FloatArray) -> FloatArray:
    """Capability (0–1) after ``progress`` months of sustained effort.

    A logistic calibrated so that the raw curve passes 10 % at a quarter and 90 % at three
    quarters of ``ramp_months`` (k = ln 81 / (t90 − t10), domain notes §4.1), rescaled to be
    exactly 0 at no effort and exactly 1 at ``ramp_months``:
    ``S(x) = (L(x) − L(0)) / (L(1) − L(0))`` with ``L(x) = 1 / (1 + exp(−k (x − ½)))``,
    ``x = min(progress / ramp_months, 1)`` and ``k = 2 ln 81 ≈ 8.79``. The rescaled curve
    reaches 10 % at ``S_CURVE_10 × ramp_months`` (≈ 0.26) and 90 % at ``S_CURVE_90 ×
    ramp_months`` (≈ 0.74); half capability at half the ramp. ``ramp_months <= 0`` gives
    full capability at once. Arrays broadcast: one ramp length per run of a batch.
    """
    p = np.asarray(progress, dtype=float)
    months = np.asarray(ramp_months, dtype=float)
    ramping = months > 0
    x = np.clip(p / np.where(ramping, months, 1.0), 0.0, 1.0)
    raw = 1.0 / (1.0 + np.exp(-_K * (x - 0.5)))
    lo = 1.0 / (1.0 + math.exp(_K * 0.5))
    curve: FloatArray = np.where(ramping, (raw - lo) / (1.0 - 2.0 * lo), 1.0)
    return curve


def whole_months(value: float) -> int:
    """A month count rounded half up (2.4 → 2, 2.5 → 3): how drawn and varied inputs counted
    in whole months (:data:`WHOLE_MONTH_INPUTS`) are used, in the simulation and the tornado alike."""
    return int(math.floor(value + 0.5))


def varied(r: Ramp, **values: float) -> Ramp:
    """``r`` with some inputs replaced (whole-month inputs rounded by :func:`whole_months`)."""
    return r.model_copy(update={k: whole_months(v) if k in WHOLE_MONTH_INPUTS else float(v) for k, v in values.items()})


@dataclass(frozen=True)
class Inputs:
    """The inputs that may differ between the runs of one batch through the engine, one value
    per run: the ranged inputs (those of :data:`~workbook.schema.RANGED_INPUTS`) and the
    investment level. Whole-month inputs are already rounded (:func:`whole_months`)."""

    sales_cycle_months: FloatArray
    enablement_months: FloatArray
    ramp_months: FloatArray
    steady_deals_per_month: FloatArray
    avg_deal_value: FloatArray
    partner_margin: FloatArray
    gross_margin: FloatArray
    annual_churn: FloatArray
    level: FloatArray

    @classmethod
    def of(cls, r: Ramp, runs: int = 1, *, level: float | FloatArray = 1.0, **values: float | FloatArray) -> Inputs:
        """``runs`` runs of ``r``'s inputs, some replaced by ``values`` (one value for every run,
        or an array of one per run), at investment ``level`` (1.0 as planned)."""
        unknown = set(values) - set(RANGED_INPUTS)
        if unknown:
            raise TypeError(f"not an input of a batch: {', '.join(sorted(unknown))}")

        def per_run(value: float | FloatArray) -> FloatArray:
            given = np.asarray(value, dtype=float)
            return given if given.shape == (runs,) else np.full(runs, given)

        columns = {name: per_run(values.get(name, getattr(r, name))) for name in RANGED_INPUTS}
        for name in WHOLE_MONTH_INPUTS:
            columns[name] = np.floor(columns[name] + 0.5)  # whole_months, run by run
        return cls(**columns, level=per_run(level))

    @property
    def runs(self) -> int:
        return len(self.level)

    def cost_of_goods_share(self) -> FloatArray:
        """:func:`cost_of_goods_share` run by run."""
        share: FloatArray = (1.0 - self.partner_margin) * (1.0 - self.gross_margin)
        return share


@dataclass(frozen=True)
class RampMetrics:
    """The headline figures of one run of the model. Money in the params' currency."""

    first_revenue_month: int | None
    break_even_month: int | None  # from this month on the cumulative net stays >= 0 to the horizon
    cumulative_net_at_horizon: float
    peak_funding_need: float  # depth of the J-curve (>= 0)
    npv: float
    commitment_months: int
    horizon_months: int
    plan_gap: float | None  # target minus modelled cumulative vendor revenue at the last target month
    plan_gap_month: int | None
    first_break_even_month: int | None = None  # first month cumulative net >= 0 once revenue has started
    long_run_npv: float = 0.0  # npv with the alliance continued past the horizon for tail_months
    tail_months: int = 0

    @property
    def falls_back(self) -> bool:
        """Whether the cumulative net touches 0 and then falls below it again (or ends below it)."""
        return self.first_break_even_month is not None and self.first_break_even_month != self.break_even_month

    @property
    def pays_back_after_commitment(self) -> bool:
        return self.break_even_month is None or self.break_even_month > self.commitment_months


COLUMNS = [
    "month",
    "investment",
    "cumulative_investment",
    "effort",
    "capability",
    "deals_sourced",
    "deals_closed",
    "revenue",
    "partner_share",
    "vendor_revenue",
    "cost_of_goods",
    "cost_to_serve",
    "contribution",
    "net",
    "cumulative_net",
    "cumulative_vendor_revenue",
    "target_cumulative_revenue",
]


def cost_of_goods_share(r: Ramp) -> float:
    """Cost of goods as a share of a deal's value: ``(1 − partner_margin) × (1 − gross_margin)``.

    ``gross_margin`` is the vendor's margin on what it receives through the partner, so this is
    what a deal costs to deliver — the same whichever route sells it.
    """
    return (1.0 - r.partner_margin) * (1.0 - r.gross_margin)


def _costs(lines: Iterable[InvestmentLine], h: int, delay: int, total: int | None = None) -> tuple[FloatArray, FloatArray]:
    """Monthly recurring cost and monthly one-offs over ``total`` months (default ``h``), every
    line ``delay`` months late. Past the horizon ``h`` the alliance continues as it stands: a
    recurring line running in month ``h`` keeps running to month ``total``; nothing else does."""
    total = h if total is None else total
    recurring, one_off = np.zeros(total), np.zeros(total)
    for line in lines:
        if line.is_recurring:
            assert line.monthly_cost is not None and line.start_month is not None and line.end_month is not None
            s, e = line.start_month + delay, min(line.end_month + delay, h)
            if s <= h:
                recurring[s - 1 : (total if e == h else e)] += line.monthly_cost
        else:
            assert line.one_off is not None and line.month is not None
            if line.month + delay <= h:
                one_off[line.month + delay - 1] += line.one_off
    return recurring, one_off


def full_effort_cost(r: Ramp) -> float:
    """The monthly recurring cost of full effort (rule 2): ``ramp.full_effort_monthly_cost`` when
    the file gives it, else the smallest positive monthly recurring cost of the plan's lines as
    written — so that, by default, any month with a recurring resource in place is fully
    resourced. 0 when the plan has no recurring cost at all."""
    if r.full_effort_monthly_cost is not None:
        return float(r.full_effort_monthly_cost)
    recurring, _ = _costs(r.investment, r.horizon_months, 0)
    positive = recurring[recurring > 0]
    return float(positive.min()) if positive.size else 0.0


def _effort(r: Ramp, recurring: FloatArray, delay: int, start: int | None) -> FloatArray:
    """Effort by month before any event and before the investment level (module docstring,
    step 2), over as many months as ``recurring`` has."""
    h, total = r.horizon_months, len(recurring)
    months = np.arange(1, total + 1)
    lines = [x for x in r.investment if x.is_recurring]
    if not lines:
        return (months >= (start or 1) + delay).astype(float)
    full = full_effort_cost(r)
    effort = np.zeros(total)
    if full > 0:
        with np.errstate(over="ignore"):  # a cost of a few cents against full strength: effort 1 at most anyway
            effort = np.minimum(recurring / full, 1.0)
    for x in lines:
        if x.monthly_cost == 0:  # a post paid from another budget: full strength while it runs
            assert x.start_month is not None and x.end_month is not None
            s, e = x.start_month + delay, min(x.end_month + delay, h)
            effort[(months >= s) & (months <= (total if e == h else e))] = 1.0
    return effort


def _pipeline_kept(changes: Sequence[tuple[int, float]], lag: int, total: int) -> FloatArray:
    """The share of the deals closing in each month, ``lag`` months after they were sourced,
    that survive the people changes in between. A change at month m of severity s strikes as
    the month begins (month m's deals are already sourced by the changed team): it loses s of
    the pipeline, the deals sourced before month m that close in month m or later. So a
    closing month t keeps Π (1 − s) over the changes with m <= t < m + lag."""
    kept = np.ones(total)
    for month, severity in changes:
        kept[month - 1 : month - 1 + lag] *= 1 - severity
    return kept


def _engine(
    r: Ramp,
    inputs: Inputs,
    *,
    delay: int = 0,
    events: Sequence[Event] | None = None,
    start: int | None = None,
    cogs_share: float | None = None,
    cost_to_serve_rate: float = 0.0,
    total: int | None = None,
) -> dict[str, FloatArray]:
    """Run the monthly model for every run of ``inputs`` at once, in one pass over the months.

    Returns the columns of :data:`COLUMNS` but ``month`` and the target, each an array of
    runs × months (months 1-based along the rows). One run (:func:`run`) is a batch of one.
    ``cogs_share`` overrides :func:`cost_of_goods_share` (the routes keep the partner plan's);
    ``cost_to_serve_rate`` is paid on revenue (the direct route). ``total`` months (default the
    horizon) continue the alliance past the horizon as it stands there (module docstring, step 7).
    """
    h, runs = r.horizon_months, inputs.runs
    total = h if total is None else max(total, h)
    months = np.arange(1, total + 1)
    recurring_plan, one_off = _costs(r.investment, h, delay, total)
    # Effort and cost follow the investment level: one row for all runs when they share it.
    level = (inputs.level if (inputs.level != inputs.level[0]).any() else inputs.level[:1])[:, None]
    effort = _effort(r, recurring_plan, delay, start) * level
    recurring = recurring_plan * level
    begun = effort > 0
    selling_from = np.where(begun.any(axis=1), begun.argmax(axis=1) + 1 + inputs.enablement_months, total + 1)

    # The changes, month by month: each scales what follows it, in the order they strike.
    knock = np.ones(total)  # progress kept after the month's changes
    deal_factor = np.ones(total)  # deals still sourced, once cynicism has set in
    people_changes: list[tuple[int, float]] = []  # (month, severity): each loses its share of the pipeline
    cynical = 1.0
    given = r.events if events is None else events
    for month, ev in sorted(((ev.month + delay, ev) for ev in given), key=lambda pair: pair[0]):  # a late start meets its changes as late
        if month > h:
            continue
        i, s = month - 1, ev.severity
        if ev.kind == "people_change":
            knock[i] *= 1 - s
            people_changes.append((month, s))
        elif ev.kind == "resource_withdrawal":
            effort[:, i:] *= 1 - s
            recurring[:, i:] *= 1 - s
        elif ev.kind == "responsibility_move":
            knock[i] *= 1 - s
            people_changes.append((month, s))
            effort[:, i : i + RESPONSIBILITY_STALL_MONTHS] *= 1 - s
        elif ev.kind == "cynicism":
            cynical *= 1 - s / 2
            deal_factor[i:] = cynical

    # Progress up the S-curve: each month adds min(effort, 1), never past ramp_months, and a
    # people change or responsibility move knocks it back after its month's step. Between two
    # knocks that is a running sum cut at the ceiling: one cumulative sum per stretch makes the
    # same additions in the same order as a month-by-month loop (once at the ceiling, a sum
    # never falls back below it).
    step = np.minimum(effort, 1.0)
    ceiling = np.where(inputs.ramp_months > 0, inputs.ramp_months, np.inf)[:, None]
    progress = np.empty((runs, total))
    built = np.zeros((1, 1))  # nothing built yet, in any run
    ends = [*(np.flatnonzero(knock != 1.0) + 1).tolist(), total]
    for begin, end in zip([0, *ends[:-1]], ends):
        if end > begin:
            height = max(len(built), len(step))  # one row while every run's stretch is the same
            start_and_steps = [np.broadcast_to(built, (height, 1)), np.broadcast_to(step[:, begin:end], (height, end - begin))]
            stretch = np.cumsum(np.concatenate(start_and_steps, axis=1), axis=1)[:, 1:]
            progress[:, begin:end] = np.minimum(stretch, ceiling)
            progress[:, end - 1] *= knock[end - 1]
            built = progress[:, end - 1 : end]
    capability = s_curve(progress, inputs.ramp_months[:, None]) * effort
    sourced = np.where(months >= selling_from[:, None], inputs.steady_deals_per_month[:, None] * capability * deal_factor, 0.0)

    # A deal closes a sales cycle after it is sourced; a fractional cycle splits the month's deals
    # between the two neighbouring months. Runs are taken together by their cycle's whole months.
    # A people change loses its share of the deals then in the pipeline (:func:`_pipeline_kept`).
    cycle = np.maximum(inputs.sales_cycle_months, 0.0)
    whole = np.floor(cycle)
    frac = (cycle - whole)[:, None]
    closed = np.zeros((runs, total))
    for months_to_close in np.unique(whole[whole < total]).astype(int).tolist():
        rows = np.flatnonzero(whole == months_to_close)
        share, deals = frac[rows], sourced[rows, : total - months_to_close]
        closing = (1 - share) * deals
        closing[:, 1:] += share * deals[:, :-1]
        if people_changes:
            on_time = _pipeline_kept(people_changes, months_to_close, total)[months_to_close:]
            a_month_later = _pipeline_kept(people_changes, months_to_close + 1, total)[months_to_close:]
            closing = (1 - share) * deals * on_time
            closing[:, 1:] += share * deals[:, :-1] * a_month_later[1:]
        closed[rows, months_to_close:] = closing

    investment = recurring + one_off
    if r.deal_value_kind == "annual_recurring":
        revenue = billings(closed * (inputs.avg_deal_value[:, None] / 12.0), monthly_book_factor(inputs.annual_churn, r.annual_expansion))
    else:
        revenue = closed * inputs.avg_deal_value[:, None]
    partner_share = revenue * inputs.partner_margin[:, None]
    vendor_revenue = revenue - partner_share
    cost_of_goods = revenue * (inputs.cost_of_goods_share()[:, None] if cogs_share is None else cogs_share)
    cost_to_serve = revenue * cost_to_serve_rate
    contribution = vendor_revenue - cost_of_goods - cost_to_serve
    net = contribution - investment
    return {
        "investment": np.broadcast_to(investment, (runs, total)),
        "cumulative_investment": np.broadcast_to(np.cumsum(investment, axis=1), (runs, total)),
        "effort": np.broadcast_to(effort, (runs, total)),
        "capability": capability,
        "deals_sourced": sourced,
        "deals_closed": closed,
        "revenue": revenue,
        "partner_share": partner_share,
        "vendor_revenue": vendor_revenue,
        "cost_of_goods": cost_of_goods,
        "cost_to_serve": cost_to_serve,
        "contribution": contribution,
        "net": net,
        "cumulative_net": np.cumsum(net, axis=1),
        "cumulative_vendor_revenue": np.cumsum(vendor_revenue, axis=1),
    }


def monthly_book_factor(annual_churn: float | FloatArray, annual_expansion: float) -> FloatArray:
    """What the live book of recurring contracts becomes from one month to the next (module
    docstring, step 6): ``(1 − annual_churn)^(1/12) × (1 + annual_expansion)^(1/12)``, one
    factor per run. A churn of 1 loses every customer after its close month (factor 0)."""
    churn = np.asarray(annual_churn, dtype=float)
    factor: FloatArray = (1.0 - churn) ** (1.0 / 12.0) * (1.0 + annual_expansion) ** (1.0 / 12.0)
    return np.atleast_1d(factor)


def billings(new_billing: FloatArray, factor: FloatArray) -> FloatArray:
    """Each month's billing of a book of recurring contracts (runs × months): the month's new
    contracts' first billing plus last month's billing times the run's ``factor``
    (:func:`monthly_book_factor`). One step per month for every run at once: the book of a
    month depends on the month before, and a running product would lose precision when the
    factor is small over a long horizon."""
    out = np.empty_like(new_billing)
    g = factor[:, None]  # one per run, or one for all
    book = np.zeros((new_billing.shape[0], 1))
    for i in range(new_billing.shape[1]):
        book = book * g + new_billing[:, i : i + 1]
        out[:, i : i + 1] = book
    return out


def _target_curve(r: Ramp) -> FloatArray:
    """Target cumulative revenue by month: linear between the given points from 0 at month 0,
    NaN after the last target month (the plan says nothing there)."""
    h = r.horizon_months
    out = np.full(h, np.nan)
    if not r.target_revenue:
        return out
    pts = sorted(r.target_revenue.items())
    xs = [0] + [m for m, _ in pts]
    ys = [0.0] + [v for _, v in pts]
    months = np.arange(1, h + 1)
    inside = months <= xs[-1]
    out[inside] = np.interp(months[inside], xs, ys)
    return out


def crossings(revenue: FloatArray, cumulative_net: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per run (a row of runs × months): the first revenue month; the first break-even — the
    first month, once revenue has started, whose cumulative net is >= 0; and the break-even that
    stays — the first month, once revenue has started, from which the cumulative net is >= 0 in
    every month to the horizon. NaN where none (the last when the net ends below 0)."""
    h = revenue.shape[1]
    months = np.arange(1, h + 1)
    started = revenue > 1e-9
    first = np.where(started.any(axis=1), started.argmax(axis=1) + 1, h + 1)
    above = cumulative_net >= -1e-6
    hits = above & (months >= first[:, None])
    first_even = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1.0, np.nan)
    below = ~above
    last_below = np.where(below.any(axis=1), h - below[:, ::-1].argmax(axis=1), 0)  # 0: never below
    stays = np.maximum(last_below + 1, first).astype(float)
    stays = np.where((stays <= h) & above[:, -1], stays, np.nan)
    return np.where(first <= h, first, np.nan), first_even, stays


def payback_curves(revenue: FloatArray, cumulative_net: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per run: the first revenue month and the break-even that stays (see :func:`crossings`)."""
    first, _, stays = crossings(revenue, cumulative_net)
    return first, stays


def discount_factors(discount_rate: float, months: int) -> FloatArray:
    """``1 / (1 + i)^m`` for months 1..``months``, ``i = (1 + discount_rate)^(1/12) − 1``."""
    monthly_rate = (1 + discount_rate) ** (1 / 12) - 1
    factors: FloatArray = (1 + monthly_rate) ** -np.arange(1.0, months + 1)
    return factors


def _month(value: float) -> int | None:
    return None if math.isnan(value) else int(value)


def _metrics(r: Ramp, cols: Mapping[str, FloatArray], tail_net: FloatArray | None = None) -> RampMetrics:
    """The metrics of one run (its columns by month, and its net past the horizon)."""
    cum = cols["cumulative_net"]
    first, first_even, stays = crossings(cols["revenue"][None, :], cum[None, :])
    net = cols["net"]
    tail = np.zeros(0) if tail_net is None else tail_net
    discount = discount_factors(r.discount_rate, len(net) + len(tail))
    npv = float((net * discount[: len(net)]).sum())
    gap = gap_month = None
    if r.target_revenue:
        gap_month = max(r.target_revenue)
        gap = float(r.target_revenue[gap_month] - cols["cumulative_vendor_revenue"][gap_month - 1])
    return RampMetrics(
        first_revenue_month=_month(first[0]),
        break_even_month=_month(stays[0]),
        cumulative_net_at_horizon=float(cum[-1]),
        peak_funding_need=float(max(0.0, -cum.min())),
        npv=npv,
        commitment_months=r.commitment_months,
        horizon_months=r.horizon_months,
        plan_gap=gap,
        plan_gap_month=gap_month,
        first_break_even_month=_month(first_even[0]),
        long_run_npv=npv + float((tail * discount[len(net) :]).sum()),
        tail_months=len(tail),
    )


@dataclass(frozen=True)
class RampResult:
    """One run: its columns by month (those of :data:`COLUMNS` but ``month``), its metrics, and
    the premature changes as they struck (months moved by the run's delay)."""

    columns: Mapping[str, FloatArray] = field(repr=False)
    metrics: RampMetrics
    events: tuple[Event, ...] = ()
    #: The same columns over the months past the horizon that ``long_run_npv`` counts
    #: (``ramp.tail_months`` of them; the target is not continued).
    tail: Mapping[str, FloatArray] = field(default_factory=dict, repr=False)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """One row per month, columns :data:`COLUMNS` (built when first read: the summary reads
        only the metrics)."""
        months: IntArray = np.arange(1, self.metrics.horizon_months + 1)
        return pd.DataFrame({"month": months, **{name: self.columns[name] for name in COLUMNS[1:]}})


def run(
    r: Ramp,
    *,
    delay: int = 0,
    level: float = 1.0,
    events: Sequence[Event] | None = None,
    start: int | None = None,
    cogs_share: float | None = None,
    cost_to_serve_rate: float = 0.0,
) -> RampResult:
    """Run the ramp model.

    Parameters
    ----------
    r : the ``ramp`` section of a params file.
    delay : months by which the whole plan starts late: every investment line (and so the
        effort) and every premature change, which strikes the same way into the alliance's life.
    level : resourcing relative to the plan (1.0 as planned; 0.7 = under-invested by 30 %).
    events : premature-change events to apply instead of ``r.events``.
    start : month effort starts when the plan has no recurring line (default 1).
    cogs_share : cost of goods as a share of deal value (default :func:`cost_of_goods_share`).
    cost_to_serve_rate : share of revenue paid to serve the customers (0 on the partner route).

    Returns
    -------
    RampResult with one row per month (columns :data:`COLUMNS`) and the metrics.
    """
    h = r.horizon_months
    batch = _engine(
        r,
        Inputs.of(r, level=level),
        delay=delay,
        events=events,
        start=start,
        cogs_share=cogs_share,
        cost_to_serve_rate=cost_to_serve_rate,
        total=h + r.tail_months,
    )
    cols = {name: values[0, :h] for name, values in batch.items()}
    tail = {name: values[0, h:] for name, values in batch.items()}
    cols["target_cumulative_revenue"] = _target_curve(r)
    given = r.events if events is None else events
    used = tuple(ev.model_copy(update={"month": ev.month + delay}) for ev in given if ev.month + delay <= h)
    return RampResult(columns=cols, metrics=_metrics(r, cols, tail["net"]), events=used, tail=tail)


def _what_if(r: Ramp, w: SavedScenario | None) -> tuple[Ramp, int, float, list[Event] | None]:
    """``r`` with a what-if's inputs in place of its own, and the run's delay, level and events
    (``None``: the file's own)."""
    if w is None:
        return r, 0, 1.0, None
    update: dict[str, int] = {}
    if w.sales_cycle_months is not None:
        update["sales_cycle_months"] = w.sales_cycle_months
    if w.ramp_months is not None:
        update["ramp_months"] = w.ramp_months
    changed = r.model_copy(update=update) if update else r
    c = w.change
    events = None if c is None else [Event(month=c.month, kind=c.kind, severity=c.severity, note="what-if")]
    level = 1.0 if w.investment_level is None else w.investment_level
    return changed, w.start_delay_months or 0, level, events


def what_if_run(r: Ramp, w: SavedScenario | None) -> RampResult:
    """The plan ``r`` run with a what-if (the dashboard's controls, or a saved scenario): each
    input ``w`` gives replaces the plan's — the sales cycle and the ramp months; the investment
    level as :func:`run`'s ``level`` (cost and effort); the start delay as ``delay`` (the whole
    plan, its changes too, starts that many months late); and its premature change, when it has
    one, in place of the file's ``events``. An input ``w`` leaves out is the plan's, so a what-if
    that gives none (or ``None``) is the plan itself."""
    changed, delay, level, events = _what_if(r, w)
    return run(changed, delay=delay, level=level, events=events)


def what_if_words(w: SavedScenario, months: MonthNames = NUMBERED) -> str:
    """What a saved what-if changes, in words ("sales cycle 6 months; investment at 80 % of the
    plan"), or "the plan as written" when it changes nothing."""
    said = []
    if w.sales_cycle_months is not None:
        said.append(f"sales cycle {count(w.sales_cycle_months, 'month')}")
    if w.ramp_months is not None:
        said.append(f"ramp {count(w.ramp_months, 'month')}")
    if w.investment_level is not None:
        said.append(f"investment at {w.investment_level:.0%} of the plan")
    if w.start_delay_months:
        said.append(f"starts {count(w.start_delay_months, 'month')} late")
    if w.change is not None:
        c = w.change
        said.append(f"{c.kind.replace('_', ' ')} of severity {c.severity:g} in {months.long(c.month)}, in place of the file's premature changes")
    return "; ".join(said) if said else "the plan as written"


def plan_gap_table(r: Ramp, result: RampResult) -> pd.DataFrame:
    """The business-plan gap at each target month: target vs modelled cumulative vendor revenue."""
    rows = []
    for month, target in sorted(r.target_revenue.items()):
        actual = float(result.columns["cumulative_vendor_revenue"][month - 1])
        rows.append({"month": month, "target": float(target), "modelled": actual, "gap": float(target) - actual})
    return pd.DataFrame(rows, columns=["month", "target", "modelled", "gap"])


# --------------------------------------------------------------------------------------------
# Scenarios


@dataclass(frozen=True)
class Scenario:
    """One scenario. ``key`` is stable (flags use it); ``name`` is for people.
    ``route`` marks the alternatives to partnering (direct team, acquisition)."""

    key: str
    name: str
    description: str
    result: RampResult
    route: bool = False
    saved: bool = False  # a what-if saved in the file (``ramp.scenarios.saved``)


def default_change_month(r: Ramp) -> int:
    """Where the premature-change scenario strikes unless the params say otherwise: half-way
    through the commitment, when impatience usually bites."""
    return max(1, min(r.horizon_months, r.commitment_months // 2))


def route_events(r: Ramp) -> list[Event]:
    """The file's events an own team (direct or acquired) feels: all but cynicism."""
    return [ev for ev in r.events if ev.kind in ROUTE_EVENT_KINDS]


def scenarios(r: Ramp, cost_to_serve_rate: float | None = None, months: MonthNames = NUMBERED) -> list[Scenario]:
    """As planned; invest late; under-invest; a premature change; when their blocks are given,
    the two alternative routes (build a direct team; acquire); then each saved what-if
    (``scenarios.saved``, :func:`what_if_run`), in the file's order.

    ``cost_to_serve_rate`` (share of revenue, from the ``value`` section) is what the direct
    route pays to do the partner's non-sales work itself; ``None`` leaves it out. ``months``
    words the premature change's month in its name and note (a calendar month when the file
    has a start).
    """
    sc = r.scenarios
    change_month = sc.premature_change_month or default_change_month(r)
    change = Event(
        month=min(change_month, r.horizon_months),
        kind=sc.premature_change_kind,
        severity=sc.premature_change_severity,
        note=f"scenario: {sc.premature_change_kind.replace('_', ' ')} in {months.long(change_month)}",
    )
    out = [
        Scenario("plan", "As planned", "the plan as written", run(r)),
        Scenario(
            "invest_late",
            f"Invest {count(sc.invest_late_months, 'month')} late",
            f"the whole plan, its investment and its premature changes, starts {count(sc.invest_late_months, 'month')} later",
            run(r, delay=sc.invest_late_months),
        ),
        Scenario(
            "under_invest",
            f"Under-invest by {sc.under_invest_pct:g}%",
            f"recurring resources cut by {sc.under_invest_pct:g}% from the start",
            run(r, level=1 - sc.under_invest_pct / 100),
        ),
        Scenario(
            "premature_change",
            f"{sc.premature_change_kind.replace('_', ' ').capitalize()} in {months.short(change.month)}",
            f"a premature change of severity {sc.premature_change_severity:g}",
            run(r, events=[*r.events, change]),
        ),
    ]
    cogs = cost_of_goods_share(r)
    own_team_events = route_events(r)
    if sc.direct is not None:
        d = sc.direct
        direct = r.model_copy(
            update={
                "partner_margin": 0.0,
                "enablement_months": d.hiring_months,
                "ramp_months": d.ramp_months,
                "steady_deals_per_month": d.steady_deals_per_month,
                "sales_cycle_months": d.sales_cycle_months if d.sales_cycle_months is not None else r.sales_cycle_months,
                "investment": [
                    InvestmentLine(name="Direct team", monthly_cost=d.monthly_cost, start_month=1, end_month=r.horizon_months)
                ],
            }
        )
        serve = cost_to_serve_rate or 0.0
        what = "hire and ramp an own sales team; no partner margin, the same cost of goods"
        if serve:
            what += f", plus the partner's non-sales work at {serve:.1%} of revenue"
        out.append(
            Scenario(
                "direct",
                "Build a direct team",
                what,
                run(direct, events=own_team_events, cogs_share=cogs, cost_to_serve_rate=serve),
                route=True,
            )
        )
    if sc.acquire is not None:
        a = sc.acquire
        lines = [InvestmentLine(name="Acquisition", one_off=a.price, month=min(a.month, r.horizon_months))]
        if a.monthly_cost > 0 and a.month <= r.horizon_months:
            lines.append(
                InvestmentLine(name="Acquired team", monthly_cost=a.monthly_cost, start_month=a.month, end_month=r.horizon_months)
            )
        acquired = r.model_copy(
            update={
                "partner_margin": 0.0,
                "enablement_months": a.integration_months,
                "ramp_months": 0,
                "steady_deals_per_month": a.steady_deals_per_month,
                "investment": lines,
            }
        )
        out.append(
            Scenario(
                "acquire",
                "Acquire",
                "buy a company that already sells (its team serves its customers); integrate, then sell",
                run(acquired, events=own_team_events, start=a.month, cogs_share=cogs),
                route=True,
            )
        )
    for i, w in enumerate(sc.saved, start=1):
        out.append(Scenario(f"saved_{i}", w.name, f"saved what-if: {what_if_words(w, months)}", what_if_run(r, w), saved=True))
    return out


# --------------------------------------------------------------------------------------------
# Uncertainty

#: Whether a larger value of each ranged input makes the outcome better (True) or worse.
_BETTER_WHEN_HIGHER = {k: bool(i.higher_is_better) for k, i in ranged().items()}


@dataclass(frozen=True)
class MonteCarlo:
    """Seeded Monte Carlo over the uncertainty ranges, each a triangle whose most likely
    value is the plan's.

    bands : month, p10, p50, p90 of the cumulative net (all equal to the plan without ranges).
    p_break_even_within_commitment : share of runs breaking even by the commitment's end;
        ``None`` when the plan has no uncertainty ranges (every run is the plan: no chance to
        give, and no band to draw — see :attr:`ranged`).
    break_even_months : per run, NaN where a run never breaks even.
    worst, best : the plan with every ranged input at the bad (or good) end of its range —
        the ends of the simulation's range: every run, and the plan, lies between them.
    partner_bands : month, p10, p50, p90 of the partner's cumulative net over the same runs,
        when the simulation was given the partner's economics.
    """

    bands: pd.DataFrame
    p_break_even_within_commitment: float | None
    break_even_months: FloatArray = field(repr=False)
    runs: int = 0
    seed: int = 0
    worst: RampResult | None = field(default=None, repr=False)
    best: RampResult | None = field(default=None, repr=False)
    curves: FloatArray | None = field(default=None, repr=False)  # runs × months of cumulative net
    partner_bands: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def ranged(self) -> bool:
        """Whether the plan has uncertainty ranges, so the band and the chance say something."""
        return self.p_break_even_within_commitment is not None


def extremes(r: Ramp) -> tuple[RampResult, RampResult]:
    """The plan with every ranged input at the worst end of its range, and at the best end.

    The model never gets better when an input moves its bad way (a longer cycle, a slower
    ramp, fewer or smaller deals, a bigger partner margin, a smaller gross margin), so these
    two runs bound every draw of the simulation, and the plan, month by month.
    """
    tri = r.triangles()
    worst = {k: (hi if not _BETTER_WHEN_HIGHER[k] else lo) for k, (lo, _, hi) in tri.items()}
    best = {k: (lo if not _BETTER_WHEN_HIGHER[k] else hi) for k, (lo, _, hi) in tri.items()}
    return run(varied(r, **worst)), run(varied(r, **best))


def _bands(curves: FloatArray) -> pd.DataFrame:
    p10, p50, p90 = np.percentile(curves, [10, 50, 90], axis=0)
    return pd.DataFrame({"month": np.arange(1, curves.shape[1] + 1), "p10": p10, "p50": p50, "p90": p90})


def _draws(r: Ramp, runs: int, seed: int) -> dict[str, FloatArray]:
    """``runs`` draws of every ranged input from its triangle (:meth:`Ramp.triangles`) with
    ``seed``, in the inputs' alphabetical order (so one seed gives the same draws for the plan
    and a what-if of it); empty without ranges."""
    rng = np.random.default_rng(seed)
    return {
        name: rng.triangular(lo, mode, hi, size=runs) if hi > lo else np.full(runs, mode)
        for name, (lo, mode, hi) in sorted(r.triangles().items())
    }


#: The most draws the alliance dashboard's live band takes: the file's ``simulation.runs`` up to
#: this many, so that a redraw stays well under a tenth of a second (500 draws take a few ms).
LIVE_BAND_RUNS = 1000


def what_if_band(r: Ramp, w: SavedScenario | None = None, runs: int | None = None, seed: int | None = None) -> pd.DataFrame | None:
    """The P10–P90 band of a what-if: :func:`monte_carlo`'s simulation re-run on the plan with
    ``w``'s inputs in place (:func:`what_if_run`'s rules), ``runs`` draws (default the file's
    ``simulation.runs``) from ``seed`` (default ``simulation.seed``).

    The ranges are read around the what-if's own values, as :meth:`Ramp.triangles` reads them
    around the plan's (a what-if sales cycle of 6 with a range written [3, 4, 6] draws from
    5 to 8). Returns month, p10, p50, p90 of the cumulative net; with ``w`` ``None`` (or giving
    nothing) it is :func:`monte_carlo`'s ``bands``, draw for draw. ``None`` when the file gives
    no ranges: every run would be the what-if itself, and a band of no width says nothing.
    """
    if not r.uncertainty.ranges():
        return None
    changed, delay, level, events = _what_if(r, w)
    runs = runs if runs is not None else r.simulation.runs
    seed = seed if seed is not None else r.simulation.seed
    draws = _draws(changed, runs, seed)
    cols = _engine(changed, Inputs.of(changed, runs, level=level, **draws), delay=delay, events=events)
    return _bands(cols["cumulative_net"])


def monte_carlo(r: Ramp, runs: int | None = None, seed: int | None = None, partner: PartnerEconomics | None = None) -> MonteCarlo:
    """Draw every ranged input from its triangle (low, the plan's value, high), ``runs`` times,
    with ``seed`` (both default to ``ramp.simulation``). Inputs without a range keep the plan's
    value. Same seed, same result. Every run goes through the engine in one batch. Given the
    ``partner``'s economics, each run's partner money machine (:func:`partner_economics`'s rules)
    gives the partner's band too.
    """
    runs = runs if runs is not None else r.simulation.runs
    seed = seed if seed is not None else r.simulation.seed
    draws = _draws(r, runs, seed)
    cols = _engine(r, Inputs.of(r, runs, **draws))
    curves = cols["cumulative_net"]
    _, breaks = payback_curves(cols["revenue"], curves)
    bands = _bands(curves)
    partner_bands = None
    if partner is not None:
        recurring, one_off = _costs(partner.investment, r.horizon_months, 0)
        income = cols["partner_share"] + cols["deals_closed"] * partner.services_per_deal
        partner_bands = _bands(np.cumsum(income - (recurring + one_off), axis=1))
    within = float(np.mean(np.nan_to_num(breaks, nan=np.inf) <= r.commitment_months)) if draws else None
    worst, best = extremes(r)
    return MonteCarlo(
        bands=bands,
        p_break_even_within_commitment=within,
        break_even_months=breaks,
        runs=runs,
        seed=seed,
        worst=worst,
        best=best,
        curves=curves,
        partner_bands=partner_bands,
    )


SENSITIVITY_INPUTS = {k: i.label for k, i in RAMP_INPUTS.items() if i.in_tornado and k != "annual_churn"}
#: Inputs the tornado adds for recurring contracts (when the plan has churn to vary).
RECURRING_SENSITIVITY_INPUTS = {"annual_churn": RAMP_INPUTS["annual_churn"].label}


def sensitivity_inputs(r: Ramp) -> dict[str, str]:
    """The inputs the tornado varies for ``r``: :data:`SENSITIVITY_INPUTS`, and annual churn
    for recurring contracts whose churn is above 0 (±20 % of no churn is still no churn)."""
    if r.deal_value_kind == "annual_recurring" and r.annual_churn > 0:
        return {**SENSITIVITY_INPUTS, **RECURRING_SENSITIVITY_INPUTS}
    return dict(SENSITIVITY_INPUTS)


def sensitivity(r: Ramp, swing: float = 0.20) -> pd.DataFrame:
    """One-at-a-time sensitivity of the cumulative net at the horizon to ±``swing`` on each input
    (those of :func:`sensitivity_inputs`).

    Inputs counted in whole months are rounded the way the simulation rounds them
    (:func:`whole_months`), so 3 enablement months give 2 and 4. Returns one row per input:
    ``input``, ``label``, ``low_value``/``high_value`` (the input used at −/+ swing),
    ``low``/``high`` (the metric there), ``base`` and ``swing`` (|high − low|), sorted by
    swing, largest first — the order of a tornado chart. The plan and its variations go
    through the engine as one batch: run 0 is the plan, runs 2k + 1 and 2k + 2 the k-th
    input at −/+ swing.
    """
    labels = sensitivity_inputs(r)
    names = list(labels)
    runs = 1 + 2 * len(names)
    values = {name: np.full(runs, float(getattr(r, name))) for name in names if name != "investment_level"}
    level = np.ones(runs)
    for k, name in enumerate(names):
        for i, factor in ((1 + 2 * k, 1 - swing), (2 + 2 * k, 1 + swing)):
            if name == "investment_level":
                level[i] = factor
            else:
                v = float(getattr(r, name)) * factor
                values[name][i] = min(v, 1.0) if name in ("partner_margin", "gross_margin", "annual_churn") else v
    inputs = Inputs.of(r, runs, level=level, **values)
    at_horizon = _engine(r, inputs)["cumulative_net"][:, -1]
    rows = []
    for k, (name, label) in enumerate(labels.items()):
        used: FloatArray = getattr(inputs, "level" if name == "investment_level" else name)
        low, high = 1 + 2 * k, 2 + 2 * k
        rows.append(
            {
                "input": name,
                "label": label,
                "low_value": float(used[low]),
                "high_value": float(used[high]),
                "low": float(at_horizon[low]),
                "high": float(at_horizon[high]),
                "base": float(at_horizon[0]),
                "swing": abs(float(at_horizon[high]) - float(at_horizon[low])),
            }
        )
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


# --------------------------------------------------------------------------------------------
# The partner's money machine

#: The partner's money machine by month (:attr:`PartnerResult.monthly`).
PARTNER_COLUMNS = ["month", "margin_income", "services_income", "income", "investment", "net", "cumulative_net"]
#: Two paybacks further apart than this many months make an alliance one-sided (flag ``one_sided_payback``).
PAYBACK_GAP_MONTHS = 12
#: Below this chance of breaking even within the commitment (with ranges) the plan is flagged; high below the second.
LOW_CHANCE = 0.5
VERY_LOW_CHANCE = 0.2


@dataclass(frozen=True)
class PartnerResult:
    """The partner's side of the plan: its columns by month (:data:`PARTNER_COLUMNS`) and
    headline figures, by the vendor's rules (break-even: the first month, once income has
    started, whose cumulative net is >= 0; ``None`` when none within the horizon)."""

    monthly: pd.DataFrame
    first_income_month: int | None
    break_even_month: int | None
    cumulative_net_at_horizon: float
    peak_funding_need: float  # depth of the partner's J-curve (>= 0)


def partner_economics(pe: PartnerEconomics, plan: RampResult) -> PartnerResult:
    """The partner's money machine alongside the vendor's ``plan``.

    Each month: margin income = the partner's share of the month's revenue (``partner_margin``
    × deal value × deals closed for one-off deals; ``partner_margin`` × the month's billing for
    recurring contracts — the plan's ``partner_share`` column); services income =
    ``services_per_deal`` × deals closed; income = the two together; investment = the
    partner's own lines (recurring and one-off, as ``ramp.investment``); net = income −
    investment; the cumulative net is the partner's J-curve. First income month and break-even
    month follow the vendor's rules (:func:`payback_curves`), with income in place of revenue.
    """
    h = plan.metrics.horizon_months
    margin_income = np.asarray(plan.columns["partner_share"], dtype=float)
    services_income = np.asarray(plan.columns["deals_closed"], dtype=float) * pe.services_per_deal
    income = margin_income + services_income
    recurring, one_off = _costs(pe.investment, h, 0)
    investment = recurring + one_off
    net = income - investment
    cumulative = np.cumsum(net)
    first, break_even = payback_curves(income[None, :], cumulative[None, :])
    monthly = pd.DataFrame(
        {
            "month": np.arange(1, h + 1),
            "margin_income": margin_income,
            "services_income": services_income,
            "income": income,
            "investment": investment,
            "net": net,
            "cumulative_net": cumulative,
        }
    )
    return PartnerResult(
        monthly=monthly,
        first_income_month=_month(first[0]),
        break_even_month=_month(break_even[0]),
        cumulative_net_at_horizon=float(cumulative[-1]),
        peak_funding_need=float(max(0.0, -cumulative.min())),
    )


def payback_sentence(vendor: int | None, partner: int | None, horizon: int, months: MonthNames = NUMBERED) -> str:
    """Both sides' break-even months in one sentence, worded by ``months``."""

    def when(month: int | None) -> str:
        return f"in {months.long(month)}" if month is not None else f"not within the {horizon}-month horizon"

    return f"the vendor breaks even {when(vendor)}, the partner {when(partner)}."


def paybacks_apart(vendor: int | None, partner: int | None, horizon: int) -> int | None:
    """How many months apart the two sides pay back, when that makes the alliance one-sided:
    both pay back and more than :data:`PAYBACK_GAP_MONTHS` apart, or one pays back within the
    horizon and the other never does (counted to the month after the horizon). ``None`` when
    the paybacks are close enough, or when neither side pays back (the plan's own flags say so)."""
    if vendor is None and partner is None:
        return None
    gap = abs((vendor if vendor is not None else horizon + 1) - (partner if partner is not None else horizon + 1))
    if vendor is None or partner is None or gap > PAYBACK_GAP_MONTHS:
        return gap
    return None


# --------------------------------------------------------------------------------------------
# Everything a report needs, in one call


@dataclass(frozen=True)
class RampAnalysis:
    plan: RampResult
    scenarios: list[Scenario]
    monte_carlo: MonteCarlo
    sensitivity: pd.DataFrame
    plan_gap: pd.DataFrame
    ramp: Ramp = field(repr=False)
    currency: str = DEFAULT_CURRENCY
    partner: PartnerResult | None = None  # the partner's money machine, when the file has partner_economics


def analyse(params: Params | Ramp) -> RampAnalysis:
    """Run the plan, the scenarios, the Monte Carlo and the sensitivity for one alliance, and
    the partner's money machine (:func:`partner_economics`) when the file has that section.

    Given the whole params file, the direct route pays the ``value`` section's cost-to-serve
    and money is worded in ``alliance.currency``; given the ``ramp`` section alone, neither.
    """
    from .value import cost_to_serve_rate

    if isinstance(params, Ramp):
        r, code, serve, pe, months = params, DEFAULT_CURRENCY, None, None, NUMBERED
    else:
        r, code, pe, months = params.ramp, params.alliance.currency, params.partner_economics, params.months
        serve = cost_to_serve_rate(params.value, r.partner_margin) if params.value is not None else None
    plan = run(r)
    return RampAnalysis(
        plan=plan,
        scenarios=scenarios(r, serve, months),
        monte_carlo=monte_carlo(r, partner=pe),
        sensitivity=sensitivity(r),
        plan_gap=plan_gap_table(r, plan),
        ramp=r,
        currency=code,
        partner=None if pe is None else partner_economics(pe, plan),
    )


# --------------------------------------------------------------------------------------------
# Flags


def flags(analysis: RampAnalysis, months: MonthNames = NUMBERED) -> list[Flag]:
    """What the money machine's numbers say needs attention (area ``ramp``).

    Codes: ``no_break_even``; ``commitment_before_break_even`` (pays back after the
    commitment ends); ``low_chance_of_break_even`` (under half the simulated runs break even
    within the commitment; high under 20 %); ``business_plan_gap`` (modelled vendor revenue
    short of the last target); ``resources_end_before_break_even`` (one per recurring line
    that ends before the plan pays back, when its end lowers effort); ``falls_back_below_zero``
    (the cumulative net reaches 0, then falls below it again: high when it ends below 0);
    ``fragile_to_<scenario>`` (invest late, under-invest or the premature change — not a route,
    nor a what-if the file saved — pushes break-even past the commitment when the plan itself pays back within it);
    ``one_sided_payback`` (with ``partner_economics``: one side pays back long before the
    other, see :func:`paybacks_apart`).
    """
    m = analysis.plan.metrics
    money = currency(analysis.currency)
    out: list[Flag] = []
    if m.break_even_month is None:
        out.append(
            Flag(
                "no_break_even",
                "high",
                f"The plan does not pay back within the {m.horizon_months}-month horizon"
                + (f": the cumulative net touches 0 in {months(m.first_break_even_month)} but ends below it." if m.falls_back else "."),
                "ramp",
                "Rework the plan (scope, deal flow or investment) before committing resources.",
            )
        )
    elif m.break_even_month > m.commitment_months:
        out.append(
            Flag(
                "commitment_before_break_even",
                "high",
                f"Resources are committed for {count(m.commitment_months, 'month')} but the plan pays back only in "
                f"{months.long(m.break_even_month)}.",
                "ramp",
                f"Extend the commitment to at least {months.long(m.break_even_month)}, or change the plan so it pays back sooner.",
                size=past(m.break_even_month, m.commitment_months),
            )
        )
    if m.falls_back:
        assert m.first_break_even_month is not None
        out.append(
            Flag(
                "falls_back_below_zero",
                "high" if m.break_even_month is None else "medium",
                f"The cumulative net reaches 0 in {months.long(m.first_break_even_month)}, then falls below it again"
                + (f"; it stays at or above 0 only from {months.long(m.break_even_month)}." if m.break_even_month is not None else f" and ends the {m.horizon_months}-month horizon below 0."),
                "ramp",
                "Look at what the plan spends after the first break-even (a late one-off, a new line) and whether it can be phased or funded from what the alliance earns.",
                size=1.0 if m.break_even_month is None else past(m.break_even_month, m.first_break_even_month),
            )
        )
    p = analysis.monte_carlo.p_break_even_within_commitment
    if p is not None and p < LOW_CHANCE:  # without ranges there is no chance to judge
        out.append(
            Flag(
                "low_chance_of_break_even",
                "medium" if p >= VERY_LOW_CHANCE else "high",
                f"Only {p:.0%} of simulated outcomes break even within the commitment.",
                "ramp",
                "Narrow the biggest uncertainty (see the tornado chart) or lengthen the commitment.",
                size=past(p, LOW_CHANCE),
            )
        )
    if m.plan_gap is not None and m.plan_gap > 0 and m.plan_gap_month is not None:
        target = analysis.ramp.target_revenue[m.plan_gap_month]
        out.append(
            Flag(
                "business_plan_gap",
                "medium",
                f"Modelled vendor revenue falls {money(m.plan_gap)} short of the target by {months.long(m.plan_gap_month)}.",
                "ramp",
                "Invest earlier or lower the target: revenue lags investment by enablement plus the sales cycle.",
                size=m.plan_gap / target if target else 1.0,
            )
        )
    be = m.break_even_month
    effort = analysis.plan.columns["effort"]
    for line in analysis.ramp.investment:
        if not line.is_recurring or line.monthly_cost == 0:
            continue
        assert line.end_month is not None
        if line.end_month >= m.horizon_months or (be is not None and line.end_month >= be):
            continue
        if effort[line.end_month] >= effort[line.end_month - 1] - 1e-9:
            continue  # the lines still running carry full effort (rule 2): its end costs no deals
        when = f"the plan pays back in {months.long(be)}" if be is not None else "the plan pays back at all"
        out.append(
            Flag(
                "resources_end_before_break_even",
                "medium",
                f"'{line.name}' ends in {months.long(line.end_month)}, before {when}: the effort it pays for, and the "
                "deals that effort brings, end with it.",
                "ramp",
                "Keep the resource until the alliance has paid back, or plan now what takes its place.",
                subject=line.name,
                size=past(line.end_month, be) if be is not None else 1.0,
            )
        )
    partner = analysis.partner
    apart = None if partner is None else paybacks_apart(m.break_even_month, partner.break_even_month, m.horizon_months)
    if partner is not None and apart is not None:
        out.append(
            Flag(
                "one_sided_payback",
                "medium",
                f"The alliance pays back for one side long before the other: {payback_sentence(m.break_even_month, partner.break_even_month, m.horizon_months, months)}",
                "ramp",
                "Rebalance what each side earns and carries (margin, services, who pays for which resource) so that both see a "
                "return within about a year of each other.",
                size=past(apart, PAYBACK_GAP_MONTHS),
            )
        )
    if m.break_even_month is not None and m.break_even_month <= m.commitment_months:
        for s in analysis.scenarios[1:]:
            sm = s.result.metrics
            if not (s.route or s.saved) and (sm.break_even_month is None or sm.break_even_month > m.commitment_months):
                out.append(
                    Flag(
                        f"fragile_to_{s.key}",
                        "low",
                        f"Scenario '{s.name}' would push break-even past the commitment.",
                        "ramp",
                        "Agree now, with both sides, that the plan's resources stay in place for the whole commitment.",
                    )
                )
    return out


def stopped_at_commitment(r: Ramp) -> RampResult | None:
    """The plan run as if every recurring resource stopped when the commitment ends (a
    resource withdrawal of severity 1 in the month after it); ``None`` when the commitment
    covers the whole horizon."""
    if r.commitment_months >= r.horizon_months:
        return None
    stop = Event(month=r.commitment_months + 1, kind="resource_withdrawal", severity=1.0, note="the commitment ends")
    return run(r, events=[*r.events, stop])
