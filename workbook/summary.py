"""Everything the workbook knows about one alliance, and the JSON summary other code relies on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import ramp, scoping, signals, trust, value
from .flags import Flag, one_per_subject
from .schema import Params

AREAS = ("scope", "trust", "ramp", "value", "health")
AREA_LABELS = {
    "scope": "Scope and resources",
    "trust": "Trust",
    "ramp": "Money machine",
    "value": "Partner's non-sales value",
    "health": "Health signals",
}


@dataclass(frozen=True)
class Assessment:
    """The results of every instrument the params file has data for (``None`` where it has none)."""

    params: Params
    ramp: ramp.RampAnalysis
    scoping: scoping.ScopingResult | None
    trust: trust.TrustResult | None
    value: value.ValueResult | None
    health_timeline: pd.DataFrame | None
    health_events: pd.DataFrame | None
    flags: list[Flag]

    @property
    def figures(self) -> dict[str, Any]:
        return {
            "readiness_score": None if self.scoping is None else round(float(self.scoping.overall), 1),
            "trust_index": None if self.trust is None or self.trust.trust_index is None else round(self.trust.trust_index, 1),
            "max_perception_gap": None
            if self.trust is None or self.trust.max_perception_gap is None
            else round(self.trust.max_perception_gap, 2),
        }

    def area_status(self) -> dict[str, str]:
        """Traffic light per area: ``red`` (a high flag), ``amber`` (a medium one), ``green``,
        ``unknown`` where the data cannot tell (a trust assessment whose index cannot be computed:
        one side only, too few respondents, or only "don't know" answers), or ``none`` where the
        params file has no data for that area. Never green on an unknown."""
        present = {
            "scope": self.scoping is not None,
            "trust": self.trust is not None,
            "ramp": True,
            "value": self.value is not None,
            "health": self.health_timeline is not None,
        }
        known = {"trust": self.trust is not None and self.trust.trust_index is not None}
        out = {}
        for area in AREAS:
            severities = {f.severity for f in self.flags if f.area == area}
            if not present[area]:
                out[area] = "none"
            elif "high" in severities:
                out[area] = "red"
            elif "medium" in severities:
                out[area] = "amber"
            elif not known.get(area, True):
                out[area] = "unknown"
            else:
                out[area] = "green"
        return out

    def top_actions(self, n: int = 3) -> list[Flag]:
        """The ``n`` most important things to do: the flags by severity, then size (how far
        past its threshold), one per distinct action."""
        seen: set[str] = set()
        out = []
        for f in self.flags:
            if f.action and f.action not in seen:
                seen.add(f.action)
                out.append(f)
            if len(out) == n:
                break
        return out


def assess(params: Params) -> Assessment:
    """Run every instrument for one alliance."""
    analysis = ramp.analyse(params)
    be = analysis.plan.metrics.break_even_month
    flags = ramp.flags(analysis)
    scope_result = trust_result = value_result = timeline = events = None
    if params.scope is not None:
        scope_result = scoping.analyse(params.scope)
        flags += scoping.flags(params.scope, params.ramp.commitment_months, be, horizon_months=params.ramp.horizon_months)
    if params.trust is not None:
        trust_result = trust.analyse(params.trust)
        flags += trust.flags(trust_result)
    if params.value is not None:
        value_result = value.analyse(params.value, params.ramp.partner_margin, params.alliance.currency)
        flags += value.flags(value_result, code=params.alliance.currency)
    if params.health is not None:
        timeline = signals.timeline(params.health)
        events = signals.event_table(params.health)
        flags += signals.flags(params.health, be)
    return Assessment(params, analysis, scope_result, trust_result, value_result, timeline, events, one_per_subject(flags))


def summarise(params: Params, path: str | Path | None = None, assessment: Assessment | None = None) -> dict[str, Any]:
    """The contract's fields for one alliance (money in the params' currency, months 1-based)."""
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
        "commitment_months": m.commitment_months,
        "cumulative_net_at_horizon": round(m.cumulative_net_at_horizon, 2),
        "peak_funding_need": round(m.peak_funding_need, 2),
        "npv": round(m.npv, 2),
        "p_break_even_within_commitment": round(a.ramp.monte_carlo.p_break_even_within_commitment, 4),
        "business_plan_gap": None if m.plan_gap is None else round(m.plan_gap, 2),
        "areas": a.area_status(),
        "flags": [
            {"code": f.code, "severity": f.severity, "message": f.message, "area": f.area, "subject": f.subject} for f in a.flags
        ],
    }
