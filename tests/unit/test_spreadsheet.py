"""model.xlsx: the money machine as a live spreadsheet (workbook/reports/spreadsheet.py).

The spreadsheet is recalculated by a real spreadsheet application, LibreOffice in headless mode
(``soffice``; `make test` installs Debian's libreoffice-calc-nogui), and every Summary cell is
compared with ``workbook summary --json``: for the example files, for plans drawn by hypothesis,
and after an Inputs cell is edited. Several files go through one soffice call: its start-up is
the slow part.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, workbook_cmd
from workbook.currency import minor_unit
from workbook.params import load_params
from workbook.schema import Params
from workbook.reports.spreadsheet import SUMMARY_KEYS, build, money_format, tail_months, write_xlsx
from workbook.summary import summarise

SOFFICE_TIMEOUT = 180  # seconds for one batch of files; LibreOffice is killed (by its pid) after it
#: LibreOffice's own setting "recalculate on file load" for xlsx and ods files: 0 = always. The
#: files openpyxl writes carry no computed values; with this set, the numbers read back are
#: LibreOffice's own, never values cached in the file.
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        pytest.fail("soffice (LibreOffice) is missing: `make test` installs Debian's libreoffice-calc-nogui")
    return found


def recalculate(files: list[Path], work: Path) -> list[Path]:
    """Open ``files`` in headless LibreOffice (a fresh user profile of its own, recalculating
    on load) and save each again as xlsx, now with the computed values; returns the new files."""
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
    out = work / "recalculated"
    out.mkdir(exist_ok=True)
    cmd = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "xlsx", "--outdir", str(out), *map(str, files)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=SOFFICE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own process group: soffice and soffice.bin
        proc.communicate()
        pytest.fail(f"LibreOffice did not finish within {SOFFICE_TIMEOUT} s: {cmd}")
    made = [out / f.name for f in files]
    missing = [p.name for p in made if not p.is_file()]
    assert proc.returncode == 0 and not missing, f"soffice exit {proc.returncode}, missing {missing}\n{stdout}\n{stderr}"
    return made


def sheet_summary(path: Path) -> dict[str, Any]:
    """The Summary sheet's computed values: key -> value (an empty cell is None, as JSON null)."""
    ws = openpyxl.load_workbook(path, data_only=True)["Summary"]
    values = {row[0]: row[1] for row in ws.iter_rows(min_row=2, max_row=1 + len(SUMMARY_KEYS), values_only=True)}
    return {k: (None if v == "" else v) for k, v in values.items()}


def assert_matches(sheet: dict[str, Any], expected: dict[str, Any], what: str) -> None:
    """Every Summary cell as summary --json gives it: months exactly; money within 0.01, or within
    half the currency's smallest unit, to which the JSON rounds it (whole yen)."""
    assert set(sheet) == set(SUMMARY_KEYS), what
    tolerance = max(0.01, 0.5 * 10.0 ** -minor_unit(expected["currency"]) + 1e-6)
    for key in SUMMARY_KEYS:
        got, want = sheet[key], expected[key]
        if key.endswith("_month"):
            assert got == want, f"{what}: {key}: spreadsheet {got!r}, summary --json {want!r}"
        else:
            assert isinstance(got, (int, float)), f"{what}: {key} came back {got!r}: not computed"
            assert abs(got - want) <= tolerance, f"{what}: {key}: spreadsheet {got}, summary --json {want}"


# --------------------------------------------------------------------------------------------
# The file itself (no spreadsheet application needed)


def test_every_month_cell_is_a_formula_and_every_input_is_listed():
    params = load_params(next(p for p in EXAMPLES if p.name == "marketplace-referral.yaml"))
    wb = build(params)
    assert wb.sheetnames == ["Inputs", "Months", "Summary", "Scenarios", "Simulation"]
    months = wb["Months"]
    h, t = params.ramp.horizon_months, tail_months(params)
    assert months.max_row == 1 + h + t
    for row in months.iter_rows(min_row=2):
        for cell in row:
            assert isinstance(cell.value, str) and cell.value.startswith("="), f"{cell.coordinate}: {cell.value!r}"
    periods = [c.value for c in months["B"][1:]]
    assert all(p.startswith("=IF(") for p in periods)
    paths = {row[0] for row in wb["Inputs"].iter_rows(min_row=2, values_only=True) if row[0]}
    for name in (
        "ramp.horizon_months", "ramp.tail_months", "ramp.commitment_months", "ramp.enablement_months", "ramp.sales_cycle_months",
        "ramp.ramp_months", "ramp.steady_deals_per_month", "ramp.avg_deal_value", "ramp.partner_margin", "ramp.gross_margin",
        "ramp.deal_value_kind", "ramp.annual_churn", "ramp.annual_expansion", "ramp.discount_rate", "ramp.full_effort_monthly_cost",
    ):
        assert name in paths, name
    for i, line in enumerate(params.ramp.investment):
        fields = ("monthly_cost", "start_month", "end_month") if line.is_recurring else ("one_off", "month")
        assert {f"ramp.investment[{i}].{f}" for f in fields} <= paths
    for i, _ in enumerate(params.ramp.events):
        assert {f"ramp.events[{i}].{f}" for f in ("month", "kind", "severity")} <= paths
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=2, max_row=8, values_only=True)}
    assert list(summary) == list(SUMMARY_KEYS)
    assert all(str(f).startswith("=") and "Months!" in str(f) for f in summary.values())
    assert months.freeze_panes == "C2" and wb["Inputs"].freeze_panes == "A2"
    assert wb.calculation.fullCalcOnLoad  # Excel computes every formula when it opens the file


def test_scenarios_and_simulation_are_values_said_so_the_plan_row_formulas():
    from workbook.ramp import analyse

    params = load_params(next(p for p in EXAMPLES if p.name == "saas-regional-reseller.yaml"))
    analysis = analyse(params)
    wb = build(params, analysis)
    rows = list(wb["Scenarios"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows[: len(analysis.scenarios)]] == [s.name for s in analysis.scenarios]
    assert all(str(v).startswith("=Summary!") for v in rows[0][2:])
    for row, scenario in zip(rows[1:], analysis.scenarios[1:]):
        m = scenario.result.metrics
        assert list(row[2:]) == [m.first_revenue_month, m.break_even_month, m.cumulative_net_at_horizon, m.peak_funding_need, m.npv]
    assert any("values computed by the workbook" in str(r[0]) for r in rows if r[0])
    sim = wb["Simulation"]
    bands = analysis.monte_carlo.bands
    values = list(sim.iter_rows(min_row=2, max_row=1 + len(bands), values_only=True))
    assert [list(v) for v in values] == bands[["month", "p10", "p50", "p90"]].values.tolist()
    notes = [r for r in sim.iter_rows(min_row=len(bands) + 2, values_only=True) if r[0]]
    assert notes[0][1] == analysis.monte_carlo.p_break_even_within_commitment
    assert any(str(r[0]).startswith("Values, not formulas") for r in notes)


def test_money_is_formatted_in_the_files_currency():
    assert money_format("EUR") == '"€"#,##0;"−€"#,##0'
    assert money_format("CHF") == '"CHF "#,##0;"−CHF "#,##0'
    params = load_params(next(p for p in EXAMPLES if p.name == "enterprise-global-si.yaml"))
    wb = build(params)
    fmt = money_format(params.alliance.currency)
    header = [c.value for c in wb["Months"][1]]
    assert wb["Months"].cell(2, header.index("Net") + 1).number_format == fmt
    assert wb["Summary"]["B5"].number_format == fmt


def test_the_write_is_atomic(tmp_path, monkeypatch):
    params = load_params(EXAMPLES[0])
    target = tmp_path / "model.xlsx"
    target.write_bytes(b"old")
    import workbook.reports.spreadsheet as spreadsheet

    def broken(_wb: object) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(spreadsheet, "to_bytes", broken)
    with pytest.raises(RuntimeError):
        write_xlsx(params, target)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["model.xlsx"]
    monkeypatch.undo()
    write_xlsx(params, target)
    assert openpyxl.load_workbook(target).sheetnames[0] == "Inputs"
    assert [p.name for p in tmp_path.iterdir()] == ["model.xlsx"]


# --------------------------------------------------------------------------------------------
# Recalculated by LibreOffice


def test_examples_recalculate_to_the_summary(tmp_path):
    files = []
    for path in EXAMPLES:
        files.append(write_xlsx(load_params(path), tmp_path / f"{path.stem}.xlsx"))
    made = recalculate(files, tmp_path)
    result = workbook_cmd("summary", *map(str, EXAMPLES), "--json")
    assert result.returncode == 0, result.stderr
    decoder, text, at, summaries = json.JSONDecoder(), result.stdout, 0, []
    while text[at:].strip():
        obj, at = decoder.raw_decode(text, at + len(text[at:]) - len(text[at:].lstrip()))
        summaries.append(obj)
    by_file = {Path(s["file"]).stem: s for s in summaries}
    for path in made:
        assert_matches(sheet_summary(path), by_file[path.stem], path.name)


def _plan(draw: st.DrawFn) -> Params:
    h = draw(st.integers(4, 40))
    recurring = draw(st.booleans())
    ramp: dict[str, Any] = {
        "horizon_months": h,
        "commitment_months": draw(st.integers(1, h)),
        "tail_months": draw(st.sampled_from([0, 1, 12, 24])),
        "enablement_months": draw(st.integers(0, 6)),
        "sales_cycle_months": draw(st.integers(0, 7)),
        "ramp_months": draw(st.integers(0, 18)),
        "steady_deals_per_month": draw(st.floats(0.5, 12, allow_nan=False).map(lambda x: round(x, 2))),
        "avg_deal_value": draw(st.integers(1_000, 200_000)),
        "partner_margin": draw(st.sampled_from([0.0, 0.15, 0.3, 1.0])),
        "gross_margin": draw(st.sampled_from([0.0, 0.6, 0.85, 1.0])),
        "discount_rate": draw(st.sampled_from([0.0, 0.1, 0.25])),
        "deal_value_kind": "annual_recurring" if recurring else "one_off",
        "simulation": {"runs": 10},
        "scenarios": {"invest_late_months": 1},
    }
    if recurring:
        ramp["annual_churn"] = draw(st.sampled_from([0.0, 0.2, 1.0]))
        ramp["annual_expansion"] = draw(st.sampled_from([0.0, 0.3]))
    if draw(st.booleans()):
        ramp["full_effort_monthly_cost"] = draw(st.integers(1, 60_000))
    lines = []
    for n in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            start = draw(st.integers(1, h))
            cost = draw(st.sampled_from([0, 5_000, 12_000, 30_000]))
            lines.append({"name": f"line {n}", "monthly_cost": cost, "start_month": start, "end_month": draw(st.one_of(st.just(h), st.integers(start, h)))})  # often running on into the tail
        else:
            lines.append({"name": f"once {n}", "one_off": draw(st.integers(0, 100_000)), "month": draw(st.integers(1, h))})
    ramp["investment"] = lines
    kinds = ["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]
    ramp["events"] = [
        {"month": draw(st.integers(1, h)), "kind": draw(st.sampled_from(kinds)), "severity": draw(st.sampled_from([0.3, 0.6, 1.0, 0.0]))}
        for _ in range(draw(st.integers(0, 4)))
    ]
    alliance = {"name": "Drawn", "vendor": "V", "partner": "P", "type": "reseller", "currency": draw(st.sampled_from(["USD", "EUR", "JPY"]))}
    return Params.model_validate({"schema": 1, "alliance": alliance, "ramp": ramp})


plans = st.composite(_plan)


# A few batches of eight plans: one LibreOffice start per batch. No shrinking: each attempt
# starts LibreOffice again, and the failure message already names the plan.
@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(plans(), min_size=8, max_size=8))
def test_drawn_plans_recalculate_to_the_summary(tmp_path_factory, drawn):
    work = tmp_path_factory.mktemp("drawn")
    files = [write_xlsx(p, work / f"plan{i}.xlsx") for i, p in enumerate(drawn)]
    for params, path in zip(drawn, recalculate(files, work), strict=True):
        assert_matches(sheet_summary(path), summarise(params), f"{path.name}: {params.ramp.model_dump(exclude_defaults=True)}")


def _set_input(path: Path, name: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Inputs"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == name)
    ws.cell(row, 2).value = value
    wb.save(path)


def test_an_edited_input_recalculates_to_the_summary_of_the_edited_file(tmp_path):
    base = load_params(next(p for p in EXAMPLES if p.name == "marketplace-referral.yaml"))
    r = base.ramp
    assert r.investment[0].is_recurring and r.events
    edits = {
        "deals": ("ramp.steady_deals_per_month", r.steady_deals_per_month * 0.5, {"steady_deals_per_month": r.steady_deals_per_month * 0.5}),
        "cost": (
            "ramp.investment[0].monthly_cost",
            (r.investment[0].monthly_cost or 0) * 2 + 1000,
            {"investment": [r.investment[0].model_copy(update={"monthly_cost": (r.investment[0].monthly_cost or 0) * 2 + 1000}), *r.investment[1:]]},
        ),
        "full effort": (
            "ramp.full_effort_monthly_cost",
            (r.full_effort_monthly_cost or 10_000) * 1.5,
            {"full_effort_monthly_cost": (r.full_effort_monthly_cost or 10_000) * 1.5},
        ),
        "event": (
            "ramp.events[0].month",
            r.events[0].month + 3,
            {"events": [r.events[0].model_copy(update={"month": r.events[0].month + 3}), *r.events[1:]]},
        ),
    }
    files, expected = [], {}
    for key, (name, value, update) in edits.items():
        path = write_xlsx(base, tmp_path / f"edited-{key.replace(' ', '-')}.xlsx")
        _set_input(path, name, value)
        files.append(path)
        edited = Params.model_validate({**base.model_dump(by_alias=True), "ramp": base.ramp.model_copy(update=update).model_dump()})
        expected[path.name] = summarise(edited)
        before = summarise(base)
        assert any(expected[path.name].get(k) != before.get(k) for k in SUMMARY_KEYS), key  # the edit changes the figures
    for path in recalculate(files, tmp_path):
        assert_matches(sheet_summary(path), expected[path.name], path.name)


# --------------------------------------------------------------------------------------------
# In the report folder and on the portfolio page


def test_a_report_made_without_the_spreadsheet_is_not_fresh_when_it_is_asked_for(tmp_path):
    from workbook.reports import freshness as cache

    data = EXAMPLES[0].read_bytes()
    folder = tmp_path / "report"
    folder.mkdir()
    for name in cache.REPORT_FILES:
        (folder / name).write_text("x", encoding="utf-8")
    (folder / cache.KEY_FILE).write_text(json.dumps(cache.render_key(data)), encoding="utf-8")
    assert cache.is_fresh(folder, cache.render_key(data))
    assert not cache.is_fresh(folder, cache.render_key(data, xlsx=True))
    (folder / cache.KEY_FILE).write_text(json.dumps(cache.render_key(data, xlsx=True)), encoding="utf-8")
    assert not cache.is_fresh(folder, cache.render_key(data, xlsx=True))  # the key says so, but the file is missing
    write_xlsx(load_params(EXAMPLES[0]), folder / "model.xlsx")
    assert cache.is_fresh(folder, cache.render_key(data, xlsx=True))
    assert not cache.is_fresh(folder, cache.render_key(data))  # made with it, asked without: rendered again, as for the PDF


def test_the_index_links_the_spreadsheet_like_the_pdf(tmp_path):
    from workbook.reports.portfolio_page import render_index
    from workbook.outcomes import Outcome
    from workbook.summary import summary_of

    outcomes = []
    for path in EXAMPLES[:2]:
        params = load_params(path)
        outcomes.append(Outcome(params_path=path, slug=params.slug, ok=True, summary=summary_of(params, path)))
    first, second = (o.slug for o in outcomes)
    (tmp_path / str(first)).mkdir()
    write_xlsx(load_params(EXAMPLES[0]), tmp_path / str(first) / "model.xlsx")
    (tmp_path / str(first) / "report.pdf").write_bytes(b"%PDF")
    (tmp_path / str(second)).mkdir()
    html = render_index(outcomes, tmp_path)
    assert f'class="wb-xlsx" href="{first}/model.xlsx" download>Spreadsheet</a>' in html
    assert f'class="wb-pdf" href="{first}/report.pdf">PDF</a> · <a class="wb-xlsx"' in html
    assert f"{second}/model.xlsx" not in html


def test_make_test_installs_libreoffice_when_soffice_is_missing():
    from tests.conftest import ROOT

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_target = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "libreoffice" in test_target.split() and "chromium" in test_target.split()
    recipe = makefile.split("\nlibreoffice:\n", 1)[1].split("\n\n", 1)[0]
    assert "command -v soffice" in recipe and "apt-get install" in recipe and "libreoffice-calc-nogui" in recipe


def test_without_soffice_the_spreadsheet_tests_fail_rather_than_skip(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="libreoffice-calc-nogui"):
        soffice()


def test_a_name_from_the_params_file_stays_text_even_when_it_looks_like_a_formula(tmp_path):
    base = load_params(EXAMPLES[0])
    lines = [base.ramp.investment[0].model_copy(update={"name": '=HYPERLINK("http://example.invalid","x")'}), *base.ramp.investment[1:]]
    params = base.model_copy(update={"ramp": base.ramp.model_copy(update={"investment": lines})})
    path = recalculate([write_xlsx(params, tmp_path / "named.xlsx")], tmp_path)[0]
    wb = openpyxl.load_workbook(path, data_only=True)
    names = [row[1] for row in wb["Inputs"].iter_rows(min_row=2, values_only=True) if row[0] == "ramp.investment[0].name"]
    assert names == ['=HYPERLINK("http://example.invalid","x")']
    headers = [c.value for c in wb["Months"][1]]
    assert '=HYPERLINK("http://example.invalid","x"): planned cost' in headers
    formulas = openpyxl.load_workbook(tmp_path / "named.xlsx")
    assert all(c.data_type == "s" for c in formulas["Months"][1])
