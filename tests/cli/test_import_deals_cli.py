"""`workbook import-deals PARAMS EXPORT` on the CRM's own exports.

The same eleven deals are in tests/data/crm/ as a Salesforce opportunity report (BOM, CRLF,
every field quoted, US dates, "$12,000.00") and as a HubSpot deals export (another column
order, internal stage ids, ISO date-times, "8,000"), plus an .xlsx copy made here. Each must
import to the same months, computed by hand below. Every refusal leaves the params file byte
for byte as it was; a success changes only the actuals and pipeline sections.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import workbook_cmd
from workbook import load_params
from workbook.cli import app

CRM = Path(__file__).resolve().parents[1] / "data" / "crm"
SALESFORCE = CRM / "salesforce-opportunities.csv"
HUBSPOT = CRM / "hubspot-deals.csv"
HUBSPOT_MAP = CRM / "hubspot-map.yaml"

#: Month 1 is January 2026 (the calendar month of the 15th); 10,000 a month planned; margin 20 %.
PARAMS = """\
# Northwind: the deal import's worked example (keep this comment)
schema: 1
alliance:
  name: 'Acme × Northwind'     # odd quoting stays
  vendor: "Acme Cloud"
  partner: Northwind Systems
  type: reseller
  currency: USD
  start: 2026-01-15              # month 1 is January 2026
ramp:
  horizon_months: 12
  commitment_months: 12
  sales_cycle_months: 2
  steady_deals_per_month: 2
  avg_deal_value: 10000
  partner_margin: 0.20
  gross_margin: 0.70
  investment:
    - {name: Alliance manager, monthly_cost: 10000, start_month: 1, end_month: 12}

# the check-ins: alliance_manager null means the post is vacant
health:
  check_ins:
    - {date: 2026-02-01, alliance_manager: null, sentiment: positive, wins: 1, wins_crediting_partner: 1}
"""

# The deals of Northwind Systems (partner named in any case/spacing), by hand:
#   won  006A000001 2026-01-20 12,000.00 Partner          -> month 1, sourced
#   won  006A000002 2026-02-14  8,000.00 Web              -> month 2, influenced
#   won  006A000003 2026-02-28  5,000.50 Partner Referral -> month 2, sourced
#   lost 006A000004                                        -> lost
#   open 006A000005 2026-06-15 30,000.00                   -> pipeline month 6
#   open 006A000006 2026-03-01  7,000.00 (date passed)     -> pipeline month M + 1 = 5
#   won  006A000009 2026-04-02 10,000.00 Partner          -> month 4, sourced
#   open 006A000010 2027-03-01 (month 15 > horizon 12)     -> left out
# Other partners' and partnerless deals are ignored. Through = the latest close date of a
# closed deal = 2026-04-02 (Iota), month 4.
# vendor revenue = amount x (1 - 0.20):
#   month 1: 12,000 x 0.8 = 9,600 (all sourced)
#   month 2: (8,000 + 5,000.50) x 0.8 = 10,400.40; sourced 5,000.50 x 0.8 = 4,000.40; influenced 6,400
#   month 3: 0
#   month 4: 10,000 x 0.8 = 8,000 (sourced)
# investment: the plan's 10,000 a month (no ledger, no earlier actuals)
EXPECTED_MONTHS = [
    {"month": 1, "investment": 10000, "deals_closed": 1, "vendor_revenue": 9600, "deals_sourced": 1, "partner_sourced_revenue": 9600, "influenced_revenue": 0},
    {"month": 2, "investment": 10000, "deals_closed": 2, "vendor_revenue": 10400.4, "deals_sourced": 1, "partner_sourced_revenue": 4000.4, "influenced_revenue": 6400},
    {"month": 3, "investment": 10000, "deals_closed": 0, "vendor_revenue": 0, "deals_sourced": 0, "partner_sourced_revenue": 0, "influenced_revenue": 0},
    {"month": 4, "investment": 10000, "deals_closed": 1, "vendor_revenue": 8000, "deals_sourced": 1, "partner_sourced_revenue": 8000, "influenced_revenue": 0},
]
UNSPLIT = [{k: v for k, v in m.items() if k in ("month", "investment", "deals_closed", "vendor_revenue")} for m in EXPECTED_MONTHS]
EXPECTED_PIPELINE = {"as_of": dt.date(2026, 4, 2), "won": 4, "lost": 1, "months": [{"month": 5, "deals": 1, "amount": 7000}, {"month": 6, "deals": 1, "amount": 30000}]}


@pytest.fixture
def params(tmp_path: Path) -> Path:
    path = tmp_path / "northwind.yaml"
    path.write_bytes(PARAMS.encode("utf-8"))
    return path


def invoke(*args: object):
    result = CliRunner().invoke(app, ["import-deals", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def months_of(path: Path) -> list[dict[str, object]]:
    p = load_params(path)
    assert p.actuals is not None
    return [m.model_dump(exclude_none=True) for m in p.actuals.months]


def pipeline_of(path: Path) -> dict[str, object]:
    p = load_params(path)
    assert p.pipeline is not None
    return p.pipeline.model_dump(exclude={"source"})


def rest_of_file(text: str) -> str:
    """The file without its actuals and pipeline sections (each from its key to the next
    top-level key or the end)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line[:1] not in (" ", "\t", "\r", "\n", "#", "-") and line.strip():
            skipping = line.startswith(("actuals:", "pipeline:"))
        if not skipping:
            out.append(line)
    return "".join(out)


def test_salesforce_report_imports_to_the_hand_computed_months(params: Path):
    result = invoke(params, SALESFORCE)
    assert result.exit_code == 0, result.output
    assert months_of(params) == EXPECTED_MONTHS
    assert pipeline_of(params) == EXPECTED_PIPELINE
    p = load_params(params)
    assert p.actuals is not None and p.actuals.source == "salesforce-opportunities.csv"
    assert p.pipeline is not None and p.pipeline.source == "salesforce-opportunities.csv" and p.pipeline.win_rate == 0.8
    out = result.stdout
    assert "Salesforce opportunity report, 11 deals; 8 of Northwind Systems (4 won, 1 lost, 3 open)" in out
    assert "counted in month 5" in out and "left out of the pipeline" in out
    assert "Investment: months 1–4 from the plan." in out
    # only the two sections are new: every other byte is the file as it was
    text = params.read_text(encoding="utf-8")
    assert rest_of_file(text) == PARAMS
    assert "alliance_manager: null" in text and "name: 'Acme × Northwind'     # odd quoting stays" in text


def test_hubspot_export_with_its_map_imports_to_the_same_months(params: Path):
    assert invoke(params, HUBSPOT, "--map", HUBSPOT_MAP).exit_code == 0
    assert months_of(params) == EXPECTED_MONTHS
    assert pipeline_of(params) == EXPECTED_PIPELINE


def test_hubspot_export_without_an_attribution_column_leaves_the_split_out(params: Path):
    result = invoke(params, HUBSPOT)
    assert result.exit_code == 0, result.output
    assert "HubSpot deals export" in result.stdout and "no attribution column" in result.stdout
    assert months_of(params) == UNSPLIT
    assert pipeline_of(params) == EXPECTED_PIPELINE


def _xlsx_with_openpyxl(src: Path, dest: Path) -> None:
    """The Salesforce report as a workbook with real date cells and number cells, as Excel saves it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with src.open(encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            if i:
                m, d, y = (int(x) for x in row[5].split("/"))
                row[5] = dt.datetime(y, m, d)  # type: ignore[call-overload]
                row[6] = float(row[6].replace("$", "").replace(",", ""))  # type: ignore[call-overload]
            sheet.append(row)
    book.save(dest)


@pytest.mark.parametrize("maker", ["openpyxl", "soffice"])
def test_an_xlsx_copy_imports_to_the_same_months(params: Path, tmp_path: Path, maker: str):
    xlsx = tmp_path / "salesforce-opportunities.xlsx"
    if maker == "openpyxl":
        _xlsx_with_openpyxl(SALESFORCE, xlsx)
    else:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            pytest.skip("LibreOffice is not installed")
        out = tmp_path / "lo"
        subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "xlsx", "--outdir", str(out), str(SALESFORCE)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        shutil.move(out / "salesforce-opportunities.xlsx", xlsx)
    result = invoke(params, xlsx)
    assert result.exit_code == 0, result.output
    assert months_of(params) == EXPECTED_MONTHS
    assert pipeline_of(params) == EXPECTED_PIPELINE


def test_importing_the_same_export_again_changes_nothing(params: Path):
    assert invoke(params, SALESFORCE).exit_code == 0
    before = params.read_bytes()
    stat = params.stat()
    result = invoke(params, SALESFORCE)
    assert result.exit_code == 0
    assert "unchanged" in result.stdout
    assert params.read_bytes() == before and params.stat().st_ino == stat.st_ino  # not even rewritten


def test_dry_run_prints_the_table_and_writes_nothing(params: Path):
    before = params.read_bytes()
    result = invoke(params, SALESFORCE, "--dry-run")
    assert result.exit_code == 0
    assert params.read_bytes() == before
    assert "Dry run: would write" in result.stdout and "4 months added, 0 changed" in result.stdout
    assert "   2+  Feb 2026      2       10,400.40" in result.stdout


def test_spend_ledger_then_earlier_actuals_then_plan(params: Path, tmp_path: Path):
    # earlier actuals record months 1-3 at 9,000; the ledger has month 2 (two rows) and 2026-04
    params.write_text(
        PARAMS
        + "actuals:\n  months:\n"
        + "".join(f"    - {{month: {m}, investment: 9000, deals_closed: 0, vendor_revenue: 0}}\n" for m in (1, 2, 3)),
        encoding="utf-8",
    )
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("Month,Amount\n2,\"$4,000.00\"\n2026-02,1500\n2026-04,12000\n", encoding="utf-8")
    result = invoke(params, SALESFORCE, "--spend", ledger)
    assert result.exit_code == 0, result.output
    # month 1: earlier actuals 9,000; month 2: ledger 4,000 + 1,500 = 5,500; month 3: actuals 9,000;
    # month 4: ledger 12,000
    assert [m["investment"] for m in months_of(params)] == [9000, 5500, 9000, 12000]
    assert "months 2, 4 from the spend ledger; months 1, 3 from the file's earlier actuals" in " ".join(result.stdout.split())
    assert "1 month added, 3 changed" in result.stdout


def test_through_and_partner_options(params: Path):
    # through 2026-02-20: month 2; Gamma (2026-02-28) closes after it and is left out
    result = invoke(params, SALESFORCE, "--through", "2026-02-20", "--partner", "southwind partners")
    assert result.exit_code == 0, result.output
    # Southwind's deals: Eta won 2026-03-05 (after the through date), Lambda lost; nothing in months 1-2
    assert [(m["deals_closed"], m["vendor_revenue"]) for m in months_of(params)] == [(0, 0), (0, 0)]
    pipe = pipeline_of(params)
    assert (pipe["won"], pipe["lost"], pipe["months"]) == (1, 1, [])


def assert_refused(params: Path, *args: object) -> list[str]:
    before = params.read_bytes()
    siblings = sorted(params.parent.iterdir())
    result = invoke(params, *args)
    assert result.exit_code == 2, result.output
    assert params.read_bytes() == before, "the params file changed after a refused import"
    assert sorted(params.parent.iterdir()) == siblings, "something else was written"
    lines = result.stderr.splitlines()
    assert lines[-1] == f"Nothing written to {params}."
    return lines[:-1]


def test_every_bad_row_is_located_and_nothing_is_written(params: Path, tmp_path: Path):
    export = tmp_path / "deals.csv"
    export.write_text(
        "Stage,Close Date,Amount,Partner Account,Opportunity ID,Currency\n"
        "Closed Won,2026-02-30,100,Northwind Systems,A1,USD\n"  # line 2: no such day
        "Closed Won,2026-02-01,12 000 apples,Northwind Systems,A2,USD\n"  # line 3
        "Closed Won,2026-02-01,-5,Northwind Systems,A3,USD\n"  # line 4
        "Closed Won,2026-02-01,100,Northwind Systems,A4,EUR\n"  # line 5
        "Closed Won,2026-02-01,100,Northwind Systems,A1,USD\n"  # line 6: id of line 2
        "Closed Won,2025-12-31,100,Northwind Systems,A6,USD\n"  # line 7: before the start's month
        "Closed Won,2027-02-01,100,Northwind Systems,A7,USD\n"  # line 8: month 14 > horizon 12
        "Closed Won,14/02/2026,100,Northwind Systems,A8,USD\n"  # line 9: day first
        "Closed Won,2026-02-01,10_000,Northwind Systems,A9,USD\n"  # line 10
        "Closed Won,2026-02-01,１２,Northwind Systems,A10,USD\n",  # line 11: full-width digits
        encoding="utf-8",
    )
    lines = assert_refused(params, export)
    amount = "(digits 0-9 with an optional currency sign, thousands separators and decimal mark)"
    assert lines == [
        f"{export}:2: Close Date: '2026-02-30' is not a date that exists",
        f"{export}:3: Amount: expected an amount, got '12 000 apples' {amount}",
        f"{export}:4: Amount: must not be negative, got '-5'",
        f"{export}:5: Currency: 'EUR' is not the params file's currency (USD); convert the amounts or export them in USD",
        f"{export}:6: Opportunity ID: duplicate id 'A1' (first on row 2); export each deal once",
        f"{export}:7: Close Date: a won deal closing on 2025-12-31, before the alliance's start (2026-01-15, month 1)",
        f"{export}:8: Close Date: a won deal closing on 2027-02-01, in month 14, after the plan's horizon (12 months)",
        f"{export}:9: Close Date: '14/02/2026' reads as day/month/year; dates are read as ISO (2026-02-14) or US month/day/year: give the map's date_format (%d/%m/%Y)",
        f"{export}:10: Amount: expected an amount, got '10_000' {amount}",
        f"{export}:11: Amount: expected an amount, got '１２' {amount}",
    ]


def test_problems_are_capped_at_fifty(params: Path, tmp_path: Path):
    export = tmp_path / "deals.csv"
    export.write_text("Stage,Close Date,Amount,Partner\n" + "Closed Won,someday,1,Northwind Systems\n" * 130, encoding="utf-8")
    lines = assert_refused(params, export)
    assert len(lines) == 51 and lines[-1] == "… and 80 more problems"
    assert lines[0].startswith(f"{export}:2: Close Date: expected a date")


def test_no_partner_column_is_said_clearly(params: Path, tmp_path: Path):
    export = tmp_path / "hubspot.csv"
    export.write_text("Record ID,Deal Name,Deal Stage,Close Date,Amount\n1,A,closedwon,2026-02-01,100\n", encoding="utf-8")
    [line] = assert_refused(params, export)
    assert line == (
        f"{export}:1: partner: no partner column found (looked for Partner Account, Partner, Partner Name); "
        "name it in a map file: columns: {partner: YOUR COLUMN} (--map)"
    )


def test_a_bad_map_names_the_map_file_and_field(params: Path, tmp_path: Path):
    bad = tmp_path / "map.yaml"
    bad.write_text("columns:\n  amout: Value\nwon: Closed Won\n", encoding="utf-8")
    lines = assert_refused(params, HUBSPOT, "--map", bad)
    assert lines[0] == f"{bad}:2: columns.amout: unknown key (did you mean 'amount'?)"
    assert lines[1].startswith(f"{bad}:3: won: ")
    bad.write_text("columns:\n  amount: Value\n", encoding="utf-8")
    assert assert_refused(params, HUBSPOT, "--map", bad) == [f"{bad}: columns.amount: the export hubspot-deals.csv has no column 'Value'"]


def test_a_file_without_a_start_is_refused(params: Path):
    no_start = PARAMS.replace("  start: 2026-01-15              # month 1 is January 2026\n", "")
    params.write_text(no_start[: no_start.index("\n# the check-ins")], encoding="utf-8")  # health needs a start too
    [line] = assert_refused(params, SALESFORCE)
    assert line.startswith(f"{params}: alliance.start: is required to import deals")


def test_no_deal_of_the_partner_and_a_through_outside_the_horizon(params: Path):
    [line] = assert_refused(params, SALESFORCE, "--partner", "Nobody Ltd")
    assert "no deal names the partner 'Nobody Ltd'" in line
    [line] = assert_refused(params, SALESFORCE, "--through", "2027-06-01")
    assert line == f"{SALESFORCE}: --through: the through date 2027-06-01 is in month 18; it must fall in months 1..12 (from 2026-01-15)"


def test_control_characters_are_escaped_in_what_is_printed(params: Path, tmp_path: Path):
    export = tmp_path / "deals\x1b[2J.csv"
    export.write_text("Stage,Close Date,Amount,Partner\nClosed Won,2026-02-01,12\x1b[31m,Northwind Systems\n", encoding="utf-8")
    result = invoke(params, export)
    assert result.exit_code == 2 and "\x1b" not in result.stderr
    assert "deals\\x1b[2J.csv: (file): the file's name holds a control character" in result.stderr
    assert "deals\\x1b[2J.csv:2: Amount: expected an amount, got '12\\x1b[31m'" in result.stderr
    export.write_text("Stage,Close Date,Amount,Partner\nClosed Won,2026-02-01,12,Northwind Systems\n", encoding="utf-8")
    lines = assert_refused(params, export)  # the name would be the sections' source, which must be plain text
    assert lines == [
        "/".join([str(tmp_path), "deals\\x1b[2J.csv"]) + ": (file): the file's name holds a control character (U+001B) and is kept as "
        "the section's source, which must be plain text: rename the file, or give --source"
    ]
    # and --source does what the message says
    named = invoke(params, export, "--source", "Salesforce, Feb 2026")
    assert named.exit_code == 0, named.stderr
    text = params.read_text(encoding="utf-8")
    assert text.count("source: Salesforce, Feb 2026") == 2  # actuals and pipeline


def test_the_console_script_and_its_help():
    proc = workbook_cmd("import-deals", "--help", timeout=120)
    assert proc.returncode == 0
    words = " ".join(proc.stdout.split())
    for word in ("--map", "--spend", "--through", "--partner", "--dry-run", "--source", "Salesforce", "HubSpot", "file:ROW: column: message"):
        assert word in words


def test_annual_recurring_deals_are_billed_a_twelfth_a_month(params: Path):
    params.write_text(PARAMS.replace("  gross_margin: 0.70\n", "  gross_margin: 0.70\n  deal_value_kind: annual_recurring\n"), encoding="utf-8")
    assert invoke(params, SALESFORCE).exit_code == 0
    # billing (no churn): m1 12,000/12 = 1,000; m2 1,000 + 13,000.50/12 = 2,083.375; m3 2,083.375;
    # m4 2,083.375 + 10,000/12 = 2,916.708; vendor revenue x 0.8 = 800, 1,666.70, 1,666.70, 2,333.37
    months = months_of(params)
    assert [m["vendor_revenue"] for m in months] == [800, 1666.7, 1666.7, 2333.37]
    # sourced billing: 1,000; 1,000 + 5,000.50/12 = 1,416.71; 1,416.71; + 833.33 = 2,250.04 (x 0.8)
    assert [m["partner_sourced_revenue"] for m in months] == [800, 1133.37, 1133.37, 1800.03]
    assert [m["influenced_revenue"] for m in months] == [0, 533.33, 533.33, 533.33]
    assert pipeline_of(params) == EXPECTED_PIPELINE  # open amounts are annual contract values, unbilled


def test_any_other_export_with_the_readmes_map(params: Path, tmp_path: Path):
    """The map of the README's example: a day-first export with its own column and stage names."""
    export = tmp_path / "pipedrive.csv"
    export.write_text(
        "Title,Status,Won on,Value,Reseller,Origin\n"
        "A,Won,20.01.2026,\"12.000,00\",Northwind Systems,Reseller lead\n"  # month 1, sourced: 9,600
        "B,Won,14.02.2026,8000,Northwind Systems,Web\n"  # month 2, influenced: 6,400
        "C,Lost,15.02.2026,500,Northwind Systems,Web\n"
        "D,Open,15.05.2026,3000,Northwind Systems,Web\n",  # pipeline month 5
        encoding="utf-8",
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {close_date: Won on, amount: Value, stage: Status, partner: Reseller, attribution: Origin}\n"
        "won: [Won]\nlost: [Lost]\nsourced: [Reseller lead]\ndate_format: \"%d.%m.%Y\"\n",
        encoding="utf-8",
    )
    result = invoke(params, export, "--map", mapping)
    assert result.exit_code == 0, result.output
    assert "deal export read with a map" in result.stdout
    assert [(m["deals_closed"], m["vendor_revenue"], m["partner_sourced_revenue"]) for m in months_of(params)] == [(1, 9600, 9600), (1, 6400, 0)]
    pipe = pipeline_of(params)
    assert (pipe["won"], pipe["lost"], pipe["months"], pipe["as_of"]) == (2, 1, [{"month": 5, "deals": 1, "amount": 3000}], dt.date(2026, 2, 15))


def test_a_bad_ledger_is_located_and_nothing_written(params: Path, tmp_path: Path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("Date,Amount\n2025-12-31,100\n2026-02-03,-5\nlater,1\n", encoding="utf-8")
    assert assert_refused(params, SALESFORCE, "--spend", ledger) == [
        f"{ledger}:2: date: 2025-12-31 is before the alliance's start (2026-01-15)",
        f"{ledger}:3: amount: must not be negative, got '-5'",
        f"{ledger}:4: date: expected a date (2026-02-14 or 2/14/2026), got 'later'; another format needs the map's date_format",
    ]


def test_an_old_xls_and_a_broken_xlsx_are_refused(params: Path, tmp_path: Path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert assert_refused(params, xls) == [f"{xls}: (file): an Excel 97-2003 workbook (.xls) is not read; save it as .xlsx or export a CSV"]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    [line] = assert_refused(params, broken)
    assert line.startswith(f"{broken}: (file): not a readable .xlsx workbook")


def test_a_huge_header_is_refused_at_once(params: Path, tmp_path: Path):
    import time

    export = tmp_path / "wide.csv"
    export.write_text(",".join(f"Column {i}" for i in range(120_000)) + "\n", encoding="utf-8")  # about 1.3 MB
    t0 = time.monotonic()
    assert assert_refused(params, export) == [f"{export}:1: (row): 120,000 values; a deal export may have at most 500 columns"]
    assert time.monotonic() - t0 < 10
