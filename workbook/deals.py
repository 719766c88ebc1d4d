"""Deal-level CRM exports into a params file: the months of the ``actuals`` section and the open
``pipeline``, from the deals as the CRM lists them (README, "Importing deals from your CRM").

An export is a CSV or an ``.xlsx`` workbook (its first sheet), one deal a row. Salesforce
opportunity reports and HubSpot deal exports are recognised by their column names; anything else
is described by a small map file (:class:`DealMap`). The rules:

1. **Month 1** is the calendar month of ``alliance.start`` (required): a deal closing on
   2026-02-14 in an alliance starting 2025-11-01 closes in month 4.
2. **Counted deals** are the *won* deals (stage ``Closed Won``/``closedwon`` by default, any
   case) whose partner column names this alliance's partner (``alliance.partner`` or the
   ``partner`` argument; trimmed, any case, runs of spaces as one).
3. **Per close month m** (1..M, M the month of the *through* date): ``deals_closed`` = their
   count; ``vendor_revenue`` = Σ amount × (1 − ``partner_margin``) for one-off deals. For
   ``deal_value_kind: annual_recurring`` the amount is the annual contract value and is billed
   as the plan bills (:func:`workbook.ramp.billings`, rule 6): a twelfth a month from the close
   month, the live book × g each month after. ``deals_sourced`` counts the counted deals whose
   attribution column holds a *sourced* value; ``partner_sourced_revenue`` and
   ``influenced_revenue`` split ``vendor_revenue`` between the sourced deals and the others (both
   are vendor revenue, after the partner's margin, so they add up to it). Without an
   attribution column the three are left out.
4. **Investment** per month: the ``spend`` ledger's sum for the month, else the investment the
   file's actuals already record for it, else the plan's (:func:`workbook.ramp.run`).
5. **Pipeline**: the partner's open deals (neither won nor lost) by expected close month; one
   expected in a month already recorded (≤ M: its date has passed, or falls in the through
   month) counts in month M + 1; one after the horizon is left out (with a note). ``won`` and
   ``lost`` count the partner's closed deals in the export.

Everything is checked before anything is written: every bad row is a :class:`Problem`
``file:ROW: column: message`` (ROW the line in the CSV, the row in the sheet).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ParamsError, Problem
from .params import (
    shown_value,
    calendar_month,
    capped,
    flow_rows,
    load_params,
    parse_yaml_text,
    plain,
    problems_from_validation,
    read_bounded,
    source_name,
    write_sections,
)
from .schema import Params
from .text import count, terminal

#: The largest export read, in bytes (a CSV of 20,000 deals with 60 columns is about 8 MB).
MAX_EXPORT_BYTES = 20 * 1024 * 1024
#: The most deal rows read from an export.
MAX_ROWS = 100_000
#: The most columns an export's header may have (Salesforce reports allow 100).
MAX_COLUMNS = 500
#: The largest map file, in bytes.
MAX_MAP_BYTES = 64 * 1024

Role = Literal["id", "close_date", "amount", "stage", "partner", "attribution", "created_date", "currency"]
ROLES: tuple[Role, ...] = ("id", "close_date", "amount", "stage", "partner", "attribution", "created_date", "currency")
#: The roles an export must have a column for.
REQUIRED: tuple[Role, ...] = ("close_date", "amount", "stage", "partner")

#: The column names each role is recognised by, without a map (compared by :func:`header_key`).
#: Salesforce opportunity reports and HubSpot deal exports; HubSpot's partner is usually a custom
#: property, so the common names of one are accepted.
DEFAULT_COLUMNS: dict[Role, tuple[str, ...]] = {
    "id": ("Opportunity ID", "Record ID", "Deal ID", "ID"),
    "close_date": ("Close Date",),
    "amount": ("Amount",),
    "stage": ("Stage", "Deal Stage"),
    "partner": ("Partner Account", "Partner", "Partner Name"),
    "attribution": ("Lead Source",),
    "created_date": ("Created Date", "Create Date"),
    "currency": ("Amount Currency", "Currency", "Opportunity Currency", "Deal Currency Code"),
}
DEFAULT_WON = ("Closed Won", "closedwon")
DEFAULT_LOST = ("Closed Lost", "closedlost")
DEFAULT_SOURCED = ("Partner", "Partner Referral")


def header_key(name: str) -> str:
    """A column name or a value as compared: trimmed, any case, runs of white space as one space."""
    return " ".join(name.split()).casefold()


# --------------------------------------------------------------------------------------------
# The map


class MapColumns(BaseModel):
    """Which column of the export holds each role (names compared in any case and spacing)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: str | None = None
    close_date: str | None = None
    amount: str | None = None
    stage: str | None = None
    partner: str | None = None
    attribution: str | None = None
    created_date: str | None = None
    currency: str | None = None


class DealMap(BaseModel):
    """A map file: how to read an export that is neither Salesforce's nor HubSpot's.

    ``columns`` names the column of each role (a role left out is looked for under its default
    names); ``won``, ``lost`` and ``sourced`` list the stage and attribution values that mean won,
    lost and partner-sourced (any case); ``date_format`` is a ``strptime`` format for dates the
    defaults (ISO ``2026-02-14``, US ``2/14/2026``) do not read.
    """

    model_config = ConfigDict(extra="forbid", strict=True)
    columns: MapColumns = Field(default_factory=MapColumns)
    won: list[str] = Field(default_factory=lambda: list(DEFAULT_WON), min_length=1)
    lost: list[str] = Field(default_factory=lambda: list(DEFAULT_LOST), min_length=1)
    sourced: list[str] = Field(default_factory=lambda: list(DEFAULT_SOURCED))
    date_format: str | None = None


def read_map(path: str | Path) -> DealMap:
    """The map file at ``path`` (YAML), validated strictly.

    Raises
    ------
    ParamsError
        naming the map file, the line and the field (``columns.amount: unknown key ...``).
    """
    path = Path(path)
    data = read_bounded(path, MAX_MAP_BYTES, "map files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParamsError([Problem(path, None, "(file)", "not UTF-8 text; save the map as UTF-8")]) from None
    doc = parse_yaml_text(text, path)
    if doc is None:
        return DealMap()
    if not isinstance(doc, dict):
        raise ParamsError([Problem(path, 1, "(top level)", "expected a mapping with columns, won, lost, sourced, date_format")])
    try:
        deal_map = DealMap.model_validate(plain(doc))
    except ValidationError as exc:
        raise ParamsError(problems_from_validation(path, doc, exc, DealMap)) from None
    if deal_map.date_format is not None:
        try:
            dt.datetime.now().strftime(deal_map.date_format)
            if "%" not in deal_map.date_format:
                raise ValueError
        except ValueError:
            line = doc.lc.key("date_format")[0] + 1 if hasattr(doc, "lc") else None
            raise ParamsError([Problem(path, line, "date_format", f"not a strptime format (such as %d.%m.%Y), got {shown_value(deal_map.date_format)}")]) from None
    return deal_map


# --------------------------------------------------------------------------------------------
# Reading an export


@dataclass(frozen=True)
class Table:
    """An export as read: its header (cells as text) and its rows, each with its number in the
    file (the CSV's line, the sheet's row) and its cells (text, or a number or a date in a sheet)."""

    path: Path
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]


def read_export(path: str | Path) -> Table:
    """The header and rows of a deal export: a CSV (UTF-8, with or without a byte-order mark) or
    an ``.xlsx`` workbook's first sheet (read-only). Blank rows are skipped.

    Raises
    ------
    ParamsError
        naming the export: missing, too large (:data:`MAX_EXPORT_BYTES`, :data:`MAX_ROWS`,
        :data:`MAX_COLUMNS`), not UTF-8, not a CSV or workbook, or empty.
    """
    path = Path(path)
    data = read_bounded(path, MAX_EXPORT_BYTES, "deal exports")

    def refuse(message: str, line: int | None = None) -> ParamsError:
        return ParamsError([Problem(path, line, "(file)", message)])

    rows: Iterable[tuple[int, list[Any]]]
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the old binary .xls
        raise refuse("an Excel 97-2003 workbook (.xls) is not read; save it as .xlsx or export a CSV")
    if data[:4] == b"PK\x03\x04" or path.suffix.casefold() == ".xlsx":
        rows = _xlsx_rows(data, path)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise refuse(f"not UTF-8 text (byte {data[exc.start]:#04x}); export the CSV as UTF-8", line) from None
        if "\x00" in text:
            raise refuse("not a CSV file (it holds binary data); export a CSV or an .xlsx workbook")
        rows = _csv_rows(text, path)
    it = iter(rows)
    header: tuple[int, list[Any]] | None = next(it, None)
    if header is None:
        raise refuse("the file is empty; its first line names the columns (Close Date, Amount, Stage, ...)")
    if len(header[1]) > MAX_COLUMNS:
        raise refuse(f"the first line names {len(header[1]):,} columns; a deal export may have at most {MAX_COLUMNS:,}", header[0])
    body = []
    for n, (line, cells) in enumerate(it):
        if n >= MAX_ROWS:
            raise refuse(f"more than {MAX_ROWS:,} deals; split the export by date")
        body.append((line, cells))
    return Table(path, ["" if c is None else str(c) for c in header[1]], header[0], body)


def _csv_rows(text: str, path: Path) -> Iterable[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ParamsError([Problem(path, reader.line_num, "(row)", f"not readable as CSV: {exc}")]) from None
        if len(row) > MAX_COLUMNS:
            raise ParamsError([Problem(path, reader.line_num, "(row)", f"{len(row):,} values; a deal export may have at most {MAX_COLUMNS:,} columns")])
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


def _xlsx_rows(data: bytes, path: Path) -> list[tuple[int, list[Any]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
        if unpacked > 20 * MAX_EXPORT_BYTES:
            raise ParamsError([Problem(path, None, "(file)", f"the workbook unpacks to {unpacked / 2**20:.0f} MB; a deal export may unpack to at most {20 * MAX_EXPORT_BYTES / 2**20:.0f} MB")])
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ParamsError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise ParamsError([Problem(path, None, "(file)", f"not a readable .xlsx workbook ({type(exc).__name__}); export a CSV or an .xlsx")]) from None
    try:
        sheet = book.worksheets[0]
        out: list[tuple[int, list[Any]]] = []
        for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1):
            cells = list(row)
            while cells and cells[-1] in (None, ""):
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise ParamsError([Problem(path, number, "(row)", f"more than {MAX_COLUMNS:,} columns; a deal export may have at most that")])
            if any(c is not None and str(c).strip() for c in cells):
                out.append((number, cells))
            if len(out) > MAX_ROWS + 1:
                raise ParamsError([Problem(path, None, "(file)", f"more than {MAX_ROWS:,} deals; split the export by date")])
        return out
    finally:
        book.close()


# --------------------------------------------------------------------------------------------
# Columns, amounts and dates


@dataclass(frozen=True)
class Columns:
    """Where each role is in an export: ``index`` by role (absent roles left out), the column's
    name as written, and the kind of export recognised (for the summary)."""

    index: dict[Role, int]
    names: dict[Role, str]
    kind: str


def find_columns(table: Table, deal_map: DealMap | None = None, map_path: Path | None = None) -> Columns:
    """Each role's column in ``table``: the map's name for it, else the first of its default
    names (:data:`DEFAULT_COLUMNS`) present; any order, extra columns ignored.

    Raises
    ------
    ParamsError
        a map column missing from the export (naming the map file and ``columns.ROLE``), a
        required role without a column (naming the export), a column given twice.
    """
    keys: dict[str, int] = {}
    problems: list[Problem] = []
    for i, name in enumerate(table.header):
        key = header_key(name)
        if key and key not in keys:
            keys[key] = i
    index: dict[Role, int] = {}
    names: dict[Role, str] = {}
    mapped = deal_map.columns if deal_map is not None else MapColumns()
    for role in ROLES:
        given = getattr(mapped, role)
        if given is not None:
            if header_key(given) in keys:
                index[role] = keys[header_key(given)]
            else:
                where = map_path if map_path is not None else table.path
                problems.append(Problem(where, None, f"columns.{role}", f"the export {table.path.name} has no column {shown_value(given)}"))
            continue
        for candidate in DEFAULT_COLUMNS[role]:
            if header_key(candidate) in keys:
                index[role] = keys[header_key(candidate)]
                break
    for role in REQUIRED:
        if role not in index and getattr(mapped, role) is None:
            looked = ", ".join(DEFAULT_COLUMNS[role])
            what = "partner" if role == "partner" else role.replace("_", " ")
            problems.append(
                Problem(
                    table.path,
                    table.header_row,
                    role,
                    f"no {what} column found (looked for {looked}); name it in a map file: columns: {{{role}: YOUR COLUMN}} (--map)",
                )
            )
    if problems:
        raise ParamsError(problems)
    for role, i in index.items():
        names[role] = table.header[i].strip()
    header = {header_key(h) for h in table.header}
    if "opportunity name" in header or "stage" in header:
        kind = "Salesforce opportunity report"
    elif "deal stage" in header or "record id" in header:
        kind = "HubSpot deals export"
    else:
        kind = "deal export"
    if deal_map is not None and any(getattr(mapped, r) is not None for r in ROLES):
        kind += " read with a map"
    return Columns(index, names, kind)


_CURRENCY_SIGNS = "$€£¥₹₩₽₺₪₫₴₦₱฿"
_GROUPED = re.compile(r"[0-9]{1,3}(?:([,.'])[0-9]{3})(?:\1[0-9]{3})*")


def parse_amount(cell: Any) -> float | str:
    """An amount cell as a number (the currency's units), or what is wrong with it.

    Read: a number (from a sheet), plain digits, a currency sign or an ISO code before or after
    (``$12,000.00``, ``€ 5,000``, ``12000 USD``), thousands separators. The separators' rule, for
    text: when both ``,`` and ``.`` appear, the later one is the decimal mark and the other groups
    thousands (``1,234.50`` and ``1.234,50`` are both 1234.5); a lone ``,`` or ``.`` followed by
    exactly three digits groups thousands (``1,234`` and ``5.000`` are 1234 and 5000 — CRMs
    export cents with two decimals, never three); followed by one or two digits it is the
    decimal mark (``12,5`` is 12.5). Digits are ASCII 0–9 only: ``10_000`` and full-width
    ``１２`` are refused, like anything else Python's ``float()`` would read but an export does
    not write. A minus sign or parentheses make it negative (refused by the caller).
    """
    if isinstance(cell, bool):
        return f"expected an amount, got {shown_value(cell)}"
    if isinstance(cell, (int, float)):
        return float(cell) if math.isfinite(cell) else f"must be a finite number, got {shown_value(cell)}"
    text = str(cell).strip().replace("\u00a0", " ").replace("\u202f", " ")
    raw = text
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.startswith(("-", "\u2212")):
        negative, text = True, text[1:].strip()
    text = re.sub(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$", "", text)
    text = text.strip(_CURRENCY_SIGNS + " ")
    if text.startswith(("-", "\u2212")) and not negative:  # "$-1,000"
        negative, text = True, text[1:].strip()
    text = text.replace(" ", "")
    bad = f"expected an amount, got {shown_value(raw)} (digits 0-9 with an optional currency sign, thousands separators and decimal mark)"
    if not text or re.fullmatch(r"[0-9.,']+", text) is None:
        return bad
    kinds = {c for c in text if c in ",.'"}
    if len(kinds) >= 2:
        decimal = max(",.'", key=text.rfind)  # the last separator is the decimal mark
        whole, _, frac = text.rpartition(decimal)
        if decimal == "'" or _GROUPED.fullmatch(whole) is None or re.fullmatch(r"[0-9]+", frac) is None:
            return bad
        number = re.sub(r"[,.']", "", whole) + "." + frac
    elif kinds:
        if _GROUPED.fullmatch(text) is not None:  # 1,234 / 5.000 / 1.234.567 / 1'234
            number = re.sub(r"[,.']", "", text)
        elif re.fullmatch(r"[0-9]*[,.][0-9]{1,2}", text):
            number = text.replace(",", ".")
        else:
            return bad
    else:
        number = text
    value = float(number)
    return -value if negative else value


_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s*[AaPp][Mm])?)?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")


def parse_date(cell: Any, date_format: str | None = None) -> dt.date | str:
    """A date cell as a date, or what is wrong with it. Read: a date or date-time from a sheet;
    with ``date_format``, text in that ``strptime`` format (a time after the date is ignored);
    otherwise ISO (``2026-02-14``, ``2026-02-14 10:30``, ``2026-02-14T10:30:00Z``) or US
    month/day/year (``2/14/2026``, ``02/14/2026 10:30 AM``). A day-first date (``14/02/2026``)
    is refused rather than guessed: give the map's ``date_format``."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = " ".join(str(cell).split())
    if date_format is not None:
        for candidate in (text, text.split(" ")[0]):
            try:
                return dt.datetime.strptime(candidate, date_format).date()
            except ValueError:
                continue
        return f"expected a date in the map's format {date_format}, got {shown_value(text)}"
    try:
        if (m := _ISO_DATE.fullmatch(text)) is not None:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if (m := _US_DATE.fullmatch(text)) is not None:
            month, day = int(m.group(1)), int(m.group(2))
            if month > 12 and day <= 12:
                return f"{shown_value(text)} reads as day/month/year; dates are read as ISO (2026-02-14) or US month/day/year: give the map's date_format (%d/%m/%Y)"
            return dt.date(int(m.group(3)), month, day)
    except ValueError:
        return f"{shown_value(text)} is not a date that exists"
    return f"expected a date (2026-02-14 or 2/14/2026), got {shown_value(text)}; another format needs the map's date_format"


def month_number(day: dt.date, start: dt.date) -> int:
    """The plan month of ``day``: 1 for the calendar month of ``start``, 2 for the next, ...
    (0 or less before it)."""
    return (day.year - start.year) * 12 + day.month - start.month + 1


# --------------------------------------------------------------------------------------------
# Deals


@dataclass(frozen=True)
class Deal:
    """One row of an export, read: its row number, stage (``won``/``lost``/``open``), whether it
    is this alliance's partner's, its close date and amount (``None`` when the cell is empty),
    whether it is partner-sourced (``None`` without an attribution column), its created date."""

    row: int
    id: str | None
    outcome: Literal["won", "lost", "open"]
    ours: bool
    close: dt.date | None
    amount: float | None
    sourced: bool | None
    created: dt.date | None


def read_deals(table: Table, columns: Columns, *, partner: str, currency: str, start: dt.date, horizon: int, deal_map: DealMap | None = None) -> tuple[list[Deal], list[Problem]]:
    """Every row of ``table`` as a :class:`Deal`, and every problem (``file:ROW: column: ...``).

    Any row: an unparseable date or amount, a negative amount, a currency other than
    ``currency`` and an id given before are problems. This partner's won deals also need a close
    date in months 1..``horizon`` and an amount; its open deals a close date and an amount.
    """
    m = deal_map or DealMap()
    won = {header_key(v) for v in m.won}
    lost = {header_key(v) for v in m.lost}
    sourced = {header_key(v) for v in m.sourced}
    ours_key = header_key(partner)
    ix = columns.index
    name = columns.names
    problems: list[Problem] = []
    deals: list[Deal] = []
    seen_ids: dict[str, int] = {}
    path = table.path

    def cell(cells: list[Any], role: Role) -> Any:
        i = ix.get(role)
        if i is None or i >= len(cells) or cells[i] is None:
            return None
        value = cells[i]
        return None if isinstance(value, str) and not value.strip() else value

    for row, cells in table.rows:
        found: list[Problem] = []

        def bad(role: Role, message: str) -> None:
            found.append(Problem(path, row, name[role], message))

        stage = header_key(str(cell(cells, "stage") or ""))
        outcome: Literal["won", "lost", "open"] = "won" if stage in won else "lost" if stage in lost else "open"
        ours = header_key(str(cell(cells, "partner") or "")) == ours_key
        deal_id = cell(cells, "id")
        key = None
        if deal_id is not None:
            key = str(int(deal_id)) if isinstance(deal_id, float) and deal_id.is_integer() else str(deal_id).strip()
            if key in seen_ids:
                bad("id", f"duplicate id {shown_value(key)} (first on row {seen_ids[key]}); export each deal once")
            else:
                seen_ids[key] = row
        amount: float | None = None
        raw_amount = cell(cells, "amount")
        if raw_amount is not None:
            parsed = parse_amount(raw_amount)
            if isinstance(parsed, str):
                bad("amount", parsed)
            elif parsed < 0:
                bad("amount", f"must not be negative, got {shown_value(raw_amount if isinstance(raw_amount, str) else parsed)}")
            else:
                amount = parsed
        code = cell(cells, "currency")
        if code is not None and str(code).strip().upper() != currency.upper():
            bad("currency", f"{shown_value(str(code).strip())} is not the params file's currency ({currency}); convert the amounts or export them in {currency}")
        close: dt.date | None = None
        raw_close = cell(cells, "close_date")
        if raw_close is not None:
            parsed_date = parse_date(raw_close, m.date_format)
            if isinstance(parsed_date, str):
                bad("close_date", parsed_date)
            else:
                close = parsed_date
        created: dt.date | None = None
        raw_created = cell(cells, "created_date")
        if raw_created is not None:
            parsed_created = parse_date(raw_created, m.date_format)
            if isinstance(parsed_created, str):
                bad("created_date", parsed_created)
            else:
                created = parsed_created
        attribution = cell(cells, "attribution")
        is_sourced = None if "attribution" not in ix else header_key(str(attribution or "")) in sourced
        if ours and outcome != "lost":
            kind = "a won deal" if outcome == "won" else "an open deal"
            if raw_close is None:
                bad("close_date", f"a close date is required for {kind} of the partner")
            if raw_amount is None:
                bad("amount", f"an amount is required for {kind} of the partner")
            if outcome == "won" and close is not None:
                month = month_number(close, start)
                if month < 1:
                    bad("close_date", f"a won deal closing on {close.isoformat()}, before the alliance's start ({start.isoformat()}, month 1)")
                elif month > horizon:
                    bad("close_date", f"a won deal closing on {close.isoformat()}, in month {month}, after the plan's horizon ({horizon} months)")
        problems += found
        if not found:
            deals.append(Deal(row, key, outcome, ours, close, amount, is_sourced, created))
    return deals, problems


# --------------------------------------------------------------------------------------------
# Spend ledger


def read_spend(path: str | Path, start: dt.date) -> tuple[dict[int, float], list[Problem]]:
    """A spend ledger (CSV): a ``month`` column (a plan month number or ``YYYY-MM``) or a
    ``date`` column, and an ``amount`` column (names in any case; amounts as
    :func:`parse_amount` reads them, not negative). Several rows of a month add up. Returns the
    sum per plan month and the problems (``ledger.csv:ROW: column: message``)."""
    path = Path(path)
    data = read_bounded(path, MAX_EXPORT_BYTES, "spend ledgers")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParamsError([Problem(path, None, "(file)", "not UTF-8 text; export the ledger as UTF-8")]) from None
    rows = list(_csv_rows(text, path))
    if not rows:
        raise ParamsError([Problem(path, None, "(file)", "the file is empty; its first line names the columns month (or date) and amount")])
    header_line, header = rows[0]
    if len(header) > MAX_COLUMNS:
        raise ParamsError([Problem(path, header_line, "(file)", f"{len(header):,} columns; a ledger has month (or date) and amount")])
    keys = {header_key(h): i for i, h in reversed(list(enumerate(header)))}
    when = "month" if "month" in keys else "date" if "date" in keys else None
    if when is None or "amount" not in keys:
        raise ParamsError([Problem(path, header_line, "(file)", "a spend ledger's first line names the columns month (or date) and amount")])
    problems: list[Problem] = []
    totals: dict[int, float] = {}
    for line, cells in rows[1:]:
        when_cell = cells[keys[when]].strip() if keys[when] < len(cells) else ""
        amount_cell = cells[keys["amount"]].strip() if keys["amount"] < len(cells) else ""
        month: int | str
        if when == "month":
            month = int(when_cell) if re.fullmatch(r"[0-9]{1,4}", when_cell) else calendar_month(when_cell, start)
            if isinstance(month, int) and month < 1:
                month = "months are numbered from 1"
        else:
            day = parse_date(when_cell)
            month = day if isinstance(day, str) else month_number(day, start)
            if isinstance(month, int) and month < 1:
                month = f"{when_cell} is before the alliance's start ({start.isoformat()})"
        amount = parse_amount(amount_cell) if amount_cell else "a value is required"
        if isinstance(month, str):
            problems.append(Problem(path, line, when, month))
        if isinstance(amount, str):
            problems.append(Problem(path, line, "amount", amount))
        elif amount < 0:
            problems.append(Problem(path, line, "amount", f"must not be negative, got {shown_value(amount_cell)}"))
        if isinstance(month, int) and isinstance(amount, float) and amount >= 0:
            totals[month] = totals.get(month, 0.0) + amount
    return totals, problems


# --------------------------------------------------------------------------------------------
# From deals to the two sections

InvestmentSource = Literal["ledger", "actuals", "plan"]


@dataclass(frozen=True)
class DealsImport:
    """What an export makes of the params file: the ``actuals`` months and the ``pipeline``
    section (plain data), where each month's investment came from, and notes for the reader."""

    months: list[dict[str, Any]]
    pipeline: dict[str, Any]
    investment_sources: dict[int, InvestmentSource]
    through: dt.date
    kind: str
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)


def money(x: float) -> int | float:
    """An amount rounded to cents, an ``int`` when whole (so the file reads ``9600``, not ``9600.0``)."""
    r = round(float(x), 2) + 0.0
    return int(r) if r.is_integer() else r


def default_through(deals: Sequence[Deal]) -> dt.date | None:
    """The latest date on which something happened in the export: the close date of a won or
    lost deal, or the created date of any deal (an open deal's close date is a forecast)."""
    dates = [d.close for d in deals if d.outcome != "open" and d.close is not None]
    dates += [d.created for d in deals if d.created is not None]
    return max(dates, default=None)


def build(
    params: Params,
    deals: Sequence[Deal],
    through: dt.date,
    *,
    spend: dict[int, float] | None = None,
    kind: str = "deal export",
    source: str | None = None,
    split: bool | None = None,
) -> DealsImport:
    """The actuals months 1..M (M = the month of ``through``) and the pipeline section from
    ``deals`` (read by :func:`read_deals`), by the module's rules. ``spend``: a ledger's
    investment per month (:func:`read_spend`); ``split``: whether the export has an attribution
    column (default: whether any deal says sourced or not). Pure: nothing is read or written.

    Raises
    ------
    ValueError
        when the params file has no ``alliance.start``, or ``through`` is outside months
        1..horizon (callers check both first and word it for the user).
    """
    from . import ramp

    start = params.start
    if start is None:
        raise ValueError("alliance.start is required")
    r = params.ramp
    h = r.horizon_months
    last = month_number(through, start)
    if not 1 <= last <= h:
        raise ValueError(f"through month {last} is outside 1..{h}")
    keep = 1.0 - r.partner_margin
    ours = [d for d in deals if d.ours]
    won = [(month_number(d.close, start), d.amount, d.sourced) for d in ours if d.outcome == "won" and d.close is not None and d.amount is not None]
    counted = [w for w in won if w[0] <= last]
    later = len(won) - len(counted)
    if split is None:
        split = any(d.sourced is not None for d in deals)
    closed = np.zeros(last)
    sourced_n = np.zeros(last)
    new_sourced = np.zeros(last)
    new_influenced = np.zeros(last)
    for month, amount, is_sourced in counted:
        closed[month - 1] += 1
        if is_sourced:
            sourced_n[month - 1] += 1
            new_sourced[month - 1] += amount
        else:
            new_influenced[month - 1] += amount
    if r.deal_value_kind == "annual_recurring":
        g = ramp.monthly_book_factor(r.annual_churn, r.annual_expansion)
        billed = ramp.billings(np.vstack([new_sourced, new_influenced]) / 12.0, np.repeat(g, 2))
        rev_sourced, rev_influenced = billed[0], billed[1]
    else:
        rev_sourced, rev_influenced = new_sourced, new_influenced
    plan_investment = ramp.run(r).columns["investment"]
    existing = {m.month: m.investment for m in params.actuals.months} if params.actuals is not None else {}
    spend = spend or {}
    months: list[dict[str, Any]] = []
    sources: dict[int, InvestmentSource] = {}
    for i in range(last):
        m = i + 1
        if m in spend:
            investment, sources[m] = spend[m], "ledger"
        elif m in existing:
            investment, sources[m] = existing[m], "actuals"
        else:
            investment, sources[m] = float(plan_investment[i]), "plan"
        row: dict[str, Any] = {
            "month": m,
            "investment": money(investment),
            "deals_closed": int(closed[i]),
            "vendor_revenue": money((rev_sourced[i] + rev_influenced[i]) * keep),
        }
        if split:
            row["deals_sourced"] = int(sourced_n[i])
            row["partner_sourced_revenue"] = money(rev_sourced[i] * keep)
            row["influenced_revenue"] = money(rev_influenced[i] * keep)
        months.append(row)

    notes: list[str] = []
    if later:
        notes.append(f"{later} won deal(s) of the partner close after the through date ({through.isoformat()}) and are left out of the actuals")
    if not split:
        notes.append("no attribution column (such as Lead Source): deals_sourced, partner_sourced_revenue and influenced_revenue are left out")
    late_spend = sorted(m for m in spend if m > last)
    if late_spend:
        notes.append(f"the ledger's months after month {last} ({', '.join(map(str, late_spend))}) are left out")
    pipe_deals: dict[int, int] = {}
    pipe_amount: dict[int, float] = {}
    overdue = beyond = 0
    for d in ours:
        if d.outcome != "open" or d.close is None or d.amount is None:
            continue
        m = month_number(d.close, start)
        if m <= last:
            overdue += 1
            m = last + 1
        if m > h:
            beyond += 1
            continue
        pipe_deals[m] = pipe_deals.get(m, 0) + 1
        pipe_amount[m] = pipe_amount.get(m, 0.0) + d.amount
    if overdue:
        notes.append(
            f"{overdue} open deal(s) expected to close by month {last} (already past, or in the through month) are counted in month {last + 1}"
        )
    if beyond:
        notes.append(f"{beyond} open deal(s) expected to close after the plan's horizon (month {h}) are left out of the pipeline")
    pipeline: dict[str, Any] = {}
    if source is not None:
        pipeline["source"] = source
    pipeline["as_of"] = through
    pipeline["won"] = sum(1 for d in ours if d.outcome == "won")
    pipeline["lost"] = sum(1 for d in ours if d.outcome == "lost")
    pipeline["months"] = [{"month": m, "deals": pipe_deals[m], "amount": money(pipe_amount[m])} for m in sorted(pipe_deals)]
    counts = {
        "rows": len(deals),
        "partner": len(ours),
        "won": pipeline["won"],
        "lost": pipeline["lost"],
        "open": sum(1 for d in ours if d.outcome == "open"),
        "counted": len(counted),
        "other": len(deals) - len(ours),
    }
    return DealsImport(months, pipeline, sources, through, kind, counts, notes)


# --------------------------------------------------------------------------------------------
# The whole import


@dataclass(frozen=True)
class Change:
    """What an import changes in the actuals: month numbers added, changed and removed (the old
    section's months after the new M), and whether the file changed at all."""

    added: list[int]
    changed: list[int]
    removed: list[int]
    pipeline_changed: bool
    file_changed: bool


@dataclass(frozen=True)
class Outcome:
    """An import's result: what was read (:class:`DealsImport`), what it changes, the params as
    they are now (or would be, in a dry run), and whether it was written."""

    result: DealsImport
    change: Change
    params: Params
    written: bool


def import_deals(
    params_path: str | Path,
    export_path: str | Path,
    *,
    map_path: str | Path | None = None,
    spend_path: str | Path | None = None,
    through: dt.date | None = None,
    partner: str | None = None,
    dry_run: bool = False,
    source: str | None = None,
    shown_name: str | None = None,
) -> Outcome:
    """Import a deal export into the params file at ``params_path``: its ``actuals`` and
    ``pipeline`` sections are replaced, every other byte of the file is kept
    (:func:`workbook.params.write_sections`); nothing is written when the result is the file as
    it is, or with ``dry_run``.

    Parameters
    ----------
    map_path : a map file (:class:`DealMap`) for exports that are not Salesforce's or HubSpot's.
    spend_path : a spend ledger (:func:`read_spend`) for the months' investment.
    through : the last date the actuals cover (default :func:`default_through`).
    partner : the partner's name in the export (default ``alliance.partner``).
    source : what the sections record as their ``source`` (default the export's file name).
    shown_name : the export's name in messages and the default source, when ``export_path`` is
        a temporary copy (an upload).

    Raises
    ------
    ParamsError
        with every problem, each naming its file (the params, the export, the map or the
        ledger), row or line, and column or field; the params file is then left as it was.
    """
    params_path = Path(params_path)
    params = load_params(params_path)
    export = Path(export_path)
    shown = Path(shown_name) if shown_name is not None else export
    start = params.start
    if start is None:
        raise ParamsError(
            [Problem(params_path, None, "alliance.start", "is required to import deals: it says which calendar month is month 1 (start: 2026-01-01)")]
        )
    name_problems: list[Problem] = []
    try:
        name = source_name(shown, source)
    except ParamsError as exc:  # reported with the rows' problems, so that one run says everything
        name, name_problems = "", exc.problems
    deal_map = read_map(map_path) if map_path is not None else None
    table = read_export(export)
    if shown != export:
        table = Table(shown, table.header, table.header_row, table.rows)
    columns = find_columns(table, deal_map, Path(map_path) if map_path is not None else None)
    who = partner if partner is not None else params.alliance.partner
    deals, row_problems = read_deals(
        table, columns, partner=who, currency=params.alliance.currency, start=start, horizon=params.ramp.horizon_months, deal_map=deal_map
    )
    problems = name_problems + row_problems
    spend: dict[int, float] | None = None
    if spend_path is not None:
        spend, spend_problems = read_spend(spend_path, start)
        problems += spend_problems
    if problems:
        raise ParamsError(problems)
    if not any(d.ours for d in deals):
        raise ParamsError(
            [
                Problem(
                    shown,
                    None,
                    columns.names["partner"],
                    f"no deal names the partner {shown_value(who)} (compared trimmed, in any case); check alliance.partner, or give --partner as the export writes it",
                )
            ]
        )
    end = through if through is not None else default_through(deals)
    if end is None:
        raise ParamsError([Problem(shown, None, "(file)", "no closed deal and no created date to date the export by; give --through")])
    h = params.ramp.horizon_months
    last = month_number(end, start)
    if not 1 <= last <= h:
        where = "--through" if through is not None else "(through)"
        raise ParamsError(
            [Problem(shown, None, where, f"the through date {end.isoformat()} is in month {last}; it must fall in months 1..{h} (from {start.isoformat()})")]
        )
    result = build(params, deals, end, spend=spend, kind=columns.kind, source=name, split="attribution" in columns.index)
    old_months = [m.model_dump(exclude_none=True) for m in params.actuals.months] if params.actuals is not None else []
    old = {m["month"]: m for m in old_months}
    added = [m["month"] for m in result.months if m["month"] not in old]
    changed = [m["month"] for m in result.months if m["month"] in old and {k: float(v) for k, v in old[m["month"]].items()} != {k: float(v) for k, v in m.items()}]
    removed = sorted(k for k in old if k > len(result.months))
    old_pipeline = params.pipeline.model_dump(exclude_none=True) if params.pipeline is not None else None
    new_params, file_changed = write_sections(
        params_path,
        {"actuals": {"source": name, "months": flow_rows(result.months)}, "pipeline": {**result.pipeline, "months": flow_rows(result.pipeline["months"])}},
        dry_run=dry_run,
    )
    new_pipeline = new_params.pipeline.model_dump(exclude_none=True) if new_params.pipeline is not None else None
    change = Change(added, changed, removed, new_pipeline != old_pipeline, file_changed)
    return Outcome(result, change, new_params, file_changed and not dry_run)


def problem_lines(problems: list[Problem]) -> list[str]:
    """Problems as printed: the first :data:`~workbook.params.MAX_PROBLEMS` (control
    characters escaped), then "… and N more problems"."""
    shown, more = capped(problems)
    lines = [printable(str(p)) for p in shown]
    if more:
        lines.append(f"… and {more} more problem{'s' if more != 1 else ''}")
    return lines


def printable(text: str) -> str:
    """``text`` with control characters (a terminal's escape sequences, bidi overrides) written
    as ``\\xNN`` / ``\\uNNNN`` escapes, safe to print (:func:`workbook.text.terminal`)."""
    return terminal(text)


def months_table(outcome: Outcome) -> list[str]:
    """The imported months as lines of a fixed-width table, with the calendar month, where each
    month's investment came from, and a mark on the months the import adds (+) or changes (~)."""
    res = outcome.result
    names = outcome.params.months
    has_split = any("deals_sourced" in m for m in res.months)
    head = f"{'month':>5}  {'calendar':8}  {'deals':>5}  {'vendor revenue':>14}"
    if has_split:
        head += f"  {'sourced':>7}  {'partner-sourced':>15}  {'influenced':>12}"
    head += f"  {'investment':>12}  from"
    lines = [head]
    added, changed = set(outcome.change.added), set(outcome.change.changed)
    for m in res.months:
        n = m["month"]
        mark = "+" if n in added else "~" if n in changed else " "
        line = f"{n:>4}{mark}  {names.calendar(n) or '':8}  {m['deals_closed']:>5}  {m['vendor_revenue']:>14,.2f}"
        if has_split:
            line += f"  {m['deals_sourced']:>7}  {m['partner_sourced_revenue']:>15,.2f}  {m['influenced_revenue']:>12,.2f}"
        line += f"  {m['investment']:>12,.2f}  {res.investment_sources[n]}"
        lines.append(line)
    return lines


def report_lines(outcome: Outcome, params_path: str | Path, export: str | Path, dry_run: bool) -> list[str]:
    """What the CLI and the notebook say about an import: what was read, the months table, where
    the investment came from, the pipeline, the notes and what changed (control characters in
    names escaped)."""
    res, ch = outcome.result, outcome.change
    c = res.counts
    partner = outcome.params.alliance.partner
    lines = [
        printable(
            f"{Path(export).name}: {res.kind}, {c['rows']} deals; {c['partner']} of {partner} "
            f"({c['won']} won, {c['lost']} lost, {c['open']} open), {c['other']} of other partners or none."
        ),
        f"Actuals through {res.through.isoformat()} (month {len(res.months)}): {c['counted']} won deals counted.",
        *months_table(outcome),
    ]
    by_source: dict[str, list[int]] = {}
    for m, s in res.investment_sources.items():
        by_source.setdefault(s, []).append(m)
    words = {"ledger": "the spend ledger", "actuals": "the file's earlier actuals", "plan": "the plan"}
    lines.append("Investment: " + "; ".join(f"{_spans(by_source[s])} from {words[s]}" for s in words if s in by_source) + ".")
    pm = res.pipeline["months"]
    open_amount = sum(p["amount"] for p in pm)
    lines.append(
        f"Pipeline: {count(sum(p['deals'] for p in pm), 'open deal')} worth {open_amount:,.2f} in {count(len(pm), 'month')}; "
        f"won {res.pipeline['won']}, lost {res.pipeline['lost']}."
    )
    lines += [printable(f"Note: {n}.") for n in res.notes]
    what = (
        f"actuals: {count(len(ch.added), 'month')} added, {len(ch.changed)} changed"
        + (f", {len(ch.removed)} removed ({_spans(ch.removed)}: the export runs only to month {len(res.months)})" if ch.removed else "")
        + f"; pipeline {'changed' if ch.pipeline_changed else 'unchanged'}"
    )
    if not ch.file_changed:
        lines.append(printable(f"{params_path}: unchanged (the file already holds these figures)."))
    elif dry_run:
        lines.append(printable(f"Dry run: would write {params_path} ({what}); nothing written."))
    else:
        lines.append(printable(f"{params_path}: wrote the actuals and pipeline sections ({what})."))
    return lines


def _spans(months: list[int]) -> str:
    """Months as runs: [1, 2, 3, 5] → "months 1–3, 5"."""
    runs: list[str] = []
    ms = sorted(months)
    i = 0
    while i < len(ms):
        j = i
        while j + 1 < len(ms) and ms[j + 1] == ms[j] + 1:
            j += 1
        runs.append(str(ms[i]) if i == j else f"{ms[i]}–{ms[j]}")
        i = j + 1
    return ("month " if len(ms) == 1 else "months ") + ", ".join(runs)


__all__ = [
    "DealMap",
    "Deal",
    "DealsImport",
    "Outcome",
    "build",
    "default_through",
    "find_columns",
    "import_deals",
    "month_number",
    "parse_amount",
    "parse_date",
    "printable",
    "problem_lines",
    "read_deals",
    "read_export",
    "read_map",
    "read_spend",
    "report_lines",
]
