"""Health signals: every rule fires on a history that should trip it and stays quiet otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from workbook import signals
from workbook.sections import Health

START = "2024-01-15"


def check_in(date, manager="Dana", sentiment="neutral", events=(), wins=0, credited=0, trust=None):
    return {
        "date": date,
        "alliance_manager": manager,
        "sentiment": sentiment,
        "events": [{"kind": k, "note": n} for k, n in events],
        "wins": wins,
        "wins_crediting_partner": credited,
        "trust_index": trust,
    }


def health(*check_ins, start=START) -> Health:
    return Health.model_validate({"alliance_start": start, "check_ins": list(check_ins)}, strict=True)


def codes(h: Health, break_even_month: int | None = 30) -> list[str]:
    return [f.code for f in signals.flags(h, break_even_month)]


QUIET = health(
    check_in("2024-03-31", wins=2, credited=2, trust=60),
    check_in("2024-06-30", sentiment="negative", wins=4, credited=3, trust=65),
    check_in("2024-09-30", sentiment="positive", events=[("personnel", "partner sponsor moved")], wins=4, credited=2, trust=58),
)


def test_month_of_counts_calendar_months_from_the_start():
    start = dt.date(2024, 1, 15)
    assert signals.month_of(dt.date(2024, 1, 31), start) == 1
    assert signals.month_of(dt.date(2024, 2, 1), start) == 2
    assert signals.month_of(dt.date(2025, 3, 10), start) == 15


def test_a_healthy_history_raises_nothing():
    assert signals.flags(QUIET, break_even_month=18) == []


def test_manager_turnover_fires_on_two_changes_within_a_year():
    h = health(check_in("2024-03-01", "Dana"), check_in("2024-06-01", "Lee"), check_in("2024-12-01", "Sam"))
    flags = [f for f in signals.flags(h, 30) if f.code == "alliance_manager_turnover"]
    assert len(flags) == 1 and flags[0].severity == "high" and flags[0].action


def test_manager_turnover_quiet_when_changes_are_more_than_a_year_apart():
    h = health(check_in("2024-03-01", "Dana"), check_in("2024-06-01", "Lee"), check_in("2025-07-01", "Sam"))
    assert "alliance_manager_turnover" not in codes(h)


def test_vacant_alliance_manager_fires_and_stays_quiet():
    assert "alliance_manager_vacant" in codes(health(check_in("2024-03-01", None)))
    assert "alliance_manager_vacant" not in codes(health(check_in("2024-03-01", None), check_in("2024-04-01", "Lee")))


def test_resources_cut_before_break_even_fires():
    h = health(check_in("2024-03-01"), check_in("2024-08-20", events=[("resources", "SE withdrawn")]))
    flags = [f for f in signals.flags(h, break_even_month=15) if f.code == "resources_cut_before_break_even"]
    assert len(flags) == 1
    assert "month 8" in flags[0].message and "month 15" in flags[0].message
    # no break-even within the horizon: any cut is before it
    assert "resources_cut_before_break_even" in codes(h, break_even_month=None)


def test_resources_cut_after_break_even_or_other_events_stay_quiet():
    after = health(check_in("2025-04-01", events=[("resources", "budget trimmed")]))  # month 16
    assert "resources_cut_before_break_even" not in codes(after, break_even_month=15)
    other = health(check_in("2024-05-01", events=[("policy", "new discount rules")]))
    assert "resources_cut_before_break_even" not in codes(other, break_even_month=15)


def test_falling_trust_fires_on_a_drop_of_ten_points():
    h = health(check_in("2024-03-01", trust=70), check_in("2024-06-01"), check_in("2024-09-01", trust=60))
    flags = [f for f in signals.flags(h, 30) if f.code == "falling_trust"]
    assert len(flags) == 1 and "70 to 60" in flags[0].message


def test_falling_trust_quiet_on_a_small_drop_or_a_rise():
    assert "falling_trust" not in codes(health(check_in("2024-03-01", trust=70), check_in("2024-06-01", trust=61)))
    assert "falling_trust" not in codes(health(check_in("2024-03-01", trust=50), check_in("2024-06-01", trust=80)))


def test_negative_narrative_two_check_ins_running():
    h = health(check_in("2024-03-01"), check_in("2024-06-01", sentiment="negative"), check_in("2024-09-01", sentiment="negative"))
    assert "negative_narrative" in codes(h)


def test_negative_narrative_quiet_when_not_running():
    recovered = health(
        check_in("2024-03-01", sentiment="negative"),
        check_in("2024-06-01", sentiment="negative"),
        check_in("2024-09-01", sentiment="positive"),
    )
    assert "negative_narrative" not in codes(recovered)
    once = health(check_in("2024-03-01", sentiment="positive"), check_in("2024-06-01", sentiment="negative"))
    assert "negative_narrative" not in codes(once)


def test_partner_left_out_of_win_credit():
    h = health(check_in("2024-03-01", wins=5, credited=2), check_in("2024-06-01", wins=5, credited=2))
    flags = [f for f in signals.flags(h, 30) if f.code == "partner_not_credited"]
    assert len(flags) == 1 and "4 of 10" in flags[0].message


def test_partner_credit_quiet_at_half_or_without_wins_or_when_old():
    assert "partner_not_credited" not in codes(health(check_in("2024-03-01", wins=4, credited=2)))
    assert "partner_not_credited" not in codes(health(check_in("2024-03-01")))
    # the poor year is more than 12 months before the latest check-in
    old = health(check_in("2024-03-01", wins=10, credited=0), check_in("2025-06-01", wins=4, credited=3))
    assert "partner_not_credited" not in codes(old)


def test_timeline_and_event_tables():
    t = signals.timeline(QUIET)
    assert list(t["month"]) == [3, 6, 9]
    assert list(t["credit_share"]) == pytest.approx([1.0, 0.75, 0.5])
    assert list(t["manager_changed"]) == [False, False, False]
    e = signals.event_table(QUIET)
    assert e.to_dict("records")[0]["kind"] == "personnel" and e.iloc[0]["month"] == 9
