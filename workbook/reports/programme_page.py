"""The programme's report page, ``OUT/programme/report.html``: its J-curve with the band, committed
spend against the budget, and which alliances to fund (:mod:`workbook.programme`'s figures).

``workbook report`` writes it for each programme file among its arguments (a programme file is
never rendered as an alliance), before the portfolio index, which then links it; with ``--pdf``
also ``report.pdf``, with ``--xlsx`` also ``programme.xlsx``. The page is one
self-contained file: its charts are inline SVG, nothing is loaded from the network, and every
name from a params or programme file is escaped by the template.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .. import text
from ..files import atomic_replace
from ..resources import templates_dir

#: The folder of the programme's report under OUT.
FOLDER = "programme"


class FolderTaken(Exception):
    """``OUT/programme`` holds an alliance's report (an alliance whose name gives that folder)."""


def _month(label: str | None) -> str:
    if label is None:
        return "never"
    return dt.date.fromisoformat(f"{label}-01").strftime("%b %Y")


def programme_html(p: dict[str, Any], source: str = "") -> str:
    """The page for ``p`` (``workbook programme --json``'s object)."""
    from ..charts.programme import programme_chart, spend_chart
    from ..charts.render import figure_html
    from ..currency import currency

    money = currency(p["currency"])
    now = dt.datetime.now()
    rates = ", ".join(f"1 {code} = {rate:g} {p['currency']}" for code, rate in sorted({(a["currency"], a["rate"]) for a in p["alliances"] if a["currency"] != p["currency"]}))
    env = Environment(loader=FileSystemLoader(templates_dir()), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("programme.html.j2").render(
        p=p,
        money=lambda v: "–" if v is None else money(v),
        month=_month,
        first=_month(p["first_month"]),
        last=_month(p["last_month"]),
        rates=rates or "one currency",
        j_curve=Markup(figure_html(programme_chart(p))),  # noqa: S704 (an SVG image whose words are escaped by figure_html)
        spend=Markup(figure_html(spend_chart(p))),  # noqa: S704 (likewise)
        generated=f"{text.date(now)}, {now:%H:%M}",
        source=source,
    )


def write_programme_report(path: str | Path, out_dir: str | Path, pdf: bool = False, xlsx: bool = False) -> list[Path]:
    """Compute the programme file at ``path`` and write ``out_dir/programme/report.html``, with
    ``pdf`` also ``report.pdf`` (the page printed by headless Chromium, as the alliances' reports
    are) and with ``xlsx`` also ``programme.xlsx`` (:func:`workbook.reports.spreadsheet.build_programme`);
    returns the files written. All or nothing: everything is made before any file is replaced,
    each replaced atomically, so a failure leaves the earlier files as they were.

    Raises
    ------
    ParamsError
        when the programme file or one of its alliances is not valid.
    FolderTaken
        when ``out_dir/programme`` holds an alliance's report.
    PdfError
        when the page could not be printed.
    """
    from ..programme import as_json, combine, load_programme
    from .pdf import print_pdf
    from .spreadsheet import build_programme, to_bytes

    folder = Path(out_dir) / FOLDER
    if (folder / "summary.json").exists():
        raise FolderTaken(f"{folder} holds an alliance's report (an alliance named so that its folder is {FOLDER!r}): rename that alliance")
    result = combine(load_programme(path))
    page = programme_html(as_json(result), str(path))
    book = to_bytes(build_programme(result)) if xlsx else None
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix=".programme.", dir=folder) as tmp:
        printed = None
        if pdf:
            draft = Path(tmp) / "report.html"
            draft.write_text(page, encoding="utf-8")
            printed = print_pdf(draft, Path(tmp) / "report.pdf")
        written.append(atomic_replace(folder / "report.html", page))
        if printed is not None:
            os.replace(printed, folder / "report.pdf")
            written.append(folder / "report.pdf")
    if book is not None:
        written.append(atomic_replace(folder / "programme.xlsx", book))
    return written


__all__ = ["FOLDER", "FolderTaken", "programme_html", "write_programme_report"]
