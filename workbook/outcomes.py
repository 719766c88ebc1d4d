"""What a batch run did with each params file: :class:`Outcome`, read by the index page
(:mod:`workbook.reports.portfolio_page`) and written by the batch (:mod:`workbook.reports`), which neither page
nor batch then imports from the other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .summary import Summary


@dataclass
class Outcome:
    """What happened to one params file (or, for index rows, one report folder).

    ``rendered`` is when the report in the folder was written (index rows read from disk);
    ``unchanged`` marks a report left as it was because nothing it was made from changed.
    """

    params_path: Path
    slug: str | None = None
    ok: bool = False
    reason: str = ""
    summary: Summary | None = None  # the report's summary (None when it failed)
    rendered: dt.datetime | None = None
    unchanged: bool = False  # the report in the folder was already made from the same file, package and notebook


__all__ = ["Outcome"]
