"""The params schema: every pydantic model of a params file, and nothing that reads or writes.

A params file is one alliance: ``alliance`` and ``ramp`` (required), and the optional sections
of the instruments — ``scope``, ``trust``, ``value`` and ``health`` — and ``actuals`` (the
months as they happened, to track the plan). Every model is strict:
unknown keys are errors with a "did you mean" hint, numbers are finite and bounded
(:mod:`workbook.strict`), item ids in ``scope.items`` and in a trust respondent's ``answers``
must come from the instrument banks (``workbook/instruments/*.yaml``). Dates are YAML dates
(``2024-03-31``); a quoted ISO date string is accepted too.

Reading a file, locating its problems by line and writing sections back live in
:mod:`workbook.params`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import check_code
from .instruments import SCOPING_ITEMS, TRUST, TRUST_ITEMS, ScopeStatus, SideName
from .months import MonthNames
from .strict import (
    MAX_COUNT,
    MAX_DEALS_PER_MONTH,
    MAX_MONEY,
    MAX_MONTHS,
    MAX_NAME,
    Count,
    DealsPerMonth,
    Divisor,
    Money,
    Month,
    Months,
    Name,
    Note,
    Number,
    PlainLine,
    Share,
    Strict,
)
from .strict import LocatedErrors as _LocatedErrors
from .text import count

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
Text = Annotated[str, Field(min_length=1, max_length=200), PlainLine]
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
    note: Note = ""
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
    """One person's answers about the *other* organisation: item id -> 1–5, null = don't know.

    ``self_answers`` (optional, same form) rate the respondent's *own* organisation on the same
    items — the mirror: a side's view of itself set against how the other side sees it.
    """

    id: Annotated[str, Field(min_length=1, max_length=60), PlainLine]
    side: SideName
    role: Annotated[str, Field(max_length=MAX_NAME), PlainLine] = ""
    answers: dict[TrustItemId, Answer | None] = Field(default_factory=dict)
    self_answers: dict[TrustItemId, Answer | None] = Field(default_factory=dict)


class PreviousTrust(Strict):
    """The indices (0–100) of an earlier assessment: ``trust.previous`` (the latest one, to see
    whether trust is falling) or an entry of ``trust.history`` (the ones before it). A side left
    out (``null``) had too few respondents to show."""

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

    Earlier results: ``previous`` is the latest one (the one ``trust_falling`` compares with);
    ``history`` the ones before it, oldest first, every date strictly after the one before it and
    before ``previous`` and ``date``. A workshop export that replaces the assessment moves
    ``previous`` to the end of ``history`` and the file's own result into ``previous``.
    """

    date: Date | None = None
    min_respondents: Annotated[int, Field(ge=ANONYMITY_FLOOR, le=50)] = ANONYMITY_FLOOR
    respondents: Annotated[list[Respondent], Field(min_length=1)]
    previous: PreviousTrust | None = None
    history: list[PreviousTrust] = Field(default_factory=list)

    @property
    def earlier(self) -> list[PreviousTrust]:
        """Every earlier result, oldest first: ``history``, then ``previous``."""
        return [*self.history, *([self.previous] if self.previous is not None else [])]

    @property
    def latest_earlier(self) -> PreviousTrust | None:
        """The result the assessment is compared with (``previous``; without it, the last of
        ``history``)."""
        earlier = self.earlier
        return earlier[-1] if earlier else None

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
        for i, h in enumerate(self.history):
            if i and h.date <= self.history[i - 1].date:
                problems.append((("history", i, "date"), f"the history must be oldest first: {h.date} is not after the entry before it ({self.history[i - 1].date})"))
            elif self.previous is not None and h.date >= self.previous.date:
                problems.append((("history", i, "date"), f"an earlier result ({h.date}) must be before the previous assessment ({self.previous.date})"))
            elif self.date is not None and h.date >= self.date:
                problems.append((("history", i, "date"), f"an earlier result ({h.date}) must be before this assessment ({self.date})"))
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
    note: Note = ""


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
    note: Note = ""

    @property
    def partner_wins(self) -> int:
        """The wins the partner took part in."""
        return self.wins if self.wins_with_partner is None else self.wins_with_partner

    @model_validator(mode="after")
    def _credit_within_wins(self) -> CheckIn:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.wins_with_partner is not None and self.wins_with_partner > self.wins:
            problems.append((("wins_with_partner",), f"the partner took part in {count(self.wins_with_partner, 'win')} but only {count(self.wins, 'win')} {'was' if self.wins == 1 else 'were'} recorded"))
        elif self.wins_crediting_partner > self.partner_wins:
            which = "wins the partner took part in" if self.wins_with_partner is not None else "wins were recorded"
            problems.append((("wins_crediting_partner",), f"{count(self.wins_crediting_partner, 'win')} {'credits' if self.wins_crediting_partner == 1 else 'credit'} the partner but only {self.partner_wins} {which}"))
        if problems:
            raise _LocatedErrors(problems)
        return self


class Health(Strict):
    """Check-ins in date order. ``alliance_start`` dates month 1 of the ramp: a check-in in the
    same calendar month is month 1, the next calendar month is month 2, and so on. In a params
    file it may be left out when ``alliance.start`` is given (it is then that date), and when
    both are given they must be the same date (:class:`Params`)."""

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


# --------------------------------------------------------------------------------------------
# actuals


class ActualMonth(Strict):
    """What one month of the alliance actually brought, as the CRM and the ledger record it.

    ``investment`` is what the vendor spent on the alliance that month; ``deals_closed`` and
    ``vendor_revenue`` (after the partner's margin, as in the plan's ``vendor_revenue``) what it
    sold. The optional ``deals_sourced``, ``partner_sourced_revenue`` and ``influenced_revenue``
    are kept for the reader; the tracking uses the four required fields only.
    """

    month: Month
    investment: Money
    deals_closed: DealsPerMonth
    vendor_revenue: Money
    deals_sourced: DealsPerMonth | None = None
    partner_sourced_revenue: Money | None = None
    influenced_revenue: Money | None = None


class Actuals(Strict):
    """The plan against what happened: ``months`` consecutive from 1 (no gaps, none after the
    ramp's horizon), and where the figures come from (``source``, e.g. a CRM export's name)."""

    source: Annotated[str, Field(min_length=1, max_length=MAX_NAME), PlainLine] | None = None
    months: Annotated[list[ActualMonth], Field(min_length=1)]

    @model_validator(mode="after")
    def _consecutive(self) -> Actuals:
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, m in enumerate(self.months):
            if m.month != i + 1:
                problems.append(
                    (("months", i, "month"), f"months must run 1, 2, 3, ... without gaps: entry {i + 1} should be month {i + 1}, got {m.month}")
                )
        if problems:
            raise _LocatedErrors(problems)
        return self


class PipelineMonth(Strict):
    """This partner's open deals expected to close in one month of the plan: how many, and their
    amount (before the partner's margin; an annual contract value for ``annual_recurring`` plans)."""

    month: Month
    deals: Count
    amount: Money


class Pipeline(Strict):
    """The partner's open pipeline and its record of closed deals, as a CRM export gives them.

    ``won`` and ``lost`` count the partner's closed deals (the win rate is won ÷ (won + lost));
    ``months`` the open deals by expected close month (each month at most once, in order);
    ``as_of`` the date the export runs to; ``source`` where it came from.
    """

    source: Annotated[str, Field(min_length=1, max_length=MAX_NAME), PlainLine] | None = None
    as_of: Date | None = None
    won: Count = 0
    lost: Count = 0
    months: list[PipelineMonth] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_order(self) -> Pipeline:
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, m in enumerate(self.months[1:], start=1):
            if m.month <= self.months[i - 1].month:
                problems.append((("months", i, "month"), f"months must be in increasing order, each at most once: month {m.month} follows month {self.months[i - 1].month}"))
        if problems:
            raise _LocatedErrors(problems)
        return self

    @property
    def win_rate(self) -> float | None:
        """won ÷ (won + lost); ``None`` before any deal of the partner has closed."""
        closed = self.won + self.lost
        return self.won / closed if closed else None


# --------------------------------------------------------------------------------------------
# The ramp and the whole file

SCHEMA_VERSION = 1


def plain_number(x: float) -> str:
    """A bound as people write it: ``1,000,000,000,000,000`` rather than ``1e+15``."""
    if float(x).is_integer() and abs(x) < 1e18:
        return f"{int(x):,}"
    return f"{x:g}"

AllianceType = Literal["reseller", "referral", "technology", "co-sell", "oem", "services"]
EventKind = Literal["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]


class Alliance(Strict):
    name: Name = Field(description="Shown in reports; any text, escaped on display.")
    vendor: Name
    partner: Name
    type: AllianceType
    currency: str = Field(default=DEFAULT_CURRENCY, description="ISO 4217 code of every amount in the file.")
    start: Date | None = Field(
        default=None,
        description="The date the alliance starts: month 1 of the model is its calendar month (see workbook.months).",
    )

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, code: str) -> str:
        return check_code(code)


class InvestmentLine(Strict):
    """A recurring resource (``monthly_cost`` from ``start_month`` to ``end_month``, inclusive)
    or a one-off (``one_off`` paid in ``month``). Months are 1-based."""

    name: Name
    monthly_cost: Money | None = None
    start_month: Month | None = None
    end_month: Month | None = None
    one_off: Money | None = None
    month: Month | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> InvestmentLine:
        recurring = (self.monthly_cost, self.start_month, self.end_month)
        once = (self.one_off, self.month)
        if self.is_recurring:
            if any(v is not None for v in once):
                raise ValueError("give either monthly_cost/start_month/end_month or one_off/month, not both")
            if any(v is None for v in recurring):
                raise ValueError("a recurring line needs monthly_cost, start_month and end_month")
            assert self.start_month is not None and self.end_month is not None
            if self.start_month > self.end_month:
                raise ValueError(f"start_month ({self.start_month}) is after end_month ({self.end_month})")
        elif any(v is None for v in once):
            raise ValueError("a line needs monthly_cost/start_month/end_month (recurring) or one_off/month")
        return self

    @property
    def is_recurring(self) -> bool:
        return self.monthly_cost is not None or self.start_month is not None or self.end_month is not None


class Event(Strict):
    """A premature change at ``month``; ``severity`` 0–1 scales its effect (see ``workbook.ramp``)."""

    month: Month
    kind: EventKind
    severity: Share = 0.5
    note: Note = ""


Triangular = Annotated[list[Number], Field(min_length=3, max_length=3)]

#: The ramp inputs that may carry an uncertainty range, and whether each is a share (0–1).
RANGED_INPUTS: dict[str, bool] = {
    "sales_cycle_months": False,
    "enablement_months": False,
    "ramp_months": False,
    "steady_deals_per_month": False,
    "avg_deal_value": False,
    "partner_margin": True,
    "gross_margin": True,
    "annual_churn": True,
}

#: The largest value a range may reach, by input (the input's own maximum).
RANGE_MAXIMA: dict[str, float] = {
    "sales_cycle_months": MAX_MONTHS,
    "enablement_months": MAX_MONTHS,
    "ramp_months": MAX_MONTHS,
    "steady_deals_per_month": MAX_DEALS_PER_MONTH,
    "avg_deal_value": MAX_MONEY,
    "partner_margin": 1.0,
    "gross_margin": 1.0,
    "annual_churn": 1.0,
}


class Uncertainty(Strict):
    """Triangular ``[low, most likely, high]`` ranges on the key ramp inputs.

    The ranges are read relative to the plan (:meth:`Ramp.triangles`): the simulation's most
    likely value is always the plan's own, and the written distances below and above the
    most likely value are kept around it. A plan edited after its ranges were written
    therefore moves its ranges with it, and the plan and its simulation never describe two
    different alliances.
    """

    sales_cycle_months: Triangular | None = None
    enablement_months: Triangular | None = None
    ramp_months: Triangular | None = None
    steady_deals_per_month: Triangular | None = None
    avg_deal_value: Triangular | None = None
    partner_margin: Triangular | None = None
    gross_margin: Triangular | None = None
    annual_churn: Triangular | None = None

    @field_validator("*")
    @classmethod
    def _ordered(cls, v: Triangular | None, info: Any) -> Triangular | None:
        if v is not None:
            if not all(a <= b for a, b in zip(v, v[1:])):
                shown = ", ".join(f"{x:g}" for x in v)
                raise ValueError(f"range must be ordered low <= most likely <= high, got [{shown}]")
            if v[0] < 0:
                raise ValueError(f"range must not go below 0, got low = {v[0]:g}")
            if RANGED_INPUTS.get(info.field_name) and v[-1] > 1:
                raise ValueError(f"a share's range must stay between 0 and 1 (20 % is written 0.20), got high = {v[-1]:g}")
            top = RANGE_MAXIMA[info.field_name]
            if v[-1] > top:
                raise ValueError(f"range must not go above {plain_number(top)}, got high = {v[-1]:g}")
        return v

    def ranges(self) -> dict[str, Triangular]:
        """The ranges given, as written."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Simulation(Strict):
    """The Monte Carlo's settings: ``runs`` draws (500 gives a chance of break-even to within
    about ±2 percentage points), from the random ``seed`` (same seed, same figures)."""

    runs: Annotated[int, Field(ge=10, le=20000)] = 500
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 7


class DirectRoute(Strict):
    """Build a direct sales team instead: the vendor keeps the whole deal value but pays for it."""

    monthly_cost: Money
    hiring_months: Months = 4
    ramp_months: Months = 12
    steady_deals_per_month: DealsPerMonth
    sales_cycle_months: Months | None = None  # defaults to the partner's sales cycle


class AcquireRoute(Strict):
    """Acquire a company that already sells: a price up front, integration, then its deal flow."""

    price: Money
    month: Month = 1
    integration_months: Months = 6
    monthly_cost: Money = 0.0
    steady_deals_per_month: DealsPerMonth


#: The longest name of a saved scenario, in characters (it heads a panel of the report's chart).
MAX_SCENARIO_NAME = 60
#: The most saved scenarios a file may hold (each adds a row and a panel to the report).
MAX_SAVED_SCENARIOS = 20
#: The investment level a saved scenario may set: above 0, at most twice the plan's resourcing.
MAX_INVESTMENT_LEVEL = 2.0


def scenario_name(value: str) -> str:
    """A saved scenario's name as kept: surrounding spaces removed; refused when nothing is left
    or it is longer than :data:`MAX_SCENARIO_NAME` characters."""
    name = value.strip()
    if not name:
        raise ValueError("a saved scenario needs a name")
    if len(name) > MAX_SCENARIO_NAME:
        raise ValueError(f"a saved scenario's name is at most {MAX_SCENARIO_NAME} characters, got {len(name)}")
    return name


def same_name(a: str, b: str) -> bool:
    """Whether two scenario names read as one (case and spacing aside): "Slow start" and
    "slow  START" would give two rows nobody could tell apart."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


ScenarioName = Annotated[str, PlainLine, AfterValidator(scenario_name)]


class SavedChange(Strict):
    """A saved what-if's premature change: ``kind`` at plan month ``month``, of ``severity`` 0–1."""

    kind: EventKind
    month: Month
    severity: Share = 0.5


class SavedScenario(Strict):
    """A what-if of the alliance dashboard kept in the file (``ramp.scenarios.saved``): the plan
    with the inputs given here in place of its own; an input left out is the plan's. The report's
    scenario table shows it as a row (see :func:`workbook.ramp.what_if_run`)."""

    name: ScenarioName
    sales_cycle_months: Months | None = None
    ramp_months: Months | None = None
    #: resourcing against the plan (0.8 = 20 % less cost and effort), as the dashboard's slider
    investment_level: Annotated[float, Field(gt=0, le=MAX_INVESTMENT_LEVEL, allow_inf_nan=False)] | None = None
    #: months the whole plan starts late (its changes as late), as the invest-late scenario
    start_delay_months: Months | None = None
    #: a premature change in place of the file's own ``events``
    change: SavedChange | None = None


class Scenarios(Strict):
    invest_late_months: Annotated[int, Field(ge=1, le=MAX_MONTHS)] = 6
    under_invest_pct: Annotated[float, Field(gt=0, lt=100, allow_inf_nan=False)] = 30.0
    premature_change_month: Month | None = None  # default: half the commitment
    premature_change_kind: EventKind = "people_change"
    premature_change_severity: Share = 0.6
    direct: DirectRoute | None = None
    acquire: AcquireRoute | None = None
    saved: Annotated[list[SavedScenario], Field(max_length=MAX_SAVED_SCENARIOS)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_differ(self) -> Scenarios:
        problems: list[tuple[tuple[int | str, ...], str]] = []
        for i, s in enumerate(self.saved):
            first = next(j for j, t in enumerate(self.saved) if same_name(t.name, s.name))
            if first != i:
                problems.append((("saved", i, "name"), f"another saved scenario (number {first + 1}) is called {self.saved[first].name!r}; give each its own name"))
        if problems:
            raise _LocatedErrors(problems)
        return self


#: How ``avg_deal_value`` is earned: once, when the deal closes (``one_off``), or as an annual
#: contract billed a twelfth a month from the month it closes (``annual_recurring``).
DealValueKind = Literal["one_off", "annual_recurring"]
#: Yearly growth of the live book of recurring contracts (0.15 = +15 % a year); at most 10× a year.
Expansion = Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]


class Ramp(Strict):
    horizon_months: Annotated[int, Field(ge=1, le=MAX_MONTHS)]
    commitment_months: Annotated[int, Field(ge=1, le=MAX_MONTHS)]
    enablement_months: Months = 0
    sales_cycle_months: Months
    ramp_months: Months = 0
    steady_deals_per_month: DealsPerMonth
    avg_deal_value: Money
    partner_margin: Share
    gross_margin: Share
    deal_value_kind: DealValueKind = "one_off"
    annual_churn: Share = 0.0
    annual_expansion: Expansion = 0.0
    discount_rate: Share = 0.10
    #: The monthly recurring cost of the team at full strength: a month resourced below it has
    #: proportionally less effort. ``None``: every month with any recurring resource counts as
    #: fully resourced (README, "How the model works", rule 2).
    full_effort_monthly_cost: Annotated[float, Field(gt=0, le=MAX_MONEY, allow_inf_nan=False)] | None = None
    #: Months the alliance is continued past the horizon, as it stands there, for ``long_run_npv``.
    tail_months: Months = 36
    investment: list[InvestmentLine] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    simulation: Simulation = Field(default_factory=Simulation)
    target_revenue: dict[Month, Money] = Field(default_factory=dict)
    scenarios: Scenarios = Field(default_factory=Scenarios)

    def triangles(self) -> dict[str, tuple[float, float, float]]:
        """Each ranged input as the simulation draws it: ``(low, most likely, high)``.

        The most likely value is the plan's; low and high keep the written range's distances
        from its most likely value — ``low = plan − (mode − low_written)``, ``high = plan +
        (high_written − mode)`` — cut at 0 (and at 1 for shares). When the written most likely
        value is the plan's, as it normally is, that is the range as written.
        """
        out = {}
        for name, (low, mode, high) in self.uncertainty.ranges().items():
            plan = float(getattr(self, name))
            top = 1.0 if RANGED_INPUTS[name] else math.inf
            out[name] = (max(0.0, plan - (mode - low)), plan, min(top, plan + (high - mode)))
        return out

    def moved_ranges(self) -> dict[str, tuple[float, float]]:
        """The ranges whose written most likely value is not the plan's: name -> (written, plan)."""
        return {
            name: (v[1], float(getattr(self, name)))
            for name, v in self.uncertainty.ranges().items()
            if abs(v[1] - float(getattr(self, name))) > 1e-9
        }

    @model_validator(mode="after")
    def _inside_horizon(self) -> Ramp:
        problems = late_months(self.model_dump(exclude_unset=True), self.horizon_months)
        if self.deal_value_kind == "one_off":
            # churn and expansion act on a book of recurring contracts: with one-off deals they
            # would be ignored, so a file that gives them has the wrong kind
            for name in ("annual_churn", "annual_expansion"):
                if getattr(self, name) > 0:
                    problems.append(((name,), f"{name} applies only to recurring revenue: set deal_value_kind: annual_recurring, or remove it"))
            if self.uncertainty.annual_churn is not None:
                problems.append(
                    (("uncertainty", "annual_churn"), "annual_churn applies only to recurring revenue: set deal_value_kind: annual_recurring, or remove the range")
                )
        if problems:
            raise _LocatedErrors(problems)
        return self


def whole(value: object) -> TypeGuard[int]:
    """A whole number as YAML gives it (``True`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def late_months(ramp: dict[str, Any], h: int) -> list[tuple[tuple[Any, ...], str]]:
    """The months of ``ramp`` (plain data, as written or dumped) that fall after the horizon ``h``:
    investment and event months, target months, and the scenarios' months (the premature change,
    the acquisition, the late start, and each saved scenario's change and late start). Locations
    are relative to the ramp section."""
    found: list[tuple[tuple[Any, ...], str]] = []

    def late(loc: tuple[Any, ...], value: Any) -> None:
        if whole(value) and value > h:
            found.append((loc, f"month {value} is after the horizon ({count(h, 'month')})"))

    for key in ("investment", "events"):
        items = ramp.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    for k in ("start_month", "end_month", "month"):
                        late((key, i, k), item.get(k))
    targets = ramp.get("target_revenue")
    if isinstance(targets, dict):
        for month in targets:
            late(("target_revenue", month), month)
    scenarios = ramp.get("scenarios")
    if isinstance(scenarios, dict):
        late(("scenarios", "premature_change_month"), scenarios.get("premature_change_month"))
        acquire = scenarios.get("acquire")
        if isinstance(acquire, dict):
            late(("scenarios", "acquire", "month"), acquire.get("month"))
        delay = scenarios.get("invest_late_months")
        if whole(delay) and delay >= h:
            found.append(
                (("scenarios", "invest_late_months"), f"a plan started {count(delay, 'month')} late begins after the horizon ({count(h, 'month')})")
            )
        saved = scenarios.get("saved")
        if isinstance(saved, list):
            for i, item in enumerate(saved):
                if not isinstance(item, dict):
                    continue
                change = item.get("change")
                if isinstance(change, dict):
                    late(("scenarios", "saved", i, "change", "month"), change.get("month"))
                delay = item.get("start_delay_months")
                if whole(delay) and delay >= h:
                    found.append(
                        (("scenarios", "saved", i, "start_delay_months"),
                         f"a plan started {count(delay, 'month')} late begins after the horizon ({count(h, 'month')})")
                    )
    return found


class PartnerEconomics(Strict):
    """The partner's own money machine: its costs for this alliance (``investment``, the same
    lines as ``ramp.investment``) and ``services_per_deal``, what the partner keeps from its own
    services on each deal closed, after their cost. Its income is its margin on each deal (or
    each billing of a recurring contract) plus those services; see :mod:`workbook.partner`."""

    investment: list[InvestmentLine] = Field(default_factory=list)
    services_per_deal: Money = 0.0
def late_actuals(actuals: dict[str, Any], h: int) -> list[tuple[tuple[Any, ...], str]]:
    """The months of ``actuals`` (plain data, as written or dumped) after the horizon ``h``;
    locations are relative to the actuals section."""
    months = actuals.get("months")
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(months, list):
        for i, item in enumerate(months):
            value = item.get("month") if isinstance(item, dict) else None
            if whole(value) and value > h:
                found.append((("months", i, "month"), f"month {value} is after the horizon ({count(h, 'month')}); actuals cannot run past the plan"))
    return found


class Params(Strict):
    """A whole params file."""

    schema_: Literal[1] = Field(alias="schema", default=1)
    alliance: Alliance
    ramp: Ramp
    scope: Scope | None = None
    trust: Trust | None = None
    value: Value | None = None
    health: Health | None = None
    partner_economics: PartnerEconomics | None = None
    actuals: Actuals | None = None
    pipeline: Pipeline | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _health_dated_by_alliance_start(cls, data: Any) -> Any:
        # alliance.start dates month 1 for the check-ins too: a health section may leave its own
        # alliance_start out. A start that is no date is reported once, where it is written:
        # the check-ins are then dated from the earliest date there is, which none precedes.
        if not isinstance(data, dict):
            return data
        alliance, health = data.get("alliance"), data.get("health")
        if not (isinstance(alliance, dict) and isinstance(health, dict)) or "alliance_start" in health:
            return data
        if alliance.get("start") is None:
            return data
        try:
            start = _to_date(alliance["start"])
        except ValueError:
            start = dt.date.min
        if not isinstance(start, dt.date):
            start = dt.date.min
        return {**data, "health": {**health, "alliance_start": start}}

    @model_validator(mode="after")
    def _one_start(self) -> Params:
        given, health = self.alliance.start, self.health
        if given is not None and health is not None and health.alliance_start != given:
            raise _LocatedErrors(
                [
                    (
                        ("health", "alliance_start"),
                        f"{health.alliance_start} differs from alliance.start ({given}); both date month 1 of the alliance: "
                        "give the same date, or keep only alliance.start",
                    )
                ]
            )
        return self

    @property
    def start(self) -> dt.date | None:
        """The date of month 1: ``alliance.start``, else ``health.alliance_start``, else ``None``."""
        if self.alliance.start is not None:
            return self.alliance.start
        return None if self.health is None else self.health.alliance_start

    @property
    def months(self) -> MonthNames:
        """How this alliance's months are worded (calendar months when :attr:`start` is known)."""
        return MonthNames(self.start)

    @model_validator(mode="after")
    def _partner_inside_horizon(self) -> Params:
        if self.partner_economics is None:
            return self
        h = self.ramp.horizon_months
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, line in enumerate(self.partner_economics.investment):
            for key in ("start_month", "end_month", "month"):
                value = getattr(line, key)
                if value is not None and value > h:
                    problems.append((("partner_economics", "investment", i, key), f"month {value} is after the horizon ({count(h, 'month')})"))
        if problems:
            raise _LocatedErrors(problems)
        return self

    @model_validator(mode="after")
    def _actuals_inside_horizon(self) -> Params:
        if self.actuals is not None:
            problems = late_actuals(self.actuals.model_dump(), self.ramp.horizon_months)
            if problems:
                raise _LocatedErrors([(("actuals", *loc), message) for loc, message in problems])
        return self

    @property
    def slug(self) -> str:
        return slugify(self.alliance.name)


#: Longest report folder name (characters); the temporary folders add about 40 to it.
SLUG_MAX = 64


def slugify(text: str) -> str:
    """The report folder name of an alliance: never empty, at most ``SLUG_MAX`` characters of
    lower-case ASCII letters, digits and ``-``.

    Text is transliterated (python-slugify with text-unidecode: ``东方电子`` gives
    ``dong-fang-dian-zi``). A name that leaves nothing (emoji only) gets ``alliance-`` and a
    short hash of the name; a name too long for the cap keeps its first words and the hash, so
    two long names sharing their beginning still get two folders.
    """
    import hashlib

    from slugify import slugify as transliterate

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    slug = transliterate(text)
    if not slug:
        return f"alliance-{digest}"
    if len(slug) <= SLUG_MAX:
        return slug
    return f"{transliterate(text, max_length=SLUG_MAX - len(digest) - 1, word_boundary=True)}-{digest}"
