"""Plan against actual: the money machine as it runs, and where it is heading now.

Months are numbered from 1; money is in the params' currency. ``M`` is the last month the
``actuals`` section records (its months run 1..M without gaps).

The rules, month by month (README, "Plan against actual", works an example):

1. **Actual money, by the plan's rule.** contribution = actual vendor revenue × ``gross_margin``;
   net = contribution − actual investment; the actual cumulative net is its running sum. (On the
   partner route the plan's contribution is vendor revenue × gross margin too, so the two
   curves are comparable month by month.)
2. **Tracking at month M** compares the cumulative *vendor revenue* actually received with the
   plan's cumulative vendor revenue at M, as the ratio ``actual / plan``:

   - ``on_plan`` — within ±10 % (:data:`TOLERANCE`): 0.9 ≤ ratio ≤ 1.1;
   - ``ahead`` — above 1.1; ``behind`` — below 0.9;
   - ``below_p10`` — behind, *and* the file has uncertainty ranges, *and* the actual cumulative
     *net* at M is below the simulation's P10 of the cumulative net at M (the band the report
     draws): the shortfall is larger than the plan's own uncertainty explains. Below-P10 is
     judged on the net (the J-curve the band describes), only for an alliance already behind
     on revenue, so a plan tracked exactly is always ``on_plan``.
   - A plan that expects no vendor revenue by month M (the lag before first revenue): ``on_plan``
     while none has come either, ``ahead`` as soon as some has.
3. **Spend tracking at month M** compares the cumulative *investment* actually made with the
   plan's cumulative investment at M, the same way: ``on_budget`` within ±10 %
   (0.9 ≤ actual / plan ≤ 1.1), ``over_budget`` above, ``under_budget`` below. A plan that
   spends nothing by M is ``on_budget`` while nothing was spent either, ``over_budget`` as soon
   as something was.
4. **The fit: how late, and how large.** The actuals are read as the plan running ``d`` whole
   months late (d ≥ 0) at ``k`` times its size. For each d, the plan's cumulative vendor revenue
   shifted by d, ``S_d(m) = plan cumulative vendor revenue at m − d`` (0 for m ≤ d), is fitted
   to the actual cumulative vendor revenue ``A(m)`` of months 1..M by least squares:
   ``k_d = Σ A·S_d / Σ S_d²`` and error ``E_d = Σ (A − k_d·S_d)²``; the fit is the d with the
   smallest error (ties to the smaller d; only delays at which the plan expects some revenue by
   M are tried), with its k_d rounded to 4 decimals. Two cases have nothing to fit:

   - the plan expects no vendor revenue by M: d = 0, k = 1 (the re-forecast is the plan);
   - the plan expects some but none has come: the size cannot be judged yet, so k = 1 and d is
     the smallest delay at which the plan would expect none yet, ``M − f + 1`` for the plan's
     first revenue month f (the re-forecast's revenue starts in month M + 1 at the planned size).
5. **Re-forecast.** Months 1..M are the actuals; after M the alliance runs as the plan does d
   months later: vendor revenue = k × the plan's vendor revenue in month m − d and investment =
   the plan's investment in month m − d (m − d ≥ 1 always, since d ≤ M); net = vendor revenue ×
   gross margin − investment. The re-forecast break-even month is the plan's rule
   (:func:`workbook.ramp.payback_curves`) applied to that series; it may fall within the recorded
   months, when the alliance has already broken even.

Scaling the plan's monthly vendor revenue (rather than its deals) works for any deal kind the
plan models (one-off or recurring), since a deal's revenue is proportional to the deals closed.

6. **The pipeline in the re-forecast** (:func:`pipeline_forecast`). With a ``pipeline`` section
   and a win rate w = won ÷ (won + lost), the months the pipeline covers, ``M + 1 .. E`` with
   ``E = min(max(P, M + 1), M + ⌈sales_cycle_months⌉, horizon)`` (P: the pipeline's last month;
   beyond one sales cycle from M the pipeline is not complete yet, deals still to be sourced
   will close there), take their vendor revenue from the open deals instead of the fit. Open
   deals expected in month M or before (slipped) count in month M + 1. One-off deals:
   vendor revenue(m) = w × amount(m) × (1 − partner_margin). Annual-recurring deals (amounts
   are annual contract values): the contracts already won keep billing, so vendor revenue(m) =
   g × vendor revenue(m − 1) + w × amount(m) / 12 × (1 − partner_margin), from the actual
   vendor revenue of M (g as in the ramp's rule 6); after E the book keeps billing and the fit
   adds its new contracts: vendor revenue(m) = g × vendor revenue(m − 1) + k × new(m − d),
   where new(j) = plan vendor revenue(j) − g × plan vendor revenue(j − 1), the first billing
   of the plan's contracts closing in month j. One-off deals after E follow rule 5 (a one-off
   plan's revenue is only its new deals). Without a win rate (no closed deal), without open
   deals, or with no month to cover (E < M + 1) the pipeline is not used and
   :attr:`PipelineForecast.reason` says why. Investment is rule 5's in every month.
7. **Attribution** (:func:`attribution`). Sourced share = Σ ``partner_sourced_revenue`` ÷
   Σ (``partner_sourced_revenue`` + ``influenced_revenue``) over the recorded months that give
   either (the other counting 0 there: an export leaves a column blank in a month without such
   revenue); ``None`` when no month gives either or both sums are 0.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import currency
from .flags import Flag, past
from .months import NUMBERED, MonthNames
from .ramp import FloatArray, MonteCarlo, RampResult, payback_curves, monthly_book_factor
from .schema import Actuals, Params, Pipeline, Ramp
from .text import SPEND_WORDS, TRACKING_WORDS, count

Tracking = Literal["ahead", "on_plan", "behind", "below_p10"]
SpendTracking = Literal["on_budget", "over_budget", "under_budget"]
#: How the fit was found (rule 4): ``fit`` (least squares), ``no_revenue_expected`` (the plan
#: expects none by M: d = 0, k = 1), ``no_revenue_yet`` (none came though the plan expected
#: some: the smallest delay at which the plan would expect none yet, k = 1).
FitBasis = Literal["fit", "no_revenue_expected", "no_revenue_yet"]

#: How far (a share of the plan) cumulative vendor revenue, or investment, may stray and still
#: be on plan, or on budget.
TOLERANCE = 0.10
#: From this share of the plan's cumulative investment, ``over_budget`` is high (half as much again).
OVER_BUDGET_HIGH = 1.5
#: Below this, a cumulative amount counts as none (float noise of the plan's sums).
_NONE = 1e-9
#: Two fits whose errors differ by less than this share of Σ A² are a tie (float noise).
_TIE = 1e-12
#: The fitted scale k is rounded to this many decimals (and used so in the re-forecast).
SCALE_DECIMALS = 4
#: The subject of the re-forecast's ``commitment_before_break_even`` (the plan's has none).
REFORECAST_SUBJECT = "re-forecast"



@dataclass(frozen=True)
class Fit:
    """The plan read against the actuals (rule 4).

    delay_months : d, whole months (≥ 0) the alliance runs behind the plan.
    scale : k, its size as a share of the plan's (1 = the planned size).
    basis : how it was found, see :data:`FitBasis`.
    first_plan_revenue_month : the plan's first revenue month (``None`` when it has none).
    """

    delay_months: int
    scale: float
    basis: FitBasis
    first_plan_revenue_month: int | None = None


def fit_delay_and_scale(actual_cumulative: FloatArray, plan_cumulative: FloatArray) -> Fit:
    """Fit a delay d and a scale k to the actual cumulative vendor revenue (rule 4).

    Parameters
    ----------
    actual_cumulative : the actual cumulative vendor revenue of months 1..M (currency).
    plan_cumulative : the plan's cumulative vendor revenue of months 1..horizon (at least M).

    Returns
    -------
    The :class:`Fit`: d minimising ``Σ (A − k_d·S_d)²`` over months 1..M with
    ``k_d = Σ A·S_d / Σ S_d²`` (ties to the smaller d; k rounded to :data:`SCALE_DECIMALS`),
    or one of the two cases with nothing to fit.
    """
    a = np.asarray(actual_cumulative, dtype=float)
    m = len(a)
    plan = np.asarray(plan_cumulative, dtype=float)[:m]
    started = np.flatnonzero(plan > _NONE)
    if len(started) == 0:
        return Fit(0, 1.0, "no_revenue_expected")
    first = int(started[0]) + 1
    if a[-1] <= _NONE:
        return Fit(m - first + 1, 1.0, "no_revenue_yet", first)
    tie = _TIE * float(a @ a)
    best: tuple[float, int, float] | None = None
    for d in range(0, m - first + 1):  # beyond m − first the shifted plan expects nothing by M
        shifted = np.concatenate([np.zeros(d), plan[: m - d]])
        k = float(a @ shifted) / float(shifted @ shifted)
        error = float(np.sum((a - k * shifted) ** 2))
        if best is None or error < best[0] - tie:
            best = (error, d, k)
    assert best is not None  # d = 0 is always tried: the plan expects revenue by M
    # k as the summary gives it, so the re-forecast can be recomputed from the published figure
    return Fit(best[1], round(best[2], SCALE_DECIMALS), "fit", first)


#: Why the re-forecast did not use the pipeline (rule 6): ``None`` when it did.
PipelineReason = Literal["no_win_rate", "no_open_deals", "no_month_covered"]


@dataclass(frozen=True)
class PipelineForecast:
    """The pipeline as the re-forecast reads it (rule 6).

    win_rate : w = won ÷ (won + lost), 0–1; ``None`` before any of the partner's deals closed.
    first_month, last_month : the months covered, M + 1 .. E (``last_month < first_month`` when
        there is none to cover).
    amounts : the open amount counted in each covered month (currency; slipped deals in the
        first), one per month M + 1 .. E.
    deals, amount : the open deals and their amount in the covered months (count; currency,
        before the partner's margin; annual contract values for recurring deals).
    later_deals, later_amount : the open deals expected after E, left to the fit.
    total_deals, total_amount : every open deal of the section.
    recurring : amounts are annual contract values (``annual_recurring``).
    reason : why the pipeline was not used, or ``None`` when it was.
    source, as_of : where the section came from and the date its export runs to (for readers).
    """

    win_rate: float | None
    first_month: int
    last_month: int
    amounts: tuple[float, ...]
    deals: int
    amount: float
    later_deals: int
    later_amount: float
    total_deals: int
    total_amount: float
    recurring: bool
    reason: PipelineReason | None
    source: str | None = None
    as_of: dt.date | None = None

    @property
    def used(self) -> bool:
        """Whether the re-forecast's covered months come from the pipeline."""
        return self.reason is None


def pipeline_forecast(pipeline: Pipeline | None, through_month: int, r: Ramp) -> PipelineForecast | None:
    """The months the pipeline covers after month ``through_month`` (M) and what it holds
    for them (rule 6); ``None`` without a pipeline section.

    Parameters
    ----------
    pipeline : the ``pipeline`` section (open deals by expected close month; won and lost counts).
    through_month : M, the last month the actuals record.
    r : the ramp: its sales cycle (months; a fraction rounds up), horizon (months) and deal kind.
    """
    if pipeline is None:
        return None
    m = through_month
    rows = pipeline.months
    last_open = max(rows[-1].month, m + 1) if rows else m + 1
    end = min(last_open, m + math.ceil(r.sales_cycle_months), r.horizon_months)
    amounts = [0.0] * max(0, end - m)
    deals = later_deals = 0
    later_amount = 0.0
    for row in rows:
        if row.month <= end:  # a slipped deal (month ≤ M) counts in month M + 1
            if end > m:
                amounts[max(row.month, m + 1) - m - 1] += float(row.amount)
                deals += row.deals
        else:
            later_deals += row.deals
            later_amount += float(row.amount)
    w = pipeline.win_rate
    reason: PipelineReason | None = None
    if not rows:
        reason = "no_open_deals"
    elif w is None:
        reason = "no_win_rate"
    elif end <= m:
        reason = "no_month_covered"
    return PipelineForecast(
        win_rate=w,
        first_month=m + 1,
        last_month=end,
        amounts=tuple(amounts),
        deals=deals if end > m else 0,
        amount=float(sum(amounts)),
        later_deals=later_deals,
        later_amount=later_amount,
        total_deals=sum(row.deals for row in rows),
        total_amount=float(sum(float(row.amount) for row in rows)),
        recurring=r.deal_value_kind == "annual_recurring",
        reason=reason,
        source=pipeline.source,
        as_of=pipeline.as_of,
    )


@dataclass(frozen=True)
class Attribution:
    """Revenue the partner sourced against revenue it influenced (rule 7), summed over the
    recorded ``months`` that give either figure (currency).

    share : sourced ÷ (sourced + influenced), 0–1.
    """

    sourced: float
    influenced: float
    months: tuple[int, ...]

    @property
    def share(self) -> float:
        return self.sourced / (self.sourced + self.influenced)


def attribution(actuals: Actuals | None, last_months: int | None = None) -> Attribution | None:
    """The sourced share of the recorded months (rule 7), or of the last ``last_months`` of
    them; ``None`` when no such month gives ``partner_sourced_revenue`` or
    ``influenced_revenue``, or when both sum to 0 (a month giving one counts the other as 0)."""
    if actuals is None:
        return None
    rows = actuals.months if last_months is None else actuals.months[-last_months:]
    given = [row for row in rows if row.partner_sourced_revenue is not None or row.influenced_revenue is not None]
    sourced = float(sum(float(row.partner_sourced_revenue or 0) for row in given))
    influenced = float(sum(float(row.influenced_revenue or 0) for row in given))
    if sourced + influenced <= _NONE:
        return None
    return Attribution(sourced, influenced, tuple(row.month for row in given))


def reforecast_revenue(
    actual_vendor_revenue: FloatArray, plan_vendor_revenue: FloatArray, fit: Fit, r: Ramp, forecast: PipelineForecast | None = None
) -> tuple[FloatArray, FloatArray]:
    """The re-forecast's vendor revenue for months M + 1 .. horizon (rules 5 and 6), and the
    part of it the pipeline's open deals bring (0 outside the covered months).

    Parameters
    ----------
    actual_vendor_revenue : months 1..M as recorded (currency).
    plan_vendor_revenue : the plan's, months 1..horizon (currency).
    fit : d and k (rule 4).
    r : the ramp (partner margin, deal kind, churn and expansion, horizon).
    forecast : the pipeline (rule 6); without one, or when it is not used, rule 5 alone.
    """
    m = len(actual_vendor_revenue)
    d, k = fit.delay_months, fit.scale
    plan = np.asarray(plan_vendor_revenue, dtype=float)
    fitted = k * plan[m - d : r.horizon_months - d]  # plan months M + 1 − d .. horizon − d
    from_pipeline = np.zeros_like(fitted)
    if forecast is None or not forecast.used:
        return fitted, from_pipeline
    assert forecast.win_rate is not None
    w, keep = forecast.win_rate, 1.0 - float(r.partner_margin)
    covered = len(forecast.amounts)
    out = fitted.copy()
    if not forecast.recurring:
        from_pipeline[:covered] = [w * a * keep for a in forecast.amounts]
        out[:covered] = from_pipeline[:covered]
        return out, from_pipeline
    g = float(np.ravel(monthly_book_factor(float(r.annual_churn), float(r.annual_expansion)))[0])
    book = float(actual_vendor_revenue[-1]) if m else 0.0  # the contracts already won keep billing
    won = 0.0  # the billing of the pipeline's contracts
    for i in range(covered):
        book *= g
        won = g * won + w * forecast.amounts[i] / 12.0 * keep
        out[i], from_pipeline[i] = book + won, won
    previous = out[covered - 1] if covered else book
    for i in range(covered, len(out)):
        j = m + i + 1 - d  # the plan's month for re-forecast month m + i + 1
        new = max(0.0, float(plan[j - 1]) - g * (float(plan[j - 2]) if j >= 2 else 0.0))
        previous = g * previous + k * new
        from_pipeline[i] = g * from_pipeline[i - 1] if i else 0.0
        out[i] = previous
    return out, from_pipeline


@dataclass(frozen=True)
class ActualsResult:
    """The plan against what happened, and the re-forecast.

    through_month : M, the last month recorded.
    monthly : one row per recorded month: ``month``, ``investment``, ``deals_closed``,
        ``vendor_revenue``, ``contribution``, ``net``, ``cumulative_net``,
        ``cumulative_vendor_revenue``, ``cumulative_investment``, and the plan's
        ``plan_vendor_revenue``, ``plan_investment``, ``plan_cumulative_vendor_revenue``,
        ``plan_cumulative_investment`` and ``plan_cumulative_net``.
    revenue_ratio : actual / plan cumulative vendor revenue at M; ``None`` when the plan
        expects none by M.
    tracking : rule 2 of the module's docstring.
    spend_ratio : actual / plan cumulative investment at M; ``None`` when the plan spends
        nothing by M.
    spend_tracking : rule 3.
    p10_net : the simulation's P10 cumulative net at M, when the file has uncertainty ranges.
    fit : the delay and scale read from the actuals (rule 4).
    reforecast : one row per month of the horizon: ``month``, ``vendor_revenue``,
        ``investment``, ``net``, ``cumulative_net``, ``actual`` (True for months 1..M),
        ``from_pipeline`` (True for the months the pipeline covers, rule 6) and
        ``pipeline_revenue`` (the vendor revenue its open deals bring).
    reforecast_break_even_month : rule 5.
    plan_break_even_month : the plan's own, to compare with.
    commitment_months, horizon_months : the plan's, for the flags' words.
    pipeline : how the re-forecast read the pipeline (rule 6); ``None`` without one.
    attribution : sourced against influenced revenue over the recorded months (rule 7).
    """

    through_month: int
    monthly: pd.DataFrame = field(repr=False)
    actual_cumulative_net: float
    actual_cumulative_vendor_revenue: float
    plan_cumulative_vendor_revenue: float
    plan_cumulative_net: float
    revenue_ratio: float | None
    tracking: Tracking
    actual_cumulative_investment: float
    plan_cumulative_investment: float
    spend_ratio: float | None
    spend_tracking: SpendTracking
    p10_net: float | None
    fit: Fit
    reforecast: pd.DataFrame = field(repr=False)
    reforecast_break_even_month: int | None
    reforecast_cumulative_net_at_horizon: float
    plan_break_even_month: int | None
    commitment_months: int
    horizon_months: int
    source: str | None = None
    pipeline: PipelineForecast | None = None
    attribution: Attribution | None = None

    @property
    def words(self) -> str:
        """The tracking state for readers ("behind plan")."""
        return TRACKING_WORDS[self.tracking]

    @property
    def spend_words(self) -> str:
        """The spend-tracking state for readers ("over budget")."""
        return SPEND_WORDS[self.spend_tracking]

    @property
    def reforecast_delay_months(self) -> int:
        """d: months the re-forecast runs behind the plan."""
        return self.fit.delay_months

    @property
    def reforecast_scale(self) -> float:
        """k: the re-forecast's size as a share of the plan's."""
        return self.fit.scale

    @property
    def already_broken_even(self) -> bool:
        """The re-forecast breaks even within the recorded months: it has happened."""
        be = self.reforecast_break_even_month
        return be is not None and be <= self.through_month


def actual_table(actuals: Actuals, gross_margin: float) -> pd.DataFrame:
    """The recorded months with their contribution, net and running sums (rule 1), and the
    optional ``deals_sourced``, ``partner_sourced_revenue`` and ``influenced_revenue`` (NaN in a
    month that does not give them)."""
    rows = actuals.months

    def optional(values: list[float | None]) -> FloatArray:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)

    df = pd.DataFrame(
        {
            "month": np.array([m.month for m in rows], dtype=int),
            "investment": np.array([m.investment for m in rows], dtype=float),
            "deals_closed": np.array([m.deals_closed for m in rows], dtype=float),
            "vendor_revenue": np.array([m.vendor_revenue for m in rows], dtype=float),
            "deals_sourced": optional([m.deals_sourced for m in rows]),
            "partner_sourced_revenue": optional([m.partner_sourced_revenue for m in rows]),
            "influenced_revenue": optional([m.influenced_revenue for m in rows]),
        }
    )
    df["contribution"] = df["vendor_revenue"] * gross_margin
    df["net"] = df["contribution"] - df["investment"]
    df["cumulative_net"] = df["net"].cumsum()
    df["cumulative_vendor_revenue"] = df["vendor_revenue"].cumsum()
    df["cumulative_investment"] = df["investment"].cumsum()
    return df


def _against_plan(actual: float, planned: float) -> tuple[float | None, int]:
    """``actual`` against ``planned`` (cumulative amounts to month M): the ratio (``None`` when
    the plan expects nothing by M) and the side of the ±:data:`TOLERANCE` band it falls on:
    1 above, 0 within, −1 below. Nothing planned: above if anything happened, else within."""
    if planned <= _NONE:
        return None, 1 if actual > _NONE else 0
    ratio = actual / planned
    return ratio, 1 if ratio > 1 + TOLERANCE else 0 if ratio >= 1 - TOLERANCE else -1


def tracking_state(actual_revenue: float, plan_revenue: float, below_p10: bool) -> tuple[Tracking, float | None]:
    """The tracking state and the revenue ratio (rule 2) from cumulative vendor revenue at M.

    ``below_p10``: whether the actual cumulative net at M is under the simulation's P10 there
    (False when the file has no uncertainty ranges)."""
    ratio, side = _against_plan(actual_revenue, plan_revenue)
    if side > 0:
        return "ahead", ratio
    if side == 0:
        return "on_plan", ratio
    return ("below_p10" if below_p10 else "behind"), ratio


def spend_state(actual_investment: float, plan_investment: float) -> tuple[SpendTracking, float | None]:
    """The spend-tracking state and the spend ratio (rule 3) from cumulative investment at M
    (currency); the ratio is ``None`` when the plan spends nothing by M."""
    ratio, side = _against_plan(actual_investment, plan_investment)
    return ("over_budget", "on_budget", "under_budget")[1 - side], ratio


def track(params: Params, plan: RampResult, simulation: MonteCarlo | None = None) -> ActualsResult | None:
    """Compare ``params.actuals`` with ``plan`` (the ramp as planned) and re-forecast; ``None``
    when the file records no actuals.

    simulation : the plan's Monte Carlo; its P10 band decides ``below_p10`` when the file has
        uncertainty ranges (without it, or without ranges, an alliance behind is ``behind``).
    """
    actuals = params.actuals
    if actuals is None:
        return None
    r = params.ramp
    gm = float(r.gross_margin)
    done = actual_table(actuals, gm)
    m = int(done["month"].iloc[-1])
    p = plan.monthly
    plan_vr = p["vendor_revenue"].to_numpy(dtype=float)
    plan_inv = p["investment"].to_numpy(dtype=float)
    plan_cum_vr = p["cumulative_vendor_revenue"].to_numpy(dtype=float)
    plan_cum_inv = np.cumsum(plan_inv)
    plan_cum_net = p["cumulative_net"].to_numpy(dtype=float)
    done["plan_vendor_revenue"] = plan_vr[:m]
    done["plan_investment"] = plan_inv[:m]
    done["plan_cumulative_vendor_revenue"] = plan_cum_vr[:m]
    done["plan_cumulative_investment"] = plan_cum_inv[:m]
    done["plan_cumulative_net"] = plan_cum_net[:m]

    actual_net = float(done["cumulative_net"].iloc[-1])
    actual_vr = float(done["cumulative_vendor_revenue"].iloc[-1])
    actual_inv = float(done["cumulative_investment"].iloc[-1])
    planned_vr = float(plan_cum_vr[m - 1])
    planned_inv = float(plan_cum_inv[m - 1])
    p10: float | None = None
    if simulation is not None and r.uncertainty.ranges():
        p10 = float(simulation.bands["p10"].iloc[m - 1])
    state, ratio = tracking_state(actual_vr, planned_vr, p10 is not None and actual_net < p10)
    spend, spend_ratio = spend_state(actual_inv, planned_inv)

    # Re-forecast (rules 4 to 6): the actuals, then the plan d months later at k times its size,
    # the months the pipeline covers from its open deals.
    fit = fit_delay_and_scale(done["cumulative_vendor_revenue"].to_numpy(dtype=float), plan_cum_vr)
    d = fit.delay_months
    later = slice(m - d, r.horizon_months - d)  # plan months M + 1 − d .. horizon − d
    forecast = pipeline_forecast(params.pipeline, m, r)
    actual_vr_by_month = done["vendor_revenue"].to_numpy(dtype=float)
    ahead, from_pipeline = reforecast_revenue(actual_vr_by_month, plan_vr, fit, r, forecast)
    vendor_revenue = np.concatenate([actual_vr_by_month, ahead])
    investment = np.concatenate([done["investment"].to_numpy(dtype=float), plan_inv[later]])
    net = vendor_revenue * gm - investment
    cumulative = np.cumsum(net)
    _, break_even = payback_curves(vendor_revenue[None, :], cumulative[None, :])
    months = np.arange(1, r.horizon_months + 1)
    reforecast = pd.DataFrame(
        {
            "month": months,
            "vendor_revenue": vendor_revenue,
            "investment": investment,
            "net": net,
            "cumulative_net": cumulative,
            "actual": months <= m,
            "from_pipeline": (months > m) & (months <= (forecast.last_month if forecast is not None and forecast.used else m)),
            "pipeline_revenue": np.concatenate([np.zeros(m), from_pipeline]),
        }
    )
    be = float(break_even[0])
    return ActualsResult(
        through_month=m,
        monthly=done,
        actual_cumulative_net=actual_net,
        actual_cumulative_vendor_revenue=actual_vr,
        plan_cumulative_vendor_revenue=planned_vr,
        plan_cumulative_net=float(plan_cum_net[m - 1]),
        revenue_ratio=ratio,
        tracking=state,
        actual_cumulative_investment=actual_inv,
        plan_cumulative_investment=planned_inv,
        spend_ratio=spend_ratio,
        spend_tracking=spend,
        p10_net=p10,
        fit=fit,
        reforecast=reforecast,
        reforecast_break_even_month=None if math.isnan(be) else int(be),
        reforecast_cumulative_net_at_horizon=float(cumulative[-1]),
        plan_break_even_month=plan.metrics.break_even_month,
        commitment_months=r.commitment_months,
        horizon_months=r.horizon_months,
        source=actuals.source,
        pipeline=forecast,
        attribution=attribution(actuals),
    )


#: The actuals' keys of ``summary --json``.
SUMMARY_KEYS = (
    "actuals_through_month",
    "actual_cumulative_net",
    "tracking",
    "spend_tracking",
    "reforecast_break_even_month",
    "reforecast_delay_months",
    "reforecast_scale",
    "reforecast_pipeline_months",
    "sourced_share",
)
#: The pipeline's keys of ``summary --json`` (from the ``pipeline`` section, with or without actuals).
PIPELINE_KEYS = ("win_rate", "pipeline_deals", "pipeline_amount")


def pipeline_summary(pipeline: Pipeline | None) -> dict[str, object]:
    """The pipeline's fields of ``summary --json``: ``win_rate`` (0–1, 4 decimals; null before a
    deal closed), ``pipeline_deals`` (open deals) and ``pipeline_amount`` (their amount, currency,
    before the partner's margin); all null without a pipeline section."""
    if pipeline is None:
        return dict.fromkeys(PIPELINE_KEYS)
    w = pipeline.win_rate
    return {
        "win_rate": None if w is None else round(w, 4),
        "pipeline_deals": sum(row.deals for row in pipeline.months),
        "pipeline_amount": float(sum(float(row.amount) for row in pipeline.months)),
    }


def summary_fields(result: ActualsResult | None) -> dict[str, object]:
    """The actuals' fields of ``summary --json`` (all ``None`` without actuals)."""
    if result is None:
        return dict.fromkeys(SUMMARY_KEYS)
    return {
        "actuals_through_month": result.through_month,
        "actual_cumulative_net": round(result.actual_cumulative_net, 2),
        "tracking": result.tracking,
        "spend_tracking": result.spend_tracking,
        "reforecast_break_even_month": result.reforecast_break_even_month,
        "reforecast_delay_months": result.reforecast_delay_months,
        "reforecast_scale": result.reforecast_scale,
        # the months M + 1 .. E the re-forecast took from the pipeline (rule 6), null when none
        "reforecast_pipeline_months": (
            [result.pipeline.first_month, result.pipeline.last_month] if result.pipeline is not None and result.pipeline.used else None
        ),
        "sourced_share": None if result.attribution is None else round(result.attribution.share, 4),
    }


def fit_words(delay_months: int, scale: float) -> str:
    """How late and how large, in words: "on time, at 75% of the planned size", "about 3 months
    late, at the planned size", "about 2 months late and at 80% of the planned size". The size
    is the planned one when k rounds to 100 %."""
    late = "on time" if delay_months == 0 else f"about {count(delay_months, 'month')} late"
    if round(scale, 2) == 1:
        return f"{late}, at the planned size"
    size = f"at {scale:.0%} of the planned size"
    return f"{late}, {size}" if delay_months == 0 else f"{late} and {size}"


def fit_sentence(result: ActualsResult, months: MonthNames = NUMBERED) -> str:
    """What the fit found, as a sentence without its full stop (not escaped), months worded by
    ``months``."""
    f = result.fit
    if f.basis == "no_revenue_expected":
        return "The plan expected no vendor revenue yet, so the re-forecast follows the plan as written"
    if f.basis == "no_revenue_yet":
        return (
            f"No vendor revenue yet, though the plan expected its first in {months(f.first_plan_revenue_month, 'a later month')}: at least "
            f"{count(f.delay_months, 'month')} late; its size cannot be judged before revenue comes, so the re-forecast "
            "assumes the planned size"
        )
    return f"Read against the actuals, the plan runs {fit_words(f.delay_months, f.scale)}"


def month_span(first: int, last: int, months: MonthNames = NUMBERED) -> str:
    """Months ``first`` to ``last`` in words: "months 11–12" ("month 11" for one), or with a
    start "Sep–Oct 2026 (months 11–12)", "Dec 2026–Jan 2027 (months 14–15)"."""
    numbers = f"month {first}" if first == last else f"months {first}–{last}"
    a, b = months.calendar(first), months.calendar(last)
    if a is None or b is None:
        return numbers
    if first == last:
        return f"{a} ({numbers})"
    same_year = a[-4:] == b[-4:]
    return f"{a[:3] if same_year else a}–{b} ({numbers})"


def pipeline_sentence(result: ActualsResult, code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED) -> str | None:
    """What the re-forecast took from the pipeline, as a sentence without its full stop (not
    escaped): "Sep–Oct 2026 (months 11–12) from the pipeline: 5 open deals, $210,000 × win rate
    60%", or why it was not used; ``None`` without a pipeline section."""
    f = result.pipeline
    if f is None:
        return None
    money = currency(code)
    m = result.through_month
    whole = f"{count(f.total_deals, 'open deal')}, {money(f.total_amount)}"
    if f.reason == "no_open_deals":
        return "The pipeline lists no open deals, so the re-forecast follows the fit alone"
    if f.reason == "no_win_rate":
        return (
            f"The pipeline ({whole}) is not used: none of the partner's deals has closed yet (won or lost), so there is no win "
            "rate to weigh it by"
        )
    if f.reason == "no_month_covered":
        why = "the actuals reach the horizon" if m >= result.horizon_months else "the sales cycle is under a month"
        return f"The pipeline ({whole}) is not used: {why}, so no month after the last recorded one falls within a sales cycle"
    assert f.win_rate is not None
    span = month_span(f.first_month, f.last_month, months)
    kind = " of annual contract value" if f.recurring else ""
    said = f"{span[:1].upper()}{span[1:]} from the pipeline: {count(f.deals, 'open deal')}, {money(f.amount)}{kind} × win rate {f.win_rate:.0%}"
    if f.recurring:
        said += ", billed a twelfth a month on top of the contracts already won; after that the fit adds its new contracts"
    if f.later_deals or f.later_amount > _NONE:
        said += (
            f"; {count(f.later_deals, 'deal')} expected later ({money(f.later_amount)}) are left to the fit, the pipeline being "
            "incomplete beyond a sales cycle"
        )
    return said


def attribution_sentence(a: Attribution | None, code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED) -> str | None:
    """Sourced against influenced revenue in a sentence without its full stop (not escaped):
    "Sourced share 62%: $120,000 of the $195,000 of revenue the partner sourced or influenced was
    partner-sourced, the rest influenced, over months 1–10"; ``None`` without attribution."""
    if a is None:
        return None
    money = currency(code)
    when = month_span(a.months[0], a.months[-1], months) if a.months == tuple(range(a.months[0], a.months[-1] + 1)) else count(len(a.months), "recorded month")
    return (
        f"Sourced share {a.share:.0%}: {money(a.sourced)} of the {money(a.sourced + a.influenced)} of revenue the partner sourced "
        f"or influenced was partner-sourced, the rest influenced, over {when}"
    )


def break_even_words(result: ActualsResult, months: MonthNames = NUMBERED) -> str:
    """The re-forecast break-even in words: "re-forecast break-even month 18", "it has already
    broken even, in month 6", or "the re-forecast does not break even within the horizon"
    (each month "Apr 2027 (month 18)" when ``months`` has a start)."""
    be = result.reforecast_break_even_month
    if be is None:
        return "the re-forecast does not break even within the horizon"
    if result.already_broken_even:
        return f"the alliance has already broken even, in {months.long(be)}"
    return f"re-forecast break-even {months.long(be)}"


def versus_plan(plan_be: int | None, months: MonthNames = NUMBERED, none: str = " (the plan does not break even within the horizon)") -> str:
    """The plan's break-even after a re-forecast's: " (plan: month 8)", or with calendar months
    ", against the plan's Mar 2026 (month 8)" (no brackets inside brackets); ``none`` without one."""
    if plan_be is None:
        return none
    return f", against the plan's {months.long(plan_be)}" if months.known else f" (plan: month {plan_be})"


def spend_words(result: ActualsResult, code: str = DEFAULT_CURRENCY, state: bool = True) -> str:
    """The spend tracking in a clause: "investment 240,000 is 200% of the planned 120,000 (over
    budget)"; without its state in brackets when ``state`` is False."""
    money = currency(code)
    spent = money(result.actual_cumulative_investment)
    said = f" ({result.spend_words})" if state else ""
    if result.spend_ratio is None:
        return f"investment {spent} where the plan spent nothing by then{said}"
    return f"investment {spent} is {result.spend_ratio:.0%} of the planned {money(result.plan_cumulative_investment)}{said}"


def headline(result: ActualsResult, code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED) -> str:
    """The tracking, the spend and the re-forecast in plain sentences (not escaped), months
    worded by ``months``."""
    money = currency(code)
    m = result.through_month
    if result.revenue_ratio is None:
        compared = f"the plan expected no vendor revenue by then and {money(result.actual_cumulative_vendor_revenue)} came in"
    else:
        compared = (
            f"cumulative vendor revenue {money(result.actual_cumulative_vendor_revenue)} is {result.revenue_ratio:.0%} of the "
            f"plan's {money(result.plan_cumulative_vendor_revenue)}"
        )
    plan_be = result.plan_break_even_month
    versus = versus_plan(plan_be, months)
    pipeline = pipeline_sentence(result, code, months)
    return (
        f"Through {months.long(m)} the alliance is {result.words}: {compared}; {spend_words(result, code)}; actual cumulative net "
        f"{money(result.actual_cumulative_net)} against the plan's {money(result.plan_cumulative_net)}. "
        f"{fit_sentence(result, months)}: {break_even_words(result, months)}{versus}." + (f" {pipeline}." if pipeline else "")
    )


def flags(result: ActualsResult | None, code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED) -> list[Flag]:
    """The flags of the plan against actual (area ``ramp``), months worded by ``months``
    (calendar months when the file has a start).

    - ``off_track``: medium when behind plan, high when also below the simulation's P10; size:
      how far cumulative vendor revenue falls short of the 90 % that still counts as on plan.
    - ``over_budget``: cumulative investment above 110 % of the plan's; medium, high from 150 %
      (:data:`OVER_BUDGET_HIGH`); size: how far past 110 % (1 when the plan spent nothing yet).
    - ``commitment_before_break_even`` (subject ``re-forecast``): the re-forecast breaks even
      after ``commitment_months``, or not within the horizon; high; size as for the plan's
      (how far past the commitment; 1 when it never breaks even).
    """
    if result is None:
        return []
    money = currency(code)
    out: list[Flag] = []
    m = result.through_month
    plan_be = result.plan_break_even_month
    versus = versus_plan(plan_be, months, " (plan: not within the horizon)")
    through = months.long(m)
    if result.tracking in ("behind", "below_p10"):
        ratio = result.revenue_ratio if result.revenue_ratio is not None else 0.0
        message = (
            f"Behind plan through {through}: vendor revenue {money(result.actual_cumulative_vendor_revenue)} "
            f"is {ratio:.0%} of the planned {money(result.plan_cumulative_vendor_revenue)}"
        )
        if result.tracking == "below_p10" and result.p10_net is not None:
            message += f", and the cumulative net {money(result.actual_cumulative_net)} is below the simulation's P10 ({money(result.p10_net)})"
        fitted = fit_sentence(result, months)
        message += f"; {fitted[:1].lower()}{fitted[1:]}: {break_even_words(result, months)}{versus}."
        out.append(
            Flag(
                "off_track",
                "high" if result.tracking == "below_p10" else "medium",
                message,
                "ramp",
                "Find out with the partner what holds the deals back, and agree the re-forecast with the stakeholders before they act on the gap.",
                size=past(ratio, 1 - TOLERANCE),
            )
        )
    if result.spend_tracking == "over_budget":
        share = result.spend_ratio
        high = share is not None and share >= OVER_BUDGET_HIGH
        out.append(
            Flag(
                "over_budget",
                "high" if high else "medium",
                f"Over budget through {through}: {spend_words(result, code, state=False)}.",
                "ramp",
                "Find out what the extra spend bought, and agree a revised budget, and what it must earn, with the stakeholders.",
                size=1.0 if share is None else past(share, 1 + TOLERANCE),
            )
        )
    be = result.reforecast_break_even_month
    c = result.commitment_months
    if be is None or be > c:
        if be is None:
            finding = (
                f"The re-forecast from the actuals through {through} does not break even within the {result.horizon_months}-month "
                f"horizon, so the {c}-month commitment ends before the alliance pays back{versus}."
            )
        elif result.already_broken_even:
            finding = f"The actuals through {through} broke even only in {months.long(be)}, after the {c}-month commitment ended{versus}."
        else:
            finding = f"The re-forecast from the actuals through {through} breaks even only in {months.long(be)}, after the {c}-month commitment ends{versus}."
        out.append(
            Flag(
                "commitment_before_break_even",
                "high",
                finding,
                "ramp",
                "Take the re-forecast to the stakeholders now: extend the commitment to the re-forecast break-even, or change the "
                "plan so it pays back within it.",
                subject=REFORECAST_SUBJECT,
                size=1.0 if be is None else past(be, c),
            )
        )
    return out
