"""`workbook import-actuals PARAMS CSV` as a user runs it: the real console script.

Contract: a good CSV becomes the params file's ``actuals`` section (comments and the rest of the
file kept); any bad row is reported as ``file.csv:ROW: column: message`` (ROW the CSV's line
number), every one of them, exit 2, and the params file stays byte for byte what it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MINIMAL_PARAMS, workbook_cmd
from workbook import load_params

#: The worked example of the issue: 10,000 a month invested; it breaks even in month 8.
PARAMS = (
    "# the worked example: keep this comment\n"
    + MINIMAL_PARAMS.replace("gross_margin: 1.0\n", "gross_margin: 1.0   # all margin\n")
    + "  investment:\n    - {name: Team, monthly_cost: 10000, start_month: 1, end_month: 24}\n"
)
HEADER = "month,investment,deals_closed,vendor_revenue\n"


def on_plan_csv(n: int = 12) -> str:
    rows = [f"{m},10000,{0 if m < 4 else 2},{0 if m < 4 else 16000}" for m in range(1, n + 1)]
    return HEADER + "\n".join(rows) + "\n"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    params = tmp_path / "alliance.yaml"
    params.write_text(PARAMS, encoding="utf-8")
    return params, tmp_path / "crm.csv"


def run(params: Path, csv: Path, *extra: str):
    proc = workbook_cmd("import-actuals", str(params), str(csv), *extra, cwd=params.parent, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_a_good_export_becomes_the_actuals_section(files):
    params, csv = files
    csv.write_text(on_plan_csv(), encoding="utf-8")
    proc = run(params, csv, "--source", "CRM export 2026-06-30")
    assert proc.returncode == 0, proc.stderr
    assert "wrote 12 months" in proc.stdout and "on plan" in proc.stdout and "(on budget)" in proc.stdout
    # month 8 is behind month 12: the alliance has broken even, not "re-forecast break-even month 8"
    assert "the alliance has already broken even, in month 8" in proc.stdout and "re-forecast break-even month" not in proc.stdout
    text = params.read_text(encoding="utf-8")
    assert text.startswith(PARAMS)  # the file as it was, comments included, then the new section
    assert "  source: CRM export 2026-06-30\n" in text
    assert "    - {month: 4, investment: 10000, deals_closed: 2, vendor_revenue: 16000}\n" in text
    p = load_params(params)
    assert p.actuals is not None and [m.month for m in p.actuals.months] == list(range(1, 13))
    summary = workbook_cmd("summary", "--json", str(params), timeout=300)
    assert '"tracking": "on_plan"' in summary.stdout and '"actual_cumulative_net": 24000.0' in summary.stdout
    assert '"spend_tracking": "on_budget"' in summary.stdout and '"reforecast_delay_months": 0, "reforecast_scale": 1.0' in summary.stdout


def test_importing_again_replaces_the_months_and_keeps_optional_columns(files):
    params, csv = files
    csv.write_text(on_plan_csv(12), encoding="utf-8")
    assert run(params, csv).returncode == 0
    csv.write_text("month,investment,deals_closed,vendor_revenue,influenced_revenue\n1,9000,0,0,\n2,9000,0,0,2500.5\n", encoding="utf-8-sig")
    proc = run(params, csv)
    assert proc.returncode == 0, proc.stderr
    p = load_params(params)
    assert p.actuals is not None and p.actuals.source == "crm.csv"
    assert [(m.month, m.investment, m.influenced_revenue) for m in p.actuals.months] == [(1, 9000, None), (2, 9000, 2500.5)]


def assert_refused(params: Path, csv: Path, expected: list[str]) -> None:
    before = params.read_bytes()
    proc = run(params, csv)
    assert proc.returncode == 2
    assert params.read_bytes() == before, "the params file changed after a failed import"
    assert sorted(params.parent.iterdir()) == sorted([params, csv]), "something else was written"
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("Nothing written")]
    assert lines == expected, proc.stderr


def test_every_bad_row_is_reported_with_its_line_and_column(files):
    params, csv = files
    csv.write_text(
        HEADER
        + "1,10000,0,0\n"
        + "2,ten thousand,0,0\n"  # line 3
        + "\n"  # a blank line is skipped, but counts as a line
        + "3,10000,-1,0\n"  # line 5
        + "4,10000,1\n"  # line 6
        + "5,10000,2,\n"  # line 7
        + "7,10000,2,16000\n"  # line 8: month 6 is missing
        + "8.5,10000,2,16000\n"  # line 9
        + "9,10000,2,1e400\n",  # line 10
        encoding="utf-8",
    )
    name = str(csv)
    assert_refused(
        params,
        csv,
        [
            f"{name}:3: investment: expected a number, got 'ten thousand' (write digits only, without thousands separators, currency signs or units)",
            f"{name}:5: deals_closed: must not be negative, got -1",
            f"{name}:6: (row): expected 4 values (one per column), got 3",
            f"{name}:7: vendor_revenue: a value is required",
            f"{name}:8: month: months must run 1, 2, 3, ... in order without gaps: expected month 6, got 7",
            f"{name}:9: month: expected a whole number, got '8.5'",
            f"{name}:10: vendor_revenue: must be a finite number, got '1e400'",
        ],
    )


def test_a_row_lists_everything_wrong_with_it_and_a_gap_is_reported_once(files):
    params, csv = files
    csv.write_text(HEADER + "1,10000,0,0\n" + "2,-5,0,abc\n" + "4,10000,2,16000\n" + "5,10000,2,16000\n", encoding="utf-8")
    name = str(csv)
    assert_refused(
        params,
        csv,
        [
            f"{name}:3: vendor_revenue: expected a number, got 'abc' (write digits only, without thousands separators, currency signs or units)",
            f"{name}:3: investment: must not be negative, got -5",
            f"{name}:4: month: months must run 1, 2, 3, ... in order without gaps: expected month 3, got 4",
        ],
    )


def test_months_past_the_horizon_are_refused(files):
    params, csv = files
    csv.write_text(on_plan_csv(25), encoding="utf-8")  # the plan's horizon is 24 months
    assert_refused(params, csv, [f"{csv}:26: month: month 25 is after the plan's horizon (24 months)"])


def test_missing_and_misspelt_columns(files):
    params, csv = files
    csv.write_text("month,investment,deal_closed\n1,10000,0\n", encoding="utf-8")
    assert_refused(
        params,
        csv,
        [
            f"{csv}:1: deal_closed: unknown column (did you mean 'deals_closed'?)",
            f"{csv}:1: deals_closed: missing column; the first line must name month, investment, deals_closed, vendor_revenue",
            f"{csv}:1: vendor_revenue: missing column; the first line must name month, investment, deals_closed, vendor_revenue",
        ],
    )


def test_a_file_that_is_not_csv(files):
    params, csv = files
    csv.write_text(PARAMS, encoding="utf-8")  # a YAML file given by mistake
    assert_refused(
        params,
        csv,
        [f"{csv}:1: (file): not an actuals CSV: its first line names none of the columns month, investment, deals_closed, vendor_revenue (got '# the worked example: keep this comment')"],
    )
    csv.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe")
    assert_refused(params, csv, [f"{csv}:1: (file): not UTF-8 text (byte 0xff); export the CSV as UTF-8"])
    csv.write_text("month;investment;deals_closed;vendor_revenue\n1;0;0;0\n", encoding="utf-8")
    assert_refused(
        params,
        csv,
        [
            f"{csv}:1: (file): not an actuals CSV: its first line names none of the columns month, investment, deals_closed, "
            "vendor_revenue (got 'month;investment;deals_closed;vendor_revenue'); its values are separated by ';': export the CSV with commas"
        ],
    )
    csv.write_text("", encoding="utf-8")
    assert_refused(params, csv, [f"{csv}: (file): the file is empty; the first line names the columns: month, investment, deals_closed, vendor_revenue"])


def test_a_bad_params_file_is_reported_and_left_alone(files):
    params, csv = files
    params.write_text(PARAMS.replace("horizon_months: 24", "horizon_months: many"), encoding="utf-8")
    csv.write_text(on_plan_csv(), encoding="utf-8")
    before = params.read_bytes()
    proc = run(params, csv)
    assert proc.returncode == 2 and f"{params}:5: ramp.horizon_months: expected a whole number" in proc.stderr
    assert params.read_bytes() == before


def test_help_names_the_columns():
    proc = workbook_cmd("import-actuals", "--help", timeout=120)
    assert proc.returncode == 0
    words = " ".join(proc.stdout.split())
    for column in ("month", "investment", "deals_closed", "vendor_revenue", "influenced_revenue"):
        assert column in words
    assert "file.csv:ROW: column: message" in words


def test_headers_in_any_case_and_calendar_months_with_a_start(files):
    params, csv = files
    dated = PARAMS.replace("type: reseller}", "type: reseller, start: 2026-03-10}") + (
        "health:\n  check_ins:\n    - {date: 2026-04-01, alliance_manager: null, sentiment: neutral}   # vacant\n"
    )
    params.write_text(dated, encoding="utf-8")
    csv.write_text(" Month ,Investment,Deals  Closed,Vendor-Revenue\n2026-03,10000,0,0\n2026-04,10000,1,8000\n", encoding="utf-8")
    proc = run(params, csv)
    assert proc.returncode == 0, proc.stderr
    text = params.read_text(encoding="utf-8")
    assert text.startswith(dated)  # every byte kept, alliance_manager: null and its comment included
    p = load_params(params)
    assert p.actuals is not None and [(m.month, m.vendor_revenue) for m in p.actuals.months] == [(1, 0), (2, 8000)]
    # a calendar month before the start, and one without a start
    csv.write_text("month,investment,deals_closed,vendor_revenue\n2026-02,1,0,0\n", encoding="utf-8")
    assert_refused(params, csv, [f"{csv}:2: month: 2026-02 is before the alliance's start (2026-03-10, month 1)"])
    params.write_text(PARAMS, encoding="utf-8")
    assert_refused(
        params,
        csv,
        [f"{csv}:2: month: a calendar month (2026-02) needs alliance.start in the params file to say which month is month 1; or write the plan month number"],
    )


def test_numbers_are_plain_digits(files):
    params, csv = files
    csv.write_text(HEADER + "1,10_000,0,0\n2,１２,0,0\n3,nan,0,0\n", encoding="utf-8")
    hint = "(write digits only, without thousands separators, currency signs or units)"
    assert_refused(
        params,
        csv,
        [
            f"{csv}:2: investment: expected a number, got '10_000' {hint}",
            f"{csv}:3: investment: expected a number, got '１２' {hint}",
            f"{csv}:4: investment: expected a number, got 'nan' {hint}",
        ],
    )


def test_a_huge_header_is_refused_at_once_and_problems_are_capped(files):
    import time

    params, csv = files
    csv.write_text(",".join(f"c{i}" for i in range(120_000)) + "\n", encoding="utf-8")  # about 1 MB
    t0 = time.monotonic()
    assert_refused(params, csv, [f"{csv}:1: (file): the first line names 120,000 columns; an actuals CSV has at most 7 (month, investment, deals_closed, vendor_revenue, deals_sourced, partner_sourced_revenue, influenced_revenue)"])
    assert time.monotonic() - t0 < 30
    csv.write_text(HEADER + "".join(f"{m},x,0,0\n" for m in range(1, 121)), encoding="utf-8")
    proc = run(params, csv)
    lines = proc.stderr.splitlines()
    # 120 bad cells + months 25..120 past the horizon of 24 = 216 problems: 50 shown, 166 counted
    assert proc.returncode == 2 and len(lines) == 52 and lines[50] == "… and 166 more problems"


def test_an_overlong_csv_name_is_named_as_the_csvs_problem(files):
    params, _ = files
    csv = params.parent / ("x" * 126 + ".csv")
    csv.write_text(on_plan_csv(2), encoding="utf-8")
    assert_refused(
        params,
        csv,
        [f"{csv}: (file): the file's name is 130 characters long and is kept as the section's source, which holds at most 120: rename the file, or give --source"],
    )
