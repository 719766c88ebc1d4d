"""The JSON summary of one alliance that other code relies on (``workbook summary --json``).

The assessment behind it is :func:`workbook.areas.assess`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .areas import Assessment, assess
from .schema import Params


def summarise(params: Params, path: str | Path | None = None, assessment: Assessment | None = None) -> dict[str, Any]:
    """The contract's fields for one alliance (money in the params' currency, months 1-based)."""
    from .actuals import summary_fields

    a = assessment or assess(params)
    m = a.ramp.plan.metrics
    return {
        "file": str(path) if path is not None else None,
        "alliance": params.alliance.name,
        "slug": params.slug,
        "type": params.alliance.type,
        "currency": params.alliance.currency,
        **a.figures,
        "first_revenue_month": m.first_revenue_month,
        "break_even_month": m.break_even_month,
        "first_break_even_month": m.first_break_even_month,
        "commitment_months": m.commitment_months,
        "cumulative_net_at_horizon": round(m.cumulative_net_at_horizon, 2),
        "peak_funding_need": round(m.peak_funding_need, 2),
        "npv": round(m.npv, 2),
        "long_run_npv": round(m.long_run_npv, 2),
        "tail_months": m.tail_months,
        "p_break_even_within_commitment": round(a.ramp.monte_carlo.p_break_even_within_commitment, 4),
        "business_plan_gap": None if m.plan_gap is None else round(m.plan_gap, 2),
        "partner_break_even_month": None if a.ramp.partner is None else a.ramp.partner.break_even_month,
        **summary_fields(a.actuals),
        "areas": a.area_status(),
        "flags": [
            {"code": f.code, "severity": f.severity, "message": f.message, "area": f.area, "subject": f.subject} for f in a.flags
        ],
    }


__all__ = ["Assessment", "assess", "summarise"]
