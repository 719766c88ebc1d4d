"""The guided forms, driven from Python as a notebook user would drive them in a browser:
a widget change redraws the chart of the edited state, "Save" writes the section back with
the file's comments intact, and an invalid edit is explained in the form and never saved."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.conftest import EXAMPLES
from workbook import charts, load_params
from workbook.ui import guided

EXAMPLE = next(p for p in EXAMPLES if "reseller" in p.name)


@pytest.fixture
def params_file(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert all(getattr(load_params(path), s) is not None for s in ("scope", "trust", "value", "health"))
    return path


def chart_data(form) -> str:
    """Every dataset of the form's charts, as one comparable string."""
    return json.dumps([c.to_dict().get("datasets", {}) for c in form.charts], sort_keys=True, default=str)


def svg(form) -> list[str]:
    return [o["data"]["image/svg+xml"] for o in form.output.outputs if "image/svg+xml" in o["data"]]


def unquoted(text: str) -> str:
    return text.replace('"', "")


def comments(text: str) -> list[str]:
    return [line[line.index("#"):].strip() for line in text.splitlines() if "#" in line]


def save(form, path) -> None:
    """Press "Save"; it must succeed, keep every comment, and load back as the edited model."""
    before = path.read_text(encoding="utf-8")
    edited = form.model
    form.save_button.click()
    assert "wb-status-ok" in form.status.value, form.status.value
    after = path.read_text(encoding="utf-8")
    assert after != before
    assert comments(before) and all(c in after for c in comments(before))
    assert getattr(load_params(path), form.section) == edited


def assert_refused(form, path, before: str, field: str) -> None:
    form.save_button.click()
    assert "wb-status-error" in form.status.value
    assert field in form.status.value
    assert "Traceback" not in form.status.value
    assert path.read_text(encoding="utf-8") == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


# --------------------------------------------------------------------------------------------


def test_every_form_starts_from_the_file_and_saving_unedited_changes_nothing(params_file):
    before = params_file.read_text(encoding="utf-8")
    params = load_params(params_file)
    for cls in (guided.ScopeForm, guided.TrustForm, guided.RampForm, guided.ValueForm):
        form = cls(params_file)
        assert form.model == getattr(params, form.section)
        assert form.charts and svg(form) and all(s.lstrip().startswith("<svg") for s in svg(form))
        form.save_button.click()
        assert "wb-status-ok" in form.status.value
        # Quotes are compared loosely: yamlio re-dumps without ruamel's preserve_quotes, so
        # "quoted" notes lose their (unneeded) quotes on any save, whichever section it edits.
        assert unquoted(params_file.read_text(encoding="utf-8")) == unquoted(before), cls.__name__


def test_scope_form_edits_the_checklist(params_file):
    form = guided.ScopeForm(params_file)
    data, pictures = chart_data(form), svg(form)
    form.status_buttons["exit_terms"].value = "agreed"  # was missing
    form.status_buttons["exclusivity"].value = "draft"  # written with a note
    assert chart_data(form) != data and svg(form) != pictures
    form.manager.value = "Sam <Lee>"
    form.to_confirm.value = "Partner presales engineer\n\nMarketing budget\n"
    save(form, params_file)
    scope = load_params(params_file).scope
    assert scope.items["exit_terms"].status == "agreed"
    assert scope.items["exclusivity"].status == "draft" and scope.items["exclusivity"].note == "Non-exclusive in the DACH region"
    assert scope.alliance_manager == "Sam <Lee>"
    assert scope.resources_to_be_confirmed == ["Partner presales engineer", "Marketing budget"]
    assert "exit_terms: agreed" in params_file.read_text(encoding="utf-8")  # shorthand kept


def test_scope_form_refuses_an_overlong_entry_next_to_its_field(params_file):
    before = params_file.read_text(encoding="utf-8")
    form = guided.ScopeForm(params_file)
    form.to_confirm.value = "Partner presales engineer\n" + "x" * 201
    assert "at most 200" in form.notes["resources_to_be_confirmed"].value
    assert_refused(form, params_file, before, "scope.resources_to_be_confirmed[1]")


def test_scope_form_with_no_manager_raises_the_flag_live(params_file):
    form = guided.ScopeForm(params_file)
    form.manager.value = ""
    text = "".join(o["data"].get("text/html", "") for o in form.output.outputs)
    assert "No alliance manager is named." in text
    assert form.model.alliance_manager is None


def test_trust_form_edits_and_adds_respondents(params_file):
    form = guided.TrustForm(params_file)
    data = chart_data(form)
    form.select("p1")
    assert form.respondent_id.value == "p1" and form.side.value == "partner"
    assert form.answer_buttons["same_objectives"].value == 2
    assert form.answer_buttons["trust_discussed"].value == guided.DONT_KNOW
    form.answer_buttons["same_objectives"].value = 5
    form.answer_buttons["keeps_word"].value = guided.DONT_KNOW
    assert chart_data(form) != data
    form.add_button.click()
    form.respondent_id.value = "p5"
    form.side.value = "partner"
    form.role.value = "presales"
    form.answer_buttons["c1_capable"].value = 4
    save(form, params_file)
    respondents = {r.id: r for r in load_params(params_file).trust.respondents}
    assert respondents["p1"].answers["same_objectives"] == 5
    assert respondents["p1"].answers["keeps_word"] is None
    assert respondents["p5"].side == "partner" and respondents["p5"].role == "presales"
    assert respondents["p5"].answers == {"c1_capable": 4}


def test_trust_form_refuses_a_duplicate_respondent_id(params_file):
    before = params_file.read_text(encoding="utf-8")
    form = guided.TrustForm(params_file)
    form.add_button.click()
    form.respondent_id.value = "v1"
    assert "used twice" in form.status.value  # shown live, before saving
    assert_refused(form, params_file, before, "trust.respondents[8].id")


def test_ramp_form_sliders_move_the_j_curve(params_file):
    before = params_file.read_text(encoding="utf-8")
    form = guided.RampForm(params_file)
    data = chart_data(form)
    form.sliders["sales_cycle_months"].value = 6
    form.sliders["partner_margin"].value = 0.3
    form.sliders["avg_deal_value"].value = 45000
    assert chart_data(form) != data
    save(form, params_file)
    after = params_file.read_text(encoding="utf-8")
    assert "avg_deal_value: 45000\n" in after  # a whole number stays one
    assert "partner_margin: 0.3 " in after  # end-of-line comment kept
    changed = [(a, b) for a, b in zip(unquoted(before).splitlines(), unquoted(after).splitlines()) if a != b]
    assert len(changed) == 3
    again = guided.RampForm(params_file)
    assert again.model == form.model and again.sliders["sales_cycle_months"].value == 6


def test_value_form_edits_and_refuses_a_percentage_typed_as_a_share(params_file):
    before = params_file.read_text(encoding="utf-8")
    form = guided.ValueForm(params_file)
    data = chart_data(form)
    form.fields["quotes_per_year"].value = "1,500"
    assert chart_data(form) != data
    form.fields["cost_of_capital"].value = "25"  # 25 % typed where a share belongs
    assert "did you mean 0.25?" in form.status.value
    assert "got 25" in form.notes["cost_of_capital"].value  # next to the field too
    assert_refused(form, params_file, before, "value.cost_of_capital")
    form.fields["cost_of_capital"].value = "25%"  # the percent sign makes it unambiguous
    assert "= 25 %" in form.notes["cost_of_capital"].value
    form.margin.value = "300,000"
    save(form, params_file)
    value = load_params(params_file).value
    assert (value.quotes_per_year, value.cost_of_capital, value.margin_paid_to_partner_per_year) == (1500, 0.25, 300000)
    assert value.other_costs[0].name == "First-line support"  # not on the form, kept


def test_health_form_adds_a_check_in(params_file):
    form = guided.HealthForm(params_file)
    n = len(load_params(params_file).health.check_ins)
    assert len(form.model.check_ins) == n + 1  # the check-in being added is in the picture
    data = chart_data(form)
    form.date.value = dt.date(2026, 6, 30)
    form.manager.value = "Sam Lee"
    form.sentiment.value = "negative"
    form.events.value = ("personnel", "resources")
    form.event_note.value = "Dana moved to another region"
    form.wins.value = "4"
    assert form.wins_partner.value == "4"  # the partner took part in every win until told otherwise
    form.wins_partner.value = "2"
    form.wins.value = "5"
    assert form.wins_partner.value == "2"  # once told, it stays
    form.wins.value = "4"
    form.wins_credit.value = "1"
    assert chart_data(form) != data
    save(form, params_file)
    latest = load_params(params_file).health.check_ins[-1]
    assert (latest.date, latest.alliance_manager, latest.sentiment, latest.wins, latest.wins_with_partner, latest.wins_crediting_partner) == (
        dt.date(2026, 6, 30), "Sam Lee", "negative", 4, 2, 1
    )
    assert [e.kind for e in latest.events] == ["personnel", "resources"]
    assert form.date.value > dt.date(2026, 6, 30) and form.wins.value == "0"  # a fresh draft


def test_health_form_refuses_more_credited_wins_than_wins(params_file):
    before = params_file.read_text(encoding="utf-8")
    form = guided.HealthForm(params_file)
    form.wins.value = "1"
    form.wins_partner.value = "1"
    form.wins_credit.value = "3"
    assert "only 1 wins the partner took part in" in form.notes["wins_crediting_partner"].value
    assert_refused(form, params_file, before, "wins_crediting_partner")


@pytest.mark.parametrize("typed", ["-3", "2.5", "many"])
def test_health_form_refuses_a_count_that_is_no_count_instead_of_changing_it(params_file, typed):
    before = params_file.read_text(encoding="utf-8")
    form = guided.HealthForm(params_file)
    form.wins.value = typed
    assert form.wins.value == typed  # what was typed stays in the box
    assert "wb-note-error" in form.notes["wins"].value
    assert_refused(form, params_file, before, "wins")


def test_params_text_is_escaped_in_the_forms(params_file):
    text = params_file.read_text(encoding="utf-8").replace("Dana Reyes", "<script>alert(1)</script>")
    params_file.write_text(text, encoding="utf-8")
    form = guided.HealthForm(params_file)
    assert "<script>" not in form.history.value and "&lt;script&gt;" in form.history.value


def test_a_form_starts_blank_when_the_file_has_no_such_section(tmp_path):
    path = tmp_path / "bare.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nscope:")] + "\n", encoding="utf-8")
    form = guided.ValueForm(path)
    assert "no <code>value</code> section yet" in form.status.value and not form.charts
    form.fields["revenue_via_partner_per_year"].value = "500000"
    form.fields["quotes_per_year"].value = "100"
    form.save_button.click()
    assert "wb-status-ok" in form.status.value
    assert load_params(path).value.revenue_via_partner_per_year == 500000
    scope = guided.ScopeForm(path)
    assert scope.data == {} and scope.model.items == {}


def test_overview_is_static_html_with_inline_svg(params_file):
    params = load_params(params_file)
    for section in ("scope", "trust", "ramp", "value", "health"):
        html = guided.overview(params, section)._repr_html_()
        assert "<svg" in html and "<script" not in html, section


# --------------------------------------------------------------------------------------------
# What a JupyterLab user met: amounts read as math, typed values changed silently, a commitment
# that moved only its marker, an overview left stale by a save


def html_outputs(form) -> list[str]:
    return [o["data"]["text/html"] for o in form.output.outputs if "text/html" in o["data"]]


def test_html_with_amounts_is_kept_away_from_mathjax(params_file):
    """JupyterLab typesets HTML outputs with MathJax: "$208,090; … $579,216" became a formula."""
    params = load_params(params_file)
    no_math = re.compile(r'^<div class="[^"]*\btex2jax_ignore\b[^"]*\bmathjax_ignore\b')
    for section in ("scope", "trust", "ramp", "value", "health"):
        html = guided.overview(params, section).html
        assert no_math.match(html), section
    shown = guided.overview(params, "ramp").html
    assert shown.count("$") >= 2  # the amounts are there, as text
    for cls in (guided.ScopeForm, guided.TrustForm, guided.RampForm, guided.ValueForm, guided.HealthForm):
        form = cls(params_file)
        assert html_outputs(form) and all(no_math.match(h) for h in html_outputs(form)), cls.__name__


@pytest.mark.parametrize("typed", ["25", "-5", "abc", "1.5", ""])
def test_ramp_form_refuses_a_share_out_of_range_or_not_a_number_next_to_the_field(params_file, typed):
    before = params_file.read_text(encoding="utf-8")
    form = guided.RampForm(params_file)
    assert not any(s.readout for s in form.sliders.values())  # a slider's own readout clamps what is typed
    form.inputs["partner_margin"].value = typed
    assert form.inputs["partner_margin"].value == typed  # never replaced by a clamped number
    assert form.sliders["partner_margin"].value == 0.25  # the slider stays where the file has it
    assert "wb-note-error" in form.notes["partner_margin"].value
    assert "wb-note-error" not in form.notes["gross_margin"].value
    assert_refused(form, params_file, before, "ramp.partner_margin")


def test_ramp_form_takes_a_share_as_a_percentage_and_whole_months_only(params_file):
    before = params_file.read_text(encoding="utf-8")
    form = guided.RampForm(params_file)
    assert form.notes["partner_margin"].value == "= 25 %"  # the unit, next to the box
    form.inputs["sales_cycle_months"].value = "2.5"
    assert "whole number" in form.notes["sales_cycle_months"].value
    assert_refused(form, params_file, before, "ramp.sales_cycle_months")
    form.inputs["sales_cycle_months"].value = "30"  # beyond the slider's end: the slider makes room
    assert form.sliders["sales_cycle_months"].value == 30
    form.inputs["partner_margin"].value = "30%"
    assert form.inputs["partner_margin"].value == "0.3" and form.sliders["partner_margin"].value == 0.3
    form.inputs["avg_deal_value"].value = "45,000"
    save(form, params_file)
    ramp = load_params(params_file).ramp
    assert (ramp.partner_margin, ramp.sales_cycle_months, ramp.avg_deal_value) == (0.3, 30, 45000)


def stop_line(form) -> list[float]:
    """The cumulative net of the dashed "resources stop when the commitment ends" line."""
    spec = form.chart.to_dict()
    rows = [r for data in spec["datasets"].values() for r in data if r.get("series") == charts.STOP_LABEL]
    return [r["cumulative_net"] for r in sorted(rows, key=lambda r: r["month"])]


def test_the_commitment_slider_moves_the_j_curve_and_the_figures(params_file):
    """Shortening the commitment shows what stopping the resources then would cost."""
    form = guided.RampForm(params_file)
    figures, line = "".join(html_outputs(form)), stop_line(form)
    # the example starts in July 2025: month 24 is June 2027
    assert "If the resources stop when the commitment ends in Jun 2027 (month 24)" in figures and line
    form.sliders["commitment_months"].value = 12
    assert form.inputs["commitment_months"].value == "12"
    shorter, line12 = "".join(html_outputs(form)), stop_line(form)
    assert "(month 12)" in shorter and line12[-1] < line[-1]
    amount = re.search(r"\(month 12\).*cumulative net at Jun 2028 \(month 36\): (\$[\d,]+)", shorter)
    assert amount and amount.group(1) == f"${line12[-1]:,.0f}"  # the sentence states the line's end
    form.inputs["commitment_months"].value = "36"  # committed for the whole horizon: nothing to cut
    assert "committed for the whole 36-month horizon" in "".join(html_outputs(form)) and stop_line(form) == []


def test_saving_redraws_the_overview_of_the_same_file(params_file):
    """In a live kernel the overview is displayed under a display id; a save updates it."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    try:
        with capture_output() as shown:
            display(guided.overview(params_file, "ramp"))
            form = guided.RampForm(params_file)
            form.inputs["avg_deal_value"].value = "80,000"
            form.save_button.click()
        first, update = shown.outputs[0], shown.outputs[-1]
        assert first.transient["display_id"] == update.transient["display_id"] and update.update
        assert "Updated from alliance.yaml after the save" in update.data["text/html"]
        old, new = (re.search(r"Peak funding need</th><td>([^<]+)<", o.data["text/html"]).group(1) for o in (first, update))
        assert old != new
        assert "The overview above shows it now." in form.status.value
    finally:
        InteractiveShell.clear_instance()
        guided.OVERVIEWS.clear()


def test_two_forms_on_one_file_keep_each_others_saved_edits(params_file):
    """Two notebooks (or tabs) open on the same file: a save keeps what the other saved in
    other fields, shows it, and an edit of a field the other changed meanwhile is refused."""
    first, second = guided.RampForm(params_file), guided.RampForm(params_file)
    first.inputs["partner_margin"].value = "0.3"
    first.save_button.click()
    second.inputs["sales_cycle_months"].value = "6"
    second.save_button.click()
    assert "wb-status-ok" in second.status.value
    ramp = load_params(params_file).ramp
    assert (ramp.partner_margin, ramp.sales_cycle_months) == (0.3, 6)
    assert second.inputs["partner_margin"].value == "0.3" and second.sliders["partner_margin"].value == 0.3  # shown after the save
    assert "not saved" not in second.status.value
    first.inputs["gross_margin"].value = "0.7"
    second.inputs["gross_margin"].value = "0.8"
    first.save_button.click()
    before = params_file.read_text(encoding="utf-8")
    second.save_button.click()
    assert "wb-status-error" in second.status.value and "changed since you opened it" in second.status.value
    assert params_file.read_text(encoding="utf-8") == before and load_params(params_file).ramp.gross_margin == 0.7


def test_ramp_form_switches_to_annual_contracts_with_churn(params_file):
    """Deals paid as annual contracts: churn and expansion appear, the J-curve moves, and the
    file gets the kind and the churn; back to one-off deals, both go again (with churn's range)."""
    form = guided.RampForm(params_file)
    def saved_as_is(form):
        form.save_button.click()
        assert "wb-status-ok" in form.status.value, form.status.value

    one_off = params_file.read_text(encoding="utf-8").replace("deal_value_kind: annual_recurring", "deal_value_kind: one_off")
    if one_off != params_file.read_text(encoding="utf-8"):  # the example sells annual contracts: start from one-off deals
        form.kind.value = "one_off"
        assert all(form.rows[k].layout.display == "none" for k in form.RECURRING)
        saved_as_is(form)  # the churn's line (and its comment) goes with the field
        form = guided.RampForm(params_file)
    assert form.params.ramp.deal_value_kind == "one_off"
    assert all(form.rows[k].layout.display == "none" for k in form.RECURRING)
    data = chart_data(form)
    form.kind.value = "annual_recurring"
    assert all(form.rows[k].layout.display is None for k in form.RECURRING)
    assert form.sliders["avg_deal_value"].description.startswith("Annual contract value")
    recurring = chart_data(form)
    assert recurring != data
    form.inputs["annual_churn"].value = "20%"
    assert chart_data(form) != recurring  # churn lowers the book
    save(form, params_file)
    saved = load_params(params_file).ramp
    assert saved.deal_value_kind == "annual_recurring" and saved.annual_churn == 0.2
    form = guided.RampForm(params_file)
    form.kind.value = "one_off"
    saved_as_is(form)
    saved = load_params(params_file).ramp
    assert saved.deal_value_kind == "one_off" and saved.annual_churn == 0 and saved.uncertainty.annual_churn is None
