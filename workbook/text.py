"""Small helpers for the words the reader sees: counts with the right grammatical number, and
dates in the one format every page and chart uses ("31 Mar 2026")."""

from __future__ import annotations

import datetime as dt

#: The one date format of the pages and charts (strftime; charts use it as a d3 time format).
DATE = "%-d %b %Y"


def count(n: int | float, word: str, plural: str | None = None) -> str:
    """``n`` followed by ``word`` in the right number: "1 month", "2 months", "0 respondents".

    Parameters
    ----------
    n
        How many. Exactly 1 (or -1) takes the singular; anything else, 0 and fractions
        included, the plural ("1.5 months").
    word
        The singular noun, e.g. ``"month"``.
    plural
        The plural when it is not ``word + "s"`` (``count(2, "person", "people")``).
    """
    many = plural if plural is not None else f"{word}s"
    shown = f"{int(n):,}" if float(n).is_integer() else f"{n:,.2f}".rstrip("0")
    return f"{shown} {word if abs(n) == 1 else many}"


#: What a page shows in place of a chance or a band when the params file gives no uncertainty
#: ranges: every simulated run is then the plan itself, so any share would be 0 % or 100 %.
NO_RANGES = "no ranges given"


def chance(p: float | None) -> str:
    """A chance (0–1 share) as a reader sees it, "64%"; :data:`NO_RANGES` for ``None`` (a plan
    without uncertainty ranges has no chance to give)."""
    return NO_RANGES if p is None else f"{p:.0%}"


def date(value: dt.date) -> str:
    """A date as every page shows it, with its year: "31 Mar 2026"."""
    return f"{value.day} {value:%b %Y}"


__all__ = ["DATE", "NO_RANGES", "chance", "count", "date"]
