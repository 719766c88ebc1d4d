"""The JSON summary of one alliance: the contract other code and checks rely on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import ramp
from .flags import Flag, by_severity
from .params import Params


def collect(params: Params) -> tuple[ramp.RampAnalysis, list[Flag], dict[str, Any]]:
    """Run every instrument the params file has data for.

    Returns the ramp analysis, all flags (most severe first) and the instrument figures
    (``readiness_score``, ``trust_index``, ``max_perception_gap``; ``None`` where the file has
    no data for that instrument).
    """
    analysis = ramp.analyse(params)
    flags = ramp.flags(analysis)
    figures: dict[str, Any] = {"readiness_score": None, "trust_index": None, "max_perception_gap": None}
    return analysis, by_severity(flags), figures


def summarise(params: Params, path: str | Path | None = None) -> dict[str, Any]:
    """The contract's fields for one alliance (money in the params' currency, months 1-based)."""
    analysis, flags, figures = collect(params)
    m = analysis.plan.metrics
    return {
        "file": str(path) if path is not None else None,
        "alliance": params.alliance.name,
        "slug": params.slug,
        "type": params.alliance.type,
        **figures,
        "first_revenue_month": m.first_revenue_month,
        "break_even_month": m.break_even_month,
        "commitment_months": m.commitment_months,
        "cumulative_net_at_horizon": round(m.cumulative_net_at_horizon, 2),
        "peak_funding_need": round(m.peak_funding_need, 2),
        "npv": round(m.npv, 2),
        "p_break_even_within_commitment": round(analysis.monte_carlo.p_break_even_within_commitment, 4),
        "business_plan_gap": None if m.plan_gap is None else round(m.plan_gap, 2),
        "flags": [{"code": f.code, "severity": f.severity, "message": f.message} for f in flags],
    }
