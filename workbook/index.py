"""The portfolio index: one table linking every report in the output folder, with the files
that failed in the latest run listed with their reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import text
from .files import atomic_replace
from .portfolio import Summary, table_html
from .resources import templates_dir

if TYPE_CHECKING:
    from .reports import Outcome


def render_index(outcomes: Sequence[Outcome], out_dir: Path | None = None) -> str:
    """The index page: a row per rendered report (``ok``), then a row per failed file; a report
    with a ``report.pdf`` beside it in ``out_dir`` gets a link to it."""
    now = dt.datetime.now()
    env = Environment(loader=FileSystemLoader(templates_dir()), autoescape=select_autoescape(["html", "j2"]))
    rendered = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    when = {o.slug: o.rendered for o in rendered}  # a report's folder is its summary's slug

    def href(s: Summary) -> str:
        return f"{quote(s['slug'])}/report.html"

    def note(s: Summary) -> str:
        at = when.get(s["slug"])
        return f"report of {text.date(at)}, {at:%H:%M}" if at else ""

    def pdf(s: Summary) -> str | None:
        found = out_dir is not None and (out_dir / s["slug"] / "report.pdf").is_file()
        return f"{quote(s['slug'])}/report.pdf" if found else None

    table = table_html([o.summary for o in rendered], href, note, [(o.params_path.name, o.reason) for o in failed], pdf=pdf)
    return env.get_template("index.html.j2").render(
        rendered=rendered,
        failed=failed,
        table=Markup(table),  # noqa: S704 (every value is escaped by portfolio.table_html)
        generated=f"{text.date(now)}, {now:%H:%M}",
    )


def write_index(outcomes: Sequence[Outcome], out_dir: Path, tmp_prefix: str | None = None) -> Path:
    """Write ``out_dir/index.html`` atomically (its temporary file named by ``tmp_prefix``);
    returns its path."""
    path = Path(out_dir) / "index.html"
    atomic_replace(path, render_index(outcomes, Path(out_dir)), prefix=tmp_prefix)
    return path
