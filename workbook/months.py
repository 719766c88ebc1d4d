"""How a month of the model is worded: by its number alone, or as a calendar month as well.

The model numbers months from 1. When the params file dates month 1 (``alliance.start``, or
``health.alliance_start``), month m is the calendar month ``m − 1`` months after the start's
month: with a start in January 2026, month 16 is April 2027. Every page, chart, flag and table
words its months through one :class:`MonthNames`, handed down from the params file
(:attr:`workbook.schema.Params.months`); a file without a start keeps the plain ``month 16``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

#: Month abbreviations as every page shows them ("Apr"), independent of the machine's locale.
ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class MonthNames:
    """The words for the model's months, given the date of month 1 (``None``: not known).

    Examples
    --------
    >>> names = MonthNames(dt.date(2026, 1, 15))
    >>> names.long(16), names.short(16), MonthNames().long(16)
    ('Apr 2027 (month 16)', 'Apr 2027', 'month 16')
    """

    start: dt.date | None = None

    @property
    def known(self) -> bool:
        """Whether the months have calendar dates."""
        return self.start is not None

    def first_day(self, m: int) -> dt.date | None:
        """The first day of model month ``m`` (1-based), or ``None`` without a start."""
        if self.start is None:
            return None
        k = self.start.month - 1 + m - 1  # months since January of the start's year
        return dt.date(self.start.year + k // 12, k % 12 + 1, 1)

    def calendar(self, m: int) -> str | None:
        """Model month ``m`` as a calendar month ("Apr 2027"), or ``None`` without a start."""
        day = self.first_day(m)
        return None if day is None else f"{ABBREVIATIONS[day.month - 1]} {day.year}"

    def long(self, m: int, capital: bool = False) -> str:
        """Month ``m`` in a sentence or a table: "Apr 2027 (month 16)", or "month 16" without a
        start ("Month 16" with ``capital``, to open a sentence or a list item)."""
        cal = self.calendar(m)
        if cal is not None:
            return f"{cal} (month {m})"
        return f"{'Month' if capital else 'month'} {m}"

    def short(self, m: int) -> str:
        """Month ``m`` where space is tight (a chart's axis, a narrow cell): "Apr 2027", or
        "month 16" without a start."""
        cal = self.calendar(m)
        return cal if cal is not None else f"month {m}"

    def __call__(self, m: int | None, none: str = "not within the horizon") -> str:
        """:meth:`long`, or ``none`` for a month that does not exist (no break-even)."""
        return none if m is None else self.long(m)

    def axis_label_expr(self) -> str | None:
        """A Vega expression turning an axis value (a model month) into its calendar month
        ("Apr 2027"), for a chart's month axis; ``None`` without a start (the axis keeps the
        numbers). Vega's ``datetime`` counts months from 0 and rolls over into later years."""
        if self.start is None:
            return None
        return f"timeFormat(datetime({self.start.year}, {self.start.month - 1} + datum.value - 1, 1), '%b %Y')"

    def iso(self) -> str | None:
        """The start as an ISO date ("2026-01-15"), or ``None``."""
        return None if self.start is None else self.start.isoformat()


#: The months of a file without a start: plain numbers, as before calendar months existed.
NUMBERED = MonthNames()

__all__ = ["ABBREVIATIONS", "MonthNames", "NUMBERED"]
