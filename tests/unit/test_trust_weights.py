"""Every competence statement carries the same weight, and the trust section words its anonymity
limit from the file.

Competence has five statements: principle 3's delivery statement and the four core competence
statements, which belong to no principle. Grouping the four core ones as a "principle" gave the
single delivery statement half the competence score.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_trust import make_trust
from workbook import trust, views
from workbook.instruments import TRUST

CORE = ["c1_capable", "c2_specialist", "c3_delivers", "c4_confident"]


def test_one_low_delivery_answer_is_a_fifth_of_competence_by_hand():
    # delivery (principle 3) 1, the four core statements 5: (1 + 4 × 5) / 5 = 4.2 -> index 80
    # (the old rule: mean(1, mean(5, 5, 5, 5)) = 3 -> index 50)
    answers = {"consistent_delivery": 1, **{c: 5 for c in CORE}}
    people = {f"{s[0]}{i}": (s, answers) for s in ("vendor", "partner") for i in range(3)}
    idx = trust.analyse(make_trust(people)).indices.set_index("side")
    assert idx.loc["vendor", "competence"] == pytest.approx(80.0)
    assert idx.loc["partner", "competence"] == pytest.approx(80.0)


def test_a_dont_know_leaves_the_other_statements_a_share_each_by_hand():
    # delivery 2, c1 4, c2 don't know, c3 5, c4 5: (2 + 4 + 5 + 5) / 4 = 4 -> index 75
    answers = {"consistent_delivery": 2, "c1_capable": 4, "c2_specialist": None, "c3_delivers": 5, "c4_confident": 5}
    people = {f"{s[0]}{i}": (s, answers) for s in ("vendor", "partner") for i in range(3)}
    idx = trust.analyse(make_trust(people)).indices.set_index("side")
    assert idx.loc["vendor", "competence"] == pytest.approx(75.0)


answer = st.one_of(st.none(), st.integers(TRUST.scale.min, TRUST.scale.max))
respondent_answers = st.fixed_dictionaries({item.id: answer for item in TRUST.items})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(respondent_answers, min_size=1, max_size=6))
def test_competence_is_the_plain_mean_of_the_competence_statements_answered(people):
    respondents = {f"v{i}": ("vendor", a) for i, a in enumerate(people)}
    scores = trust.score_table(make_trust(respondents))
    got = trust.component_scores(scores)
    got = got[got["component"] == "competence"].set_index("respondent")["score"]
    competence = scores[scores["component"] == "competence"]
    expected = competence.groupby("respondent")["score"].mean()
    assert sorted(got.index) == sorted(expected.index)
    for rid, value in expected.items():
        assert got[rid] == pytest.approx(value)


def test_each_competence_statement_moves_the_index_by_the_same_amount():
    base = {item.id: 3 for item in TRUST.items if item.component == "competence"}
    moves = []
    for item in base:
        answers = {**base, item: 5}
        people = {f"{s[0]}{i}": (s, answers) for s in ("vendor", "partner") for i in range(3)}
        moves.append(trust.analyse(make_trust(people)).indices.set_index("side").loc["vendor", "competence"])
    assert len(moves) == 5 and np.allclose(moves, moves[0]) and not math.isnan(moves[0])


@pytest.mark.parametrize("minimum", [3, 4, 7])
def test_the_trust_section_words_the_anonymity_limit_from_the_file(minimum):
    answers = {"keeps_word": 4, "c1_capable": 4}
    people = {f"{s[0]}{i}": (s, answers) for s in ("vendor", "partner") for i in range(4)}
    t = trust.analyse(make_trust(people, min_respondents=minimum))
    note = views.anonymity_note(t)
    assert f"fewer than {minimum} respondents" in note
    assert "three" not in note


def test_the_report_notebook_does_not_hard_code_the_anonymity_limit():
    import json

    from workbook.resources import report_notebook

    nb = json.loads(report_notebook().read_text(encoding="utf-8"))
    markdown = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "fewer than three" not in markdown and "fewer than 3" not in markdown
