"""The short workshop form: which questions it asks (the rule in workbook/instruments/forms.py and
the README), the participant's page showing only those, the store refusing others, and the
figures keeping their rules on fewer items (worked by hand below)."""

from __future__ import annotations

import pytest

from workbook import scoping
from workbook import trust as trust_model
from workbook.export import scope_block, trust_block
from workbook.instruments import SCOPING, SCOPING_ITEMS, TRUST, TRUST_ITEMS
from workbook.instruments.forms import KEY_WEIGHT, check_form, scope_items, trust_items
from workbook.schema import Trust
from workbook.store import InvalidAnswer, SQLiteStore, StoreError, form_keys, self_key
from workbook.ui.facilitator import FacilitatorApp, session_scope
from workbook.ui.workshop import WorkshopApp, screens


@pytest.fixture
def store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "w.sqlite")


def test_the_short_form_asks_one_statement_per_principle_the_competence_ones_and_the_key_items():
    short = trust_items("short")
    numbered = [k for k in TRUST.principle_keys if k != "competence"]
    # one statement of each of the twelve principles: the first in the bank's order
    for key in numbered:
        asked = [i for i in short if TRUST_ITEMS[i].principle_key == key]
        assert asked == [next(i.id for i in TRUST.items if i.principle_key == key)]
    competence = [i.id for i in TRUST.items if i.principle_key == "competence"]
    assert [i for i in short if TRUST_ITEMS[i].principle_key == "competence"] == competence
    assert len(short) == len(numbered) + len(competence) == 16
    key_items = scope_items("short")
    assert key_items == tuple(i.id for i in SCOPING.items if i.weight == KEY_WEIGHT) and len(key_items) == 10
    assert trust_items("full") == tuple(TRUST_ITEMS) and scope_items("full") == tuple(SCOPING_ITEMS)
    assert 2 * len(short) + len(key_items) == 42 < 83
    with pytest.raises(ValueError, match="full or short"):
        check_form("medium")


def test_the_short_forms_screens_hold_only_its_questions_and_no_empty_screen():
    full, short = screens("full"), screens("short")
    assert len(full) == 20
    keys = [q.key for s in short for q in s.questions]
    assert len(keys) == len(set(keys)) == 42 and set(keys) == form_keys("short")
    assert all(s.questions for s in short)
    groups_with_key_items = {SCOPING_ITEMS[i].group for i in scope_items("short")}
    assert len(short) == len(TRUST.principle_keys) + len(groups_with_key_items) == 13 + 6


def test_a_short_session_shows_and_counts_only_its_questions(store):
    code = store.create_session("Short", form="short", admission=False).code
    assert store.get_session(code).form == "short"
    app = WorkshopApp(store, query={"session": code})
    app.side_in.value = "vendor"
    app._join()
    assert len(app.screens) == 19 and app.progress.max == 42
    assert "Screen 1 of 19" in app.progress_text.value and "0 of 42 answered" in app.progress_text.value
    first = app.screens[0].questions[0]
    dict(app._rows[first.key])[4].click()
    assert "1 of 42 answered" in app.progress_text.value
    # a question of the full form only is refused in a short session
    with pytest.raises(InvalidAnswer, match="short form"):
        store.answer(code, app.pid, "shows_trust", 4)
    with pytest.raises(InvalidAnswer, match="short form"):
        store.answer(code, app.pid, self_key("shows_trust"), 4)
    with pytest.raises(InvalidAnswer, match="short form"):
        store.answer(code, app.pid, "mutual_needs", 3)  # weight 2: not a key item
    # reopening the page resumes on the short form
    again = WorkshopApp(store, query={"session": code, "participant": app.pid})
    assert again.progress.max == 42 and "1 of 42 answered" in again.progress_text.value
    with pytest.raises(StoreError, match="full or short"):
        store.create_session("Bad", form="tiny")


def score_answers(score: int, items: tuple[str, ...]) -> dict[str, int]:
    return {i: (6 - score if TRUST_ITEMS[i].reverse else score) for i in items}


def test_figures_keep_their_rules_on_the_short_form(store):
    """By hand: every vendor person's answers score 4 on every statement asked, every partner's 2.
    Rule 4: a score s is (s − 1) / 4 × 100, so the vendor index is 75 and the partner's 25 —
    the same as a full form answered the same way, because each is a mean over the items answered.

    Readiness of the key items: in "purpose" the key items are value_proposition and
    success_definition, both weight 3; the room's medians are draft (½) and agreed (1), so the
    group is (3 × ½ + 3 × 1) / (3 + 3) × 100 = 75, and the other groups' key items are agreed
    (100). Overall: Σ w·s / Σ w over the ten key items, each weight 3: (3 × ½ + 9 × 3) / 30 × 100 = 95.
    Non-sales value has no key item: its readiness is not shown (NaN), never 0.
    """
    code = store.create_session("Short figures", form="short", admission=False).code
    short = trust_items("short")
    for side, score in (("vendor", 4),) * 3 + (("partner", 2),) * 3:
        p = store.join(code, side)  # type: ignore[arg-type]
        for item, value in score_answers(score, short).items():
            store.answer(code, p.id, item, value)
        for item in scope_items("short"):
            store.answer(code, p.id, item, 2 if item == "value_proposition" else 3)
        store.submit(code, p.id)
    block = trust_block(store, code)
    assert block is not None and all(set(r["answers"]) == set(short) for r in block["respondents"])
    result = trust_model.analyse(Trust.model_validate({**block, "min_respondents": 3}))
    indices = result.indices.set_index("side")["index"]
    assert indices["vendor"] == pytest.approx(75) and indices["partner"] == pytest.approx(25)

    scope = scope_block(store, code)
    assert scope is not None and set(scope["items"]) == set(scope_items("short"))
    readiness = scoping.analyse(session_scope(scope, "short"))
    groups = readiness.groups.set_index("group")["readiness"]
    assert groups["purpose"] == pytest.approx(75)
    assert all(groups[g] == pytest.approx(100) for g in ("nature_scope", "resources", "configuration", "feedback", "credit"))
    assert groups["non_sales_value"] != groups["non_sales_value"]  # NaN: not asked
    assert readiness.overall == pytest.approx((3 * 0.5 + 9 * 3) / 30 * 100)


def test_the_board_creates_a_short_session_and_says_what_it_cannot_show(store):
    app = FacilitatorApp(store)
    app.alliance_in.value = "Thirty minutes"
    app.form_in.value = "short"
    app._create()
    assert store.get_session(app.code).form == "short"
    assert "short form" in app.code_html.value and "Cronbach" in app.code_html.value
    assert [label for label, _ in app.form_in.options] == ["Full form (83 answers)", "Short form (42 answers)"]
