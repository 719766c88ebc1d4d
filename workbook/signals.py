"""Health signals: the feedback mechanism that catches premature changes early.

Check-ins (``health.check_ins``) record change events, the alliance manager in post, the
narrative's sentiment, wins (those the partner took part in, and those that credited it) and
optionally a trust index. Dates are turned into ramp months with ``health.alliance_start`` as
month 1: a check-in in the same calendar month as the start is month 1, the next calendar
month month 2, and so on (see :func:`month_of`), so events line up with the ramp model's
break-even month.

Rules (each a :class:`~workbook.flags.Flag` with a recommended ``action``):

- ``alliance_manager_turnover`` — 2 or more changes of alliance manager within any 12 months.
  A change is a check-in naming a different manager from the last one named: a handover
  through a vacancy (A, vacant, B) is one change, and A, vacant, A is none.
- ``alliance_manager_vacant`` — the latest check-in has no alliance manager in post.
- ``resources_cut_before_break_even`` (high) — ``resources`` events in months before the
  modelled break-even month (or at all, when the model never breaks even within its horizon).
- ``change_reported`` — one flag per other change kind reported (its ``subject``), with the
  severity of :data:`CHANGE_SEVERITY`: the changes the essay calls premature — people,
  responsibility, resources — are high before break-even and medium after; ownership,
  structure and policy medium; the business environment low.
- ``falling_trust`` — the latest check-in trust score (the 0–100 figure typed at a check-in, not the
  trust survey's index) is 10 or more points below the one before.
- ``negative_narrative`` — the two latest check-ins both record a negative narrative.
- ``partner_not_credited`` — in the 12 months to the latest check-in, under half of the wins
  the partner took part in credited it. When no check-in of those 12 months records a win the
  partner took part in, partner credit is read from the actuals instead (:func:`credit_of`):
  the sourced share of the revenue the partner sourced or influenced over the last 12 recorded
  months (:func:`workbook.actuals.attribution`), and the words say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from . import text
from .currency import DEFAULT as DEFAULT_CURRENCY
from .flags import APPOINT_ALLIANCE_MANAGER, Flag, Severity, past
from .months import NUMBERED, MonthNames
from .schema import Actuals, ChangeKind, CheckIn, Health
from .text import count

#: What the reader sees for a check-in's ``trust_index``: a figure typed at the check-in, named
#: apart from the trust survey's index (:mod:`workbook.trust`) wherever both can show.
CHECK_IN_TRUST = "check-in trust score"

#: Rolling window for manager turnover and win credit.
WINDOW_DAYS = 365
MANAGER_CHANGES = 2
TRUST_DROP_POINTS = 10.0
NEGATIVE_RUN = 2
MIN_CREDIT_SHARE = 0.5

#: Severity of a reported change: (before the modelled break-even, from it on).
CHANGE_SEVERITY: dict[str, tuple[Severity, Severity]] = {
    "personnel": ("high", "medium"),
    "responsibility": ("high", "medium"),
    "resources": ("high", "medium"),
    "ownership": ("medium", "medium"),
    "structure": ("medium", "medium"),
    "policy": ("medium", "medium"),
    "environment": ("low", "low"),
}
CHANGE_WORDS: dict[str, tuple[str, str]] = {
    "personnel": (
        "Key people changed",
        "Introduce the successors to the partner in person and brief them on the plan and the commitments made.",
    ),
    "responsibility": (
        "Responsibility for the alliance moved",
        "Keep the people who built the relationship involved through the handover, and give the new owner the plan and its commitments.",
    ),
    "resources": (
        "Resources were cut",
        "Re-run the ramp with the cut and agree with the partner what changes, before it takes effect.",
    ),
    "ownership": (
        "Ownership changed",
        "Re-confirm the sponsor, the resources and the commitment with the new owners now.",
    ),
    "structure": (
        "The organisation was restructured",
        "Check that the alliance's reporting line, governance and named people survived the reorganisation.",
    ),
    "policy": (
        "A policy changed",
        "Explain the change to the partner before it takes effect and agree how its effect on them is handled.",
    ),
    "environment": (
        "The business environment changed",
        "Review the plan's assumptions (deal flow, sales cycle, margins) against the new conditions with the partner.",
    ),
}

TIMELINE_COLUMNS = [
    "date", "month", "alliance_manager", "manager_changed", "sentiment", "wins", "wins_with_partner",
    "wins_crediting_partner", "credit_share", "trust_index", "n_events",
]
EVENT_COLUMNS = ["date", "month", "kind", "note"]


def month_of(date: dt.date, alliance_start: dt.date) -> int:
    """The ramp month (1-based) of ``date``: calendar months since ``alliance_start``'s month, plus 1."""
    return (date.year - alliance_start.year) * 12 + (date.month - alliance_start.month) + 1


def manager_changes(check_ins: Sequence[CheckIn]) -> list[bool]:
    """Per check-in: does it name a different alliance manager from the last one named?

    Vacancies are skipped, so a handover through a vacancy counts once, when the successor
    is named, and a manager who returns after a vacancy is no change.
    """
    out, last = [], None
    for c in check_ins:
        out.append(c.alliance_manager is not None and last is not None and c.alliance_manager != last)
        last = c.alliance_manager if c.alliance_manager is not None else last
    return out


def timeline(health: Health) -> pd.DataFrame:
    """One row per check-in (columns :data:`TIMELINE_COLUMNS`).

    ``credit_share`` is wins crediting the partner / wins the partner took part in (0–1, NaN
    with none); ``manager_changed`` is True where a different manager is named (see
    :func:`manager_changes`); ``trust_index`` is 0–100 or NaN.
    """
    rows = []
    for c, changed in zip(health.check_ins, manager_changes(health.check_ins)):
        rows.append(
            {
                "date": pd.Timestamp(c.date),
                "month": month_of(c.date, health.alliance_start),
                "alliance_manager": c.alliance_manager,
                "manager_changed": changed,
                "sentiment": c.sentiment,
                "wins": c.wins,
                "wins_with_partner": c.partner_wins,
                "wins_crediting_partner": c.wins_crediting_partner,
                "credit_share": c.wins_crediting_partner / c.partner_wins if c.partner_wins else float("nan"),
                "trust_index": float("nan") if c.trust_index is None else float(c.trust_index),
                "n_events": len(c.events),
            }
        )
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)


def event_table(health: Health) -> pd.DataFrame:
    """One row per change event, dated by its check-in (columns :data:`EVENT_COLUMNS`)."""
    rows = [
        {"date": pd.Timestamp(c.date), "month": month_of(c.date, health.alliance_start), "kind": e.kind, "note": e.note}
        for c in health.check_ins
        for e in c.events
    ]
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def _manager_flags(health: Health) -> list[Flag]:
    out: list[Flag] = []
    changes = [c.date for c, changed in zip(health.check_ins, manager_changes(health.check_ins)) if changed]
    window = dt.timedelta(days=WINDOW_DAYS)
    most = max((sum(1 for d in changes if end - window < d <= end) for end in changes), default=0)
    if most >= MANAGER_CHANGES:
        out.append(
            Flag(
                "alliance_manager_turnover",
                "high",
                f"The alliance manager changed {most} times within 12 months ({len(changes)} changes in all).",
                "health",
                "Keep the next alliance manager in post through the ramp-up, and find out why the role keeps changing hands.",
                size=most / MANAGER_CHANGES,
            )
        )
    latest = health.check_ins[-1]
    if latest.alliance_manager is None:
        out.append(
            Flag(
                "alliance_manager_vacant",
                "high",
                f"No alliance manager was in post at the latest check-in ({text.date(latest.date)}).",
                "health",
                APPOINT_ALLIANCE_MANAGER,
            )
        )
    return out


def _months(months: list[int], names: MonthNames = NUMBERED) -> str:
    if names.known:
        shown = [names.long(m) for m in months]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    plain = [str(m) for m in months]
    if len(plain) == 1:
        return f"month {plain[0]}"
    return "months " + ", ".join(plain[:-1]) + " and " + plain[-1]


def _change_flags(health: Health, break_even_month: int | None, names: MonthNames = NUMBERED) -> list[Flag]:
    """One flag per change kind reported (resources before break-even keep their own code)."""
    seen: dict[ChangeKind, list[tuple[int, dt.date, str]]] = {}
    for c in health.check_ins:
        month = month_of(c.date, health.alliance_start)
        for e in c.events:
            seen.setdefault(e.kind, []).append((month, c.date, e.note))
    out: list[Flag] = []
    for kind, reports in seen.items():
        early = [r for r in reports if break_even_month is None or r[0] < break_even_month]
        what, action = CHANGE_WORDS[kind]
        when = sorted({m for m, _, _ in reports})
        notes = [n for _, _, n in reports if n]
        # calendar months already carry brackets ("Mar 2026 (month 9)"): the note follows a colon then
        detail = (f": {notes[-1]}" if names.known else f" ({notes[-1]})") if notes else ""
        if kind == "resources" and early:
            reported = f", reported on {text.date(early[-1][1])}" if names.known else f" ({text.date(early[-1][1])})"
            before = (
                f"before the modelled break-even in {names.long(break_even_month)}"
                if break_even_month is not None
                else "and the model shows no break-even within its horizon"
            )
            out.append(
                Flag(
                    "resources_cut_before_break_even",
                    "high",
                    f"Resources were cut in {_months(sorted({m for m, _, _ in early}), names)}{reported}, {before}{detail}.",
                    "health",
                    "Restore the committed resources, or re-run the ramp with the cut to show its cost before it takes effect.",
                    subject=kind,
                    size=float(len(early)),
                )
            )
            continue
        severity = CHANGE_SEVERITY[kind][0 if early else 1]
        stage = ""
        if CHANGE_SEVERITY[kind][0] != CHANGE_SEVERITY[kind][1]:
            stage = ", before the alliance has paid back" if early else ", after the modelled break-even"
        out.append(
            Flag(
                "change_reported",
                severity,
                f"{what} in {_months(when, names)}{stage}{detail}.",
                "health",
                action,
                subject=kind,
                size=float(len(reports)),
            )
        )
    return out


def _trust_flags(health: Health) -> list[Flag]:
    recorded = [(c.date, c.trust_index) for c in health.check_ins if c.trust_index is not None]
    if len(recorded) < 2:
        return []
    (d0, before), (d1, after) = recorded[-2], recorded[-1]
    if before - after >= TRUST_DROP_POINTS:
        return [
            Flag(
                "falling_trust",
                "high",
                f"The {CHECK_IN_TRUST} fell from {before:.0f} to {after:.0f} between {text.date(d0)} and {text.date(d1)}.",
                "health",
                "Re-run the trust assessment with both sides and address the principles that dropped.",
                size=past(before - after, TRUST_DROP_POINTS),
            )
        ]
    return []


def _narrative_flags(health: Health) -> list[Flag]:
    run = 0
    for c in reversed(health.check_ins):
        if c.sentiment != "negative":
            break
        run += 1
    if run >= NEGATIVE_RUN:
        return [
            Flag(
                "negative_narrative",
                "high",
                f"The internal narrative about the alliance has been negative for {run} check-ins running.",
                "health",
                "Have the sponsors tell the alliance's progress, and the partner's part in it, inside the company before cynicism sets in.",
                size=run / NEGATIVE_RUN,
            )
        ]
    return []


@dataclass(frozen=True)
class PartnerCredit:
    """*Partner credit*: of the wins the partner took part in at the check-ins of the 12 months
    (:data:`WINDOW_DAYS`) to the latest check-in, those that credited it.

    credited, wins : counts of wins; share = credited / wins (0–1).
    """

    credited: int
    wins: int

    @property
    def share(self) -> float:
        return self.credited / self.wins

    @property
    def detail(self) -> str:
        """What the share counts: "(3 of the partner's 4 wins in the last 12 months credited it)"."""
        return f"({self.credited} of the partner's {count(self.wins, 'win')} in the last 12 months credited it)"

    def words(self) -> str:
        """The one wording of the figure: "partner credit 75% (3 of the partner's 4 wins in the
        last 12 months credited it)"."""
        return f"partner credit {self.share:.0%} {self.detail}"


def partner_credit(timeline: pd.DataFrame) -> PartnerCredit | None:
    """Partner credit over the check-ins of ``timeline`` (:func:`timeline`) dated within
    :data:`WINDOW_DAYS` before the latest; ``None`` when the partner took part in no win then.
    The health flag, the health chart and the report all show this one figure."""
    if timeline.empty:
        return None
    end = timeline["date"].max()
    recent = timeline[timeline["date"] > end - pd.Timedelta(days=WINDOW_DAYS)]
    wins = int(recent["wins_with_partner"].sum())
    return PartnerCredit(int(recent["wins_crediting_partner"].sum()), wins) if wins else None


@dataclass(frozen=True)
class AttributedCredit:
    """*Partner credit* read from the actuals when no check-in gives it: of the revenue the
    partner sourced or influenced in the last 12 recorded months (those giving either figure),
    the share credited to it as partner-sourced.

    sourced, touched : amounts (currency); share = sourced / touched (0–1).
    months : the recorded months counted (at least one).
    code : the currency, for the words; names : how months are worded.
    """

    sourced: float
    touched: float
    months: tuple[int, ...]
    code: str = DEFAULT_CURRENCY
    names: MonthNames = NUMBERED

    @property
    def share(self) -> float:
        return self.sourced / self.touched

    @property
    def detail(self) -> str:
        """What the share counts: "(from the actuals: $90,000 of the $150,000 the partner sourced
        or influenced in months 3–12 was partner-sourced; no check-in records its wins)"."""
        from .actuals import month_span
        from .currency import money

        first, last = self.months[0], self.months[-1]
        if self.months == tuple(range(first, last + 1)):
            span = month_span(first, last, self.names)
        else:
            span = f"{count(len(self.months), 'recorded month')} from {self.names.long(first)} to {self.names.long(last)}"
        return (
            f"(from the actuals: {money(self.sourced, self.code)} of the {money(self.touched, self.code)} the partner sourced or "
            f"influenced in {span} was partner-sourced; no check-in records its wins)"
        )

    def words(self) -> str:
        """The one wording of the figure: "partner credit 60% (from the actuals: ...)"."""
        return f"partner credit {self.share:.0%} {self.detail}"


#: The months of actuals partner credit falls back to (the same 12 months as the check-ins').
CREDIT_MONTHS = 12


def credit_of(
    timeline: pd.DataFrame, actuals: Actuals | None = None, code: str = DEFAULT_CURRENCY, names: MonthNames = NUMBERED
) -> PartnerCredit | AttributedCredit | None:
    """Partner credit: from the check-ins (:func:`partner_credit`) when those of the last 12
    months record a win the partner took part in; otherwise from the actuals' attribution over
    their last :data:`CREDIT_MONTHS` months (sourced ÷ (sourced + influenced) revenue); ``None``
    when neither gives it.

    The sourced *revenue* share is used rather than deals sourced ÷ deals closed: it is a true
    share of what the partner took part in, whereas ``deals_sourced`` counts deals opened in a
    month, not those closing then, so that ratio can pass 1.
    """
    credit = partner_credit(timeline)
    if credit is not None:
        return credit
    from .actuals import attribution

    a = attribution(actuals, CREDIT_MONTHS)
    return None if a is None else AttributedCredit(a.sourced, a.sourced + a.influenced, a.months, code, names)


def _credit_flags(health: Health, actuals: Actuals | None = None, code: str = DEFAULT_CURRENCY, names: MonthNames = NUMBERED) -> list[Flag]:
    credit = credit_of(timeline(health), actuals, code, names)
    if credit is not None and credit.share < MIN_CREDIT_SHARE:
        return [
            Flag(
                "partner_not_credited",
                "medium",
                f"Partner credit is only {credit.share:.0%} {credit.detail}.",
                "health",
                "Name the partner and its contribution in every internal win notification and customer reference.",
                size=past(credit.share, MIN_CREDIT_SHARE),
            )
        ]
    return []


def flags(
    health: Health, break_even_month: int | None, months: MonthNames = NUMBERED, actuals: Actuals | None = None, code: str = DEFAULT_CURRENCY
) -> list[Flag]:
    """Early-warning flags from the check-ins (area ``health``; rules in the module docstring).

    Parameters
    ----------
    health : the ``health`` section.
    break_even_month : the modelled break-even month (``ramp.run(...).metrics.break_even_month``);
        ``None`` means the model does not break even within its horizon.
    months : how months are worded in the messages (calendar months when the file has a start).
    actuals : the ``actuals`` section, for partner credit when no check-in records the partner's
        wins (:func:`credit_of`); ``code`` its currency.
    """
    return [
        *_manager_flags(health),
        *_change_flags(health, break_even_month, months),
        *_trust_flags(health),
        *_narrative_flags(health),
        *_credit_flags(health, actuals, code, months),
    ]




@dataclass(frozen=True)
class HealthResult:
    """The health check-ins as a timeline (one row per check-in), a table of changes, and
    partner credit (from the check-ins, or the actuals' attribution when they record no win:
    :func:`credit_of`)."""

    timeline: pd.DataFrame
    events: pd.DataFrame
    credit: PartnerCredit | AttributedCredit | None = None


__all__ = ["CHANGE_SEVERITY", "CHECK_IN_TRUST", "HealthResult", "AttributedCredit", "PartnerCredit", "credit_of", "event_table", "flags", "manager_changes", "month_of", "partner_credit", "timeline"]
