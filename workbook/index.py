"""The portfolio index: one table linking every report in the output folder, with the files
that failed in the latest run listed with their reason.

The page sorts (a click on a column's header), filters (alliance type, status, area lights) and
searches alliance names with a small inline script (``templates/portfolio_table.js``): no library
and nothing fetched, so it works opened straight from disk. Without JavaScript the controls stay
hidden and the table is complete.
"""

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
from .flags import LIGHTS
from .portfolio import Summary, table_html
from .resources import templates_dir

if TYPE_CHECKING:
    from .outcomes import Outcome


#: The status filter's choices: a value of the rows' ``data-status`` (see
#: :func:`workbook.portfolio.status_tags`) and its words.
STATUSES = (
    ("attention", "Needs attention (a red light, or break-even after the commitment)"),
    ("late", "Breaks even only after its commitment ends, or not at all"),
    ("in-time", "Breaks even within its commitment"),
)


def light_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The area-light filter's choices, grouped: any area red or amber, then each area of the
    registry by light. Values match the rows' ``data-lights`` (``area:status``; ``*`` is any area)."""
    from .areas import AREAS

    groups = [("Any area", [("*:red", f"An area to {LIGHTS['red'][1]} (red)"), ("*:amber", f"An area to {LIGHTS['amber'][1]} (amber)")])]
    for key, area in AREAS.items():
        groups.append((area.label, [(f"{key}:{status}", f"{area.label}: {LIGHTS[status][1]}") for status in LIGHTS]))
    return groups


def render_index(outcomes: Sequence[Outcome], out_dir: Path | None = None) -> str:
    """The index page: a row per rendered report (``ok``), then a row per failed file; a report
    with a ``report.pdf`` or a ``model.xlsx`` beside it in ``out_dir`` gets a link to each."""
    now = dt.datetime.now()
    env = Environment(loader=FileSystemLoader(templates_dir()), autoescape=select_autoescape(["html", "j2"]))
    rendered = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    when = {o.slug: o.rendered for o in rendered}  # a report's folder is its summary's slug

    def href(s: Summary) -> str:
        return f"{quote(s['slug'])}/report.html"

    def note(s: Summary) -> str:
        at = when.get(s["slug"])
        made = f"report of {text.date(at)}, {at:%H:%M}" if at else ""
        source = s.get("file")
        if isinstance(source, str) and source and not Path(source).exists():
            # the report outlives its params file: say so, so nobody takes it for a live alliance
            made += ("; " if made else "") + f"its params file {Path(source).name} no longer exists"
        return made

    def pdf(s: Summary) -> str | None:
        found = out_dir is not None and (out_dir / s["slug"] / "report.pdf").is_file()
        return f"{quote(s['slug'])}/report.pdf" if found else None

    def xlsx(s: Summary) -> str | None:
        found = out_dir is not None and (out_dir / s["slug"] / "model.xlsx").is_file()
        return f"{quote(s['slug'])}/model.xlsx" if found else None

    table = table_html([o.summary for o in rendered], href, note, [(o.params_path.name, o.reason) for o in failed], pdf=pdf, xlsx=xlsx)
    script = (templates_dir() / "portfolio_table.js").read_text(encoding="utf-8")
    return env.get_template("index.html.j2").render(
        rendered=rendered,
        failed=failed,
        table=Markup(table),  # noqa: S704 (every value is escaped by portfolio.table_html)
        generated=f"{text.date(now)}, {now:%H:%M}",
        shown=f"{len(rendered):,} of {text.count(len(rendered), 'alliance')} shown",
        types=sorted({str(o.summary["type"]) for o in rendered}),
        statuses=STATUSES,
        light_groups=light_choices(),
        script=Markup(script),  # noqa: S704 (the package's own file, not data)
    )


def write_index(outcomes: Sequence[Outcome], out_dir: Path, tmp_prefix: str | None = None) -> Path:
    """Write ``out_dir/index.html`` atomically (its temporary file named by ``tmp_prefix``);
    returns its path."""
    path = Path(out_dir) / "index.html"
    atomic_replace(path, render_index(outcomes, Path(out_dir)), prefix=tmp_prefix)
    return path
