"""Health signals: the feedback mechanism that catches premature changes early.

Check-ins (``health.check_ins``) record change events, the alliance manager in post, the
narrative's sentiment, wins and how many credited the partner, and optionally a trust index.
Dates are turned into ramp months with ``health.alliance_start`` as month 1: a check-in in the
same calendar month as the start is month 1, the next calendar month month 2, and so on (see
:func:`month_of`), so events line up with the ramp model's break-even month.

Rules (each a :class:`~workbook.flags.Flag` with a recommended ``action``):

- ``alliance_manager_turnover`` — 2 or more changes of alliance manager within any 12 months.
- ``alliance_manager_vacant`` — the latest check-in has no alliance manager in post.
- ``resources_cut_before_break_even`` — a ``resources`` event in a month before the modelled
  break-even month (or at all, when the model never breaks even within its horizon).
- ``falling_trust`` — the latest recorded trust index is 10 or more points below the one before.
- ``negative_narrative`` — the two latest check-ins both record a negative narrative.
- ``partner_not_credited`` — in the 12 months to the latest check-in, under half of the wins
  credited the partner.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .flags import Flag
from .sections import Health

#: Rolling window for manager turnover and win credit.
WINDOW_DAYS = 365
MANAGER_CHANGES = 2
TRUST_DROP_POINTS = 10.0
NEGATIVE_RUN = 2
MIN_CREDIT_SHARE = 0.5

TIMELINE_COLUMNS = [
    "date", "month", "alliance_manager", "manager_changed", "sentiment", "wins",
    "wins_crediting_partner", "credit_share", "trust_index", "n_events",
]
EVENT_COLUMNS = ["date", "month", "kind", "note"]


def month_of(date: dt.date, alliance_start: dt.date) -> int:
    """The ramp month (1-based) of ``date``: calendar months since ``alliance_start``'s month, plus 1."""
    return (date.year - alliance_start.year) * 12 + (date.month - alliance_start.month) + 1


def timeline(health: Health) -> pd.DataFrame:
    """One row per check-in (columns :data:`TIMELINE_COLUMNS`).

    ``credit_share`` is wins crediting the partner / wins (0–1, NaN with no wins);
    ``manager_changed`` is True where the alliance manager differs from the previous check-in;
    ``trust_index`` is 0–100 or NaN.
    """
    rows = []
    previous: object = object()
    for i, c in enumerate(health.check_ins):
        rows.append(
            {
                "date": pd.Timestamp(c.date),
                "month": month_of(c.date, health.alliance_start),
                "alliance_manager": c.alliance_manager,
                "manager_changed": i > 0 and c.alliance_manager != previous,
                "sentiment": c.sentiment,
                "wins": c.wins,
                "wins_crediting_partner": c.wins_crediting_partner,
                "credit_share": c.wins_crediting_partner / c.wins if c.wins else float("nan"),
                "trust_index": float("nan") if c.trust_index is None else float(c.trust_index),
                "n_events": len(c.events),
            }
        )
        previous = c.alliance_manager
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
    changes = [c.date for prev, c in zip(health.check_ins, health.check_ins[1:]) if c.alliance_manager != prev.alliance_manager]
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
            )
        )
    latest = health.check_ins[-1]
    if latest.alliance_manager is None:
        out.append(
            Flag(
                "alliance_manager_vacant",
                "high",
                f"No alliance manager was in post at the latest check-in ({latest.date}).",
                "health",
                "Appoint an alliance manager now and introduce them to the partner in person.",
            )
        )
    return out


def _resource_flags(health: Health, break_even_month: int | None) -> list[Flag]:
    out: list[Flag] = []
    for c in health.check_ins:
        month = month_of(c.date, health.alliance_start)
        cuts = [e for e in c.events if e.kind == "resources"]
        if not cuts or (break_even_month is not None and month >= break_even_month):
            continue
        before = (
            f"before the modelled break-even in month {break_even_month}"
            if break_even_month is not None
            else "and the model shows no break-even within its horizon"
        )
        out.append(
            Flag(
                "resources_cut_before_break_even",
                "high",
                f"Resources were cut in month {month} ({c.date}), {before}.",
                "health",
                "Restore the committed resources, or re-run the ramp with the cut to show its cost before it takes effect.",
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
                f"Trust fell from {before:.0f} to {after:.0f} between {d0} and {d1}.",
                "health",
                "Re-run the trust assessment with both sides and address the principles that dropped.",
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
            )
        ]
    return []


def _credit_flags(health: Health) -> list[Flag]:
    end = health.check_ins[-1].date
    recent = [c for c in health.check_ins if c.date > end - dt.timedelta(days=WINDOW_DAYS)]
    wins = sum(c.wins for c in recent)
    credited = sum(c.wins_crediting_partner for c in recent)
    if wins and credited / wins < MIN_CREDIT_SHARE:
        return [
            Flag(
                "partner_not_credited",
                "medium",
                f"Only {credited} of {wins} wins in the last 12 months credited the partner ({credited / wins:.0%}).",
                "health",
                "Name the partner and its contribution in every internal win notification and customer reference.",
            )
        ]
    return []


def flags(health: Health, break_even_month: int | None) -> list[Flag]:
    """Early-warning flags from the check-ins (area ``health``; rules in the module docstring).

    Parameters
    ----------
    health : the ``health`` section.
    break_even_month : the modelled break-even month (``ramp.run(...).metrics.break_even_month``);
        ``None`` means the model does not break even within its horizon.
    """
    return [
        *_manager_flags(health),
        *_resource_flags(health, break_even_month),
        *_trust_flags(health),
        *_narrative_flags(health),
        *_credit_flags(health),
    ]


__all__ = ["event_table", "flags", "month_of", "timeline"]
