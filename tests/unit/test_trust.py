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

import pytest

from workbook import trust
from workbook.sections import Trust

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


def test_indices_asymmetry_by_hand():
    result = trust.analyse(make_trust())
    idx = result.indices.set_index("side")
    # respondent means: v1 21/5 = 4.2, v2 5, v3 15/4 = 3.75 -> 12.95/3; index (m - 1)/4 * 100
    vendor = (12.95 / 3 - 1) / 4 * 100  # 82.9167
    # p1 13/5 = 2.6, p2 16/5 = 3.2, p3 10/5 = 2 -> 2.6 -> index 40
    partner = 40.0
    assert idx.loc["vendor", "index"] == pytest.approx(vendor)
    assert idx.loc["partner", "index"] == pytest.approx(partner)
    assert result.trust_index == pytest.approx((vendor + partner) / 2)  # 61.458
    # asymmetry keeps its sign: the vendor trusts the partner more than the reverse
    assert result.asymmetry == pytest.approx(vendor - partner)  # +42.9
    # components: vendor competence 4.5 -> 87.5; intentions v1 4, v2 5, v3 (3 + 4)/2 = 3.5 -> 12.5/3
    assert idx.loc["vendor", "competence"] == pytest.approx(87.5)
    assert idx.loc["vendor", "intentions"] == pytest.approx((12.5 / 3 - 1) / 4 * 100)
    # partner competence 10/3 -> 58.33; intentions p1 2, p2 3, p3 (2 + 1 + 1)/3 -> 19/9
    assert idx.loc["partner", "competence"] == pytest.approx((10 / 3 - 1) / 4 * 100)
    assert idx.loc["partner", "intentions"] == pytest.approx((19 / 9 - 1) / 4 * 100)


def test_cronbach_alpha_by_hand():
    # items (columns) variances 1, 1/3, 1/3, 1, 1/3 -> sum 3; totals 21, 16, 23 -> var 13
    # alpha = 5/4 * (1 - 3/13) = 12.5/13
    m = [[4, 4, 5, 4, 4], [3, 3, 4, 3, 3], [5, 4, 5, 5, 4]]
    assert trust.cronbach_alpha(m) == pytest.approx(12.5 / 13)
    assert math.isnan(trust.cronbach_alpha(m[:2]))  # fewer than 3 respondents
    assert math.isnan(trust.cronbach_alpha([[4], [3], [5]]))  # fewer than 2 items


def test_alpha_table_uses_complete_competence_answers():
    items = ["c1_capable", "c2_specialist", "c3_delivers", "c4_confident", "consistent_delivery"]
    m = [[4, 4, 5, 4, 4], [3, 3, 4, 3, 3], [5, 4, 5, 5, 4]]
    answers = {f"v{i}": ("vendor", dict(zip(items, r))) for i, r in enumerate(m)}
    answers["v9"] = ("vendor", {"c1_capable": 1})  # incomplete: left out of alpha
    alpha = trust.analyse(make_trust(answers)).alpha.set_index(["group", "component"])
    assert alpha.loc[("vendor", "competence"), "alpha"] == pytest.approx(12.5 / 13)
    assert alpha.loc[("vendor", "competence"), "n_complete"] == 3
    assert math.isnan(alpha.loc[("vendor", "intentions"), "alpha"])
    assert math.isnan(alpha.loc[("partner", "competence"), "alpha"])


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
    # partner: competence 58.3 vs intentions 27.8 -> 30.6 apart; vendor 87.5 vs 79.2 -> quiet
    mismatch = by_code["competence_intentions_mismatch"]
    assert len(mismatch) == 1 and mismatch[0].message.startswith("Partner")
    assert "trust_falling" not in by_code and "trust_suppressed" not in by_code


def test_trust_falling_against_previous_assessment():
    # vendor index now 82.9: from 95 it fell 12.1 points (fires), from 90 only 7.1 (quiet)
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
