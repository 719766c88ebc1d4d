"""The JSON summary of one alliance that other code relies on (``workbook summary --json``).

The assessment behind it is :func:`workbook.areas.assess`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import datetime as dt
import types
from typing import Union, get_args, get_origin

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .currency import check_code
from .schema import AllianceType, Params

if TYPE_CHECKING:
    from .areas import Assessment, assess

#: A figure of the contract: a whole number stays one (money of a currency without minor unit).
Number = int | float
Month = Annotated[int, Field(ge=1)]
AreaLight = Literal["red", "amber", "green", "unknown", "none"]


class SummaryFlag(BaseModel):
    """One flag of the summary (one per code and subject)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    code: str
    severity: Literal["high", "medium", "low"]
    message: str
    area: str
    subject: str
    action: str


class Summary(BaseModel):
    """The summary contract of ``workbook summary --json``, one typed model: :func:`summarise`
    writes through it, and whatever reads a kept summary (the report folders' ``summary.json``,
    the portfolio's store) reads through it, so a summary of the wrong shape is never shown.

    Money is in ``currency``, rounded to its minor unit; months are 1-based; ``None`` where the
    params file has no data for a field (see the README's "The summary contract")."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    file: str | None
    alliance: str
    slug: str
    type: AllianceType
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    start: str | None
    readiness_score: Number | None
    trust_index: Number | None
    max_perception_gap: Number | None
    max_self_other_gap: Number | None
    first_revenue_month: Month | None
    break_even_month: Month | None
    first_break_even_month: Month | None
    commitment_months: Month
    cumulative_net_at_horizon: Number
    peak_funding_need: Number
    npv: Number
    long_run_npv: Number
    tail_months: Annotated[int, Field(ge=0)]
    p_break_even_within_commitment: Annotated[float, Field(ge=0, le=1)] | None
    business_plan_gap: Number | None
    partner_break_even_month: Month | None
    actuals_through_month: Month | None
    actual_cumulative_net: Number | None
    tracking: Literal["ahead", "on_plan", "behind", "below_p10"] | None
    spend_tracking: Literal["on_budget", "over_budget", "under_budget"] | None
    reforecast_break_even_month: Month | None
    reforecast_delay_months: int | None
    reforecast_scale: Number | None
    reforecast_pipeline_months: list[Month] | None
    sourced_share: Number | None
    win_rate: Number | None
    pipeline_deals: Annotated[int, Field(ge=0)] | None
    pipeline_amount: Number | None
    areas: dict[str, AreaLight]
    flags: list[SummaryFlag]

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, code: str) -> str:
        return check_code(code)

    @field_validator("start")
    @classmethod
    def _iso_date(cls, start: str | None) -> str | None:
        if start is not None:
            dt.date.fromisoformat(start)  # a ValueError: not the contract's shape
        return start

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON object, fields in the contract's order."""
        return self.model_dump(mode="json")

    @property
    def late(self) -> bool:
        """Breaks even only after its committed resources end (or not within the horizon)."""
        return self.break_even_month is None or self.break_even_month > self.commitment_months

    @property
    def start_date(self) -> dt.date | None:
        return None if self.start is None else dt.date.fromisoformat(self.start)

    @classmethod
    def checked(cls, data: object, path: str | Path | None = None) -> Summary | None:
        """A summary kept by this version of the package (the portfolio's store, a fresh report's
        ``summary.json``), read back: the model when ``data`` has exactly the contract's shape
        (``file`` set to ``path`` when given), else ``None`` — the caller recomputes it."""
        if not isinstance(data, dict):
            return None
        if path is not None:
            data = {**data, "file": str(path)}
        try:
            return cls.model_validate(data)
        except ValidationError:
            return None

    @classmethod
    def kept(cls, data: object, slug: str | None = None) -> Summary | None:
        """The ``summary.json`` of a report folder, which an older version of the package may
        have written: a field added since (any that may be null) reads as null, a flag's
        missing words as empty, missing area lights as none, and fields since dropped are
        ignored; ``slug`` is the folder's name when the summary does not give one. Every value
        there is still checked as the contract says; anything else is ``None`` (not listed)."""
        if not isinstance(data, dict):
            return None
        filled: dict[str, Any] = {k: v for k, v in data.items() if k in cls.model_fields}
        for name, info in cls.model_fields.items():
            if name not in filled and _nullable(info.annotation):
                filled[name] = None
        filled.setdefault("areas", {})
        if slug is not None:
            filled.setdefault("slug", slug)
        flags = filled.get("flags")
        if isinstance(flags, list):
            words = {k: "" for k in SummaryFlag.model_fields}
            filled["flags"] = [{**words, **f} if isinstance(f, dict) else f for f in flags]
        try:
            return cls.model_validate(filled)
        except ValidationError:
            return None


def _nullable(annotation: Any) -> bool:
    origin = get_origin(annotation)
    return (origin is Union or origin is types.UnionType) and type(None) in get_args(annotation)


#: The money fields of the summary (in ``currency``), rounded to the currency's minor unit.
MONEY_FIELDS = ("cumulative_net_at_horizon", "peak_funding_need", "npv", "long_run_npv", "business_plan_gap", "actual_cumulative_net", "pipeline_amount")


def summarise(params: Params, path: str | Path | None = None, assessment: Assessment | None = None) -> dict[str, Any]:
    """The contract's JSON object for one alliance (:func:`summary_of`, as ``summary --json``
    prints it)."""
    return summary_of(params, path, assessment).as_dict()


def summary_of(params: Params, path: str | Path | None = None, assessment: Assessment | None = None) -> Summary:
    """The contract's fields for one alliance (money in the params' currency, months 1-based)."""
    from .actuals import pipeline_summary, summary_fields
    from .areas import assess
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
    return Summary.model_validate(out)


__all__ = ["MONEY_FIELDS", "Assessment", "Summary", "SummaryFlag", "assess", "summarise", "summary_of"]


def __getattr__(name: str) -> object:
    # the assessment (pandas and the areas) loads on first use: reading a summary needs neither
    if name in ("Assessment", "assess"):
        from . import areas

        return getattr(areas, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
