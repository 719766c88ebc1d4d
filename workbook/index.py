"""The portfolio index: one table linking every report of a batch, failures listed with their reason."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .views import money

if TYPE_CHECKING:
    from .reports import Outcome

TEMPLATES = Path(__file__).resolve().parent / "templates"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
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
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.globals["money"] = money
    return env.get_template("index.html.j2").render(
        outcomes=list(outcomes),
        ok_count=sum(o.ok for o in outcomes),
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def write_index(outcomes: Sequence[Outcome], out_dir: Path) -> Path:
    path = Path(out_dir) / "index.html"
    atomic_write_text(path, render_index(outcomes))
    return path
