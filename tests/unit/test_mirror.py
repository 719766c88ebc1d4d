"""The mirror: respondents rating their own organisation (``self_answers``), worked by hand.

Three respondents a side (the anonymity floor). ``answers`` rate the other organisation,
``self_answers`` their own. Principle 2 (Integrity) has two items, principled and keeps_word.

                 answers (the other side)        self_answers (own side)
               principled keeps_word c1       principled keeps_word c1  consistent_delivery
  vendor v1        -          3       3            5          5      -         5
         v2        -          4       3            5          4      -         -
         v3        -          3       3          None         5      -         -
  partner p1       3          2       -            -          4      4         -
          p2       3          3       -            -          3      4         -
          p3       2          2       -            -          3      5         -
  (partner respondents also rate the vendor's consistent_delivery 2, 2, 2)

Integrity, vendor side:
  self-view  v1 (5+5)/2 = 5, v2 (5+4)/2 = 4.5, v3 5 (don't know left out)  -> 14.5/3 = 4.8333
  seen-view  how the partner side rates the vendor: p1 2.5, p2 3, p3 2      -> 7.5/3  = 2.5
  gap        4.8333 - 2.5 = 2.3333: a blind spot, high (>= 2)
Integrity, partner side:
  self-view  4, 3, 3 -> 3.3333; seen-view (vendor side's rating) 3, 4, 3 -> 3.3333; gap 0
Competence, partner side:
  self-view  4, 4, 5 -> 4.3333; seen-view 3, 3, 3 -> 3; gap 1.3333: a blind spot, medium
Consistency, vendor side:
  self-view  only v1 answered (1 of the 3 needed): hidden, so no gap although the partner side
  rates the vendor 2.0 there (3 points below v1's 5)
max_self_other_gap = 2.3333 (the largest signed gap).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from workbook import load_params, trust
from workbook.areas import assess
from workbook.instruments import TRUST
from workbook.schema import Trust

OTHER = {
    "v1": ("vendor", {"keeps_word": 3, "c1_capable": 3}),
    "v2": ("vendor", {"keeps_word": 4, "c1_capable": 3}),
    "v3": ("vendor", {"keeps_word": 3, "c1_capable": 3}),
    "p1": ("partner", {"principled": 3, "keeps_word": 2, "consistent_delivery": 2}),
    "p2": ("partner", {"principled": 3, "keeps_word": 3, "consistent_delivery": 2}),
    "p3": ("partner", {"principled": 2, "keeps_word": 2, "consistent_delivery": 2}),
}
OWN = {
    "v1": {"principled": 5, "keeps_word": 5, "consistent_delivery": 5},
    "v2": {"principled": 5, "keeps_word": 4},
    "v3": {"principled": None, "keeps_word": 5},
    "p1": {"keeps_word": 4, "c1_capable": 4},
    "p2": {"keeps_word": 3, "c1_capable": 4},
    "p3": {"keeps_word": 3, "c1_capable": 5},
}


def make(own: dict | None = OWN, other: dict = OTHER) -> Trust:
    respondents = []
    for rid, (side, answers) in other.items():
        entry = {"id": rid, "side": side, "answers": dict(answers)}
        if own is not None and rid in own:
            entry["self_answers"] = dict(own[rid])
        respondents.append(entry)
    return Trust.model_validate({"respondents": respondents}, strict=True)


def mirror_row(result: trust.TrustResult, principle: str, side: str):
    m = result.mirror
    return m[(m["principle"] == principle) & (m["side"] == side)].iloc[0]


def test_integrity_vendor_rates_itself_far_above_how_the_partner_sees_it():
    row = mirror_row(trust.analyse(make()), "2", "vendor")
    assert row["self_mean"] == pytest.approx(14.5 / 3)
    assert row["seen_mean"] == pytest.approx(2.5)
    assert row["gap"] == pytest.approx(14.5 / 3 - 2.5)
    assert (row["self_n"], row["seen_n"]) == (3, 3)


def test_integrity_partner_sees_itself_as_the_vendor_sees_it():
    row = mirror_row(trust.analyse(make()), "2", "partner")
    assert row["self_mean"] == pytest.approx(10 / 3)
    assert row["seen_mean"] == pytest.approx(10 / 3)
    assert row["gap"] == pytest.approx(0.0)


def test_competence_partner_gap():
    row = mirror_row(trust.analyse(make()), "competence", "partner")
    assert row["self_mean"] == pytest.approx(13 / 3)
    assert row["seen_mean"] == pytest.approx(3.0)
    assert row["gap"] == pytest.approx(4 / 3)


def test_a_self_view_of_too_few_people_is_hidden_and_shows_no_gap():
    row = mirror_row(trust.analyse(make()), "3", "vendor")
    assert row["self_n"] == 1 and math.isnan(row["self_mean"]) and math.isnan(row["gap"])
    assert row["seen_mean"] == pytest.approx(2.0)  # the partner side's view of the vendor is shown
    assert "vendor:3" not in {f.subject for f in trust.flags(make()) if f.code == "blind_spot"}


def test_max_self_other_gap_is_the_largest_signed_gap():
    assert trust.analyse(make()).max_self_other_gap == pytest.approx(14.5 / 3 - 2.5)


def test_blind_spot_flags_with_threshold_and_severity():
    spots = {f.subject: f for f in trust.flags(make()) if f.code == "blind_spot"}
    assert set(spots) == {"vendor:2", "partner:competence"}
    assert spots["vendor:2"].severity == "high"  # 2.33 >= 2
    assert spots["partner:competence"].severity == "medium"  # 1.33: >= 1, < 2
    assert "4.8 of 5" in spots["vendor:2"].message and "2.5" in spots["vendor:2"].message
    assert spots["vendor:2"].size == pytest.approx((14.5 / 3 - 2.5 - 1) / 1)


def test_a_side_rating_itself_below_how_it_is_seen_is_no_blind_spot():
    # the partner side now rates the vendor 5 on integrity, above the vendor's own 4.83
    other = {**OTHER, **{p: ("partner", {"principled": 5, "keeps_word": 5}) for p in ("p1", "p2", "p3")}}
    result = trust.analyse(make(other=other))
    assert mirror_row(result, "2", "vendor")["gap"] == pytest.approx(14.5 / 3 - 5)
    assert "vendor:2" not in {f.subject for f in trust.flags(result) if f.code == "blind_spot"}


def test_two_people_a_side_show_nothing():
    """2 × 2 respondents: under the floor of 3, every self-view and gap stays hidden."""
    other = {rid: OTHER[rid] for rid in ("v1", "v2", "p1", "p2")}
    result = trust.analyse(make(other=other))
    assert result.has_mirror and result.mirror["gap"].isna().all()
    assert result.max_self_other_gap is None
    assert not [f for f in trust.flags(result) if f.code == "blind_spot"]


def _same_as_before(with_self: trust.TrustResult, without: trust.TrustResult) -> None:
    for name in ("scores", "principles", "gaps", "indices", "alpha"):
        assert getattr(with_self, name).equals(getattr(without, name)), name
    for name in ("trust_index", "asymmetry", "max_perception_gap", "min_respondents"):
        assert getattr(with_self, name) == getattr(without, name), name


def test_without_self_answers_the_mirror_is_empty_and_nothing_else_changes():
    without, with_self = trust.analyse(make(own=None)), trust.analyse(make())
    assert not without.has_mirror and without.max_self_other_gap is None
    _same_as_before(with_self, without)
    assert [f for f in trust.flags(with_self) if f.code != "blind_spot"] == trust.flags(without)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_without_self_answers_give_todays_results(path: Path):
    """Every example, its self answers dropped: the same trust figures and flags as with them,
    no mirror, and headline figures that differ only by the new field."""
    params = load_params(path)
    assert params.trust is not None
    bare = params.model_copy(
        update={"trust": params.trust.model_copy(update={"respondents": [r.model_copy(update={"self_answers": {}}) for r in params.trust.respondents]})}
    )
    full, plain = trust.analyse(params.trust), trust.analyse(bare.trust)
    _same_as_before(full, plain)
    assert not plain.has_mirror and plain.max_self_other_gap is None
    assert [f for f in trust.flags(full) if f.code != "blind_spot"] == trust.flags(plain)
    a, b = assess(params, only=["trust", "scope"]), assess(bare, only=["trust", "scope"])
    assert b.figures["max_self_other_gap"] is None
    assert {k: v for k, v in a.figures.items() if k != "max_self_other_gap"} == {k: v for k, v in b.figures.items() if k != "max_self_other_gap"}
    assert [f for f in a.flags if f.code != "blind_spot"] == b.flags


ITEMS = [i.id for i in TRUST.items]
answer = st.one_of(st.none(), st.integers(1, 5))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(own=st.dictionaries(st.sampled_from(sorted(OTHER)), st.dictionaries(st.sampled_from(ITEMS), answer, max_size=8), max_size=6))
def test_self_answers_never_move_the_other_figures(own):
    """Whatever people say about their own side, the trust in the other side stays as it was,
    and every shown gap is its self-view minus its seen-view."""
    with_self, without = trust.analyse(make(own=own)), trust.analyse(make(own=None))
    _same_as_before(with_self, without)
    m = with_self.mirror
    shown = m.dropna(subset=["gap"])
    assert ((shown["self_n"] >= 3) & (shown["seen_n"] >= 3)).all()
    assert (shown["gap"] - (shown["self_mean"] - shown["seen_mean"])).abs().max() < 1e-12 if len(shown) else True
    if with_self.max_self_other_gap is not None:
        assert with_self.max_self_other_gap == pytest.approx(float(shown["gap"].max()))


# --------------------------------------------------------------------------------------------
# the chart and the report's trust section


def _rows(spec: dict) -> list[dict]:
    return [row for data in spec.get("datasets", {}).values() for row in data]


def test_mirror_chart_names_the_largest_blind_spot_and_draws_both_views():
    from workbook.charts import trust_mirror
    from workbook.charts.theme import BAD

    spec = trust_mirror(trust.analyse(make()).mirror).to_dict()
    title = " ".join(spec["title"]["text"])
    assert title.startswith("Largest blind spot: the vendor on Integrity") and "2.3 points above how the partner sees it" in title
    integrity = sorted((r["view"], r["mean"]) for r in _rows(spec) if r.get("label") == "Integrity" and "view" in r)
    assert integrity == [
        ("How the partner sees itself", pytest.approx(10 / 3)),
        ("How the partner sees the vendor", 2.5),
        ("How the vendor sees itself", pytest.approx(14.5 / 3)),
        ("How the vendor sees the partner", pytest.approx(10 / 3)),
    ]
    blind = {(r["label"], r["blind"]) for r in _rows(spec) if "blind" in r}
    assert ("Integrity", True) in blind and ("Trust in competence", True) in blind
    vendor_panel = spec["vconcat"][0]
    assert vendor_panel["layer"][0]["encoding"]["color"]["condition"]["value"] == BAD
    # consistency: the vendor's self-view is hidden (1 person), so only the partner's view of it is drawn
    consistency = [r["view"] for r in _rows(spec) if r.get("label") == "Consistency" and "view" in r]
    assert consistency == ["How the partner sees the vendor"]
    assert "2 principle-and-side pairs of 3 compared" in spec["description"]


def test_mirror_chart_without_a_blind_spot_says_so():
    from workbook.charts import trust_mirror

    own = {rid: OTHER[rid][1] for rid in OTHER}  # everyone rates their own side as they rate the other
    swapped = {**{f"v{i}": own[f"p{i}"] for i in (1, 2, 3)}, **{f"p{i}": own[f"v{i}"] for i in (1, 2, 3)}}
    result = trust.analyse(make(own=swapped))
    assert result.max_self_other_gap == pytest.approx(0.0)
    assert " ".join(trust_mirror(result.mirror).to_dict()["title"]["text"]).startswith("No blind spot")


def test_the_trust_section_shows_the_mirror_only_when_someone_rated_their_own_side():
    from workbook import views

    def blocks(t: Trust) -> list:
        params = load_params(EXAMPLES[0])
        return views.trust_view(assess(params.model_copy(update={"trust": t}), only=["trust", "scope"]))

    with_mirror = blocks(make())
    texts = [b for b in with_mirror if isinstance(b, str)]
    assert any("The mirror" in b for b in texts)
    assert any(getattr(b, "description", "").startswith("Largest blind spot") for b in with_mirror if not isinstance(b, str))
    assert any("Blind spot on Integrity" in b for b in texts)  # the flag, listed with the area's flags
    without = blocks(make(own=None))
    assert not any("The mirror" in b for b in without if isinstance(b, str))
    assert len(without) == len(with_mirror) - 2


def test_the_enterprise_example_has_a_clear_blind_spot_worked_by_hand():
    """params/enterprise-global-si.yaml: the vendor side rates its own consistency 4.6 (five
    people: consistent_delivery 4,5,4,5,4 and the reverse-scored unpredictable 1,–,1,2,1, scored
    5,–,5,4,5 — each person's mean 4.5,5,4.5,4.5,4.5, their mean 23/5), the partner side rates
    the vendor 2.6 there; 4.6 − 2.6 = 2.0 is a high blind spot (the high threshold is reached
    exactly, not missed by floating-point rounding)."""
    params = load_params(Path(__file__).resolve().parents[2] / "params" / "enterprise-global-si.yaml")
    result = trust.analyse(params.trust)
    row = mirror_row(result, "3", "vendor")
    assert row["self_mean"] == pytest.approx(4.6) and row["seen_mean"] == pytest.approx(2.6)
    spots = [f for f in trust.flags(result) if f.code == "blind_spot"]
    assert [(f.subject, f.severity) for f in spots] == [("vendor:3", "high")]
    assert assess(params, only=["trust", "scope"]).figures["max_self_other_gap"] == 2.0
