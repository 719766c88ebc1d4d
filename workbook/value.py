"""The partner's non-sales value: what serving its customers directly would cost the vendor.

Every figure is per year, in the params file's currency. The direct cost is the sum of:

- quotes: ``quotes_per_year × hours_per_quote × loaded_cost_per_hour``;
- design and configuration advice: ``design_advice_hours_per_year × loaded_cost_per_hour``;
- credit checks: ``credit_checks_per_year × cost_per_credit_check``;
- cost of money: ``revenue_via_partner_per_year × dso_days_partner_carries / 365 × cost_of_capital``
  (the receivables the vendor would have to finance itself; domain notes §4.5);
- bad debt: ``revenue_via_partner_per_year × bad_debt_rate_avoided``;
- any ``other_costs``.

It is set against the margin the vendor pays the partner, ``margin_paid_to_partner_per_year``
or, when that is not given, ``revenue_via_partner_per_year × ramp.partner_margin``.

The **cost-to-serve rate** is the direct cost per unit of revenue: ``direct cost /
revenue_via_partner_per_year`` (when only the margin is given, the revenue is taken as
``margin / ramp.partner_margin``). The money machine's "build a direct team" route pays it on
its own revenue: the vendor would have to do this work itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import currency
from .flags import Flag, past
from .schema import Value

DAYS_PER_YEAR = 365.0
COLUMNS = ["item", "label", "kind", "amount", "basis"]


@dataclass(frozen=True)
class ValueResult:
    """The comparison, per year.

    breakdown : one row per direct-cost item, then the margin (columns :data:`COLUMNS`;
        ``kind`` is ``direct_cost`` or ``margin``; ``basis`` shows the arithmetic).
    direct_cost : total cost of serving the partner's customers directly.
    margin : margin paid to the partner.
    net : ``direct_cost − margin``; positive means going direct would cost more than it saves.
    coverage : ``direct_cost / margin`` (share of the margin the partner earns back in
        non-sales work; ``inf`` when the margin is 0).
    """

    breakdown: pd.DataFrame
    direct_cost: float
    margin: float
    net: float
    coverage: float


def margin_paid(value: Value, partner_margin: float | None = None) -> float:
    """The margin paid to the partner per year (explicit, else revenue × ``partner_margin``)."""
    if value.margin_paid_to_partner_per_year is not None:
        return float(value.margin_paid_to_partner_per_year)
    if partner_margin is None:
        raise ValueError("margin_paid_to_partner_per_year is not given: pass partner_margin (ramp.partner_margin)")
    return float(value.revenue_via_partner_per_year * partner_margin)


def _n(x: float) -> str:
    return f"{x:,.10g}" if x != int(x) else f"{int(x):,}"


def breakdown(value: Value, partner_margin: float | None = None, code: str = DEFAULT_CURRENCY) -> pd.DataFrame:
    """The direct-cost items and the margin, one row each (see :class:`ValueResult`); the
    ``basis`` shows amounts in the currency ``code``."""
    v = value
    rev = v.revenue_via_partner_per_year
    m = currency(code).prefix

    rows = [
        ("quotes", "Quotes", v.quotes_per_year * v.hours_per_quote * v.loaded_cost_per_hour,
         f"{_n(v.quotes_per_year)} quotes × {_n(v.hours_per_quote)} h × {m}{_n(v.loaded_cost_per_hour)}/h"),
        ("design_advice", "Design and configuration advice", v.design_advice_hours_per_year * v.loaded_cost_per_hour,
         f"{_n(v.design_advice_hours_per_year)} h × {m}{_n(v.loaded_cost_per_hour)}/h"),
        ("credit_checks", "Credit checks", v.credit_checks_per_year * v.cost_per_credit_check,
         f"{_n(v.credit_checks_per_year)} checks × {m}{_n(v.cost_per_credit_check)}"),
        ("cost_of_money", "Cost of money (slower payment)", rev * v.dso_days_partner_carries / DAYS_PER_YEAR * v.cost_of_capital,
         f"{m}{_n(rev)} × {_n(v.dso_days_partner_carries)}/365 days × {v.cost_of_capital * 100:g}%"),
        ("bad_debt", "Bad debt", rev * v.bad_debt_rate_avoided, f"{m}{_n(rev)} × {v.bad_debt_rate_avoided:.2%}"),
    ]
    records = [{"item": i, "label": label, "kind": "direct_cost", "amount": float(a), "basis": b} for i, label, a, b in rows]
    for n, other in enumerate(v.other_costs):
        records.append({"item": f"other_{n}", "label": other.name, "kind": "direct_cost", "amount": float(other.cost_per_year), "basis": "given"})
    margin = margin_paid(v, partner_margin)
    basis = "given" if v.margin_paid_to_partner_per_year is not None else f"{m}{_n(rev)} × {partner_margin:.0%} partner margin"
    records.append({"item": "margin", "label": "Margin paid to the partner", "kind": "margin", "amount": margin, "basis": basis})
    return pd.DataFrame(records, columns=COLUMNS)


def analyse(value: Value, partner_margin: float | None = None, code: str = DEFAULT_CURRENCY) -> ValueResult:
    """Direct cost against the margin, per year.

    Parameters
    ----------
    value : the ``value`` section.
    partner_margin : ``ramp.partner_margin`` (share 0–1), used when the margin is not given.
    code : the currency of the amounts (ISO 4217), for the ``basis`` text.
    """
    table = breakdown(value, partner_margin, code)
    direct = float(table.loc[table["kind"] == "direct_cost", "amount"].sum())
    margin = float(table.loc[table["kind"] == "margin", "amount"].sum())
    coverage = direct / margin if margin else float("inf")
    return ValueResult(breakdown=table, direct_cost=direct, margin=margin, net=direct - margin, coverage=coverage)


def cost_to_serve_rate(value: Value, partner_margin: float) -> float | None:
    """Direct cost per unit of revenue (0–1 or more), or ``None`` when the revenue it is
    measured against cannot be known (no revenue given and a zero partner margin)."""
    revenue = value.revenue_via_partner_per_year
    if revenue <= 0:
        if partner_margin <= 0:
            return None
        revenue = margin_paid(value, partner_margin) / partner_margin
    if revenue <= 0:
        return None
    return analyse(value, partner_margin).direct_cost / revenue


def flags(value: Value | ValueResult, partner_margin: float | None = None, code: str = DEFAULT_CURRENCY) -> list[Flag]:
    """``non_sales_value_exceeds_margin`` (area ``value``) when going direct would cost more than
    the margin it saves (amounts in the currency ``code``)."""
    result = value if isinstance(value, ValueResult) else analyse(value, partner_margin)
    money = currency(code)
    if result.direct_cost > result.margin:
        return [
            Flag(
                "non_sales_value_exceeds_margin",
                "medium",
                f"Taking the partner's customers direct would cost about {money(result.direct_cost)} a year in work the partner "
                f"does today, more than the {money(result.margin)} margin it would save.",
                "value",
                "Count the partner's non-sales work in any decision to cut its margin or take customers direct.",
                size=past(result.direct_cost, result.margin),
            )
        ]
    return []


__all__ = ["DAYS_PER_YEAR", "ValueResult", "analyse", "breakdown", "cost_to_serve_rate", "flags", "margin_paid"]
