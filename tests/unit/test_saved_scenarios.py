"""What-ifs under the dashboard's band and kept in the params file (README, "Saved scenarios" and
the alliance dashboard): the what-if's P10–P90 band, the saved scenarios' schema and safe save,
their rows in the report, and the dashboard's *Save as scenario…*."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MINIMAL_PARAMS, PARAMS
from workbook import ramp, views
from workbook.areas import assess
from workbook.params import ScenarioExists, load_params, save_scenario
from workbook.schema import SavedScenario
from workbook.ui import dashboards

SAAS = "saas-regional-reseller.yaml"

#: design.md's worked check: 10,000 a month, cycle 3, 2 deals a month of 10,000, margin 0.2,
#: gross margin 1.0: +6,000 a month from month 4, -30,000 at month 3, break-even in month 8.
WORKED = MINIMAL_PARAMS + """\
  investment:
    - {name: Team, monthly_cost: 10000, start_month: 1, end_month: 24}
  scenarios:
    invest_late_months: 2
    saved:
      - {name: Plan again}
      - {name: Longer cycle, sales_cycle_months: 5}
      - {name: "Two late <b>", start_delay_months: 2}
"""


def sections(text: str) -> dict[str, str]:
    """A params file's top-level blocks, by key, as written (from a key's line to the next's)."""
    out: dict[str, str] = {}
    key = ""
    for line in text.splitlines(keepends=True):
        if line[:1].strip() and not line.startswith("#") and ":" in line:
            key = line.split(":", 1)[0]
        out[key] = out.get(key, "") + line
    return out


# -- the band ------------------------------------------------------------------------------


def test_the_band_is_the_what_ifs_and_holds_its_line():
    r = load_params(PARAMS / SAAS).ramp
    w = SavedScenario(name="x", sales_cycle_months=6, investment_level=0.8, start_delay_months=2,
                      change={"kind": "people_change", "month": 14, "severity": 0.8})
    band = ramp.what_if_band(r, w)
    line = ramp.what_if_run(r, w).columns["cumulative_net"]
    assert band is not None and list(band.columns) == ["month", "p10", "p50", "p90"]
    assert (band["p10"] <= band["p50"]).all() and (band["p50"] <= band["p90"]).all()
    assert ((line >= band["p10"] - 1e-6) & (line <= band["p90"] + 1e-6)).all(), "the what-if's line lies in its band"
    assert (band["p90"] - band["p10"]).iloc[-1] > 0  # it has a width to shade
    # it is the what-if's band, not the plan's: later and lower at the horizon
    plan_band = ramp.what_if_band(r)
    assert plan_band is not None and band["p50"].iloc[-1] < plan_band["p50"].iloc[-1]
    # at the plan, the report's band draw for draw; same seed, same band; another seed, another
    assert plan_band.equals(ramp.monte_carlo(r).bands)
    assert ramp.what_if_band(r, w).equals(band)
    assert not ramp.what_if_band(r, w, seed=8).equals(band)


def test_no_ranges_no_band(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(WORKED, encoding="utf-8")
    r = load_params(path).ramp
    assert ramp.what_if_band(r) is None and ramp.what_if_band(r, SavedScenario(name="x", sales_cycle_months=5)) is None


# -- the schema and the save -----------------------------------------------------------------


def test_a_saved_scenario_round_trips_and_the_rest_of_the_file_stays_byte_for_byte(tmp_path):
    path = tmp_path / "alliance.yaml"
    before = (PARAMS / SAAS).read_text(encoding="utf-8")
    path.write_text(before, encoding="utf-8")
    w = SavedScenario(name="  Slow start ", sales_cycle_months=6, investment_level=0.8,
                      change={"kind": "cynicism", "month": 14, "severity": 0.8})
    assert w.name == "Slow start"
    saved = save_scenario(path, w).ramp.scenarios.saved
    assert saved == [w] and load_params(path).ramp.scenarios.saved == [w]
    after = path.read_text(encoding="utf-8")
    old, new = sections(before), sections(after)
    assert list(old) == list(new)
    assert {k: v for k, v in old.items() if k != "ramp"} == {k: v for k, v in new.items() if k != "ramp"}
    # within the ramp section only the entry's lines are new: comments and layout kept
    added = [line for line in new["ramp"].splitlines() if line not in old["ramp"].splitlines()]
    assert added == ["    saved:", "      - {name: Slow start, sales_cycle_months: 6, investment_level: 0.8, change: {kind: cynicism, month: 14, severity: 0.8}}"]
    # the same name (case and spacing aside) is refused, the file untouched, unless replacing is asked
    with pytest.raises(ScenarioExists, match="already holds a saved scenario called 'Slow start'"):
        save_scenario(path, SavedScenario(name="slow  START", sales_cycle_months=9))
    assert path.read_text(encoding="utf-8") == after
    params = save_scenario(path, SavedScenario(name="slow  START", sales_cycle_months=9), replace=True)
    assert [(s.name, s.sales_cycle_months, s.change) for s in params.ramp.scenarios.saved] == [("slow  START", 9, None)]


def test_the_guided_ramp_form_keeps_the_saved_scenarios(tmp_path):
    from workbook.ui import guided

    path = tmp_path / "alliance.yaml"
    path.write_text((PARAMS / SAAS).read_text(encoding="utf-8"), encoding="utf-8")
    save_scenario(path, SavedScenario(name="Kept", ramp_months=3))
    form = guided.RampForm(path)  # notebook 03 shows no box for them: its save must not drop them
    form.scenarios.boxes["under_invest_pct"].value = "20"
    form.save_button.click()
    assert "wb-status-ok" in form.status.value, form.status.value
    kept = load_params(path).ramp.scenarios
    assert kept.under_invest_pct == 20 and [(s.name, s.ramp_months) for s in kept.saved] == [("Kept", 3)]


@pytest.mark.parametrize(("name", "said"), [("   ", "needs a name"), ("x" * 61, "at most 60 characters, got 61"), ("a\x1b[2Jb", "control character")])
def test_a_name_is_refused_empty_overlong_or_not_plain(name, said):
    with pytest.raises(ValueError, match=said):
        SavedScenario(name=name)


# -- the report's rows -----------------------------------------------------------------------


def test_each_saved_scenario_is_a_row_computed_by_hand(tmp_path):
    path = tmp_path / "worked.yaml"
    path.write_text(WORKED, encoding="utf-8")
    a = assess(load_params(path))
    rows = {s.name: s for s in a.ramp.scenarios}
    plan, again, longer, late = rows["As planned"], rows["Plan again"], rows["Longer cycle"], rows["Two late <b>"]
    # the plan's own figures: break-even in month 8, 21 months of +6,000 after -30,000
    assert (again.result.metrics.break_even_month, again.result.metrics.cumulative_net_at_horizon) == (8, 96_000)
    assert again.result.metrics == plan.result.metrics and again.description == "saved what-if: the plan as written"
    # a 5-month cycle: -50,000 by month 5, then +6,000 a month: -2,000 in month 13, +4,000 in 14
    m = longer.result.metrics
    assert (m.break_even_month, m.peak_funding_need, m.cumulative_net_at_horizon) == (14, 50_000, 64_000)
    # two months late is the invest-late scenario of 2 months
    assert late.result.metrics == rows["Invest 2 months late"].result.metrics
    assert all(s.saved for s in (again, longer, late)) and not any(f.code.startswith("fragile_to_saved") for f in a.flags)
    html = views.render(views.scenarios_view(a)).html
    assert "Two late &lt;b&gt;" in html and "Two late <b>" not in html
    assert "saved what-if: sales cycle 5 months" in html and "$64,000" in html


# -- the dashboard ---------------------------------------------------------------------------


@pytest.fixture
def app_on_copy(examples_copy, monkeypatch):
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(examples_copy))
    for name in ("VOILA_PREHEAT", "VOILA_KERNEL_ID", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    return dashboards.AllianceApp(SAAS), examples_copy / SAAS


def test_the_dashboard_saves_its_what_if_and_the_report_row_is_what_it_showed(app_on_copy):
    app, path = app_on_copy
    app.sales_cycle.value, app.level.value = 6, 0.85
    assert app.what_if().model_dump(exclude_none=True) == {"name": "what-if", "sales_cycle_months": 6, "investment_level": 0.85}
    shown = app.result.metrics
    app.scenario_name.value = ""
    app.save_button.click()
    assert "Not saved: a saved scenario needs a name" in app.scenario_status.value and "saved:" not in path.read_text()
    app.scenario_name.value = "Slow <sales>"
    app.save_button.click()
    assert "Saved “Slow &lt;sales&gt;”" in app.scenario_status.value
    [row] = [s for s in ramp.scenarios(load_params(path).ramp) if s.saved]
    assert row.name == "Slow <sales>" and row.result.metrics == shown
    # the same name again: asked first; Cancel writes nothing, Overwrite writes the new what-if
    app.delay.value = 3
    app.save_button.click()
    assert "already holds a saved scenario called" in app.scenario_status.value
    assert app.overwrite_button.layout.display is None and app.save_button.layout.display == "none"
    text = path.read_bytes()
    app.cancel_button.click()
    assert path.read_bytes() == text and app.save_button.layout.display is None
    app.save_button.click()
    app.overwrite_button.click()
    [row] = [s for s in load_params(path).ramp.scenarios.saved]
    assert (row.name, row.start_delay_months) == ("Slow <sales>", 3)


def test_the_dashboard_says_why_a_file_without_ranges_has_no_band(app_on_copy):
    app, path = app_on_copy
    assert "P10–P90 of the what-if (500 simulated runs)" in json.dumps(app.chart.spec, ensure_ascii=False) and app.band_note.value == ""
    folder = path.parent
    (folder / "plain.yaml").write_text(WORKED, encoding="utf-8")
    plain = dashboards.AllianceApp("plain.yaml")
    assert plain.band is None and "this file gives no ranges" in plain.band_note.value
    assert '"mark": {"type": "area"' not in json.dumps(plain.chart.spec) and "P10" not in json.dumps(plain.chart.spec)


def test_a_published_dashboard_saves_only_when_the_server_allows_it(tmp_path, monkeypatch):
    """On `workbook serve` (kernels run with WORKBOOK_ROLE) anyone with the stakeholders' link
    opens the dashboard: it writes nothing unless the server was started with
    --allow-scenario-saves, and a save sent for a button the page does not show is refused."""
    import shutil

    import pytest

    from tests.conftest import EXAMPLES
    from workbook.kernel_env import SAVES_ENV
    from workbook.ui import dashboards

    folder = tmp_path / "params"
    folder.mkdir()
    example = shutil.copy(EXAMPLES[0], folder / EXAMPLES[0].name)
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(folder))
    monkeypatch.setenv("WORKBOOK_ROLE", "participant")
    monkeypatch.delenv(SAVES_ENV, raising=False)
    before = example.read_bytes()
    app = dashboards.AllianceApp(example.name)
    assert not hasattr(app, "save_button")  # the page offers no saving
    app.sales_cycle.value += 1  # and the what-if still redraws, without a word of error
    assert app.status.value == ""
    app.scenario_name = type("Name", (), {"value": "Sneaky"})()
    with pytest.raises(PermissionError):
        app._save()
    assert example.read_bytes() == before
    monkeypatch.setenv(SAVES_ENV, "1")  # workbook serve --allow-scenario-saves
    allowed = dashboards.AllianceApp(example.name)
    allowed.scenario_name.value = "Allowed"
    allowed._save()
    assert "Allowed" in example.read_text(encoding="utf-8")
