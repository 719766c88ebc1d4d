"""The executive summary's three actions never say the same thing twice."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MINIMAL_PARAMS
from workbook import assess, load_params, views
from workbook.flags import Flag


def top_actions(flags, n):
    """The executive summary's pick, as :meth:`workbook.areas.Assessment.top_actions` makes it."""
    from workbook.flags import top_actions

    return top_actions(flags, n)


def same_action(a, b):
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def test_an_action_found_twice_is_shown_once_keeping_the_most_severe_and_the_next_fills_the_slot():
    flags = [
        Flag("a", "medium", "first", "scope", action="Do X.", size=0.5),
        Flag("b", "high", "second", "health", action="Do  x."),
        Flag("c", "medium", "third", "ramp", action="Do Y.", size=0.1),
        Flag("d", "low", "fourth", "trust", action="Do Z."),
    ]
    top = top_actions(flags, 3)
    assert [f.code for f in top] == ["b", "c", "d"]  # "a" says what "b" says, less severely


def test_no_alliance_manager_named_and_the_post_vacant_make_one_action(tmp_path):
    text = MINIMAL_PARAMS + (
        "scope: {}\n"
        "health:\n  alliance_start: 2024-01-01\n  check_ins:\n"
        "    - {date: 2024-03-31, alliance_manager: null, sentiment: neutral, wins: 0, wins_crediting_partner: 0}\n"
    )
    path = tmp_path / "vacant.yaml"
    path.write_text(text)
    a = assess(load_params(path))
    codes = {f.code for f in a.flags}
    assert {"no_alliance_manager", "alliance_manager_vacant"} <= codes
    top = a.top_actions(3)
    assert sum(f.code in ("no_alliance_manager", "alliance_manager_vacant") for f in top) == 1
    html = views.executive_summary(a).html
    assert html.count("Appoint an alliance manager") == 1


actions = st.sampled_from(["Do X.", "do x.", "Do Y.", "Do  Y.", "Do Z.", "Do W.", ""])
flags = st.lists(
    st.builds(Flag, code=st.sampled_from("abcdef"), severity=st.sampled_from(["high", "medium", "low"]), message=st.just("m"),
              area=st.just("ramp"), action=actions, size=st.floats(0, 5)),
    max_size=12,
)


@given(flags)
def test_the_top_three_are_distinct_actions_and_as_many_as_there_are(found):
    top = top_actions(found, 3)
    assert all(not same_action(f.action, g.action) for i, f in enumerate(top) for g in top[i + 1 :])
    distinct = []
    for f in found:
        if f.action and not any(same_action(f.action, d) for d in distinct):
            distinct.append(f.action)
    assert len(top) == min(3, len(distinct))



def test_the_portfolio_row_shows_one_flag_per_action():
    from workbook.flags import APPOINT_ALLIANCE_MANAGER
    from workbook.portfolio import row_cells

    def flag(code, message, action):
        return {"code": code, "severity": "high", "message": message, "area": "scope", "subject": "", "action": action}

    from tests.conftest import EXAMPLES
    from workbook.summary import Summary, summarise

    kept = {
        **summarise(load_params(EXAMPLES[0])),
        "flags": [
            flag("trust_falling", "Trust fell.", "Find the change behind the fall."),
            flag("no_alliance_manager", "No alliance manager is named.", APPOINT_ALLIANCE_MANAGER),
            flag("alliance_manager_vacant", "No alliance manager was in post.", APPOINT_ALLIANCE_MANAGER),
            flag("negative_narrative", "The narrative is negative.", "Have the sponsors tell the story."),
            flag("old", "A flag from a summary without actions.", ""),
        ],
    }
    cell = row_cells(Summary.model_validate(kept))[-1]
    assert "No alliance manager is named." in cell and "No alliance manager was in post." not in cell
    assert "The narrative is negative." in cell  # the next flag fills the slot
    assert "+ 2 more<" in cell
