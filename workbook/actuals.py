"""Plan against actual: the money machine as it runs, and where it is heading now.

Months are numbered from 1; money is in the params' currency. ``M`` is the last month the
``actuals`` section records (its months run 1..M without gaps).

The rules, month by month (README, "Tracking the plan against actuals", works an example):

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
3. **Re-forecast.** The model refitted to what happened: the plan's deal flow after M is scaled by
   the revenue ratio ``k = actual / plan cumulative vendor revenue at M`` (``k = 1`` while the
   plan expects no revenue yet: nothing to learn from), the plan's investment continues as
   planned, and months 1..M are the actuals themselves. So for m > M: vendor revenue = k × the
   plan's vendor revenue in m; net = that × gross margin − the plan's investment in m. The
   re-forecast break-even month is the plan's rule applied to that series: the first month,
   once revenue has started, whose cumulative net is ≥ 0 (``None`` when none within the
   horizon; it may be an actual month when the alliance has already paid back).

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
from .ramp import MonteCarlo, RampResult, _payback
from .schema import Actuals, Params

Tracking = Literal["ahead", "on_plan", "behind", "below_p10"]

#: How far (a share of the plan) cumulative vendor revenue may stray and still be on plan.
TOLERANCE = 0.10
#: Below this, a cumulative amount counts as none (float noise of the plan's sums).
_NONE = 1e-9

#: What each tracking state says, for readers.
TRACKING_WORDS: dict[str, str] = {
    "ahead": "ahead of plan",
    "on_plan": "on plan",
    "behind": "behind plan",
    "below_p10": "behind plan, below the simulation's P10",
}


@dataclass(frozen=True)
class ActualsResult:
    """The plan against what happened, and the re-forecast.

    through_month : M, the last month recorded.
    monthly : one row per recorded month: ``month``, ``investment``, ``deals_closed``,
        ``vendor_revenue``, ``contribution``, ``net``, ``cumulative_net``,
        ``cumulative_vendor_revenue``, and the plan's ``plan_vendor_revenue``,
        ``plan_cumulative_vendor_revenue`` and ``plan_cumulative_net``.
    revenue_ratio : actual / plan cumulative vendor revenue at M; ``None`` when the plan
        expects none by M.
    tracking : see the module's docstring.
    p10_net : the simulation's P10 cumulative net at M, when the file has uncertainty ranges.
    reforecast : one row per month of the horizon: ``month``, ``vendor_revenue``,
        ``investment``, ``net``, ``cumulative_net``, ``actual`` (True for months 1..M).
    reforecast_factor : k, the scale put on the plan's vendor revenue after M.
    reforecast_break_even_month : see the module's docstring.
    plan_break_even_month : the plan's own, to compare with.
    """

    through_month: int
    monthly: pd.DataFrame = field(repr=False)
    actual_cumulative_net: float
    actual_cumulative_vendor_revenue: float
    plan_cumulative_vendor_revenue: float
    plan_cumulative_net: float
    revenue_ratio: float | None
    tracking: Tracking
    p10_net: float | None
    reforecast: pd.DataFrame = field(repr=False)
    reforecast_factor: float
    reforecast_break_even_month: int | None
    reforecast_cumulative_net_at_horizon: float
    plan_break_even_month: int | None
    source: str | None = None

    @property
    def words(self) -> str:
        """The tracking state for readers ("behind plan")."""
        return TRACKING_WORDS[self.tracking]


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
    return df


def tracking_state(actual_revenue: float, plan_revenue: float, below_p10: bool) -> tuple[Tracking, float | None]:
    """The tracking state and the revenue ratio (rule 2) from cumulative vendor revenue at M.

    ``below_p10``: whether the actual cumulative net at M is under the simulation's P10 there
    (False when the file has no uncertainty ranges)."""
    if plan_revenue <= _NONE:
        return ("ahead" if actual_revenue > _NONE else "on_plan"), None
    ratio = actual_revenue / plan_revenue
    if ratio > 1 + TOLERANCE:
        return "ahead", ratio
    if ratio >= 1 - TOLERANCE:
        return "on_plan", ratio
    return ("below_p10" if below_p10 else "behind"), ratio


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
    plan_cum_net = p["cumulative_net"].to_numpy(dtype=float)
    done["plan_vendor_revenue"] = plan_vr[:m]
    done["plan_cumulative_vendor_revenue"] = plan_cum_vr[:m]
    done["plan_cumulative_net"] = plan_cum_net[:m]

    actual_net = float(done["cumulative_net"].iloc[-1])
    actual_vr = float(done["cumulative_vendor_revenue"].iloc[-1])
    planned_vr = float(plan_cum_vr[m - 1])
    p10: float | None = None
    if simulation is not None and r.uncertainty.ranges():
        p10 = float(simulation.bands["p10"].iloc[m - 1])
    state, ratio = tracking_state(actual_vr, planned_vr, p10 is not None and actual_net < p10)

    # Re-forecast (rule 3): the actuals, then the plan's revenue scaled by k and its investment.
    k = 1.0 if ratio is None else ratio
    vendor_revenue = np.concatenate([done["vendor_revenue"].to_numpy(dtype=float), k * plan_vr[m:]])
    investment = np.concatenate([done["investment"].to_numpy(dtype=float), plan_inv[m:]])
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
        p10_net=p10,
        reforecast=reforecast,
        reforecast_factor=k,
        reforecast_break_even_month=None if math.isnan(be) else int(be),
        reforecast_cumulative_net_at_horizon=float(cumulative[-1]),
        plan_break_even_month=plan.metrics.break_even_month,
        source=actuals.source,
    )


def summary_fields(result: ActualsResult | None) -> dict[str, object]:
    """The actuals' fields of ``summary --json`` (all ``None`` without actuals)."""
    if result is None:
        return {"actuals_through_month": None, "actual_cumulative_net": None, "tracking": None, "reforecast_break_even_month": None}
    return {
        "actuals_through_month": result.through_month,
        "actual_cumulative_net": round(result.actual_cumulative_net, 2),
        "tracking": result.tracking,
        "reforecast_break_even_month": result.reforecast_break_even_month,
    }


def versus_plan(plan_be: int | None, months: MonthNames = NUMBERED, none: str = " (the plan does not break even within the horizon)") -> str:
    """The plan's break-even after a re-forecast's: " (plan: month 8)", or with calendar months
    ", against the plan's Mar 2026 (month 8)" (no brackets inside brackets); ``none`` without one."""
    if plan_be is None:
        return none
    return f", against the plan's {months.long(plan_be)}" if months.known else f" (plan: month {plan_be})"


def headline(result: ActualsResult, code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED) -> str:
    """The tracking in one plain sentence (not escaped), months worded by ``months``."""
    money = currency(code)
    m = result.through_month
    if result.revenue_ratio is None:
        compared = f"the plan expected no vendor revenue by then and {money(result.actual_cumulative_vendor_revenue)} came in"
    else:
        compared = (
            f"cumulative vendor revenue {money(result.actual_cumulative_vendor_revenue)} is {result.revenue_ratio:.0%} of the "
            f"plan's {money(result.plan_cumulative_vendor_revenue)}"
        )
    be = result.reforecast_break_even_month
    forecast = f"re-forecast break-even {months.long(be)}" if be is not None else "the re-forecast does not break even within the horizon"
    plan_be = result.plan_break_even_month
    versus = versus_plan(plan_be, months)
    return (
        f"Through {months.long(m)} the alliance is {result.words}: {compared}; actual cumulative net "
        f"{money(result.actual_cumulative_net)} against the plan's {money(result.plan_cumulative_net)}; {forecast}{versus}."
    )


def flags(result: ActualsResult | None, code: str = DEFAULT_CURRENCY, months: MonthNames = NUMBERED) -> list[Flag]:
    """``off_track`` (area ``ramp``): medium when behind plan, high when also below the
    simulation's P10; the message gives the re-forecast break-even. Size: how far cumulative
    vendor revenue falls short of the 90 % that still counts as on plan. Months are worded by
    ``months`` (calendar months when the file has a start)."""
    if result is None or result.tracking not in ("behind", "below_p10"):
        return []
    money = currency(code)
    be = result.reforecast_break_even_month
    forecast = f"the re-forecast breaks even in {months.long(be)}" if be is not None else "the re-forecast does not break even within the horizon"
    ratio = result.revenue_ratio if result.revenue_ratio is not None else 0.0
    message = (
        f"Behind plan through {months.long(result.through_month)}: vendor revenue {money(result.actual_cumulative_vendor_revenue)} "
        f"is {ratio:.0%} of the planned {money(result.plan_cumulative_vendor_revenue)}"
    )
    if result.tracking == "below_p10" and result.p10_net is not None:
        message += f", and the cumulative net {money(result.actual_cumulative_net)} is below the simulation's P10 ({money(result.p10_net)})"
    plan_be = result.plan_break_even_month
    message += f"; {forecast}" + (versus_plan(plan_be, months) if plan_be is not None else "") + "."
    return [
        Flag(
            "off_track",
            "high" if result.tracking == "below_p10" else "medium",
            message,
            "ramp",
            "Find out with the partner what holds the deals back, and agree the re-forecast with the stakeholders before they act on the gap.",
            size=past(ratio, 1 - TOLERANCE),
        )
    ]
