"""Trust scoring on a small answer set worked by hand.

Answers (the other side rated 1-5; None = don't know). takes_advantage is reverse-scored,
so its score is 6 - answer.

            c1  c2  keeps_word  takes_advantage(->score)  helps_unasked
  vendor
    v1       4   5      4              2 (4)                   4
    v2       5   5      5              1 (5)                   5
    v3       4   4      3              2 (4)                 None
  partner
    p1       3   4      2              4 (2)                   2
    p2       4   3      3              3 (3)                   3
    p3       3   3      2              5 (1)                   1
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import trust
from workbook.instruments import TRUST
from workbook.schema import Trust

ANSWERS = {
    "v1": ("vendor", {"c1_capable": 4, "c2_specialist": 5, "keeps_word": 4, "takes_advantage": 2, "helps_unasked": 4}),
    "v2": ("vendor", {"c1_capable": 5, "c2_specialist": 5, "keeps_word": 5, "takes_advantage": 1, "helps_unasked": 5}),
    "v3": ("vendor", {"c1_capable": 4, "c2_specialist": 4, "keeps_word": 3, "takes_advantage": 2, "helps_unasked": None}),
    "p1": ("partner", {"c1_capable": 3, "c2_specialist": 4, "keeps_word": 2, "takes_advantage": 4, "helps_unasked": 2}),
    "p2": ("partner", {"c1_capable": 4, "c2_specialist": 3, "keeps_word": 3, "takes_advantage": 3, "helps_unasked": 3}),
    "p3": ("partner", {"c1_capable": 3, "c2_specialist": 3, "keeps_word": 2, "takes_advantage": 5, "helps_unasked": 1}),
}


def make_trust(answers=ANSWERS, **extra) -> Trust:
    data = {
        "respondents": [{"id": rid, "side": side, "answers": dict(a)} for rid, (side, a) in answers.items()],
        **extra,
    }
    return Trust.model_validate(data, strict=True)


def row(result, principle, side):
    t = result.principles
    return t[(t["principle"] == principle) & (t["side"] == side)].iloc[0]


def gap(result, principle):
    g = result.gaps
    return g[g["principle"] == principle].iloc[0]


def test_reverse_scored_item_is_turned_round():
    scores = trust.score_table(make_trust())
    v1 = scores[(scores.respondent == "v1") & (scores.item == "takes_advantage")].iloc[0]
    assert v1["answer"] == 2 and v1["score"] == 4.0


def test_dont_know_is_left_out_not_scored_as_zero():
    result = trust.analyse(make_trust())
    # principle 6 for v3 = mean(4) = 4 (not (4 + 0) / 2 = 2); v1 = 4, v2 = 5 -> vendor mean 13/3
    r = row(result, "6", "vendor")
    assert r["mean"] == pytest.approx(13 / 3)
    assert r["n"] == 3
    # sd of (4, 5, 4): deviations -1/3, 2/3, -1/3 -> (1 + 4 + 1)/9 / 2 = 1/3 -> sqrt(1/3)
    assert r["sd"] == pytest.approx(math.sqrt(1 / 3))


def test_principle_means_and_gaps_by_hand():
    result = trust.analyse(make_trust())
    # principle 6, partner: p1 mean(2, 2) = 2, p2 mean(3, 3) = 3, p3 mean(1, 1) = 1 -> 2, sd 1
    assert row(result, "6", "partner")["mean"] == pytest.approx(2.0)
    assert row(result, "6", "partner")["sd"] == pytest.approx(1.0)
    # gap 13/3 - 2 = 7/3
    assert gap(result, "6")["gap"] == pytest.approx(7 / 3)
    # principle 2 (keeps_word): vendor (4 + 5 + 3)/3 = 4; partner (2 + 3 + 2)/3 = 7/3 -> gap 5/3
    assert gap(result, "2")["gap"] == pytest.approx(5 / 3)
    # competence: vendor (4.5 + 5 + 4)/3 = 4.5; partner (3.5 + 3.5 + 3)/3 = 10/3 -> gap 7/6
    assert gap(result, "competence")["gap"] == pytest.approx(7 / 6)
    # principles nobody answered have n = 0 and are hidden
    assert row(result, "9", "vendor")["n"] == 0 and math.isnan(gap(result, "9")["abs_gap"])
    assert result.max_perception_gap == pytest.approx(7 / 3)
    assert trust.widest_gap(result) == ("Enlightened self-interest", pytest.approx(7 / 3))


def test_indices_weigh_components_and_principles_equally_by_hand():
    result = trust.analyse(make_trust())
    idx = result.indices.set_index("side")
    # competence = the competence principle's items: v1 4.5, v2 5, v3 4 -> 4.5 -> index 87.5
    # intentions = mean of principle 2 (keeps_word) and principle 6 (takes_advantage turned
    # round, helps_unasked): v1 mean(4, 4) = 4, v2 5, v3 mean(3, 4) = 3.5 -> 12.5/3
    vendor_comp, vendor_int = 87.5, (12.5 / 3 - 1) / 4 * 100  # 79.17
    # partner: competence p1 3.5, p2 3.5, p3 3 -> 10/3; intentions p1 mean(2, 2) = 2,
    # p2 mean(3, 3) = 3, p3 mean(2, mean(1, 1)) = 1.5 -> 6.5/3
    partner_comp, partner_int = (10 / 3 - 1) / 4 * 100, (6.5 / 3 - 1) / 4 * 100  # 58.33, 29.17
    assert idx.loc["vendor", "competence"] == pytest.approx(vendor_comp)
    assert idx.loc["vendor", "intentions"] == pytest.approx(vendor_int)
    assert idx.loc["partner", "competence"] == pytest.approx(partner_comp)
    assert idx.loc["partner", "intentions"] == pytest.approx(partner_int)
    # a side's index is the mean of its two components
    vendor, partner = (vendor_comp + vendor_int) / 2, (partner_comp + partner_int) / 2  # 83.33, 43.75
    assert idx.loc["vendor", "index"] == pytest.approx(vendor)
    assert idx.loc["partner", "index"] == pytest.approx(partner)
    assert result.trust_index == pytest.approx((vendor + partner) / 2)  # 63.54
    # asymmetry keeps its sign: the vendor trusts the partner more than the reverse
    assert result.asymmetry == pytest.approx(vendor - partner)  # +39.58


def test_full_marks_on_competence_and_none_on_intentions_is_half_trust():
    # 5 on every competence item, 1 on every intentions item (reverse items turned round):
    # 17 intentions items against 5 competence items must not outweigh them.
    answers = {}
    for item in TRUST.items:
        best = 5 if item.component == "competence" else 1
        answers[item.id] = (TRUST.scale.max + TRUST.scale.min - best) if item.reverse else best
    respondents = {f"{side[0]}{i}": (side, answers) for side in ("vendor", "partner") for i in range(3)}
    result = trust.analyse(make_trust(respondents))
    assert result.trust_index == pytest.approx(50.0)
    idx = result.indices.set_index("side")
    assert idx.loc["vendor", "competence"] == 100.0 and idx.loc["vendor", "intentions"] == 0.0


def test_cronbach_alpha_by_hand():
    # items (columns) variances 1, 1/3, 1/3, 1, 1/3 -> sum 3; totals 21, 16, 23 -> var 13
    # alpha = 5/4 * (1 - 3/13) = 12.5/13
    m = [[4, 4, 5, 4, 4], [3, 3, 4, 3, 3], [5, 4, 5, 5, 4]]
    assert trust.cronbach_alpha(m) == pytest.approx(12.5 / 13)
    assert math.isnan(trust.cronbach_alpha(m[:2]))  # fewer than 3 respondents
    assert math.isnan(trust.cronbach_alpha([[4], [3], [5]]))  # fewer than 2 items


COMPETENCE_ITEMS = ["consistent_delivery", "c1_capable", "c2_specialist", "c3_delivers", "c4_confident"]
#: Ten vendor respondents' competence answers; None = don't know.
TEN = [
    [4, 4, 5, 4, 4],
    [3, 3, 4, 3, 3],
    [5, 4, 5, 5, 4],
    [2, 3, 2, 2, 3],
    [4, 5, 4, 4, None],  # one don't-know of five: used, filled with their own mean (4.25)
    [3, 3, 3, 4, 3],
    [5, 5, 5, 4, 5],
    [2, 2, 3, 2, 2],
    [4, 4, 4, 5, 4],
    [3, 4, 3, 3, 3],
]


def _alpha(rows):
    answers = {f"v{i}": ("vendor", {k: v for k, v in zip(COMPETENCE_ITEMS, r)}) for i, r in enumerate(rows)}
    answers.update({f"p{i}": ("partner", {"c1_capable": 4}) for i in range(3)})
    return trust.analyse(make_trust(answers)).alpha.set_index(["group", "component"])


def test_alpha_from_ten_respondents_fills_a_dont_know_with_the_respondents_own_mean():
    filled = [[4.25 if v is None else v for v in r] for r in TEN]
    alpha = _alpha(TEN)
    row = alpha.loc[("vendor", "competence")]
    assert row["n_used"] == 10 and row["k"] == 5
    assert row["alpha"] == pytest.approx(trust.cronbach_alpha(filled))
    assert row["alpha"] > 0.8 and row["reading"].startswith("consistent")


def test_alpha_is_not_shown_from_too_few_or_too_gappy_answers():
    nine = _alpha(TEN[:9]).loc[("vendor", "competence")]
    assert math.isnan(nine["alpha"]) and nine["reading"] == "too few answers (9 of the 10 respondents needed)"
    # two don't-knows of five (60 % answered) leave a respondent out
    gappy = _alpha([*TEN[:9], [4, None, None, 4, 4]]).loc[("vendor", "competence")]
    assert gappy["n_used"] == 9 and math.isnan(gappy["alpha"])
    # the partner side answered one item each: nothing to show
    assert _alpha(TEN).loc[("partner", "competence"), "n_used"] == 0


answer = st.one_of(st.none(), st.integers(TRUST.scale.min, TRUST.scale.max))
respondent_answers = st.fixed_dictionaries({item.id: answer for item in TRUST.items})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(respondent_answers, min_size=3, max_size=6),
    st.lists(respondent_answers, min_size=3, max_size=6),
    # the twelve principles: the core competence statements belong to none, and each weighs as a
    # statement of its own (tests/unit/test_trust_weights.py)
    st.sampled_from([k for k in TRUST.principle_keys if k != trust.NO_PRINCIPLE]),
    st.integers(1, 4),
)
def test_trust_index_is_unchanged_when_a_principles_items_are_duplicated(vendor, partner, principle, copies):
    people = {f"v{i}": ("vendor", a) for i, a in enumerate(vendor)} | {f"p{i}": ("partner", a) for i, a in enumerate(partner)}
    scores = trust.score_table(make_trust(people))
    extra = [scores[scores["principle"] == principle].assign(item=lambda d, n=n: d["item"] + f"_copy{n}") for n in range(copies)]
    bigger = pd.concat([scores, *extra], ignore_index=True)
    pd.testing.assert_frame_equal(trust.index_table(scores), trust.index_table(bigger))


def test_side_with_fewer_than_three_respondents_is_suppressed():
    answers = {k: v for k, v in ANSWERS.items() if k != "p3"}
    result = trust.analyse(make_trust(answers))
    r = row(result, "2", "partner")
    assert r["suppressed"] and math.isnan(r["mean"]) and r["n"] == 2
    assert math.isnan(gap(result, "2")["gap"])
    idx = result.indices.set_index("side")
    assert idx.loc["partner", "suppressed"] and math.isnan(idx.loc["partner", "index"])
    assert result.trust_index is None and result.asymmetry is None and result.max_perception_gap is None
    codes = [f.code for f in trust.flags(result)]
    assert "trust_suppressed" in codes and "wide_perception_gap" not in codes


def test_flags_on_the_hand_worked_set():
    flags = trust.flags(make_trust())
    by_code: dict[str, list] = {}
    for f in flags:
        by_code.setdefault(f.code, []).append(f)
        assert f.area == "trust" and f.action
    # partner side low on integrity (7/3) and enlightened self-interest (2.0); vendor never low
    low = by_code["low_trust_principle"]
    assert sorted(f.message.split(" is low on ")[1].split(":")[0] for f in low) == ["Enlightened self-interest", "Integrity"]
    assert all(f.message.startswith("Partner") for f in low)
    # gaps >= 1: integrity 1.67, self-interest 2.33 (high), competence 1.17
    gaps = by_code["wide_perception_gap"]
    assert len(gaps) == 3
    assert [f.severity for f in gaps if "Enlightened" in f.message] == ["high"]
    # it is an asymmetry between the two sides' trust in each other, and says so
    integrity = next(f for f in gaps if f.subject == "2")
    assert integrity.message == (
        "Trust is asymmetric on Integrity: the vendor side rates the partner 4.0 of 5, "
        "the partner side rates the vendor 2.3; the vendor trusts more than it is trusted."
    )
    # partner: competence 58.3 vs intentions 29.2 -> 29.2 apart; vendor 87.5 vs 79.2 -> quiet
    mismatch = by_code["competence_intentions_mismatch"]
    assert len(mismatch) == 1 and mismatch[0].message.startswith("Partner")
    assert "trust_falling" not in by_code and "trust_suppressed" not in by_code


def test_trust_falling_against_previous_assessment():
    # vendor index now 83.3: from 95 it fell 11.7 points (fires), from 90 only 6.7 (quiet)
    fell = make_trust(previous={"date": "2023-01-01", "vendor_index": 95.0})
    steady = make_trust(previous={"date": "2023-01-01", "vendor_index": 90.0})
    assert [f.code for f in trust.flags(fell)].count("trust_falling") == 1
    assert "trust_falling" not in [f.code for f in trust.flags(steady)]


def test_consistent_answers_raise_no_flags():
    same = {"c1_capable": 4, "keeps_word": 4, "takes_advantage": 2, "helps_unasked": 4}
    answers = {f"{s[0]}{i}": (s, same) for s in ("vendor", "partner") for i in range(3)}
    result = trust.analyse(make_trust(answers))
    assert result.max_perception_gap == 0.0
    assert result.asymmetry == 0.0
    assert trust.flags(result) == []
