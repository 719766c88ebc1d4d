"""The JSON summary of one alliance that other code relies on (``workbook summary --json``).

The assessment behind it is :func:`workbook.areas.assess`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .areas import Assessment, assess
from .schema import Params


#: The money fields of the summary (in ``currency``), rounded to the currency's minor unit.
MONEY_FIELDS = ("cumulative_net_at_horizon", "peak_funding_need", "npv", "long_run_npv", "business_plan_gap", "actual_cumulative_net", "pipeline_amount")


def summarise(params: Params, path: str | Path | None = None, assessment: Assessment | None = None) -> dict[str, Any]:
    """The contract's fields for one alliance (money in the params' currency, months 1-based)."""
    from .actuals import pipeline_summary, summary_fields
    from .currency import round_money

    a = assessment or assess(params)
    m = a.ramp.plan.metrics
    p_within = a.ramp.monte_carlo.p_break_even_within_commitment
    out: dict[str, Any] = {
        "file": str(path) if path is not None else None,
        "alliance": params.alliance.name,
        "slug": params.slug,
        "type": params.alliance.type,
        "currency": params.alliance.currency,
        "start": params.months.iso(),
        **a.figures,
        "first_revenue_month": m.first_revenue_month,
        "break_even_month": m.break_even_month,
        "first_break_even_month": m.first_break_even_month,
        "commitment_months": m.commitment_months,
        "cumulative_net_at_horizon": m.cumulative_net_at_horizon,
        "peak_funding_need": m.peak_funding_need,
        "npv": m.npv,
        "long_run_npv": m.long_run_npv,
        "tail_months": m.tail_months,
        # null without uncertainty ranges: every run is the plan, so a share would say nothing
        "p_break_even_within_commitment": None if p_within is None else round(p_within, 4),
        "business_plan_gap": m.plan_gap,
        "partner_break_even_month": None if a.ramp.partner is None else a.ramp.partner.break_even_month,
        **summary_fields(a.actuals),
        **pipeline_summary(params.pipeline),
        "areas": a.area_status(),
        "flags": [
            {"code": f.code, "severity": f.severity, "message": f.message, "area": f.area, "subject": f.subject, "action": f.action}
            for f in a.flags
        ],
    }
    code = params.alliance.currency
    for key in MONEY_FIELDS:
        if key in out:
            out[key] = round_money(out[key], code)
    return out


__all__ = ["MONEY_FIELDS", "Assessment", "assess", "summarise"]
