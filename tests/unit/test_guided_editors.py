"""The tables of the ramp form (investment lines, premature changes, targets, scenarios) and the
trust form's self-ratings, driven as a user drives them: every edit saved lands in the file,
which validates, keeps its comments elsewhere, and holds exactly the edit; an invalid row is
explained next to that row and nothing is saved; a respondent added and never answered is
refused."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES
from workbook import load_params
from workbook.ui import guided

EXAMPLE = next(p for p in EXAMPLES if "reseller" in p.name)


@pytest.fixture
def params_file(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def comments(text: str) -> list[str]:
    return [line[line.index("#"):].strip() for line in text.splitlines() if "#" in line]


def save(form, path) -> str:
    """Press Save: it succeeds, keeps every comment, and the file loads back as the edit."""
    before = path.read_text(encoding="utf-8")
    edited = form.model
    form.save_button.click()
    assert "wb-status-ok" in form.status.value, form.status.value
    after = path.read_text(encoding="utf-8")
    assert after != before
    assert all(c in after for c in comments(before)), set(comments(before)) - set(comments(after))
    assert getattr(load_params(path), form.section) == edited
    return after


def refused(form, path, note_key: str, words: str) -> None:
    before = path.read_text(encoding="utf-8")
    assert words in form.notes[note_key].value and "wb-note-error" in form.notes[note_key].value
    form.save_button.click()
    # under Save the problem is named by its field (``ramp.investment[2].end_month``), beside the row by its box
    assert "Not saved" in form.status.value and words.split(": ", 1)[-1] in form.status.value
    assert path.read_text(encoding="utf-8") == before


def ramp(path):
    return load_params(path).ramp


# --------------------------------------------------------------------------------------------
# investment


def test_investment_lines_are_edited_added_as_one_offs_and_removed(params_file):
    before = ramp(params_file).investment
    form = guided.RampForm(params_file)
    assert [w["name"].value for w in form.investment.widgets] == [line.name for line in before]
    form.investment.widgets[1]["cost"].value = "9,500"
    form.investment.add_button.click()
    row = form.investment.widgets[-1]
    row["name"].value = "Partner summit"
    row["kind"].value = "one_off"
    assert form.investment.widgets[-1]["to"].layout.visibility == "hidden"  # a one-off has no end month
    form.investment.widgets[-1]["cost"].value = "15,000"
    form.investment.widgets[-1]["from"].value = "9"
    form.investment.remove_buttons[0].click()
    save(form, params_file)
    after = ramp(params_file).investment
    assert [line.name for line in after] == [line.name for line in before[1:]] + ["Partner summit"]
    assert after[0].monthly_cost == 9500 and after[0].start_month == before[1].start_month
    assert (after[-1].one_off, after[-1].month, after[-1].monthly_cost) == (15000, 9, None)
    # the form shows the file as saved: a second save writes nothing
    text = params_file.read_text(encoding="utf-8")
    form.save_button.click()
    assert params_file.read_text(encoding="utf-8") == text


def test_a_one_off_switched_to_monthly_needs_its_end_month_and_says_so_next_to_its_row(params_file):
    form = guided.RampForm(params_file)
    i, line = next((i, line) for i, line in enumerate(ramp(params_file).investment) if line.one_off is not None)
    form.investment.widgets[i]["kind"].value = "recurring"
    assert form.investment.widgets[i]["to"].layout.visibility != "hidden"
    refused(form, params_file, f"investment[{i}]", "a recurring line needs monthly_cost, start_month and end_month")
    form.investment.widgets[i]["to"].value = "99"
    refused(form, params_file, f"investment[{i}]", "end month: month 99 is after the horizon")
    form.investment.widgets[i]["to"].value = "12"
    form.investment.widgets[i]["cost"].value = "1,000"
    save(form, params_file)
    saved = ramp(params_file).investment[i]
    # the amount and month it was paid once became the monthly cost and the first month
    assert (saved.monthly_cost, saved.start_month, saved.end_month, saved.one_off, saved.month) == (1000, line.month, 12, None, None)


# --------------------------------------------------------------------------------------------
# premature changes


def test_a_premature_change_is_added_with_its_kind_severity_and_note_and_moves_break_even(params_file):
    assert ramp(params_file).events == []
    form = guided.RampForm(params_file)
    plan = form.model
    form.events.add_button.click()
    row = form.events.widgets[-1]
    row["month"].value = "10"
    row["kind"].value = "resource_withdrawal"
    row["severity"].value = "80%"
    row["note"].value = "Presales <moved> to another region"
    save(form, params_file)
    (event,) = ramp(params_file).events
    assert (event.month, event.kind, event.severity, event.note) == (10, "resource_withdrawal", 0.8, "Presales <moved> to another region")
    assert form.model != plan
    assert form.tables.selected_index is None  # the tables start folded
    form.events.widgets[0]["severity"].value = "1.5"
    refused(form, params_file, "events[0]", "severity: must be a share between 0 and 1")
    assert form.tables.titles[form.tables.selected_index] == "Premature changes"  # the problem's fold opens
    form.events.remove_buttons[0].click()
    save(form, params_file)
    assert ramp(params_file).events == []


# --------------------------------------------------------------------------------------------
# targets


def test_targets_are_edited_by_month_and_two_rows_for_one_month_are_refused(params_file):
    targets = dict(ramp(params_file).target_revenue)
    form = guided.RampForm(params_file)
    form.targets.add_button.click()
    new = form.targets.widgets[-1]
    assert new["month"].value not in {str(m) for m in targets}  # a month without a target
    new["month"].value = "12"
    new["amount"].value = "1"
    refused(form, params_file, f"target_revenue[{len(targets)}]", "month 12 has a target already (row 1)")
    new["month"].value = "30"
    new["amount"].value = "2,500,000"
    form.targets.widgets[0]["amount"].value = "250000"
    save(form, params_file)
    assert ramp(params_file).target_revenue == {**targets, 12: 250000, 30: 2500000}
    # a bad amount is named next to its own row (the schema names it by its month)
    form.targets.widgets[1]["amount"].value = "-5"
    refused(form, params_file, "target_revenue[1]", "must not be negative")
    form.targets.widgets[1]["amount"].value = "abc"
    assert "wb-note-error" in form.notes["target_revenue[1]"].value


# --------------------------------------------------------------------------------------------
# scenarios


def test_scenario_settings_and_routes_are_edited_added_and_removed(params_file):
    form = guided.RampForm(params_file)
    assert form.scenarios.boxes["invest_late_months"].value == "6"
    assert form.scenarios.boxes["premature_change_month"].value == ""  # the default, named by the placeholder
    form.scenarios.boxes["premature_change_month"].value = "8"
    form.scenarios.boxes["premature_change_kind"].value = "responsibility_move"
    form.scenarios.boxes["under_invest_pct"].value = "20"
    form.direct.boxes["monthly_cost"].value = "50,000"
    form.acquire.remove_button.click()
    save(form, params_file)
    s = ramp(params_file).scenarios
    assert (s.premature_change_month, s.premature_change_kind, s.under_invest_pct) == (8, "responsibility_move", 20)
    assert s.direct is not None and s.direct.monthly_cost == 50000 and s.direct.hiring_months == 4
    assert s.acquire is None
    # adding the route back asks for what it cannot do without, next to each field
    form.acquire.add_button.click()
    refused(form, params_file, "scenarios.acquire.price", "required")
    assert "required" in form.notes["scenarios.acquire.steady_deals_per_month"].value
    form.acquire.boxes["price"].value = "1,000,000"
    form.acquire.boxes["steady_deals_per_month"].value = "2"
    save(form, params_file)
    assert ramp(params_file).scenarios.acquire.price == 1_000_000
    assert ramp(params_file).scenarios.acquire.month == 1  # left empty: the default


def test_the_tables_hand_back_every_example_unedited(params_file):
    for example in EXAMPLES:
        params_file.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
        form = guided.RampForm(params_file)
        assert form.data == form._raw, example.name  # so an unedited save changes no field of the ramp
    form = guided.RampForm(params_file)
    form.save_button.click()
    assert "wb-status-ok" in form.status.value
    assert load_params(params_file).ramp == load_params(EXAMPLES[-1]).ramp


# --------------------------------------------------------------------------------------------
# trust: self-ratings, an empty respondent


def test_self_ratings_are_edited_apart_from_the_ratings_of_the_other_side(params_file):
    first = load_params(params_file).trust.respondents[0]
    form = guided.TrustForm(params_file)
    form.rating.value = "self_answers"
    assert form.answer_buttons["keeps_word"].value == first.self_answers["keeps_word"]
    new = 1 if first.self_answers["keeps_word"] != 1 else 5
    form.answer_buttons["keeps_word"].value = new
    save(form, params_file)
    saved = load_params(params_file).trust.respondents[0]
    assert saved.self_answers["keeps_word"] == new and saved.answers == first.answers
    form.rating.value = "answers"
    assert form.answer_buttons["keeps_word"].value == first.answers["keeps_word"]


def test_a_respondent_added_and_never_answered_is_refused_next_to_it(params_file):
    n = len(load_params(params_file).trust.respondents)
    form = guided.TrustForm(params_file)
    form.add_button.click()
    before = params_file.read_text(encoding="utf-8")
    form.save_button.click()
    assert "Not saved" in form.status.value and "has no answers yet" in form.status.value
    assert "has no answers yet" in form.notes["respondents"].value
    assert params_file.read_text(encoding="utf-8") == before
    form.rating.value = "self_answers"  # a self-rating alone is an answer
    form.answer_buttons["customer_first"].value = 4
    save(form, params_file)
    saved = load_params(params_file).trust.respondents
    assert len(saved) == n + 1 and saved[-1].self_answers == {"customer_first": 4} and saved[-1].answers == {}


def test_removing_an_added_respondent_lets_the_rest_be_saved(params_file):
    form = guided.TrustForm(params_file)
    form.add_button.click()
    form.remove_button.click()
    form.select("v1")
    form.role.value = "alliance lead"
    save(form, params_file)
    respondents = load_params(params_file).trust.respondents
    assert respondents[0].role == "alliance lead" and not any(r.id.startswith("respondent-") for r in respondents)
