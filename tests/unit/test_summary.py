"""Every finding reaches the reader: one flag per code and subject, all of them in the report and
the JSON summary, the executive summary picking the three that matter most."""

from __future__ import annotations

import json

import yaml

from tests.conftest import MINIMAL_PARAMS
from workbook import assess, load_params, summarise, trust, views
from workbook.flags import Flag, by_severity, one_per_subject

LOW = {"principled": 1, "keeps_word": 2, "customer_first": 2, "helps_unasked": 2, "takes_advantage": 4, "same_objectives": 2, "no_scorekeeping": 2}
FINE = {k: (2 if k == "takes_advantage" else 4) for k in LOW}


def _params(tmp_path):
    """A plan that pays back only after its commitment, and a partner side low on five principles."""
    respondents = [{"id": f"v{i}", "side": "vendor", "answers": FINE} for i in range(3)]
    respondents += [{"id": f"p{i}", "side": "partner", "answers": LOW} for i in range(3)]
    text = MINIMAL_PARAMS.replace("steady_deals_per_month: 2", "steady_deals_per_month: 1.6").replace(
        "  gross_margin: 1.0\n",
        "  gross_margin: 1.0\n  investment: [{name: team, monthly_cost: 10000, start_month: 1, end_month: 24}]\n",
    )
    text += yaml.safe_dump({"trust": {"respondents": respondents}, "scope": {"alliance_manager": "Dana"}})
    path = tmp_path / "five.yaml"
    path.write_text(text)
    return load_params(path)


def test_five_low_principles_make_five_flags_and_all_reach_the_summary_and_report(tmp_path):
    params = _params(tmp_path)
    a = assess(params)
    low = [f for f in a.flags if f.code == "low_trust_principle"]
    assert sorted(f.subject for f in low) == ["partner:11", "partner:12", "partner:2", "partner:5", "partner:6"]
    gaps = {f.subject for f in a.flags if f.code == "wide_perception_gap"}
    widest = trust.widest_gap(a.trust)
    assert widest is not None and widest[0] == "Integrity" and "2" in gaps  # the chart's widest asymmetry is a flag too
    data = json.loads(json.dumps(summarise(params, assessment=a)))
    assert [(f["code"], f["subject"]) for f in data["flags"]] == [(f.code, f.subject) for f in a.flags]
    report = views.flag_list(a.flags).html
    assert all(f.message.replace("'", "&#x27;") in report for f in low)


def test_a_finding_two_instruments_see_is_reported_once(tmp_path):
    a = assess(_params(tmp_path))
    assert a.ramp.plan.metrics.break_even_month == 14  # after the 12-month commitment
    commitment = [f for f in a.flags if f.code == "commitment_before_break_even"]
    assert len(commitment) == 1  # the ramp and the scoping checklist both see it


def test_the_top_actions_go_by_severity_then_size(tmp_path):
    a = assess(_params(tmp_path))
    top = a.top_actions(3)
    assert top[0].severity == "high"
    ranks = [(["high", "medium", "low"].index(f.severity), -f.size) for f in a.flags]
    assert ranks == sorted(ranks)
    # the integrity principle at 1.0 of 5 is the furthest below its threshold of all the low principles
    lows = [f for f in a.flags if f.code == "low_trust_principle"]
    assert lows[0].subject == "partner:2" and lows[0].severity == "high"


def test_one_per_subject_keeps_the_most_severe_of_each():
    flags = [
        Flag("x", "medium", "m", "ramp", subject="a", size=0.5),
        Flag("x", "high", "h", "scope", subject="a", size=0.1),
        Flag("x", "medium", "other subject", "ramp", subject="b", size=0.9),
        Flag("y", "medium", "bigger", "ramp", size=2.0),
    ]
    kept = one_per_subject(flags)
    assert [(f.code, f.subject, f.severity) for f in kept] == [("x", "a", "high"), ("y", "", "medium"), ("x", "b", "medium")]
    assert by_severity(kept) == kept
