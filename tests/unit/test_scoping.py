"""Scoping readiness on a hand-worked checklist, and its red flags."""

from __future__ import annotations

import pytest

from workbook import scoping
from workbook.instruments import SCOPING
from workbook.schema import Scope


def make_scope(**data) -> Scope:
    return Scope.model_validate(data, strict=True)


# Group weights from scoping.yaml:
#   purpose: value_proposition 3, mutual_needs 2, complementary_offer 2, strategic_fit 2, success_definition 3 = 12
#   credit: win_notifications 3, customer_references 2, credit_rules 2, internal_narrative 2 = 9
#   all items together weigh 82
CHECKLIST = {
    "value_proposition": "agreed",
    "mutual_needs": "agreed",
    "complementary_offer": "agreed",
    "strategic_fit": "agreed",
    "success_definition": "draft",
    "win_notifications": "agreed",
    "customer_references": {"status": "draft", "note": "first case study in review"},
    "credit_rules": "missing",
    # internal_narrative left out: counts as missing
}


def test_bank_weights_used_by_the_hand_computation():
    assert sum(i.weight for i in SCOPING.items) == 82
    assert sum(i.weight for i in SCOPING.items if i.group == "purpose") == 12
    assert sum(i.weight for i in SCOPING.items if i.group == "credit") == 9


def test_readiness_by_group_and_overall_by_hand():
    result = scoping.analyse(make_scope(items=CHECKLIST, alliance_manager="Dana"))
    groups = result.groups.set_index("group")
    # purpose: (3 + 2 + 2 + 2 + 3 * 0.5) / 12 = 10.5 / 12 = 87.5
    assert groups.loc["purpose", "readiness"] == pytest.approx(87.5)
    # credit: (3 + 2 * 0.5 + 0 + 0) / 9 = 4 / 9 = 44.4
    assert groups.loc["credit", "readiness"] == pytest.approx(400 / 9)
    assert groups.loc["credit", "agreed"] == pytest.approx(3 / 9)
    assert groups.loc["credit", "draft"] == pytest.approx(2 / 9)
    assert groups.loc["credit", "missing"] == pytest.approx(4 / 9)
    assert groups.loc["resources", "readiness"] == 0
    # overall: (10.5 + 4) / 82
    assert result.overall == pytest.approx(1450 / 82)
    assert scoping.readiness(make_scope(items=CHECKLIST)) == pytest.approx(1450 / 82)
    note = result.items.set_index("item").loc["customer_references", "note"]
    assert note == "first case study in review"


def test_weight_override_and_zero_weight_leave_item_out():
    # credit with internal_narrative weighted 0: 4 / 7
    items = {**CHECKLIST, "internal_narrative": {"status": "missing", "weight": 0}}
    groups = scoping.analyse(make_scope(items=items)).groups.set_index("group")
    assert groups.loc["credit", "readiness"] == pytest.approx(400 / 7)


def test_everything_agreed_is_100_and_raises_no_flags():
    scope = make_scope(items={i.id: "agreed" for i in SCOPING.items}, alliance_manager="Dana")
    assert scoping.readiness(scope) == 100
    assert scoping.flags(scope, commitment_months=24, break_even_month=18) == []


def codes(flags):
    return [f.code for f in flags]


def test_commitment_before_break_even_fires_and_stays_quiet():
    scope = make_scope(items={i.id: "agreed" for i in SCOPING.items}, alliance_manager="Dana")
    fired = scoping.flags(scope, commitment_months=12, break_even_month=18)
    assert codes(fired) == ["commitment_before_break_even"]
    assert "12 months" in fired[0].message and "month 18" in fired[0].message
    assert fired[0].severity == "high" and fired[0].area == "scope"
    never = scoping.flags(scope, commitment_months=36, break_even_month=None, horizon_months=36)
    assert codes(never) == ["commitment_before_break_even"] and "36-month horizon" in never[0].message
    assert scoping.flags(scope, commitment_months=18, break_even_month=18) == []


def test_no_alliance_manager_and_resources_to_be_confirmed():
    base = {i.id: "agreed" for i in SCOPING.items}
    fired = scoping.flags(make_scope(items=base, resources_to_be_confirmed=["Solution engineer", "MDF budget"]))
    assert codes(fired) == ["no_alliance_manager", "resources_to_be_confirmed"]
    assert fired[1].message.startswith("2 resources")
    assert scoping.flags(make_scope(items=base, alliance_manager="Dana")) == []


def test_low_readiness_groups_are_flagged_with_severity():
    flags = [f for f in scoping.flags(make_scope(items=CHECKLIST, alliance_manager="Dana")) if f.code == "low_readiness"]
    messages = {f.message.split(":")[0]: f.severity for f in flags}
    # credit 44 -> medium; groups with nothing agreed -> high; purpose 87.5 -> quiet
    assert messages["Agreements to credit the partner"] == "medium"
    assert messages["Resources and commitment"] == "high"
    assert "Purpose and value" not in messages
    assert len(flags) == 6  # every group except purpose
