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
   (:func:`workbook.ramp._payback`) applied to that series; it may fall within the recorded
   months, when the alliance has already broken even.

Scaling the plan's monthly vendor revenue (rather than its deals) works for any deal kind the
plan models (one-off or recurring), since a deal's revenue is proportional to the deals closed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import currency
from .flags import Flag, past
from .months import NUMBERED, MonthNames
from .ramp import FloatArray, MonteCarlo, RampResult, _payback
from .schema import Actuals, Params
from .text import count

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

#: What each tracking state says, for readers.
TRACKING_WORDS: dict[str, str] = {
    "ahead": "ahead of plan",
    "on_plan": "on plan",
    "behind": "behind plan",
    "below_p10": "behind plan, below the simulation's P10",
}
#: What each spend-tracking state says, for readers.
SPEND_WORDS: dict[str, str] = {
    "on_budget": "on budget",
    "over_budget": "over budget",
    "under_budget": "under budget",
}


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
        ``investment``, ``net``, ``cumulative_net``, ``actual`` (True for months 1..M).
    reforecast_break_even_month : rule 5.
    plan_break_even_month : the plan's own, to compare with.
    commitment_months, horizon_months : the plan's, for the flags' words.
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
    """The recorded months with their contribution, net and running sums (rule 1)."""
    rows = actuals.months
    df = pd.DataFrame(
        {
            "month": np.array([m.month for m in rows], dtype=int),
            "investment": np.array([m.investment for m in rows], dtype=float),
            "deals_closed": np.array([m.deals_closed for m in rows], dtype=float),
            "vendor_revenue": np.array([m.vendor_revenue for m in rows], dtype=float),
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

    # Re-forecast (rules 4 and 5): the actuals, then the plan d months later at k times its size.
    fit = fit_delay_and_scale(done["cumulative_vendor_revenue"].to_numpy(dtype=float), plan_cum_vr)
    d, k = fit.delay_months, fit.scale
    later = slice(m - d, r.horizon_months - d)  # plan months M + 1 − d .. horizon − d
    vendor_revenue = np.concatenate([done["vendor_revenue"].to_numpy(dtype=float), k * plan_vr[later]])
    investment = np.concatenate([done["investment"].to_numpy(dtype=float), plan_inv[later]])
    net = vendor_revenue * gm - investment
    cumulative = np.cumsum(net)
    _, break_even = _payback(vendor_revenue[None, :], cumulative[None, :])
    months = np.arange(1, r.horizon_months + 1)
    reforecast = pd.DataFrame(
        {
            "month": months,
            "vendor_revenue": vendor_revenue,
            "investment": investment,
            "net": net,
            "cumulative_net": cumulative,
            "actual": months <= m,
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
)


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
    return (
        f"Through {months.long(m)} the alliance is {result.words}: {compared}; {spend_words(result, code)}; actual cumulative net "
        f"{money(result.actual_cumulative_net)} against the plan's {money(result.plan_cumulative_net)}. "
        f"{fit_sentence(result, months)}: {break_even_words(result, months)}{versus}."
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
