"""The instrument banks, and the scope/trust/value/health sections of a params file:
a good file loads, a bad one names the file, the line and the field of every problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbook.errors import ParamsError
from tests.conftest import MINIMAL_PARAMS
from workbook.instruments import SCOPING, SCOPING_ITEMS, TRUST, TRUST_ITEMS
from workbook.schema import Params
from workbook.params import load_params

BASE = MINIMAL_PARAMS  # lines 1-10; sections below start on line 11

GOOD = BASE + """\
scope:
  items:
    objectives: agreed
    territory: {status: draft, note: EMEA only for now}
  alliance_manager: Dana Reyes
  resources_to_be_confirmed: [Solution engineer]
trust:
  date: 2024-06-30
  respondents:
    - {id: v1, side: vendor, role: sales, answers: {c1_capable: 4, takes_advantage: 2, keeps_word: null}}
    - {id: p1, side: partner, answers: {c1_capable: 3}}
  previous: {date: 2023-06-30, vendor_index: 70, partner_index: 55.5}
value:
  quotes_per_year: 6000
  hours_per_quote: 1.5
  loaded_cost_per_hour: 60
  revenue_via_partner_per_year: 10000000
  dso_days_partner_carries: 45
  cost_of_capital: 0.08
health:
  alliance_start: 2024-01-15
  check_ins:
    - date: 2024-03-31
      alliance_manager: Dana Reyes
      sentiment: neutral
      events: [{kind: personnel, note: sponsor moved}]
      wins: 3
      wins_crediting_partner: 2
      trust_index: 64
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alliance.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[tuple[int | None, str, str]]:
    path = write(tmp_path, text)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert all(p.path == path for p in info.value.problems)
    return [(p.line, p.field, p.message) for p in info.value.problems]


# --------------------------------------------------------------------------------------------
# the banks


def test_scoping_bank_covers_every_group_with_snake_case_ids():
    assert [g.label for g in SCOPING.groups] == [
        "Purpose and value",
        "Nature and scope agreed in detail",
        "Resources and commitment",
        "Configuration of the committed resources",
        "Non-sales value",
        "Change-feedback mechanism",
        "Agreements to credit the partner",
    ]
    assert len(SCOPING_ITEMS) == len(SCOPING.items)
    for item in SCOPING.items:
        assert item.id.replace("_", "").isalnum() and item.id.islower()
        assert item.weight > 0 and item.wording.endswith(".")


def test_trust_bank_has_twelve_principles_competence_and_reverse_items():
    keys = {i.principle_key for i in TRUST.items}
    assert keys == {str(n) for n in range(1, 13)} | {"competence"}
    competence = [i.id for i in TRUST.items if i.principle == "competence"]
    assert competence == ["c1_capable", "c2_specialist", "c3_delivers", "c4_confident"]
    assert all(TRUST_ITEMS[i].component == "competence" for i in competence)
    assert sum(i.reverse for i in TRUST.items) >= 2
    assert {i.component for i in TRUST.items} == {"competence", "intentions"}
    assert TRUST.principle_label("6") == "Enlightened self-interest"


def test_the_essay_is_not_pasted_into_the_banks():
    essay = Path(__file__).parents[3] / "shared" / "seed" / "partnering-essay.txt"
    if not essay.exists():
        pytest.skip("the seed essay is not next to the repository")
    text = " ".join(essay.read_text(encoding="utf-8").lower().split())
    wordings = [i.wording for i in SCOPING.items] + [i.wording for i in TRUST.items]
    for wording in wordings:
        words = wording.lower().rstrip(".").split()
        # no run of eight words of an item appears verbatim in the essay
        for start in range(max(1, len(words) - 7)):
            assert " ".join(words[start : start + 8]) not in text, wording


# --------------------------------------------------------------------------------------------
# loading


def test_a_good_file_loads_every_section(tmp_path):
    params = load_params(write(tmp_path, GOOD))
    assert isinstance(params, Params)
    assert params.scope is not None and params.scope.items["territory"].status == "draft"
    assert params.scope.items["territory"].note == "EMEA only for now"
    assert params.trust is not None and params.trust.respondents[0].answers["keeps_word"] is None
    assert params.value is not None and params.value.quotes_per_year == 6000
    assert params.health is not None and params.health.check_ins[0].events[0].kind == "personnel"


def test_sections_are_optional(tmp_path):
    params = load_params(write(tmp_path, BASE))
    assert (params.scope, params.trust, params.value, params.health) == (None, None, None, None)


def test_bad_scope(tmp_path):
    found = problems(
        tmp_path,
        BASE
        + """\
scope:
  items:
    objectives: agreed
    objectivs: draft
    territory: agred
  alliance_manger: Dana
""",
    )
    assert found == [
        (14, "scope.items.objectivs", "unknown scoping item 'objectivs' (did you mean 'objectives'?)"),
        (15, "scope.items.territory.status", found[1][2]),
        (16, "scope.alliance_manger", "unknown key (did you mean 'alliance_manager'?)"),
    ]
    assert "'agred'" in found[1][2] and "did you mean 'agreed'" in found[1][2]


def test_bad_trust(tmp_path):
    found = problems(
        tmp_path,
        BASE
        + """\
trust:
  respondents:
    - id: v1
      side: vendor
      answers:
        c1_capable: 6
        keeps_wrd: 3
        keeps_word: 2.5
        shows_trust: 0
    - id: p1
      side: partnr
""",
    )
    by_field = {field: (line, message) for line, field, message in found}
    assert by_field["trust.respondents[0].answers.c1_capable"] == (16, "answers are 1-5 (null for don't know), got 6")
    assert by_field["trust.respondents[0].answers.keeps_wrd"] == (17, "unknown trust item 'keeps_wrd' (did you mean 'keeps_word'?)")
    assert by_field["trust.respondents[0].answers.keeps_word"][0] == 18
    assert "2.5" in by_field["trust.respondents[0].answers.keeps_word"][1]
    assert by_field["trust.respondents[0].answers.shows_trust"] == (19, "answers are 1-5 (null for don't know), got 0")
    assert by_field["trust.respondents[1].side"][0] == 21
    assert "did you mean 'partner'" in by_field["trust.respondents[1].side"][1]


def test_duplicate_respondent_and_previous_after_current(tmp_path):
    def with_previous(previous: str) -> str:
        return BASE + f"""\
trust:
  date: 2024-01-01
  respondents:
    - {{id: v1, side: vendor}}
    - {{id: v1, side: partner}}
  previous: {previous}
"""

    found = problems(tmp_path, with_previous("{date: 2024-06-01, vendor_index: 150}"))
    assert (16, "trust.previous.vendor_index", "a trust index is between 0 and 100, got 150") in found
    found = problems(tmp_path, with_previous("{date: 2024-06-01}"))
    assert found == [
        (15, "trust.respondents[1].id", "respondent id 'v1' is used twice (first at respondents[0])"),
        (16, "trust.previous.date", "the previous assessment (2024-06-01) must be before this one (2024-01-01)"),
    ]


def test_bad_value(tmp_path):
    found = problems(
        tmp_path,
        BASE
        + """\
value:
  quotes_per_year: -5
  cost_of_capital: 8
  dso_days_partner_carries: 400
  revenue_via_partner_per_year: 1000
  quote_hours: 2
""",
    )
    fields = [(line, field) for line, field, _ in found]
    assert fields == [
        (12, "value.quotes_per_year"),
        (13, "value.cost_of_capital"),
        (14, "value.dso_days_partner_carries"),
        (16, "value.quote_hours"),
    ]
    assert found[1][2] == "must be a share between 0 and 1, got 8 (did you mean 0.08?)"
    assert "365" in found[2][2]


def test_value_needs_revenue_or_margin(tmp_path):
    found = problems(tmp_path, BASE + "value:\n  quotes_per_year: 6000\n")
    assert found[0][:2] == (11, "value.revenue_via_partner_per_year")
    assert "margin_paid_to_partner_per_year" in found[0][2]


def test_bad_health(tmp_path):
    found = problems(
        tmp_path,
        BASE
        + """\
health:
  alliance_start: 2024-01-15
  check_ins:
    - date: 2024-03-01
      alliance_manager: Dana
      sentiment: negativ
      events: [{kind: resource}]
      trust_index: 120
    - date: "2024-13-01"
      sentiment: neutral
""",
    )
    by_field = {field: (line, message) for line, field, message in found}
    assert by_field["health.check_ins[0].sentiment"][0] == 16
    assert "did you mean 'negative'" in by_field["health.check_ins[0].sentiment"][1]
    assert "did you mean 'resources'" in by_field["health.check_ins[0].events[0].kind"][1]
    assert by_field["health.check_ins[0].trust_index"] == (18, "a trust index is between 0 and 100, got 120")
    assert by_field["health.check_ins[1].date"] == (19, "expected a date like 2024-03-31, got '2024-13-01'")
    assert by_field["health.check_ins[1].alliance_manager"] == (19, "required field is missing")


def test_health_dates_and_credited_wins(tmp_path):
    found = problems(
        tmp_path,
        BASE
        + """\
health:
  alliance_start: 2024-01-15
  check_ins:
    - {date: 2024-01-01, alliance_manager: Dana, sentiment: neutral}
    - {date: 2024-06-01, alliance_manager: Dana, sentiment: neutral, wins: 2, wins_crediting_partner: 3}
""",
    )
    # the check-in's own error is reported first; the dates are checked once the check-ins are valid
    assert found == [(15, "health.check_ins[1].wins_crediting_partner", "3 wins credit the partner but only 2 wins were recorded")]
    found = problems(
        tmp_path,
        BASE
        + """\
health:
  alliance_start: 2024-01-15
  check_ins:
    - {date: 2024-01-01, alliance_manager: Dana, sentiment: neutral}
""",
    )
    assert found == [(14, "health.check_ins[0].date", "check-in date 2024-01-01 is before alliance_start (2024-01-15)")]
    found = problems(
        tmp_path,
        BASE
        + """\
health:
  alliance_start: 2024-01-15
  check_ins:
    - {date: 2024-06-01, alliance_manager: Dana, sentiment: neutral}
    - {date: 2024-03-01, alliance_manager: Dana, sentiment: neutral}
""",
    )
    assert found == [
        (15, "health.check_ins[1].date", "check-ins must be in date order: 2024-03-01 is not after the previous check-in (2024-06-01)")
    ]
