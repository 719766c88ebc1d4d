"""The portfolio index: one table linking every report in the output folder, with the files
that failed in the latest run listed with their reason.

The page sorts (a click on a column's heading, or the "Sort by" list), filters (alliance type,
status, area lights) and searches alliance names with the portfolio's one script
(:func:`workbook.portfolio.script`, inlined): no library and nothing fetched, so it works opened
straight from disk. Without JavaScript the controls stay hidden and the table is complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .. import text
from ..files import atomic_replace
from ..portfolio import interactive_html, script, styles, table_html
from ..resources import templates_dir
from ..summary import Summary

if TYPE_CHECKING:
    from ..outcomes import Outcome


def render_index(outcomes: Sequence[Outcome], out_dir: Path | None = None) -> str:
    """The index page: a row per rendered report (``ok``), then a row per failed file; a report
    with a ``report.pdf`` or a ``model.xlsx`` beside it in ``out_dir`` gets a link to each."""
    now = dt.datetime.now()
    env = Environment(loader=FileSystemLoader(templates_dir()), autoescape=select_autoescape(["html", "j2"]))
    rendered = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    when = {o.slug: o.rendered for o in rendered}  # a report's folder is its summary's slug

    def href(s: Summary) -> str:
        return f"{quote(s.slug)}/report.html"

    def note(s: Summary) -> str:
        at = when.get(s.slug)
        made = f"report of {text.date(at)}, {at:%H:%M}" if at else ""
        if s.file and not Path(s.file).exists():
            # the report outlives its params file: say so, so nobody takes it for a live alliance
            made += ("; " if made else "") + f"its params file {Path(s.file).name} no longer exists"
        return made

    def pdf(s: Summary) -> str | None:
        found = out_dir is not None and (out_dir / s.slug / "report.pdf").is_file()
        return f"{quote(s.slug)}/report.pdf" if found else None

    def xlsx(s: Summary) -> str | None:
        found = out_dir is not None and (out_dir / s.slug / "model.xlsx").is_file()
        return f"{quote(s.slug)}/model.xlsx" if found else None

    summaries = [o.summary for o in rendered if o.summary is not None]
    table = table_html(summaries, href, note, [(o.params_path.name, o.reason) for o in failed], pdf=pdf, xlsx=xlsx)
    programme = out_dir is not None and (out_dir / "programme" / "report.html").is_file()
    programme_files = [
        (label, name) for label, name in (("PDF", "report.pdf"), ("spreadsheet", "programme.xlsx"))
        if programme and out_dir is not None and (out_dir / "programme" / name).is_file()
    ]
    return env.get_template("index.html.j2").render(
        programme=programme,
        programme_files=programme_files,
        rendered=rendered,
        failed=failed,
        table=Markup(interactive_html(table, summaries)),  # noqa: S704 (every value is escaped by workbook.portfolio)
        generated=f"{text.date(now)}, {now:%H:%M}",
        script=Markup(script()),  # noqa: S704 (the package's own files, not data)
        styles=Markup(styles()),  # noqa: S704
    )



def write_index(outcomes: Sequence[Outcome], out_dir: Path, tmp_prefix: str | None = None) -> Path:
    """Write ``out_dir/index.html`` atomically (its temporary file named by ``tmp_prefix``);
    returns its path."""
    path = Path(out_dir) / "index.html"
    atomic_replace(path, render_index(outcomes, Path(out_dir)), prefix=tmp_prefix)
    return path
