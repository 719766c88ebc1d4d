"""The ``workbook`` command: a thin layer over the library.

Exit codes: 0 success; 1 a report failed to render; 2 invalid params (nothing written);
128 + the signal number when SIGINT, SIGTERM or SIGHUP stopped a report batch.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from .errors import ParamsError, Problem, WorkbookError
from .params import load_params
from .text import is_control, terminal

def say(message: object = "", err: bool = False) -> None:
    """Print ``message`` as ``typer.echo`` does, with every control character escaped: names,
    paths and messages come from files and must never steer the terminal."""
    typer.echo(terminal(str(message)), err=err)


def json_line(data: object) -> str:
    """``data`` as one line of JSON (UTF-8 kept readable), with every control character that
    JSON would leave raw (DEL, the C1 controls, the bidirectional overrides) written as a
    ``\\uXXXX`` escape: the same JSON, safe on a terminal."""
    text = json.dumps(data, ensure_ascii=False)
    return "".join(f"\\u{ord(ch):04x}" if is_control(ch) else ch for ch in text)


app = typer.Typer(
    name="workbook",
    help=(
        "Alliance Workbook: validate alliance params files, print their summary, render reports "
        "and serve the dashboards.\n\nOne YAML params file per alliance lives in params/; "
        "'workbook report params/*.yaml' renders a report for each into reports/."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

class ParticipantPage(str, Enum):
    server = "server"
    light = "light"
    full = "full"


if TYPE_CHECKING:
    from .outcomes import Outcome
    from .summary import Summary


PathsArg = Annotated[list[Path], typer.Argument(help="Params files (YAML), one per alliance.", show_default=False)]


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        say(str(p), err=True)


def _split_programmes(paths: list[Path], note: str = "skipped, a programme file (its first key is programme:), not an alliance; see 'workbook programme {path}'") -> tuple[list[Path], list[Path]]:
    """``paths`` as (alliances, programme files): ``params/*.yaml`` matches a programme file too;
    each programme file gets one line, ``note``, and is no failure."""
    from .params import is_programme_file

    kept, programmes = [], []
    for path in paths:
        if is_programme_file(path):
            say(f"{path}: " + note.replace("{path}", str(path)), err=True)
            programmes.append(path)
        else:
            kept.append(path)
    return kept, programmes


def _alliances_only(paths: list[Path]) -> list[Path]:
    """``paths`` without the programme files among them (see :func:`_split_programmes`)."""
    return _split_programmes(paths)[0]


@app.command()
def check(paths: PathsArg) -> None:
    """Validate params files. Writes nothing.

    Exits 0 when every file is valid, or 2 after printing every problem as
    file:line: field.path: message. Two files naming the same alliance (or whose names give
    the same report folder) are a problem of both.
    """
    from .reports.folders import name_clashes

    paths = _alliances_only(paths)
    loaded: dict[Path, Any] = {}
    problems: dict[Path, list[Problem]] = {}
    for path in paths:
        try:
            loaded[path] = load_params(path)
        except ParamsError as exc:
            problems[path] = exc.problems
    for p in name_clashes({path: (params.alliance.name, params.slug) for path, params in loaded.items()}):
        problems.setdefault(p.path, []).append(p)
    for path in dict.fromkeys(paths):
        if path in problems:
            _print_problems(problems[path])
        else:
            say(f"{path}: ok")
    raise typer.Exit(2 if problems else 0)


@app.command()
def summary(
    paths: PathsArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per file (JSON Lines).")] = False,
) -> None:
    """Print each alliance's headline figures and flags (readiness, trust, break-even, NPV ...)."""
    from .summary import summary_of

    failed = False
    for path in _alliances_only(paths):
        try:
            params = load_params(path)
        except ParamsError as exc:
            _print_problems(exc.problems)
            failed = True
            continue
        s = summary_of(params, path)
        if as_json:
            say(json_line(s.as_dict()))
            continue
        say(f"{s.alliance}  ({path})")
        for label, value in _readable(s):
            say(f"  {label:44} {value}")
        for f in s.flags:
            say(f"  [{f.severity}] {f.message}")
    raise typer.Exit(2 if failed else 0)


def _readable(s: Summary) -> list[tuple[str, str]]:
    """The summary's headline figures in words, money in the alliance's currency."""
    from .currency import currency
    from .portfolio import month_names
    from .text import chance

    money = currency(s.currency)
    month = month_names(s)

    def number(x: float | None, fmt: str) -> str:
        return "—" if x is None else format(x, fmt)

    rows = [
        ("readiness (0–100)", number(s.readiness_score, ".0f")),
        ("trust index (0–100)", number(s.trust_index, ".1f")),
        ("widest asymmetry (points of 5)", number(s.max_perception_gap, ".2f")),
        ("largest self-other gap (points of 5)", number(s.max_self_other_gap, "+.2f")),
        ("first revenue", month(s.first_revenue_month, "none within the horizon")),
        ("break-even", month(s.break_even_month, "not within the horizon")),
        ("resources committed for", f"{s.commitment_months} months"),
        ("peak funding need", money(s.peak_funding_need)),
        ("cumulative net at the horizon", money(s.cumulative_net_at_horizon)),
        ("NPV", money(s.npv)),
        ("chance of break-even within the commitment", chance(s.p_break_even_within_commitment)),
    ]
    through, delay, scale = s.actuals_through_month, s.reforecast_delay_months, s.reforecast_scale
    if s.tracking is not None and s.spend_tracking is not None and through is not None and delay is not None and scale is not None:
        from .actuals import fit_words
        from .text import SPEND_WORDS, TRACKING_WORDS

        be = s.reforecast_break_even_month
        rows += [
            (f"tracking through {month.long(through)}", TRACKING_WORDS[s.tracking]),
            (f"spend through {month.long(through)}", SPEND_WORDS[s.spend_tracking]),
            ("actual cumulative net", money(s.actual_cumulative_net)),
            ("re-forecast runs the plan", fit_words(delay, scale)),
            (
                "re-forecast break-even",
                f"already broken even, in {month.long(be)}" if be is not None and be <= through else month(be, "not within the horizon"),
            ),
        ]
        span = s.reforecast_pipeline_months
        if span:
            rows.append(("re-forecast from the pipeline", f"{month.long(span[0])} to {month.long(span[1])}"))
        if s.sourced_share is not None:
            rows.append(("partner-sourced share", f"{s.sourced_share:.0%}"))
    if s.pipeline_deals is not None:
        w = s.win_rate
        rows.append(("open pipeline", f"{s.pipeline_deals} deals, {money(s.pipeline_amount)}, win rate {'—' if w is None else format(w, '.0%')}"))
    return rows


@app.command()
def programme(
    path: Annotated[
        Path,
        typer.Argument(metavar="[PROGRAMME]", help="The programme file (YAML, top-level key programme).", show_default=True),
    ] = Path("params/programme.yaml"),
    as_json: Annotated[bool, typer.Option("--json", help="Print one strict-JSON object (money rounded to the reporting currency's minor unit, months as YYYY-MM).")] = False,
) -> None:
    """Combine a programme of alliances on one calendar axis, in one currency, against one budget.

    The programme file names the reporting currency, the rates of the alliances' other
    currencies (EUR: 1.08 = 1 EUR is worth 1.08 of it), the budget (total and yearly_cap of
    committed spend) and the alliance files (globs relative to it; default every *.yaml beside
    it). Each alliance needs alliance.start: its month 1 is that calendar month.

    Prints the programme's J-curve figures (peak funding need and its month, first and lasting
    break-even, cumulative net at the end, NPV and long-run value discounted to the first
    month), committed spend by year against the budget, the alliances whose commitment ends
    before they break even, and which alliances to fund for the most long-run value within the
    budget. Exits 2, printing file:line: field: message for every problem, when the programme
    file or an alliance file is bad.
    """
    from .programme import summarise_programme

    try:
        result = summarise_programme(path)
    except ParamsError as exc:
        _print_problems(exc.problems)
        raise typer.Exit(2) from None
    if as_json:
        say(json_line(result))
        return
    for line in _programme_lines(result):
        say(line)


def _programme_lines(p: dict[str, Any]) -> list[str]:
    """The programme's figures in words (money in its currency, months as YYYY-MM)."""
    from .currency import currency

    money = currency(p["currency"])
    rows = [
        ("alliances", f"{len(p['alliances'])}, from {p['first_month']} to {p['last_month']}"),
        ("peak funding need", money(p["peak_funding_need"]) + (f" in {p['peak_funding_month']}" if p["peak_funding_month"] else "")),
        ("first break-even", p["first_break_even_month"] or "none"),
        ("break-even (stays >= 0 from)", p["break_even_month"] or "none: ends below 0"),
        (f"cumulative net at {p['last_month']}", money(p["cumulative_net_at_end"])),
        *(
            [(f"  P10–P90 ({p['band']['runs']} runs)", f"{money(p['band']['p10_at_end'])} to {money(p['band']['p90_at_end'])} "
              f"(if all did as badly or as well at once: {money(p['band']['p10_together_at_end'])} to {money(p['band']['p90_together_at_end'])})")]
            if p["band"] else [("  P10–P90", "none: no alliance gives uncertainty ranges")]
        ),
        (f"NPV (to {p['discounted_to']})", money(p["npv"])),
        ("long-run value", money(p["long_run_npv"])),
        ("committed spend", money(p["committed_spend"]) + (f" (budget {money(p['budget_total'])})" if p["budget_total"] is not None else "") + (" OVER the budget" if p["over_total_budget"] else "")),
    ]
    cap = p["yearly_cap"]
    for year, spend in p["spend_by_year"].items():
        over = " OVER the yearly cap" if year in p["years_over_cap"] else ""
        rows.append((f"  committed in {year}", money(spend) + (f" (cap {money(cap)}){over}" if cap is not None else "")))
    lines = [f"{p['programme']}  (money in {p['currency']})"]
    lines += [f"  {label:34} {value}" for label, value in rows]
    lines.append("  alliances:")
    for a in p["alliances"]:
        be = a["break_even_month"] or "no break-even"
        late = "; commitment ends " + a["commitment_end"] + " BEFORE break-even" if a["commitment_ends_before_break_even"] else ""
        lines.append(f"    {a['name']} ({a['file']}): from {a['start']}, {a['months']} months, break-even {be}{late}; {'fund' if a['funded'] else 'leave out'}")
    if p["not_funded"]:
        lines.append(
            f"  the most long-run value within the budget ({p['funding_method']} choice) leaves out {len(p['not_funded'])} "
            f"of {len(p['alliances'])} alliances, giving up {money(p['value_lost_by_cut'])}"
        )
    return lines


@app.command("import-actuals")
def import_actuals(
    params_path: Annotated[Path, typer.Argument(metavar="PARAMS", help="The alliance's params file (YAML) to write the actuals into.", show_default=False)],
    csv_path: Annotated[Path, typer.Argument(metavar="CSV", help="The CSV export: a header line, then one line per month.", show_default=False)],
    source: Annotated[
        Optional[str], typer.Option("--source", help="Where the figures come from, kept as actuals.source (default: the CSV's file name).")
    ] = None,
) -> None:
    """Write the months of a CRM or ledger export (CSV) into PARAMS as its actuals section.

    The CSV's first line names the columns: month, investment, deals_closed and vendor_revenue
    (required), and optionally deals_sourced, partner_sourced_revenue and influenced_revenue;
    then one line per month, months 1, 2, 3, ... in order, within the plan's horizon. Numbers are
    plain digits (12000 or 12000.50: no thousands separators, currency signs, units, underscores
    or full-width digits), in the params file's currency; vendor_revenue is after the partner's
    margin, as in the plan. Column names may be in any case and spacing (Deals Closed); with
    alliance.start in PARAMS a month may be written as its calendar month (2026-02).

    Every row is checked first. On any problem: each is printed as file.csv:ROW: column: message
    (ROW is the line number in the CSV; the first 50, then how many more), exit 2, and PARAMS is
    left exactly as it was. Otherwise the actuals section is replaced (every other byte of the
    file is kept) in one atomic write, and the tracking against the plan is printed.
    """
    from .actuals import headline
    from .areas import assess
    from .deals import problem_lines
    from .params import import_actuals as write_actuals

    try:
        params = write_actuals(params_path, csv_path, source=source)
    except ParamsError as exc:
        for line in problem_lines(exc.problems):
            say(line, err=True)
        say(f"Nothing written to {params_path}.", err=True)
        raise typer.Exit(2) from None
    assert params.actuals is not None
    tracked = assess(params, only=("ramp",)).actuals
    say(f"{params_path}: wrote {len(params.actuals.months)} months of actuals from {csv_path}.")
    if tracked is not None:
        say(headline(tracked, params.alliance.currency))


@app.command("import-deals")
def import_deals(
    params_path: Annotated[Path, typer.Argument(metavar="PARAMS", help="The alliance's params file (YAML); it needs alliance.start.", show_default=False)],
    export: Annotated[Path, typer.Argument(metavar="EXPORT", help="A deal-level CRM export: CSV or .xlsx, one deal a row.", show_default=False)],
    map_path: Annotated[
        Optional[Path],
        typer.Option("--map", metavar="MAP.yaml", help="How to read an export that is not a Salesforce or HubSpot one: columns (id, close_date, amount, stage, partner, attribution, created_date, currency), won, lost, sourced, date_format."),
    ] = None,
    spend: Annotated[
        Optional[Path],
        typer.Option("--spend", metavar="LEDGER", help="A CSV of month (plan month number or YYYY-MM) or date, and amount: the months' investment (rows of a month add up)."),
    ] = None,
    through: Annotated[
        Optional[str],
        typer.Option("--through", metavar="DATE", help="The last date the actuals cover, YYYY-MM-DD (default: the latest close date of a closed deal or created date in the export)."),
    ] = None,
    partner: Annotated[Optional[str], typer.Option("--partner", metavar="NAME", help="The partner's name as the export writes it (default: alliance.partner).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the months and what would change; write nothing.")] = False,
    source: Annotated[
        Optional[str], typer.Option("--source", help="Where the figures come from, kept as actuals.source and pipeline.source (default: the export's file name).")
    ] = None,
) -> None:
    """Write a deal-level CRM export into PARAMS as its actuals and pipeline sections.

    Salesforce opportunity reports (Opportunity Name, Stage, Close Date, Amount, Partner Account,
    Lead Source, Created Date) and HubSpot deal exports (Record ID, Deal Name, Deal Stage, Close
    Date, Amount, and a Partner column) are recognised by their headers, in any order and case;
    anything else needs --map. Month 1 is the calendar month of alliance.start. The won deals
    naming the partner become deals_closed and vendor_revenue (amount x (1 - partner_margin),
    billed a twelfth a month for annual_recurring plans) per close month, through --through; the
    partner's open deals the pipeline by expected close month. Investment: --spend, else the
    file's earlier actuals, else the plan.

    Every row is checked first. On any problem: each is printed as file:ROW: column: message (the
    first 50, then how many more), exit 2, and PARAMS is left exactly as it was. Otherwise only
    the actuals and pipeline sections change (every other byte of the file is kept), in one
    atomic write; importing the same export again leaves the file unchanged.
    """
    import datetime as dt

    from .deals import import_deals as run_import
    from .deals import problem_lines, report_lines

    end: dt.date | None = None
    if through is not None:
        try:
            end = dt.date.fromisoformat(through.strip())
        except ValueError:
            say(f"--through: expected a date YYYY-MM-DD, got {through!r}", err=True)
            raise typer.Exit(2) from None
    try:
        outcome = run_import(params_path, export, map_path=map_path, spend_path=spend, through=end, partner=partner, dry_run=dry_run, source=source)
    except ParamsError as exc:
        for line in problem_lines(exc.problems):
            say(line, err=True)
        say(f"Nothing written to {params_path}.", err=True)
        raise typer.Exit(2) from None
    for line in report_lines(outcome, params_path, export, dry_run):
        say(line)


@app.command()
def report(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the reports and index.html.")] = Path("reports"),
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Reports rendered in parallel (one process each).")] = 1,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf",
            help=(
                "Also print each report to OUT/<alliance>/report.pdf with headless Chromium "
                "($WORKBOOK_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH; "
                "nothing is fetched from the network). Without Chromium: exit 2, nothing rendered."
            ),
        ),
    ] = False,
    xlsx: Annotated[
        bool,
        typer.Option(
            "--xlsx",
            help=(
                "Also write each alliance's money machine as a live spreadsheet, OUT/<alliance>/model.xlsx: its "
                "inputs (sheet Inputs), every month as formulas over them (Months), the summary's figures as "
                "formulas (Summary), the scenarios and the simulation's bands (values). Change an input, "
                "recalculate, and the figures follow."
            ),
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Render every file, also those whose report is up to date (same file, workbook version and report notebook)."),
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            help=(
                "Render on a Dask distributed cluster (pip install 'alliance-workbook\\[cluster]'; workers need the "
                "package installed, not these files): the reports come back, as plain data, and are written to OUT here. "
                "tls://HOST:PORT encrypts the link (with --tls-ca-file and --tls-cert). "
                "--jobs is then ignored; no scheduler there, or none with workers: exit 2, nothing rendered."
            ),
        ),
    ] = None,
    tls_ca_file: Annotated[
        Path | None,
        typer.Option("--tls-ca-file", metavar="PEM", help="With a tls:// scheduler: the CA certificate that signed the cluster's certificates."),
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option("--tls-cert", metavar="PEM", help="With a tls:// scheduler: this client's certificate, signed by that CA (and its key, unless --tls-key)."),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option("--tls-key", metavar="PEM", help="With a tls:// scheduler: the private key of --tls-cert, unencrypted, when it is in a file of its own."),
    ] = None,
    connect_timeout: Annotated[
        float,
        typer.Option(
            "--connect-timeout",
            min=0.5,
            max=600,
            metavar="SECONDS",
            help="With --scheduler: give up when the scheduler has not completed the connection (handshake included) within this many seconds.",
        ),
    ] = 10.0,
) -> None:
    """Render a report per params file into OUT/<alliance>/ and a portfolio OUT/index.html.

    Each report is an executed notebook (report.ipynb) and a self-contained page
    (report.html) that opens offline; with --pdf also a printable report.pdf, with --xlsx the
    model as a spreadsheet of formulas, model.xlsx. The index lists
    every report in OUT. A bad file fails alone, with its reason (a PDF that could not be made
    fails its report, which is then not written); the others still render. A report made
    from the same file by the same workbook version is kept, not rendered again (--force
    renders it anyway); the index always lists every report in OUT. Exits 1 if any
    report failed, 2 (rendering nothing) if two files name the same alliance or --pdf finds no
    Chromium. Ctrl+C, SIGTERM or SIGHUP stop the batch: finished reports stay, the index lists
    them, exit 128 + the signal number (130, 143, 129).
    """
    import signal

    from tqdm import tqdm

    from .reports.pdf import PdfError, find_chromium
    from .reports.folders import plan_batch
    from .reports.batch import Workers, render_all

    if pdf:
        try:
            find_chromium()
        except PdfError as exc:
            say(f"error: {exc}", err=True)
            say("Nothing rendered.", err=True)
            raise typer.Exit(2) from None
    runner = None
    if scheduler is None and (tls_ca_file or tls_cert or tls_key):
        say("error: --tls-ca-file, --tls-cert and --tls-key are for a tls:// --scheduler; none was given", err=True)
        say("Nothing rendered.", err=True)
        raise typer.Exit(2)
    if scheduler is not None:
        from .reports.cluster import ClusterError, check_scheduler, link, on_cluster

        # Ctrl+C interrupts the connection even when this process was started with SIGINT
        # ignored (as a shell does for a command it runs in the background)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            scheduler_link = link(scheduler, connect_timeout, tls_ca_file, tls_cert, tls_key)
            check_scheduler(scheduler_link)
            runner = on_cluster(scheduler_link)
        except ClusterError as exc:
            say(f"error: {exc}", err=True)
            say("Nothing rendered.", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            say("Stopped (SIGINT) while connecting to the scheduler. Nothing rendered.", err=True)
            raise typer.Exit(128 + signal.SIGINT) from None
    paths, programmes = _split_programmes(paths, f"a programme file, not an alliance: its page goes to {out / 'programme' / 'report.html'}")
    # the workers start (and warm their report kernels) while the params files are read
    workers = Workers()
    start = None if runner is not None else (lambda n: workers.start(min(max(1, jobs), n)))
    try:
        plan = plan_batch(paths, out, pdf=pdf, force=force, xlsx=xlsx, to_load=start)
    except ParamsError as exc:
        workers.close()
        _print_problems(exc.problems)
        say("Nothing rendered.", err=True)
        raise typer.Exit(2) from None
    # the programme's page first, so the portfolio index written at the end of the batch links it
    programme_pages, programme_failed = _programme_pages(programmes, out, pdf=pdf, xlsx=xlsx)
    with tqdm(total=len(plan.paths), unit="report", desc="Rendering", file=sys.stderr, dynamic_ncols=True) as bar:

        def tick(outcome: Outcome) -> None:
            bar.update(1)
            if not outcome.ok:
                bar.write(terminal(f"FAILED {outcome.params_path}:\n{outcome.reason}"), file=sys.stderr)

        try:
            with workers:
                batch = render_all(plan, out, jobs=jobs, progress=tick, pdf=pdf, runner=runner, xlsx=xlsx, workers=workers)
        except WorkbookError as exc:  # the cluster went away between the check and the batch
            bar.write(terminal(f"error: {exc}"), file=sys.stderr)
            raise typer.Exit(2) from None
    if batch.interrupted is not None:
        name = signal.Signals(batch.interrupted).name
        say(
            f"Interrupted ({name}): {len(batch.rendered)} of {batch.total} reports finished; "
            f"index written to {batch.index}",
            err=True,
        )
        raise typer.Exit(128 + batch.interrupted)
    kept = sum(1 for o in batch.rendered if o.unchanged)
    say(
        f"{len(batch.rendered) - kept} of {batch.total} reports rendered"
        + (f"; {kept} unchanged since they were made, kept as they are (--force renders them again)." if kept else ".")
    )
    for o in batch.rendered:
        say(f"  {out / str(o.slug) / 'report.html'}")
        if pdf:
            say(f"  {out / str(o.slug) / 'report.pdf'}")
        if xlsx:
            say(f"  {out / str(o.slug) / 'model.xlsx'}")
    for page in programme_pages:
        say(f"  {page}")
    say(f"Open the portfolio: file://{batch.index}")
    raise typer.Exit(0 if len(batch.rendered) == batch.total and not programme_failed else 1)


def _programme_pages(programmes: list[Path], out: Path, pdf: bool = False, xlsx: bool = False) -> tuple[list[Path], int]:
    """Write the page of each programme file into ``out/programme/`` (with ``pdf`` its PDF, with
    ``xlsx`` its spreadsheet); the files written, and how many programme files failed (each
    failure printed with its reasons; the alliances still render)."""
    from .reports.programme_page import FolderTaken, write_programme_report

    pages: list[Path] = []
    failed = 0
    for path in programmes:
        try:
            pages += write_programme_report(path, out, pdf=pdf, xlsx=xlsx)
        except ParamsError as exc:
            failed += 1
            say(f"FAILED {path} (programme):", err=True)
            _print_problems(exc.problems)
        except (FolderTaken, WorkbookError) as exc:  # the folder is an alliance's; the PDF was not printed
            failed += 1
            say(f"FAILED {path} (programme): {exc}", err=True)
    if len(programmes) > 1:
        say(f"note: {len(programmes)} programme files: each page replaced the one before; {out / 'programme'} holds the last", err=True)
    return pages, failed


@app.command()
def serve(
    ip: Annotated[str, typer.Option("--ip", help="Address to listen on. Use the room's address for a workshop (a token is then required).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port.")] = 8866,
    token: Annotated[Optional[str], typer.Option("--token", help="Token participants need; generated when --ip is not a loopback address (none on 127.0.0.1).")] = None,
    facilitator_token: Annotated[
        Optional[str], typer.Option("--facilitator-token", envvar="WORKBOOK_FACILITATOR_TOKEN", help="Token that opens the facilitator's board (generated when not given; read from $WORKBOOK_FACILITATOR_TOKEN so it stays off the command line).")
    ] = None,
    allow_host: Annotated[list[str], typer.Option("--allow-host", help="A further host name the server answers to, e.g. the room machine's DNS name (repeatable). Requests under any other name are refused.")] = [],  # noqa: B006
    max_kernels: Annotated[int, typer.Option("--max-kernels", min=1, help="Most pages (kernels) open at once on the whole server.")] = 80,
    max_kernels_per_client: Annotated[int, typer.Option("--max-kernels-per-client", min=1, help="Most pages (kernels) one device may hold open at once.")] = 10,
    allow_scenario_saves: Annotated[
        bool,
        typer.Option("--allow-scenario-saves", help="Let the published alliance dashboards save a what-if into its params file (off by default: anyone with the stakeholders' or participants' link opens them)."),
    ] = False,
    participants_per_device: Annotated[
        int,
        typer.Option("--participants-per-device", min=1, max=5000, help="How many participants one device (network address) may join as on the participants' page; its request limits grow with it. Behind a NAT or proxy the whole room has one address: set it to the room's size."),
    ] = 6,
    store: Annotated[Optional[Path], typer.Option("--store", help="Workshop database file (default $WORKBOOK_STORE, else workshop.sqlite in the current folder; the apps read params/ and write reports/ there too, or $WORKBOOK_PARAMS_DIR and $WORKBOOK_REPORTS_DIR).")] = None,
    room_size: Annotated[int, typer.Option("--room-size", min=0, help="With --participant-page light or full: workshop kernels started ahead of the participants, about 75 MB each; size it to the room (0: none).")] = 30,
    participant_page: Annotated[
        ParticipantPage,
        typer.Option("--participant-page", help="server (default): a page the server answers itself, no kernel per participant, for rooms and plenaries of hundreds; light: the workshop notebook in a small page, a kernel per participant; full: the same in Voila's standard page."),
    ] = ParticipantPage.server,
) -> None:
    """Publish the apps of notebooks/apps/ with Voila: workshop, facilitator board, portfolio, alliance.

    Listens on 127.0.0.1:8866 by default and prints each app's link. The facilitator's link
    carries the facilitator's token, which participants never see; the board shows the link
    (and a QR code) for participants. Stop with Ctrl+C or SIGTERM: kernels stop with it.
    """
    from .apps.serve import ServeOptions
    from .apps.serve import serve as run_server

    opts = ServeOptions(
        ip=ip,
        port=port,
        token=token,
        facilitator_token=facilitator_token,
        allow_hosts=tuple(allow_host),
        max_kernels=max_kernels,
        max_kernels_per_client=max_kernels_per_client,
        participants_per_device=participants_per_device,
        allow_scenario_saves=allow_scenario_saves,
        store=store,
        room_size=room_size,
        participant_page=participant_page.value,
    )
    raise typer.Exit(run_server(opts, echo=say))


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
