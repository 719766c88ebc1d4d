"""A programme of alliances: the README's hand-computed worked check, bad programme files,
the programme file skipped as an alliance, the exact choice of which alliances to fund, the
programme dashboard's figures, and the programme's PDF and spreadsheet."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import PARAMS
from workbook.cli import app
from workbook.errors import ParamsError
from workbook.programme import Budget, brute_force, choose, fits, load_programme, summarise_programme
from workbook.params import is_programme_file

#: The README's worked check. A (USD, from January 2026): 6,000 a month for 6 months, one deal of
#: 10,000 a month closing 2 months after it is sourced: nets -6,000, -6,000, then +4,000.
ALLIANCE_A = """\
schema: 1
alliance: {name: Small alliance, vendor: V, partner: P, type: reseller, start: 2026-01-01}
ramp:
  horizon_months: 6
  commitment_months: 4
  sales_cycle_months: 2
  steady_deals_per_month: 1
  avg_deal_value: 10000
  partner_margin: 0
  gross_margin: 1.0
  discount_rate: 0
  investment:
    - {name: Manager, monthly_cost: 6000, start_month: 1, end_month: 6}
"""
#: B (EUR at 1.50 USD, from July 2026): 4,000 EUR a month for 9 months, one deal of 6,000 EUR a
#: month closing 3 months after it is sourced: nets -4,000 EUR (-6,000 USD) three times, then
#: +2,000 EUR (+3,000 USD).
ALLIANCE_B = """\
schema: 1
alliance: {name: Euro alliance, vendor: V, partner: Q, type: reseller, currency: EUR, start: 2026-07-15}
ramp:
  horizon_months: 9
  commitment_months: 9
  sales_cycle_months: 3
  steady_deals_per_month: 1
  avg_deal_value: 6000
  partner_margin: 0
  gross_margin: 1.0
  discount_rate: 0.10
  investment:
    - {name: Manager, monthly_cost: 4000, start_month: 1, end_month: 9}
"""
PROGRAMME = """\
programme:
  name: Two alliances
  currency: USD
  rates: {EUR: 1.5}
  budget: {total: 100000, yearly_cap: 50000}
  alliances: ["a.yaml", "b*.yaml"]
"""


def write(folder: Path, programme: str = PROGRAMME, a: str = ALLIANCE_A, b: str = ALLIANCE_B) -> Path:
    (folder / "a.yaml").write_text(a, encoding="utf-8")
    (folder / "b.yaml").write_text(b, encoding="utf-8")
    path = folder / "programme.yaml"
    path.write_text(programme, encoding="utf-8")
    return path


def test_the_worked_check_of_the_readme(tmp_path):
    out = summarise_programme(write(tmp_path))
    nets = [m["net"] for m in out["monthly"]]
    # the alliances' own monthly nets, as the README gives them, placed on one calendar
    assert [m["month"] for m in out["monthly"]][:1] + [out["last_month"]] == ["2026-01", "2027-03"]
    assert nets == [-6000, -6000, 4000, 4000, 4000, 4000, -6000, -6000, -6000, 3000, 3000, 3000, 3000, 3000, 3000]
    assert [m["cumulative_net"] for m in out["monthly"]] == [
        -6000, -12000, -8000, -4000, 0, 4000, -2000, -8000, -14000, -11000, -8000, -5000, -2000, 1000, 4000
    ]
    assert (out["peak_funding_need"], out["peak_funding_month"]) == (14000, "2026-09")
    assert out["first_break_even_month"] == "2026-05"  # touches 0, then falls back when B starts
    assert out["break_even_month"] == "2027-02"  # stays >= 0 from here
    assert out["cumulative_net_at_end"] == 4000
    # committed spend: A's 4 committed months (24,000); B's 9 (6,000 USD each) across two years
    assert out["spend_by_year"] == {"2026": 60000, "2027": 18000}
    assert out["over_budget"] is True and out["years_over_cap"] == ["2026"] and out["over_total_budget"] is False
    a, b = out["alliances"]
    assert (a["start"], a["break_even_month"], a["commitment_end"], a["commitment_ends_before_break_even"]) == ("2026-01", "2026-05", "2026-04", True)
    assert (b["start"], b["rate"], b["break_even_month"], b["commitment_ends_before_break_even"]) == ("2026-07", 1.5, "2027-03", False)
    assert out["commitment_ends_before_break_even"] == [a["file"]]
    # NPV: A's own (no discounting, started in the first month) plus B's, converted and
    # discounted six months at B's own rate to January 2026
    from workbook import load_params, ramp

    npv_b = ramp.run(load_params(tmp_path / "b.yaml").ramp).metrics.npv
    assert a["npv"] == 4000
    assert out["npv"] == pytest.approx(4000 + 1.5 * npv_b / 1.10**0.5, abs=0.01)
    # the cap lets only one alliance be funded: the one of more long-run value
    best, other = sorted((a, b), key=lambda x: -x["long_run_npv"])
    assert out["funded"] == [best["file"]] and out["not_funded"] == [other["file"]]
    assert out["value_lost_by_cut"] == pytest.approx(max(0, other["long_run_npv"]), abs=0.01)


def problems(path: Path) -> list[str]:
    with pytest.raises(ParamsError) as exc:
        load_programme(path)
    return [str(p) for p in exc.value.problems]


def test_bad_programme_files_name_the_file_and_field(tmp_path):
    path = write(tmp_path, a=ALLIANCE_A.replace(", start: 2026-01-01", ""), programme=PROGRAMME.replace("rates: {EUR: 1.5}", "rates: {}"))
    found = problems(path)
    assert len(found) == 2
    assert any(p.startswith(f"{tmp_path / 'a.yaml'}:2: alliance.start: ") for p in found)
    assert any(p.startswith(f"{path}:4: programme.rates: no rate for EUR, the currency of {tmp_path / 'b.yaml'}") for p in found)
    typo = write(tmp_path, programme=PROGRAMME.replace("  budget:", "  budgte:"))
    assert problems(typo) == [f"{typo}:5: programme.budgte: unknown key (did you mean 'budget'?)"]
    nothing = write(tmp_path, programme=PROGRAMME.replace('"b*.yaml"', '"c/*.yaml"'))
    assert problems(nothing) == [f"{nothing}:6: programme.alliances[1]: 'c/*.yaml' matches no alliance file (globs are relative to {tmp_path})"]


def test_the_programme_file_is_no_alliance(tmp_path):
    example = PARAMS / "programme.yaml"
    assert is_programme_file(example) and not is_programme_file(PARAMS / "saas-regional-reseller.yaml")
    path = write(tmp_path)
    runner = CliRunner()
    for command in (["check"], ["summary", "--json"]):
        run = runner.invoke(app, [*command, str(path)])
        assert run.exit_code == 0, run.output
        assert f"{path}: skipped, a programme file" in run.output
    # `workbook report` renders no alliance from it, but writes the programme's own page, which
    # the portfolio index links
    out = tmp_path / "out"
    run = runner.invoke(app, ["report", "--out", str(out), str(path)])
    assert run.exit_code == 0, run.output
    assert f"{path}: a programme file, not an alliance" in run.output
    assert (out / "programme" / "report.html").is_file() and 'href="programme/report.html"' in (out / "index.html").read_text(encoding="utf-8")
    run = runner.invoke(app, ["summary", "--json", str(tmp_path / "a.yaml"), str(path)])
    assert run.exit_code == 0 and [json.loads(x)["alliance"] for x in run.stdout.splitlines() if x.startswith("{")] == ["Small alliance"]


def test_programme_json_is_strict_json(tmp_path):
    run = CliRunner().invoke(app, ["programme", str(write(tmp_path)), "--json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert data["currency"] == "USD" and data["peak_funding_month"] == "2026-09"
    text = CliRunner().invoke(app, ["programme", str(tmp_path / "programme.yaml")])
    assert text.exit_code == 0 and "$14,000 in 2026-09" in text.stdout
    bad = CliRunner().invoke(app, ["programme", str(tmp_path / "missing.yaml")])
    assert bad.exit_code == 2 and "missing.yaml: (file): no such file" in bad.output


spends = st.lists(
    st.tuples(st.floats(-50, 100, allow_nan=False), st.dictionaries(st.integers(2026, 2028), st.floats(0, 60, allow_nan=False), max_size=3)),
    max_size=9,
)


@settings(max_examples=60, deadline=None)
@given(spends, st.one_of(st.none(), st.floats(0, 200)), st.one_of(st.none(), st.floats(0, 100)))
def test_the_exact_choice_matches_brute_force(items, total, cap):
    values = [v for v, _ in items]
    by_year = [s for _, s in items]
    budget = Budget(total=total, yearly_cap=cap)
    chosen = choose(values, by_year, budget)
    assert chosen.method == "exact" and fits(chosen.funded, by_year, budget)
    assert math.isclose(sum(values[i] for i in chosen.funded), brute_force(values, by_year, budget), abs_tol=1e-6)


def test_beyond_the_exact_limit_the_greedy_rule_funds_the_best_value_per_spend():
    # 30 alliances: value 1 for a spend of 1 (the cheap ones: spend 0.5) under a total of 10
    values = [1.0] * 30
    spends = [{2026: 0.5 if i % 3 == 0 else 1.0} for i in range(30)]
    chosen = choose(values, spends, Budget(total=10))
    assert chosen.method == "greedy" and fits(chosen.funded, spends, Budget(total=10))
    # the ten cheap ones first (5 spent), then five others in file order
    assert chosen.funded == tuple(sorted([*range(0, 30, 3), 1, 2, 4, 5, 7]))


def test_without_globs_every_alliance_beside_the_programme_file_is_in_it(tmp_path):
    path = write(tmp_path, programme=PROGRAMME.replace('  alliances: ["a.yaml", "b*.yaml"]\n', ""))
    (tmp_path / "other-programme.yaml").write_text("# another\nprogramme: {name: Other}\n", encoding="utf-8")
    assert [m.path.name for m in load_programme(path).members] == ["a.yaml", "b.yaml"]


def test_without_ranges_there_is_no_band_and_with_one_it_surrounds_the_plan(tmp_path):
    assert summarise_programme(write(tmp_path))["band"] is None  # nothing is uncertain: no band to draw
    ranged = ALLIANCE_B + "  uncertainty: {sales_cycle_months: [2, 3, 6], avg_deal_value: [4000, 6000, 7000]}\n  simulation: {runs: 400, seed: 3}\n"
    out = summarise_programme(write(tmp_path, b=ranged))
    band = out["band"]
    assert band["runs"] == 400 and band["independent"] is True
    months = [m["month"] for m in out["monthly"]]
    assert [m["month"] for m in band["monthly"]] == months
    for m in band["monthly"]:
        assert m["p10"] <= m["p50"] <= m["p90"]
    # before B starts only A counts, and A has no ranges: the band is A's own line there
    for m, plan in zip(band["monthly"][:6], out["monthly"][:6]):
        assert m["p10"] == m["p90"] == plan["cumulative_net"]
    # one uncertain alliance: independent or not, its band is the programme's band
    assert band["p10_at_end"] == pytest.approx(band["p10_together_at_end"], abs=1)
    assert summarise_programme(write(tmp_path, b=ranged))["band"] == band  # the same seeds, the same band


def test_independent_draws_give_a_narrower_band_than_alliances_moving_together():
    out = summarise_programme(PARAMS / "programme.yaml")
    band = out["band"]
    assert band is not None and band["runs"] >= 500
    assert band["p10_together_at_end"] <= band["p10_at_end"] <= band["p50_at_end"] <= band["p90_at_end"] <= band["p90_together_at_end"]


def test_the_programme_page_shows_the_curve_the_budget_and_the_choice_offline(tmp_path):
    from workbook.currency import currency
    from workbook.reports.programme_page import FolderTaken, programme_html, write_programme_report

    p = summarise_programme(PARAMS / "programme.yaml")
    html = programme_html(p, "params/programme.yaml")
    assert html.count('src="data:image/svg+xml;base64,') == 2  # the J-curve with its band, the spend by year
    assert "Tandem &amp; Co &lt;Integrations&gt;" in html and "<Integrations>" not in html  # names escaped
    assert "http://" not in html and "https://" not in html  # nothing from the network
    assert html.count(">leave out<") == len(p["not_funded"]) and html.count(">fund<") == len(p["funded"])
    assert f"gives up {currency('USD')(p['value_lost_by_cut'])}" in html
    # an alliance whose report folder is "programme" keeps its report: the page is refused
    taken = tmp_path / "out" / "programme"
    taken.mkdir(parents=True)
    (taken / "summary.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FolderTaken):
        write_programme_report(PARAMS / "programme.yaml", tmp_path / "out")


# --------------------------------------------------------------------------------------------
# The programme dashboard (workbook/ui/programme_app.py) and the programme's PDF and spreadsheet


def test_the_dashboard_shows_workbook_programme_json_and_follows_ticks_and_the_budget(tmp_path):
    from workbook.ui.programme_app import ProgrammeApp

    path = write(tmp_path)
    app = ProgrammeApp(path)
    whole = summarise_programme(path)
    assert app.current == whole  # every figure, with every alliance ticked and the file's budget
    assert "$14,000 in Sep 2026" in app.figures.value and "over in 2026" in app.figures.value
    assert [r["status"] for r in app.toggles.rows] == ["fund" if a["funded"] else "leave out" for a in whole["alliances"]]
    # B left out: the J-curve figures of a programme file naming A only, on the whole calendar
    app.toggles.included = [0]
    alone = tmp_path / "alone"
    alone.mkdir()
    only_a = summarise_programme(write(alone, PROGRAMME.replace('["a.yaml", "b*.yaml"]', '["a.yaml"]')))
    for key in ("peak_funding_need", "peak_funding_month", "first_break_even_month", "break_even_month", "cumulative_net_at_end", "spend_by_year", "npv"):
        assert app.current[key] == only_a[key], key
    cumulative = [m["cumulative_net"] for m in app.current["monthly"]]
    assert cumulative == [m["cumulative_net"] for m in only_a["monthly"]] + [4000] * 9  # A adds nothing after its months
    assert "$12,000 in Feb 2026" in app.figures.value and "1 of 2 alliances ticked" in app.figures.value
    assert [r["status"] for r in app.toggles.rows] == ["fund", "not ticked"]
    # both again, without a cap and with a total that B's 54,000 does not fit beside A's 24,000
    app.toggles.included = [0, 1]
    app.cap_on.value = False
    app.total.value = 30000
    assert app.current["funded"] == [whole["alliances"][0]["file"]] and app.current["yearly_cap"] is None
    app.total_on.value = False
    assert app.current["funded"] == [a["file"] for a in whole["alliances"] if a["long_run_npv"] > 0]
    app.toggles.included = []
    assert app.current["peak_funding_need"] == 0 and "No alliance is ticked" in app.choice.value


def test_the_dashboard_of_the_examples_equals_the_command_and_escapes_names():
    from workbook.ui.programme_app import ProgrammeApp

    run = CliRunner().invoke(app, ["programme", str(PARAMS / "programme.yaml"), "--json"])
    assert run.exit_code == 0, run.output
    dashboard = ProgrammeApp(PARAMS / "programme.yaml")
    assert dashboard.current == json.loads(run.output)
    # the marketplace alliance alone, with no money to spend: left out, its name escaped
    names = [a["name"] for a in dashboard.current["alliances"]]
    dashboard.toggles.included = [names.index("Brightdesk × Tandem & Co <Integrations>")]
    dashboard.total.value = 0
    assert "Tandem &amp; Co &lt;Integrations&gt;" in dashboard.choice.value
    assert all("<Integrations>" not in w.value for w in (dashboard.header, dashboard.figures, dashboard.choice, dashboard.status))


def test_the_programme_pdf_and_spreadsheet(tmp_path):
    """`workbook report programme.yaml --pdf --xlsx`: the PDF opens on the J-curve's finding; the
    spreadsheet's cumulative net, recalculated by LibreOffice, is the command's."""
    import openpyxl
    import pypdf

    from tests.conftest import workbook_cmd
    from tests.unit.test_spreadsheet import recalculate
    from workbook.currency import currency

    out = tmp_path / "out"
    run = workbook_cmd("report", str(PARAMS / "programme.yaml"), "--pdf", "--xlsx", "--out", str(out))
    assert run.returncode == 0, run.stderr
    p = summarise_programme(PARAMS / "programme.yaml")
    folder = out / "programme"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="programme/report.pdf"' in index and 'href="programme/programme.xlsx"' in index
    text = pypdf.PdfReader(folder / "report.pdf").pages[0].extract_text()
    assert "The programme's J-curve" in text and f"The programme needs {currency('USD')(p['peak_funding_need'])} at most" in text
    book = openpyxl.load_workbook(folder / "programme.xlsx")
    months = book["Months"]
    assert all(str(row[-1].value).startswith("=") and str(row[-2].value).startswith("=SUM(") for row in months.iter_rows(min_row=2))
    sheet = openpyxl.load_workbook(recalculate([folder / "programme.xlsx"], tmp_path)[0], data_only=True)
    rows = list(sheet["Months"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [m["month"] for m in p["monthly"]]
    for row, m in zip(rows, p["monthly"], strict=True):
        assert row[-1] == pytest.approx(m["cumulative_net"], abs=0.01), row[0]
    summary = {r[0]: r[1] for r in sheet["Summary"].iter_rows(min_row=2, max_row=4, values_only=True)}
    assert summary["peak_funding_need"] == pytest.approx(p["peak_funding_need"], abs=0.01)
    assert summary["committed_spend"] == pytest.approx(p["committed_spend"], abs=0.01)
