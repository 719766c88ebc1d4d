"""The params sections of the instruments: ``scope``, ``trust``, ``value`` and ``health``.

Each is optional in a params file; the models are strict like the rest of the schema (unknown
keys are errors with a "did you mean" hint). Item ids in ``scope.items`` and in a trust
respondent's ``answers`` must come from the instrument banks (``workbook/instruments/*.yaml``);
an unknown id is an error naming the field, with the closest known id as a hint.

Dates are YAML dates (``2024-03-31``); a quoted ISO date string is accepted too.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from .instruments import SCOPING_ITEMS, TRUST, TRUST_ITEMS, ScopeStatus, SideName
from .strict import MAX_COUNT, MAX_NAME, Count, Divisor, Money, Number, Strict
from .strict import LocatedErrors as _LocatedErrors

# --------------------------------------------------------------------------------------------
# Shared field types


def _to_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected a date like 2024-03-31, got {value!r}") from None
    return value


Date = Annotated[dt.date, BeforeValidator(_to_date)]


def _known_id(kind: str, bank: Mapping[str, Any]) -> Callable[[str], str]:
    def check(key: str) -> str:
        if key not in bank:
            hint = difflib.get_close_matches(key, list(bank), n=1, cutoff=0.6)
            shown = repr(key) if len(key) <= 60 else f"{key[:58]!r}…"
            message = f"unknown {kind} item {shown}"
            if hint:
                message += f" (did you mean '{hint[0]}'?)"
            else:
                message += f"; the item ids are listed in workbook/instruments/{kind}.yaml"
            raise ValueError(message)
        return key

    return check


def _share(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        hint = f" (did you mean {value / 100:g}?)" if 1.0 < value <= 100.0 else ""
        raise ValueError(f"must be a share between 0 and 1, got {value:g}{hint}")
    return value


def _answer(value: int) -> int:
    lo, hi = TRUST.scale.min, TRUST.scale.max
    if not lo <= value <= hi:
        raise ValueError(f"answers are {lo}-{hi} (null for don't know), got {value}")
    return value


def _index(value: float) -> float:
    if not 0.0 <= value <= 100.0:
        raise ValueError(f"a trust index is between 0 and 100, got {value:g}")
    return value


ScopeItemId = Annotated[str, AfterValidator(_known_id("scoping", SCOPING_ITEMS))]
TrustItemId = Annotated[str, AfterValidator(_known_id("trust", TRUST_ITEMS))]
Answer = Annotated[int, AfterValidator(_answer)]
ShareValue = Annotated[Number, AfterValidator(_share)]
TrustIndex = Annotated[Number, AfterValidator(_index)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Amount = Money
#: A checklist weight, 0–10.
Weight = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]
#: Something counted per year (quotes, advice hours, credit checks): 0 to :data:`MAX_COUNT`.
YearlyCount = Annotated[float, Field(ge=0, le=MAX_COUNT, allow_inf_nan=False)]

# --------------------------------------------------------------------------------------------
# scope


class ScopeEntry(Strict):
    """One checklist answer. ``weight`` overrides the bank's weight (0 leaves the item out)."""

    status: ScopeStatus
    note: str = ""
    weight: Weight | None = None


class Scope(Strict):
    """The scoping checklist as agreed in the workshop.

    ``items`` maps item ids to ``agreed | draft | missing`` (or ``{status, note, weight}``);
    an item left out counts as ``missing``. ``alliance_manager`` is the named person, or null.
    """

    items: dict[ScopeItemId, ScopeEntry] = Field(default_factory=dict)
    alliance_manager: Text | None = None
    resources_to_be_confirmed: list[Text] = Field(default_factory=list)

    @field_validator("items", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"status": v} if isinstance(v, str) else v for k, v in value.items()}
        return value


# --------------------------------------------------------------------------------------------
# trust


class Respondent(Strict):
    """One person's answers about the *other* organisation: item id -> 1–5, null = don't know."""

    id: Annotated[str, Field(min_length=1, max_length=60)]
    side: SideName
    role: Annotated[str, Field(max_length=MAX_NAME)] = ""
    answers: dict[TrustItemId, Answer | None] = Field(default_factory=dict)


class PreviousTrust(Strict):
    """The indices (0–100) of the last assessment, to see whether trust is falling."""

    date: Date
    vendor_index: TrustIndex | None = None
    partner_index: TrustIndex | None = None


#: The fewest people whose answers are ever shown together: a side with fewer respondents stays
#: hidden (in reports and on the workshop board), and a revealed board moves only when at least
#: this many people's answers changed.
ANONYMITY_FLOOR = 3


class Trust(Strict):
    """A bilateral trust assessment.

    ``min_respondents`` (at least :data:`ANONYMITY_FLOOR`) is the fewest respondents of a side
    (who answered) for which that side's breakdowns are shown; fewer are suppressed to keep
    answers anonymous.
    """

    date: Date | None = None
    min_respondents: Annotated[int, Field(ge=ANONYMITY_FLOOR, le=50)] = ANONYMITY_FLOOR
    respondents: Annotated[list[Respondent], Field(min_length=1)]
    previous: PreviousTrust | None = None

    @model_validator(mode="after")
    def _checks(self) -> Trust:
        problems: list[tuple[tuple[Any, ...], str]] = []
        seen: dict[str, int] = {}
        for i, r in enumerate(self.respondents):
            if r.id in seen:
                problems.append((("respondents", i, "id"), f"respondent id {r.id!r} is used twice (first at respondents[{seen[r.id]}])"))
            seen.setdefault(r.id, i)
        if self.previous is not None and self.date is not None and self.previous.date >= self.date:
            problems.append((("previous", "date"), f"the previous assessment ({self.previous.date}) must be before this one ({self.date})"))
        if problems:
            raise _LocatedErrors(problems)
        return self


# --------------------------------------------------------------------------------------------
# value


class OtherCost(Strict):
    """Any other work the partner does that the vendor would have to pay for, per year."""

    name: Text
    cost_per_year: Amount


class Value(Strict):
    """What serving the partner's customers directly would cost, per year (currency of the file).

    ``margin_paid_to_partner_per_year`` defaults to ``revenue_via_partner_per_year ×
    ramp.partner_margin``.
    """

    quotes_per_year: YearlyCount = 0.0
    hours_per_quote: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 0.0
    loaded_cost_per_hour: Amount = 0.0
    design_advice_hours_per_year: YearlyCount = 0.0
    credit_checks_per_year: YearlyCount = 0.0
    cost_per_credit_check: Amount = 0.0
    revenue_via_partner_per_year: Divisor = 0.0
    dso_days_partner_carries: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False)] = 0.0
    cost_of_capital: ShareValue = 0.0
    bad_debt_rate_avoided: ShareValue = 0.0
    margin_paid_to_partner_per_year: Divisor | None = None
    other_costs: list[OtherCost] = Field(default_factory=list)

    @model_validator(mode="after")
    def _margin_known(self) -> Value:
        if self.margin_paid_to_partner_per_year is None and self.revenue_via_partner_per_year == 0:
            raise _LocatedErrors(
                [
                    (
                        ("revenue_via_partner_per_year",),
                        "give revenue_via_partner_per_year (the margin is then revenue × ramp.partner_margin) "
                        "or margin_paid_to_partner_per_year",
                    )
                ]
            )
        return self


# --------------------------------------------------------------------------------------------
# health

ChangeKind = Literal["ownership", "structure", "personnel", "policy", "environment", "resources", "responsibility"]
Sentiment = Literal["positive", "neutral", "negative"]


class ChangeEvent(Strict):
    """A change noticed since the last check-in. ``resources`` means resources cut or withdrawn."""

    kind: ChangeKind
    note: str = ""


class CheckIn(Strict):
    """One periodic health check-in. ``alliance_manager`` must be given (null = post vacant).

    ``wins`` since the last check-in; ``wins_with_partner`` of them the partner took part in
    (default: all of them); ``wins_crediting_partner`` of those named the partner.
    """

    date: Date
    alliance_manager: Text | None
    sentiment: Sentiment
    events: list[ChangeEvent] = Field(default_factory=list)
    wins: Count = 0
    wins_with_partner: Count | None = None
    wins_crediting_partner: Count = 0
    trust_index: TrustIndex | None = None
    note: str = ""

    @property
    def partner_wins(self) -> int:
        """The wins the partner took part in."""
        return self.wins if self.wins_with_partner is None else self.wins_with_partner

    @model_validator(mode="after")
    def _credit_within_wins(self) -> CheckIn:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.wins_with_partner is not None and self.wins_with_partner > self.wins:
            problems.append((("wins_with_partner",), f"the partner took part in {self.wins_with_partner} wins but only {self.wins} wins were recorded"))
        elif self.wins_crediting_partner > self.partner_wins:
            which = "wins the partner took part in" if self.wins_with_partner is not None else "wins were recorded"
            problems.append((("wins_crediting_partner",), f"{self.wins_crediting_partner} wins credit the partner but only {self.partner_wins} {which}"))
        if problems:
            raise _LocatedErrors(problems)
        return self


class Health(Strict):
    """Check-ins in date order. ``alliance_start`` dates month 1 of the ramp: a check-in in the
    same calendar month is month 1, the next calendar month is month 2, and so on."""

    alliance_start: Date
    check_ins: Annotated[list[CheckIn], Field(min_length=1)]

    @model_validator(mode="after")
    def _dates(self) -> Health:
        problems: list[tuple[tuple[Any, ...], str]] = []
        previous: dt.date | None = None
        for i, c in enumerate(self.check_ins):
            if c.date < self.alliance_start:
                problems.append((("check_ins", i, "date"), f"check-in date {c.date} is before alliance_start ({self.alliance_start})"))
            if previous is not None and c.date <= previous:
                problems.append((("check_ins", i, "date"), f"check-ins must be in date order: {c.date} is not after the previous check-in ({previous})"))
            previous = c.date
        if problems:
            raise _LocatedErrors(problems)
        return self


__all__ = [
    "Answer",
    "ChangeEvent",
    "ChangeKind",
    "CheckIn",
    "Date",
    "Health",
    "OtherCost",
    "PreviousTrust",
    "Respondent",
    "Scope",
    "ScopeEntry",
    "Sentiment",
    "Trust",
    "Value",
]
