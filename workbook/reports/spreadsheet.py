"""The money machine as a live spreadsheet (``workbook report --xlsx`` → ``model.xlsx``).

An analyst audits the model where models are audited: in a spreadsheet whose every month cell
is a formula. The workbook has five sheets:

- ``Inputs`` — one row per input of the month formulas: column A its params path
  (``ramp.steady_deals_per_month``, ``ramp.investment[0].monthly_cost``,
  ``ramp.events[1].severity``), B its value, C its unit and meaning; below them, a few derived
  constants (formulas over the inputs: the full-effort cost, the monthly discount rate, ...).
- ``Months`` — one row per month 1..horizon + tail (column B says which), every cell a formula
  over ``Inputs`` and earlier cells, following README "How the model works" step by step;
  helper columns (one per investment line, and the changes' factors) on the right.
- ``Summary`` — the headline figures of ``workbook summary --json`` (column A its key, B a
  formula over ``Months``; a blank cell is JSON ``null``).
- ``Scenarios`` — the plan's row as formulas, the other scenarios as values (a note says so).
- ``Simulation`` — the Monte Carlo bands and the chance of break-even, as values.

A programme's spreadsheet (``--xlsx`` with a programme file → ``programme/programme.xlsx``) is
:func:`build_programme`'s: each alliance's converted net by calendar month, the combined and
cumulative nets as formulas over them.

:func:`build` is pure (params and their analysis in, an :class:`openpyxl.Workbook` out);
:func:`write_xlsx` writes the file atomically (:func:`workbook.files.atomic_replace`), so a
reader never finds half a file and a failure leaves nothing behind.

A few rules of the engine are written here as spreadsheet formulas; the tests recalculate the
file in LibreOffice and compare every ``Summary`` cell with ``workbook summary --json``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..currency import currency
from ..files import atomic_replace
from ..programme import ProgrammeResult
from ..ramp import RESPONSIBILITY_STALL_MONTHS, RampAnalysis, analyse
from ..schema import Params

#: "Has revenue" and "cumulative net >= 0", with the engine's tolerances.
REVENUE_EPS = 1e-9
BREAK_EVEN_EPS = 1e-6
#: Summary keys, in the order of the ``Summary`` sheet, with what each means.
SUMMARY_KEYS: dict[str, str] = {
    "first_revenue_month": "first month with revenue (blank: none within the horizon)",
    "first_break_even_month": "first month, from first revenue on, with cumulative net >= 0 (blank: none)",
    "break_even_month": "first month from which the cumulative net stays >= 0 to the horizon (blank: none)",
    "cumulative_net_at_horizon": "cumulative net in the horizon's last month",
    "peak_funding_need": "depth of the J-curve: max(0, -lowest cumulative net) within the horizon",
    "npv": "net discounted monthly at the discount rate, months 1..horizon",
    "long_run_npv": "the same over the horizon and the tail (months 1..horizon + tail)",
}

_BOLD = Font(bold=True)
_NOTE = Font(italic=True, color="555555")
_HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
_INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")  # the cells an analyst may change

MONTHS_FMT = "0"
DEALS_FMT = "0.00"
FACTOR_FMT = "0.0000"
SHARE_FMT = "0.0%"


def money_format(code: str) -> str:
    """An Excel number format for whole amounts of currency ``code``: ``"€"#,##0`` (negative
    amounts with a minus sign)."""
    prefix = currency(code).prefix.replace('"', "")
    return f'"{prefix}"#,##0;"−{prefix}"#,##0'


def tail_months(params: Params) -> int:
    """``ramp.tail_months``: months the model runs on past the horizon (the Months sheet's tail rows)."""
    return params.ramp.tail_months


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass
class _Inputs:
    """The ``Inputs`` sheet as it is written: params path -> absolute reference to its value."""

    sheet: Worksheet
    refs: dict[str, str] = field(default_factory=dict)
    row: int = 1

    def add(self, path: str, value: float | int | str | None, meaning: str, fmt: str | None = None, *, editable: bool = True) -> str:
        self.row += 1
        self.sheet.cell(self.row, 1, path)
        cell = self.sheet.cell(self.row, 2, value)
        if isinstance(value, str):
            cell.data_type = "s"  # text from the params file (a line's name) is text, even when it begins with "="
        if fmt:
            cell.number_format = fmt
        if editable:
            cell.fill = _INPUT_FILL
        self.sheet.cell(self.row, 3, meaning)
        ref = f"Inputs!$B${self.row}"
        self.refs[path] = ref
        return ref

    def heading(self, text: str) -> None:
        self.row += 2
        self.sheet.cell(self.row, 1, text).font = _BOLD


def _write_inputs(ws: Worksheet, params: Params, money: str) -> _Inputs:
    r = params.ramp
    ws.append(["Params path", "Value", "Unit and meaning"])
    inp = _Inputs(ws)
    inp.add("alliance.currency", params.alliance.currency, "ISO 4217 code of every amount (the number formats use it)", editable=False)
    inp.add("ramp.horizon_months", r.horizon_months, "months: the plan's horizon (Summary figures are over months 1..horizon)", MONTHS_FMT, editable=False)
    inp.add("ramp.tail_months", tail_months(params), "months the alliance runs on, as it stands at the horizon, after it (long_run_npv)", MONTHS_FMT, editable=False)
    inp.add("ramp.commitment_months", r.commitment_months, "months the resources are committed (the report compares break-even with it)", MONTHS_FMT)
    inp.add("ramp.enablement_months", r.enablement_months, "months from the first month of effort before any deal is sourced", MONTHS_FMT)
    inp.add("ramp.sales_cycle_months", r.sales_cycle_months, "months from sourcing a deal to closing it (whole months)", MONTHS_FMT)
    inp.add("ramp.ramp_months", r.ramp_months, "months of full effort to reach full capability along the S-curve (0: at once)", MONTHS_FMT)
    inp.add("ramp.steady_deals_per_month", r.steady_deals_per_month, "deals a month at full capability", DEALS_FMT)
    kind = "annual contract value (billed a twelfth a month)" if r.deal_value_kind == "annual_recurring" else "value of one deal"
    inp.add("ramp.avg_deal_value", r.avg_deal_value, f"{params.alliance.currency}: {kind}", money)
    inp.add("ramp.partner_margin", r.partner_margin, "share (0-1) of each revenue the partner keeps", SHARE_FMT)
    inp.add("ramp.gross_margin", r.gross_margin, "share (0-1): the vendor's margin on what it receives", SHARE_FMT)
    inp.add("ramp.deal_value_kind", r.deal_value_kind, "one_off or annual_recurring")
    inp.add("ramp.annual_churn", r.annual_churn, "share (0-1) of recurring customers lost over a year", SHARE_FMT)
    inp.add("ramp.annual_expansion", r.annual_expansion, "growth (0-10) over a year of the customers who stay", SHARE_FMT)
    inp.add("ramp.discount_rate", r.discount_rate, "annual discount rate (0-1) for the NPV", SHARE_FMT)
    inp.add(
        "ramp.full_effort_monthly_cost",
        r.full_effort_monthly_cost,
        f"{params.alliance.currency} a month of recurring cost that buys full effort (blank: the smallest monthly recurring cost of the plan)",
        money,
    )
    for i, line in enumerate(r.investment):
        base = f"ramp.investment[{i}]"
        inp.add(f"{base}.name", line.name, "recurring line" if line.is_recurring else "one-off", editable=False)
        if line.is_recurring:
            inp.add(f"{base}.monthly_cost", line.monthly_cost, f"{params.alliance.currency} a month, from start_month to end_month", money)
            inp.add(f"{base}.start_month", line.start_month, "month (1-based) the line starts", MONTHS_FMT)
            inp.add(f"{base}.end_month", line.end_month, "month it ends (inclusive; a line running in the horizon's last month runs on in the tail)", MONTHS_FMT)
        else:
            inp.add(f"{base}.one_off", line.one_off, f"{params.alliance.currency}, paid once", money)
            inp.add(f"{base}.month", line.month, "month (1-based) it is paid", MONTHS_FMT)
    for i, ev in enumerate(r.events):
        base = f"ramp.events[{i}]"
        inp.add(f"{base}.month", ev.month, "month (1-based) the change strikes", MONTHS_FMT)
        inp.add(f"{base}.kind", ev.kind, "people_change, resource_withdrawal, responsibility_move or cynicism")
        inp.add(f"{base}.severity", ev.severity, "share (0-1): how hard it strikes", SHARE_FMT)
    return inp


# --------------------------------------------------------------------------------------------
# Months


@dataclass(frozen=True)
class _Col:
    key: str
    header: str
    fmt: str | None
    formula: Callable[[int], str]  # sheet row -> formula
    width: int = 14


class _Layout:
    """Column letters by key, assigned in the order the columns are declared."""

    def __init__(self) -> None:
        self.cols: list[_Col] = []
        self.letter: dict[str, str] = {}

    def add(self, key: str, header: str, fmt: str | None, formula: Callable[[int], str], width: int = 14) -> None:
        self.letter[key] = get_column_letter(len(self.cols) + 1)
        self.cols.append(_Col(key, header, fmt, formula, width))

    def __call__(self, key: str, row: int) -> str:
        return f"{self.letter[key]}{row}"


def _product(factors: list[str]) -> str:
    return "*".join(factors) if factors else "1"


def build(params: Params, analysis: RampAnalysis | None = None) -> Workbook:
    """The spreadsheet of ``params``' money machine.

    Parameters
    ----------
    params : a validated params file.
    analysis : its :func:`workbook.ramp.analyse` (run here when not given), for the values of
        the ``Scenarios`` and ``Simulation`` sheets.

    Returns
    -------
    An :class:`openpyxl.Workbook` with the sheets ``Inputs``, ``Months``, ``Summary``,
    ``Scenarios`` and ``Simulation``. openpyxl stores formulas without their values: a
    spreadsheet application computes them when it opens the file.
    """
    if analysis is None:
        analysis = analyse(params)
    r = params.ramp
    money = money_format(params.alliance.currency)
    wb = Workbook()
    inputs_ws = wb.active
    assert inputs_ws is not None
    inputs_ws.title = "Inputs"
    months_ws = wb.create_sheet("Months")
    summary_ws = wb.create_sheet("Summary")

    inp = _write_inputs(inputs_ws, params, money)
    ref = inp.refs
    H, T = ref["ramp.horizon_months"], ref["ramp.tail_months"]
    cycle, enable, ramp_m = ref["ramp.sales_cycle_months"], ref["ramp.enablement_months"], ref["ramp.ramp_months"]
    n_months = r.horizon_months + tail_months(params)
    first_row, last_row = 2, n_months + 1

    # The derived constants: formulas, below the inputs
    inp.heading("Derived from the inputs (formulas; do not type over them)")
    derived: dict[str, str] = {}

    def derive(key: str, label: str, formula: str, meaning: str, fmt: str | None = None) -> None:
        inp.row += 1
        inputs_ws.cell(inp.row, 1, label)
        cell = inputs_ws.cell(inp.row, 2, formula)
        if fmt:
            cell.number_format = fmt
        inputs_ws.cell(inp.row, 3, meaning)
        derived[key] = f"Inputs!$B${inp.row}"

    lay = _Layout()

    def rng(key: str) -> str:
        col = lay.letter[key]
        return f"Months!${col}${first_row}:${col}${last_row}"

    recurring = [(i, line) for i, line in enumerate(r.investment) if line.is_recurring]
    one_offs = [(i, line) for i, line in enumerate(r.investment) if not line.is_recurring]
    events = [(ref[f"ramp.events[{i}].month"], ref[f"ramp.events[{i}].kind"], ref[f"ramp.events[{i}].severity"]) for i in range(len(r.events))]

    def running(i: int, row: int) -> str:
        b = f"ramp.investment[{i}]"
        return f"AND({ref[b + '.start_month']}<={lay('line_month', row)},{ref[b + '.end_month']}>={lay('line_month', row)})"

    # Main columns first (what an auditor reads), helpers after; formulas may refer to any column.
    lay.add("month", "Month", MONTHS_FMT, lambda row: f"={f'A{row - 1}+1' if row > first_row else '1'}", 8)
    lay.add("period", "Period", None, lambda row: f'=IF({lay("month", row)}>{H},"tail","plan")', 8)
    lay.add("effort", "Effort", FACTOR_FMT, lambda row: f"={lay('effort_base', row)}*{lay('effort_kept', row)}")
    lay.add("capability", "Capability", FACTOR_FMT, lambda row: f"={lay('s_curve', row)}*{lay('effort', row)}")
    lay.add(
        "sourced",
        "Deals sourced",
        DEALS_FMT,
        lambda row: f"=IF(AND(ISNUMBER({derived['selling_from']}),{lay('month', row)}>={derived['selling_from']}),"
        f"{ref['ramp.steady_deals_per_month']}*{lay('capability', row)}*{lay('cynicism', row)},0)",
    )
    lay.add(
        "closed",
        "Deals closed",
        DEALS_FMT,
        lambda row: f"=IF({lay('month', row)}-{cycle}>=1,INDEX({rng('sourced')},{lay('month', row)}-{cycle}),0)*{lay('pipeline', row)}",
    )

    def revenue(row: int) -> str:
        one = f"{lay('closed', row)}*{ref['ramp.avg_deal_value']}"
        before = f"{derived['book_factor']}*{lay('revenue', row - 1)}+" if row > first_row else ""
        return f'=IF({ref["ramp.deal_value_kind"]}="annual_recurring",{before}{one}/12,{one})'

    lay.add("revenue", "Revenue", money, revenue)
    lay.add("recurring", "Recurring cost", money, lambda row: f"={lay('recurring_plan', row)}*{lay('cost_kept', row)}")
    lay.add("one_off", "One-off cost", money, lambda row: "=" + ("+".join(lay(f"one_off_{i}", row) for i, _ in one_offs) or "0"))
    lay.add("investment", "Investment", money, lambda row: f"={lay('recurring', row)}+{lay('one_off', row)}")
    lay.add("partner_share", "Partner share", money, lambda row: f"={lay('revenue', row)}*{ref['ramp.partner_margin']}")
    lay.add("vendor_revenue", "Vendor revenue", money, lambda row: f"={lay('revenue', row)}-{lay('partner_share', row)}")
    lay.add(
        "cost_of_goods",
        "Cost of goods",
        money,
        lambda row: f"={lay('revenue', row)}*(1-{ref['ramp.partner_margin']})*(1-{ref['ramp.gross_margin']})",
    )
    lay.add("contribution", "Contribution", money, lambda row: f"={lay('vendor_revenue', row)}-{lay('cost_of_goods', row)}")
    lay.add("net", "Net", money, lambda row: f"={lay('contribution', row)}-{lay('investment', row)}")
    lay.add(
        "cumulative_net",
        "Cumulative net",
        money,
        lambda row: f"={lay('cumulative_net', row - 1)}+{lay('net', row)}" if row > first_row else f"={lay('net', row)}",
        16,
    )
    lay.add("discount", "Discount factor", FACTOR_FMT, lambda row: f"=1/(1+{derived['monthly_rate']})^{lay('month', row)}")
    lay.add("discounted_net", "Discounted net", money, lambda row: f"={lay('net', row)}*{lay('discount', row)}")

    # Helpers: the investment lines, the changes, the S-curve, and the flags the Summary reads.
    lay.add("line_month", "Lines as in month", MONTHS_FMT, lambda row: f"=MIN({lay('month', row)},{H})", 10)

    def line_cost(i: int) -> Callable[[int], str]:
        return lambda row: f"=IF({running(i, row)},{ref[f'ramp.investment[{i}].monthly_cost']},0)"

    def one_off_cost(i: int) -> Callable[[int], str]:
        b = f"ramp.investment[{i}]"
        return lambda row: f"=IF({lay('month', row)}={ref[b + '.month']},{ref[b + '.one_off']},0)"

    for i, line in recurring:
        lay.add(f"line_{i}", f"{line.name}: planned cost", money, line_cost(i))
    for i, line in one_offs:
        lay.add(f"one_off_{i}", f"{line.name}: one-off", money, one_off_cost(i))
    lay.add("recurring_plan", "Recurring cost as planned", money, lambda row: "=" + ("+".join(lay(f"line_{i}", row) for i, _ in recurring) or "0"), 16)
    lay.add(
        "zero_cost_running",
        "Zero-cost lines running",
        "0",
        lambda row: "="
        + ("+".join(f"IF(AND({running(i, row)},{ref[f'ramp.investment[{i}].monthly_cost']}=0),1,0)" for i, _ in recurring) or "0"),
        10,
    )
    lay.add(
        "positive_plan_cost",
        "Positive planned cost (months 1..horizon)",
        money,
        lambda row: f'=IF(AND({lay("month", row)}<={H},{lay("recurring_plan", row)}>0),{lay("recurring_plan", row)},"")',
        16,
    )
    lay.add(
        "effort_base",
        "Effort before changes",
        FACTOR_FMT,
        lambda row: f"=IF({derived['recurring_lines']}=0,1,IF({lay('zero_cost_running', row)}>0,1,"
        f"IF({derived['full_effort']}>0,MIN(1,{lay('recurring_plan', row)}/{derived['full_effort']}),0)))",
    )

    lay.add("begun", "Effort begun", None, lambda row: f"={lay('effort_base', row)}>0", 10)

    def month_is(row: int) -> str:
        return lay("month", row)

    lay.add(
        "effort_kept",
        "Effort kept after changes",
        FACTOR_FMT,
        lambda row: "="
        + _product(
            [f'IF(AND({k}="resource_withdrawal",{m}<={H},{month_is(row)}>={m}),1-{s},1)' for m, k, s in events]
            + [
                f'IF(AND({k}="responsibility_move",{m}<={H},{month_is(row)}>={m},{month_is(row)}<{m}+{RESPONSIBILITY_STALL_MONTHS}),1-{s},1)'
                for m, k, s in events
            ]
        ),
    )
    lay.add(
        "cost_kept",
        "Recurring cost kept after withdrawals",
        FACTOR_FMT,
        lambda row: "=" + _product([f'IF(AND({k}="resource_withdrawal",{m}<={H},{month_is(row)}>={m}),1-{s},1)' for m, k, s in events]),
    )
    lay.add(
        "knock",
        "Progress kept after changes",
        FACTOR_FMT,
        lambda row: "="
        + _product([f'IF(AND(OR({k}="people_change",{k}="responsibility_move"),{m}<={H},{month_is(row)}={m}),1-{s},1)' for m, k, s in events]),
    )
    lay.add(
        "cynicism",
        "Deals kept after cynicism",
        FACTOR_FMT,
        lambda row: "=" + _product([f'IF(AND({k}="cynicism",{m}<={H},{month_is(row)}>={m}),1-{s}/2,1)' for m, k, s in events]),
    )
    # A people change or responsibility move at m loses s of the deals then in the pipeline:
    # those sourced before m that close in m or later, i.e. closing in months m..m + cycle - 1.
    lay.add(
        "pipeline",
        "Pipeline kept after people changes",
        FACTOR_FMT,
        lambda row: "="
        + _product(
            [
                f'IF(AND(OR({k}="people_change",{k}="responsibility_move"),{m}<={H},{month_is(row)}>={m},{month_is(row)}<{m}+{cycle}),1-{s},1)'
                for m, k, s in events
            ]
        ),
    )

    def progress(row: int) -> str:
        before = lay("progress", row - 1) if row > first_row else "0"
        grown = f"{before}+MIN({lay('effort', row)},1)"
        return f"=IF({ramp_m}>0,MIN({ramp_m},{grown}),{grown})*{lay('knock', row)}"

    lay.add("progress", "Progress (months)", FACTOR_FMT, progress)
    lay.add(
        "s_curve",
        "S-curve share",
        FACTOR_FMT,
        lambda row: f"=IF({ramp_m}>0,(1/(1+EXP(-{derived['k']}*(MIN(1,{lay('progress', row)}/{ramp_m})-0.5)))-{derived['l0']})"
        f"/(1-2*{derived['l0']}),1)",
    )
    lay.add(
        "has_revenue",
        "Revenue within the horizon",
        None,
        lambda row: f"=AND({lay('month', row)}<={H},{lay('revenue', row)}>{REVENUE_EPS})",
        10,
    )
    lay.add(
        "even",
        "Cumulative net >= 0 since first revenue",
        None,
        lambda row: f"=AND(ISNUMBER(Summary!$B$2),{lay('month', row)}>=Summary!$B$2,{lay('month', row)}<={H},"
        f"{lay('cumulative_net', row)}>=-{BREAK_EVEN_EPS})",
        12,
    )
    lay.add(
        "stays_even",
        "Stays >= 0 to the horizon",
        None,
        lambda row: f"=AND({lay('even', row)},OR({lay('month', row)}={H},{lay('stays_even', row + 1)}))"
        if row < last_row
        else f"=AND({lay('even', row)},{lay('month', row)}={H})",
        12,
    )
    lay.add(
        "plan_cumulative",
        "Cumulative net within the horizon",
        money,
        lambda row: f'=IF({lay("month", row)}<={H},{lay("cumulative_net", row)},"")',
        16,
    )

    derive("positive_min", "smallest planned monthly recurring cost", f"=MIN({rng('positive_plan_cost')})", "the smallest positive monthly recurring cost as planned, months 1..horizon (0: none)", money)
    derive(
        "full_effort",
        "full-effort monthly cost used",
        f"=IF(ISNUMBER({ref['ramp.full_effort_monthly_cost']}),{ref['ramp.full_effort_monthly_cost']},{derived['positive_min']})",
        "effort = min(1, recurring cost as planned / this); 1 while a zero-cost line runs, and always with no recurring line",
        money,
    )
    derive(
        "recurring_lines",
        "recurring lines",
        "=" + (f"COUNT({','.join(ref[f'ramp.investment[{i}].monthly_cost'] for i, _ in recurring)})" if recurring else "0"),
        "how many recurring investment lines the plan has",
        "0",
    )
    derive(
        "first_effort",
        "first month of effort",
        f'=IFERROR(MATCH(TRUE,{rng("begun")},0),"")',
        "first month whose effort (before any change) is above 0 (blank: none)",
        MONTHS_FMT,
    )
    derive(
        "selling_from",
        "first month deals are sourced",
        f'=IF(ISNUMBER({derived["first_effort"]}),{derived["first_effort"]}+{enable},"")',
        "first month of effort + enablement_months",
        MONTHS_FMT,
    )
    derive("monthly_rate", "monthly discount rate", f"=(1+{ref['ramp.discount_rate']})^(1/12)-1", "i = (1 + discount_rate)^(1/12) - 1", "0.0000%")
    derive(
        "book_factor",
        "monthly book factor g",
        f"=(1-{ref['ramp.annual_churn']})^(1/12)*(1+{ref['ramp.annual_expansion']})^(1/12)",
        "recurring contracts: billing(m) = g x billing(m-1) + deals closed(m) x deal value / 12",
        "0.000000",
    )
    derive("k", "S-curve steepness k", "=2*LN(81)", "S(x) = (L(x) - L(0)) / (L(1) - L(0)), L(x) = 1/(1+exp(-k(x - 1/2)))", FACTOR_FMT)
    derive("l0", "L(0)", f"=1/(1+EXP({derived['k']}/2))", "the raw logistic at no progress", "0.000000")

    # Write the Months sheet
    for j, col in enumerate(lay.cols, start=1):
        cell = months_ws.cell(1, j, col.header)
        cell.data_type = "s"  # a header may begin with a line's name: text, never a formula
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        months_ws.column_dimensions[get_column_letter(j)].width = col.width
        for row in range(first_row, last_row + 1):
            c = months_ws.cell(row, j, col.formula(row))
            if col.fmt:
                c.number_format = col.fmt
    months_ws.row_dimensions[1].height = 45
    months_ws.freeze_panes = "C2"
    months_ws.page_setup.orientation = "landscape"  # printed: wide pages, the header on each
    months_ws.print_title_rows = "1:1"
    months_ws.print_title_cols = "A:B"

    # Summary
    summary_ws.append(["Summary key", "Value", "Meaning"])
    month_col = lay.letter["month"]
    formulas = {
        "first_revenue_month": f'=IFERROR(MATCH(TRUE,{rng("has_revenue")},0),"")',
        "first_break_even_month": f'=IFERROR(MATCH(TRUE,{rng("even")},0),"")',
        "break_even_month": f'=IFERROR(MATCH(TRUE,{rng("stays_even")},0),"")',
        "cumulative_net_at_horizon": f"=INDEX({rng('cumulative_net')},{H})",
        "peak_funding_need": f"=MAX(0,-MIN({rng('plan_cumulative')}))",
        "npv": f"=SUMPRODUCT((Months!${month_col}${first_row}:${month_col}${last_row}<={H})*{rng('discounted_net')})",
        "long_run_npv": f"=SUMPRODUCT((Months!${month_col}${first_row}:${month_col}${last_row}<={H}+{T})*{rng('discounted_net')})",
    }
    for key, meaning in SUMMARY_KEYS.items():
        summary_ws.append([key, formulas[key], meaning])
        summary_ws.cell(summary_ws.max_row, 2).number_format = MONTHS_FMT if key.endswith("_month") else money
    assert summary_ws["A2"].value == "first_revenue_month"  # Months' break-even flags read Summary!$B$2
    summary_ws.cell(summary_ws.max_row + 2, 1, "Formulas over the Months sheet; a blank value is null in `workbook summary --json`.").font = _NOTE

    _write_scenarios(wb.create_sheet("Scenarios"), analysis, money)
    _write_simulation(wb.create_sheet("Simulation"), analysis, money)
    for ws in (inputs_ws, summary_ws, wb["Scenarios"], wb["Simulation"]):  # printed: one page wide
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    for ws, widths in ((inputs_ws, (38, 28, 90)), (summary_ws, (28, 16, 80))):
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        for cell in ws[1]:
            cell.font = _BOLD
            cell.fill = _HEAD_FILL
        ws.freeze_panes = "A2"
    return wb


def _note(ws: Worksheet, *lines: str) -> None:
    """A note under a sheet's table, a line per row (so that it prints at a readable size)."""
    row = ws.max_row + 2
    for i, line in enumerate(lines):
        ws.cell(row + i, 1, line).font = _NOTE


def _write_scenarios(ws: Worksheet, analysis: RampAnalysis, money: str) -> None:
    keys = ["first_revenue_month", "break_even_month", "cumulative_net_at_horizon", "peak_funding_need", "npv"]
    ws.append(["Scenario", "What changes", *keys])
    summary_row = {key: i for i, key in enumerate(SUMMARY_KEYS, start=2)}
    for n, s in enumerate(analysis.scenarios):
        m = s.result.metrics
        if n == 0:  # the plan itself: the Summary sheet's formulas
            values: list[object] = [f"=Summary!$B${summary_row[k]}" for k in keys]
        else:
            values = [m.first_revenue_month, m.break_even_month, m.cumulative_net_at_horizon, m.peak_funding_need, m.npv]
        ws.append([s.name, s.description, *values])
        for j in (1, 2):
            ws.cell(ws.max_row, j).data_type = "s"
        for j, key in enumerate(keys, start=3):
            ws.cell(ws.max_row, j).number_format = MONTHS_FMT if key.endswith("_month") else money
    _note(
        ws,
        "Note: the 'As planned' row is formulas over the Summary sheet and follows edits to Inputs.",
        "The other rows are values computed by the workbook, each re-running the whole model with its change",
        "(late start, lower investment, a premature change, another route, a saved what-if): they do not follow edits.",
        "A blank month is none within the horizon.",
    )
    for j, width in enumerate((30, 70, 20, 18, 26, 20, 16), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    for cell in ws[1]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
    ws.freeze_panes = "A2"


def _write_simulation(ws: Worksheet, analysis: RampAnalysis, money: str) -> None:
    mc = analysis.monte_carlo
    ws.append(["Month", "P10 cumulative net", "P50 cumulative net", "P90 cumulative net"])
    bands = mc.bands
    for month, p10, p50, p90 in zip(bands["month"].tolist(), bands["p10"].tolist(), bands["p50"].tolist(), bands["p90"].tolist(), strict=True):
        ws.append([int(month), float(p10), float(p50), float(p90)])
        for j in (2, 3, 4):
            ws.cell(ws.max_row, j).number_format = money
    row = ws.max_row + 2
    ws.cell(row, 1, "Chance of break-even within the commitment").font = _BOLD
    chance = ws.cell(row, 2, mc.p_break_even_within_commitment)
    chance.number_format = SHARE_FMT
    ws.cell(row + 1, 1, "Runs")
    ws.cell(row + 1, 2, mc.runs)
    ws.cell(row + 2, 1, "Seed")
    ws.cell(row + 2, 2, mc.seed)
    _note(
        ws,
        "Values, not formulas: the Monte Carlo simulation's bands of the cumulative net by month",
        f"(10th, 50th and 90th percentiles over {mc.runs} runs drawing the ranged inputs, seed {mc.seed}),",
        "as the workbook computed them. They do not follow edits to Inputs.",
    )
    for j, width in enumerate((44, 20, 20, 20), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    for cell in ws[1]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
    ws.freeze_panes = "A2"


#: The programme's Summary sheet: key (as ``workbook programme --json`` names it), and what it is.
PROGRAMME_SUMMARY_KEYS: dict[str, str] = {
    "peak_funding_need": "depth of the programme's J-curve: max(0, -lowest cumulative net)",
    "cumulative_net_at_end": "cumulative net in the last month",
    "committed_spend": "committed spend of every alliance (the Alliances sheet's column)",
}


def _text(ws: Worksheet, row: int, col: int, value: str) -> None:
    """Write ``value`` as text, even one that looks like a formula (a name from a params file)."""
    cell = ws.cell(row, col, value)
    cell.data_type = "s"


def build_programme(result: ProgrammeResult) -> Workbook:
    """The programme's spreadsheet (``programme.xlsx``): its combined months for a reader to audit.

    - ``Months`` — a row per calendar month of the programme (A: ``YYYY-MM``), a column per
      alliance with its net that month converted into the reporting currency (values; blank
      outside the alliance's own months), then the combined net (a ``SUM`` formula over the
      alliances' columns) and the cumulative net (a formula: the month before's plus this
      month's combined net).
    - ``Alliances`` — per alliance (in the order of the Months columns): its name, file,
      currency, the rate used, its first and last calendar month, committed spend and long-run
      value (converted; values), and whether the budget funds it.
    - ``Summary`` — the peak funding need and the cumulative net at the end as formulas over
      ``Months``, the committed spend as a formula over ``Alliances``.

    Names from the files are written as text, never as formulas.
    """
    from ..programme import as_json, month_label

    p = as_json(result)
    money = money_format(result.currency)
    parts = result.contributions
    wb = Workbook()
    months = wb.active
    assert months is not None
    months.title = "Months"
    alliances = wb.create_sheet("Alliances")
    summary = wb.create_sheet("Summary")

    n = len(parts)
    combined_col, cumulative_col = n + 2, n + 3
    first_alliance, last_alliance = get_column_letter(2), get_column_letter(n + 1)
    months.cell(1, 1, "Month")
    for j, c in enumerate(parts, start=2):
        _text(months, 1, j, str(c.member.params.alliance.name))
    months.cell(1, combined_col, f"Combined net ({result.currency})")
    months.cell(1, cumulative_col, f"Cumulative net ({result.currency})")
    length = len(result.net)
    first_row, last_row = 2, length + 1
    comb, cum = get_column_letter(combined_col), get_column_letter(cumulative_col)
    for k in range(length):
        row = first_row + k
        _text(months, row, 1, month_label(result.first + k))
        for j, c in enumerate(parts, start=2):
            at = result.first + k - c.first
            if 0 <= at < c.months:
                months.cell(row, j, float(c.net[at])).number_format = money
        months.cell(row, combined_col, f"=SUM({first_alliance}{row}:{last_alliance}{row})" if n else "=0").number_format = money
        previous = f"{cum}{row - 1}+" if k else ""
        months.cell(row, cumulative_col, f"={previous}{comb}{row}").number_format = money
    months.freeze_panes = "B2"
    months.column_dimensions["A"].width = 10
    for j in range(2, cumulative_col + 1):
        months.column_dimensions[get_column_letter(j)].width = 22
    for cell in months[1]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    alliances.append(["Alliance", "File", "Currency", f"Rate (1 unit in {result.currency})", "First month", "Last month",
                      f"Committed spend ({result.currency})", f"Long-run value ({result.currency})", "Funded"])
    for i, a in enumerate(p["alliances"], start=2):
        _text(alliances, i, 1, str(a["name"]))
        _text(alliances, i, 2, str(a["file"]))
        alliances.cell(i, 3, a["currency"])
        alliances.cell(i, 4, a["rate"])
        alliances.cell(i, 5, a["start"])
        alliances.cell(i, 6, a["end"])
        alliances.cell(i, 7, float(parts[i - 2].committed_spend)).number_format = money
        alliances.cell(i, 8, float(parts[i - 2].long_run_npv)).number_format = money
        alliances.cell(i, 9, "fund" if a["funded"] else "leave out")
    for j, width in enumerate((44, 36, 10, 18, 12, 12, 22, 22, 10), start=1):
        alliances.column_dimensions[get_column_letter(j)].width = width
    for cell in alliances[1]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
    alliances.freeze_panes = "A2"

    summary.append(["Key", "Value", "Meaning"])
    cumulative_range = f"Months!${cum}${first_row}:${cum}${last_row}"
    formulas = {
        "peak_funding_need": f"=MAX(0,-MIN({cumulative_range}))",
        "cumulative_net_at_end": f"=Months!${cum}${last_row}",
        "committed_spend": f"=SUM(Alliances!$G$2:$G${n + 1})" if n else "=0",
    }
    for key, meaning in PROGRAMME_SUMMARY_KEYS.items():
        summary.append([key, formulas[key], meaning])
        summary.cell(summary.max_row, 2).number_format = money
    _note(
        summary,
        "The alliances' monthly nets (Months) and their committed spend and long-run value (Alliances) are values, each",
        "modelled by the workbook from its params file and converted at the programme's rates; the combined and cumulative",
        "nets and this sheet are formulas over them. Break-even and the band are in the programme's report page.",
    )
    for j, width in enumerate((26, 20, 70), start=1):
        summary.column_dimensions[get_column_letter(j)].width = width
    for cell in summary[1]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
    return wb


def to_bytes(wb: Workbook) -> bytes:
    """The ``.xlsx`` file of ``wb``."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_xlsx(params: Params, path: str | Path, analysis: RampAnalysis | None = None) -> Path:
    """Write :func:`build`'s spreadsheet to ``path`` in one atomic replace: readers see the old
    file or the new one, and a failure leaves no file behind. Returns the path written."""
    return atomic_replace(path, to_bytes(build(params, analysis)))


__all__ = ["PROGRAMME_SUMMARY_KEYS", "SUMMARY_KEYS", "build", "build_programme", "money_format", "tail_months", "to_bytes", "write_xlsx"]
