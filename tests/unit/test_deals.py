"""The deal importer's pieces: amounts and dates as CRMs write them, the months and pipeline built
from deals (one-off and annual recurring, by hand), and the section writer that leaves every
other byte of a params file as it was."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import MINIMAL_PARAMS
from workbook.deals import Deal, build, month_number, parse_amount, parse_date, printable
from workbook.errors import ParamsError
from workbook.params import check_text, splice_sections, write_sections


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("$12,000.00", 12000.0),
        ("1,234", 1234.0),  # a 3-digit group after a comma is thousands
        ("€ 5.000", 5000.0),  # ... and after a lone dot too (CRMs write cents with 2 decimals)
        ("1.234,50", 1234.5),  # both marks: the later one is the decimal mark
        ("1,234,567.89", 1234567.89),
        ("12,5", 12.5),  # one or two digits after a lone comma: a decimal comma
        ("12000 USD", 12000.0),
        ("USD 12,000", 12000.0),
        ("  7000  ", 7000.0),
        ("1'234.50", 1234.5),
        ("0.5", 0.5),
        (1500, 1500.0),  # a number cell of a sheet
        (99.5, 99.5),
        ("(1,000)", -1000.0),
        ("-250", -250.0),
    ],
)
def test_amounts_as_crms_write_them(cell: object, value: float):
    assert parse_amount(cell) == value


@pytest.mark.parametrize("cell", ["10_000", "１２", "1e5", "nan", "12,34,56", "1,2345", "12 000 apples", "", "$", "1.2.3", "--5", True])
def test_what_is_not_an_amount(cell: object):
    assert isinstance(parse_amount(cell), str)


@given(st.integers(min_value=0, max_value=10**12))
def test_any_amount_in_cents_reads_back_in_either_convention(cents: int):
    units, rest = divmod(cents, 100)
    us = f"${units:,}.{rest:02d}"
    eu = f"{units:,}".replace(",", ".") + f",{rest:02d} €"
    assert parse_amount(us) == pytest.approx(cents / 100, abs=1e-9)
    assert parse_amount(eu) == pytest.approx(cents / 100, abs=1e-9)
    assert parse_amount(str(units)) == units


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2026-02-14", dt.date(2026, 2, 14)),
        ("2026-02-14 10:30", dt.date(2026, 2, 14)),
        ("2026-02-14T10:30:00Z", dt.date(2026, 2, 14)),
        ("2/14/2026", dt.date(2026, 2, 14)),
        ("02/14/2026 10:30 AM", dt.date(2026, 2, 14)),
        (dt.datetime(2026, 2, 14, 9, 0), dt.date(2026, 2, 14)),
    ],
)
def test_dates(cell: object, day: dt.date):
    assert parse_date(cell) == day


def test_dates_refused_or_read_with_a_format():
    assert "day/month/year" in str(parse_date("14/02/2026"))
    assert "not a date that exists" in str(parse_date("2026-02-30"))
    assert parse_date("14.02.2026", "%d.%m.%Y") == dt.date(2026, 2, 14)
    assert "map's format" in str(parse_date("2026-02-14", "%d.%m.%Y"))


def test_month_numbers_count_calendar_months_from_the_start():
    start = dt.date(2025, 11, 20)
    assert [month_number(dt.date(2025, 11, 1), start), month_number(dt.date(2026, 2, 14), start), month_number(dt.date(2025, 10, 31), start)] == [1, 4, 0]


def _params(extra: str = ""):
    text = MINIMAL_PARAMS.replace("type: reseller}", "type: reseller, start: 2026-01-01}") + extra
    return check_text(text, Path("t.yaml"))


def deal(row: int, outcome: str, close: dt.date, amount: float, sourced: bool | None = True, ours: bool = True) -> Deal:
    return Deal(row, str(row), outcome, ours, close, amount, sourced, None)  # type: ignore[arg-type]


def test_recurring_contracts_are_billed_a_twelfth_a_month_as_the_plan_bills():
    params = _params()
    params = params.model_copy(update={"ramp": params.ramp.model_copy(update={"deal_value_kind": "annual_recurring", "annual_churn": 0.0})})
    deals = [
        deal(2, "won", dt.date(2026, 1, 10), 12000),  # sourced, month 1
        deal(3, "won", dt.date(2026, 3, 5), 24000, sourced=False),  # influenced, month 3
        deal(4, "won", dt.date(2026, 3, 6), 6000, ours=False),  # another partner's
    ]
    out = build(params, deals, dt.date(2026, 4, 30))
    margin = params.ramp.partner_margin
    # billing: month 1: 12,000/12 = 1,000; month 2: 1,000; month 3: 1,000 + 24,000/12 = 3,000; month 4: 3,000
    billed = [1000, 1000, 3000, 3000]
    assert [m["vendor_revenue"] for m in out.months] == [round(b * (1 - margin), 2) for b in billed]
    assert [m["partner_sourced_revenue"] for m in out.months] == [round(1000 * (1 - margin), 2)] * 4
    assert [m["influenced_revenue"] for m in out.months] == [0, 0, round(2000 * (1 - margin), 2), round(2000 * (1 - margin), 2)]
    assert [m["deals_closed"] for m in out.months] == [1, 0, 1, 0]


def test_churn_shrinks_the_book_by_g_a_month():
    params = _params()
    params = params.model_copy(update={"ramp": params.ramp.model_copy(update={"deal_value_kind": "annual_recurring", "annual_churn": 0.5})})
    out = build(params, [deal(2, "won", dt.date(2026, 1, 10), 12000)], dt.date(2026, 3, 1))
    g = 0.5 ** (1 / 12)  # (1 - 0.5)^(1/12), no expansion
    keep = 1 - params.ramp.partner_margin
    assert [m["vendor_revenue"] for m in out.months] == [round(1000 * keep, 2), round(1000 * g * keep, 2), round(1000 * g * g * keep, 2)]


def test_printable_escapes_terminal_controls():
    assert printable("a\x1b[2Jb\u202ec") == "a\\x1b[2Jb\\u202ec"


# --------------------------------------------------------------------------------------------
# The section writer

ORIGINAL = """\
# keep me
schema: 1
alliance:
  name: "Acme × 'Northwind'"   # odd quoting
  vendor: 'Acme'
  partner: Northwind
  type: reseller
ramp: {horizon_months: 12, commitment_months: 12, sales_cycle_months: 2, steady_deals_per_month: 1, avg_deal_value: 100, partner_margin: 0.2, gross_margin: 0.5}
actuals:    # from the CRM
  # an old comment
  months:
    - {month: 1, investment: 1, deals_closed: 0, vendor_revenue: 0}

# the check-ins
health:
  alliance_start: 2026-01-01
  check_ins:
    - {date: 2026-02-01, alliance_manager: null, sentiment: positive}
"""

NEW_ACTUALS = {"source": "x.csv", "months": [{"month": 1, "investment": 5, "deals_closed": 1, "vendor_revenue": 80}]}


def test_a_section_is_replaced_and_every_other_byte_kept():
    out = splice_sections(ORIGINAL, Path("a.yaml"), {"actuals": NEW_ACTUALS, "pipeline": {"won": 1, "lost": 0, "months": []}})
    before, _, after = ORIGINAL.partition("actuals:    # from the CRM\n")
    after = after[after.index("\n# the check-ins") :]
    assert out.startswith(before + "actuals:    # from the CRM\n  source: x.csv\n")
    assert out.endswith(after + "pipeline:\n  won: 1\n  lost: 0\n  months: []\n")
    assert "alliance_manager: null" in out and "an old comment" not in out
    check_text(out, Path("a.yaml"))


def test_crlf_files_stay_crlf_and_a_missing_final_newline_is_added_before_an_appended_section():
    crlf = ORIGINAL.replace("\n", "\r\n")
    out = splice_sections(crlf, Path("a.yaml"), {"actuals": NEW_ACTUALS})
    assert "\n" not in out.replace("\r\n", "")
    assert out.replace("\r\n", "\n") == splice_sections(ORIGINAL, Path("a.yaml"), {"actuals": NEW_ACTUALS})
    bare = ORIGINAL.rstrip("\n")
    out = splice_sections(bare, Path("a.yaml"), {"pipeline": {"won": 2}})
    assert out == bare + "\npipeline:\n  won: 2\n"


def test_writing_the_same_values_twice_leaves_the_file_alone(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_text(ORIGINAL, encoding="utf-8")
    _, changed = write_sections(path, {"actuals": NEW_ACTUALS})
    assert changed
    first = path.read_bytes()
    inode = path.stat().st_ino
    _, changed = write_sections(path, {"actuals": NEW_ACTUALS})
    assert not changed and path.read_bytes() == first and path.stat().st_ino == inode


def test_an_invalid_result_is_refused_and_nothing_written(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_text(ORIGINAL, encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        write_sections(path, {"actuals": {"months": [{"month": 2, "investment": 1, "deals_closed": 0, "vendor_revenue": 0}]}})
    assert "actuals.months[0].month" in str(err.value)
    assert path.read_text(encoding="utf-8") == ORIGINAL
    _, changed = write_sections(path, {"actuals": NEW_ACTUALS}, dry_run=True)
    assert changed and path.read_text(encoding="utf-8") == ORIGINAL


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(source=_text, n=st.integers(min_value=1, max_value=6), comment=_text.filter(lambda s: "\n" not in s and "\r" not in s))
def test_property_only_the_section_changes(source: str, n: int, comment: str):
    original = ORIGINAL.replace("# keep me", f"# {comment}")
    values = {"months": [{"month": m, "investment": m * 10, "deals_closed": m, "vendor_revenue": m * 1.5} for m in range(1, n + 1)]}
    if source.strip():
        values = {"source": source[:100], **values}
    out = splice_sections(original, Path("a.yaml"), {"actuals": values})
    head = original[: original.index("actuals:")]
    tail = original[original.index("\n# the check-ins") + 1 :]
    assert out.startswith(head) and out.endswith(tail)


_deals = st.lists(
    st.tuples(
        st.sampled_from(["won", "lost", "open"]),
        st.integers(min_value=0, max_value=11),  # months after January 2026
        st.integers(min_value=1, max_value=28),
        st.integers(min_value=0, max_value=10**9),  # cents
        st.booleans(),  # sourced
        st.booleans(),  # this partner's
    ),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(rows=_deals, through=st.integers(min_value=0, max_value=11))
def test_property_one_off_months_add_up_to_the_deals(rows, through: int):
    params = _params()
    deals = [
        deal(i + 2, outcome, dt.date(2026, 1 + k, day), cents / 100, sourced=sourced, ours=ours)
        for i, (outcome, k, day, cents, sourced, ours) in enumerate(rows)
    ]
    end = dt.date(2026, 1 + through, 28)
    out = build(params, deals, end, split=True)
    counted = [d for d in deals if d.ours and d.outcome == "won" and d.close <= end]  # type: ignore[operator]
    keep = 1 - params.ramp.partner_margin
    assert [m["month"] for m in out.months] == list(range(1, through + 2))  # no gaps, zero rows included
    assert sum(m["deals_closed"] for m in out.months) == len(counted)
    assert sum(m["deals_sourced"] for m in out.months) == sum(1 for d in counted if d.sourced)
    assert sum(m["vendor_revenue"] for m in out.months) == pytest.approx(sum(d.amount for d in counted) * keep, abs=0.01 * len(out.months) + 1e-6)  # type: ignore[misc]
    for m in out.months:  # the split adds up to the vendor revenue, each rounded to the cent
        assert abs(m["partner_sourced_revenue"] + m["influenced_revenue"] - m["vendor_revenue"]) <= 0.011
    opened = [d for d in deals if d.ours and d.outcome == "open"]
    assert sum(p["deals"] for p in out.pipeline["months"]) == len(opened)  # all fall within the 24-month horizon
    assert all(p["month"] > through + 1 for p in out.pipeline["months"])
    assert (out.pipeline["won"], out.pipeline["lost"]) == (sum(1 for d in deals if d.ours and d.outcome == "won"), sum(1 for d in deals if d.ours and d.outcome == "lost"))


def test_document_markers_stay_where_they_are():
    text = "---\n" + ORIGINAL.replace("# the check-ins\nhealth:", "health:") .split("health:")[0].rstrip("\n") + "\n...\n"
    out = splice_sections(text, Path("a.yaml"), {"actuals": NEW_ACTUALS})
    assert out.startswith("---\n# keep me\n") and out.endswith("      vendor_revenue: 80\n...\n")
