"""Health signals: every rule fires on a history that should trip it and stays quiet otherwise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbook import signals
from workbook.schema import Health

START = "2024-01-15"


def check_in(date, manager="Dana", sentiment="neutral", events=(), wins=0, credited=0, trust=None, with_partner=None):
    entry = {
        "date": date,
        "alliance_manager": manager,
        "sentiment": sentiment,
        "events": [{"kind": k, "note": n} for k, n in events],
        "wins": wins,
        "wins_crediting_partner": credited,
        "trust_index": trust,
    }
    if with_partner is not None:
        entry["wins_with_partner"] = with_partner
    return entry


def health(*check_ins, start=START) -> Health:
    return Health.model_validate({"alliance_start": start, "check_ins": list(check_ins)}, strict=True)


def codes(h: Health, break_even_month: int | None = 30) -> list[str]:
    return [f.code for f in signals.flags(h, break_even_month)]


QUIET = health(
    check_in("2024-03-31", wins=2, credited=2, trust=60),
    check_in("2024-06-30", sentiment="negative", wins=4, credited=3, trust=65),
    check_in("2024-09-30", sentiment="positive", wins=4, credited=2, trust=58),
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


def test_a_handover_through_a_vacancy_is_one_change():
    handover = health(check_in("2024-03-01", "Dana"), check_in("2024-06-01", None), check_in("2024-09-01", "Lee"))
    assert signals.manager_changes(handover.check_ins) == [False, False, True]
    assert "alliance_manager_turnover" not in codes(handover)
    back = health(check_in("2024-03-01", "Dana"), check_in("2024-06-01", None), check_in("2024-09-01", "Dana"))
    assert signals.manager_changes(back.check_ins) == [False, False, False]
    # two real handovers within a year still fire, vacancies or not
    twice = health(check_in("2024-03-01", "Dana"), check_in("2024-05-01", None), check_in("2024-06-01", "Lee"), check_in("2024-12-01", "Sam"))
    assert [f.message for f in signals.flags(twice, 30) if f.code == "alliance_manager_turnover"] == [
        "The alliance manager changed 2 times within 12 months (2 changes in all)."
    ]


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


def test_resources_cut_after_break_even_is_a_milder_finding():
    after = health(check_in("2025-04-01", events=[("resources", "budget trimmed")]))  # month 16
    flags = signals.flags(after, break_even_month=15)
    assert [(f.code, f.severity, f.subject) for f in flags] == [("change_reported", "medium", "resources")]
    assert "after the modelled break-even" in flags[0].message and "budget trimmed" in flags[0].message


@pytest.mark.parametrize(
    ("kind", "before", "after"),
    [
        ("personnel", "high", "medium"),
        ("responsibility", "high", "medium"),
        ("ownership", "medium", "medium"),
        ("structure", "medium", "medium"),
        ("policy", "medium", "medium"),
        ("environment", "low", "low"),
    ],
)
def test_every_change_the_essay_names_raises_a_flag_fitting_its_kind(kind, before, after):
    h = health(check_in("2024-05-01", events=[(kind, "noted")]))  # month 5
    early = [f for f in signals.flags(h, break_even_month=15) if f.code == "change_reported"]
    late = [f for f in signals.flags(h, break_even_month=3) if f.code == "change_reported"]
    assert [(f.severity, f.subject) for f in early] == [(before, kind)]
    assert [(f.severity, f.subject) for f in late] == [(after, kind)]
    assert early[0].action and "month 5" in early[0].message


def test_repeated_changes_of_one_kind_make_one_flag_and_other_kinds_their_own():
    h = health(
        check_in("2024-03-01", events=[("personnel", "sponsor left")]),
        check_in("2024-06-01", events=[("personnel", "sales lead left"), ("policy", "new rebate")]),
    )
    flags = [f for f in signals.flags(h, 30) if f.code == "change_reported"]
    assert sorted(f.subject for f in flags) == ["personnel", "policy"]
    personnel = next(f for f in flags if f.subject == "personnel")
    assert "months 3 and 6" in personnel.message and personnel.size == 2.0


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
    assert len(flags) == 1 and "4 of the partner's 10 wins" in flags[0].message


def test_partner_credit_counts_only_the_wins_the_partner_took_part_in():
    # 20 wins, the partner was in 6 of them and 4 named it: 67 % of its wins, not 20 % of all
    fair = health(check_in("2024-03-01", wins=20, with_partner=6, credited=4))
    assert "partner_not_credited" not in codes(fair)
    assert signals.timeline(fair)["credit_share"].tolist() == pytest.approx([4 / 6])
    unfair = health(check_in("2024-03-01", wins=20, with_partner=10, credited=4))
    assert "4 of the partner's 10 wins in the last 12 months" in next(f.message for f in signals.flags(unfair, 30) if f.code == "partner_not_credited")


def test_partner_wins_cannot_exceed_wins_nor_credits_the_partners_wins():
    from workbook.errors import ParamsError
    from workbook.params import parse_params

    for bad, field in (({"wins": 3, "wins_with_partner": 4}, "wins_with_partner"), ({"wins": 5, "wins_with_partner": 2, "wins_crediting_partner": 3}, "wins_crediting_partner")):
        data = {"alliance_start": START, "check_ins": [{"date": "2024-03-01", "alliance_manager": "Dana", "sentiment": "neutral", **bad}]}
        with pytest.raises(ParamsError) as info:
            parse_params(data, Path("h.yaml"), Health)
        assert [p.field for p in info.value.problems] == [f"check_ins[0].{field}"]


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
    e = signals.event_table(health(check_in("2024-09-30", events=[("personnel", "partner sponsor moved")])))
    assert e.to_dict("records")[0]["kind"] == "personnel" and e.iloc[0]["month"] == 9
