"""The portfolio index: one table linking every report in the output folder, with the files
that failed in the latest run listed with their reason."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import currency

if TYPE_CHECKING:
    from .reports import Outcome

TEMPLATES = Path(__file__).resolve().parent / "templates"


def money(value: float | None, code: str = DEFAULT_CURRENCY) -> str:
    """As ``views.money``, without importing the chart stack: an interrupted batch writes its
    index in well under a second."""
    return currency(code)(value)


def atomic_write_text(path: Path, text: str, prefix: str | None = None) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half of one.

    ``prefix`` names the temporary file (default ``.<name>-``)."""
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is for everyone who can read the folder
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_index(outcomes: Sequence[Outcome]) -> str:
    """The index page: a row per rendered report (``ok``), then a row per failed file."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.globals["money"] = money
    env.filters["url"] = lambda s: quote(str(s))
    rendered = [o for o in outcomes if o.ok]
    return env.get_template("index.html.j2").render(
        rendered=rendered,
        failed=[o for o in outcomes if not o.ok],
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def write_index(outcomes: Sequence[Outcome], out_dir: Path, tmp_prefix: str | None = None) -> Path:
    """Write ``out_dir/index.html`` atomically (its temporary file named by ``tmp_prefix``);
    returns its path."""
    path = Path(out_dir) / "index.html"
    atomic_write_text(path, render_index(outcomes), prefix=tmp_prefix)
    return path
