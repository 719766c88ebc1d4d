"""Money in the params file's currency: ``alliance.currency``, an ISO 4217 code (default USD).

One :class:`Currency` formats every amount the workbook shows — report tables, flag messages,
dashboard figures and chart titles — and gives charts the number locale that makes Vega's
``$`` format specifier print the right symbol ("€1.2M" on an axis of a file in EUR).
Symbols come from the Unicode CLDR through Babel (English display names), so a code Babel
does not know is refused when the params file is read.
"""

from __future__ import annotations

import difflib
import math
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

DEFAULT = "USD"
MINUS = "−"  # a true minus sign, as in the charts
_JOIN = "\u2060"  # word joiner: a table never breaks a line between the sign and the amount


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Every ISO 4217 code Babel knows (current and historical)."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def check_code(code: str) -> str:
    """``code`` if it is a known ISO 4217 code; otherwise ValueError with a hint."""
    if code in known_codes():
        return code
    upper = code.strip().upper()
    swapped = sorted(c for c in known_codes() if sorted(c) == sorted(upper))  # a transposition: GPB for GBP
    hint = [upper] if upper in known_codes() else swapped[:1] or difflib.get_close_matches(upper, sorted(known_codes()), n=1, cutoff=0.6)
    message = f"unknown currency {code!r}: give an ISO 4217 code such as USD, EUR or GBP"
    if hint:
        message += f" (did you mean '{hint[0]}'?)"
    raise ValueError(message)


def whole_units(value: float) -> int:
    """``value`` in whole units as every page prints it, halves away from zero (2.5 → 3, −2.5 → −3):
    compare two amounts on this when the words must agree with the figures shown."""
    units = math.floor(abs(value) + 0.5)
    return -units if value < 0 else units


@dataclass(frozen=True)
class Currency:
    """Formats amounts of one currency.

    ``symbol`` is the English CLDR symbol ("$", "€", "£", "CHF"); a symbol made of letters is
    followed by a space ("CHF 1,200"), a sign is not ("€1,200").
    """

    code: str
    symbol: str

    @property
    def prefix(self) -> str:
        return f"{self.symbol} " if self.symbol[-1:].isalpha() else self.symbol

    def __call__(self, value: float | None, none: str = "—") -> str:
        """Whole units with thousands separators: ``€1,234``, ``−€1,234`` (the sign joined to the
        amount so it never wraps apart); ``None`` gives ``none``."""
        if value is None or value != value:
            return none
        units = abs(whole_units(value))  # half away from zero, as money is usually rounded
        sign = MINUS + _JOIN if value < 0 and units else ""
        return f"{sign}{self.prefix}{units:,}"

    def short(self, value: float) -> str:
        """Rounded for titles: ``€779k``, ``€1.5M``, ``€450``."""
        a = abs(value)
        if a >= 1e6:
            text = f"{a / 1e6:,.1f}M"
        elif a >= 1e3:
            text = f"{a / 1e3:,.0f}k"
        else:
            text = f"{a:,.0f}"
        return (MINUS if value < 0 and text.strip("0.,") else "") + self.prefix + text

    def vega_locale(self) -> dict[str, Any]:
        """A Vega number locale (d3-format) whose currency is this one: the ``$`` in a format
        string such as ``"$,.0f"`` then prints this currency's symbol."""
        return {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "minus": MINUS, "currency": [self.prefix, ""]}}


#: Decimals of a currency Babel's CLDR data gives no minor unit for (its own default too).
DEFAULT_MINOR_UNIT = 2


@lru_cache(maxsize=1)
def _cldr_fractions() -> frozenset[str]:
    """The codes CLDR gives a minor unit for."""
    from babel.core import get_global

    return frozenset(get_global("currency_fractions"))


@lru_cache(maxsize=None)
def minor_unit(code: str) -> int:
    """How many decimals an amount of ``code`` carries (ISO 4217's minor unit, from Babel's CLDR
    data): 0 for JPY, 2 for USD and EUR, 3 for BHD; :data:`DEFAULT_MINOR_UNIT` for a code the
    data does not know."""
    from babel.numbers import get_currency_precision

    if code not in _cldr_fractions():
        return DEFAULT_MINOR_UNIT
    return int(get_currency_precision(code))


def round_money(value: float | None, code: str) -> float | int | None:
    """``value`` rounded to the minor unit of ``code``, for JSON: ``1234.57`` in USD, ``1235`` in
    JPY (an int when the currency has no minor unit, so no decimal point is written); ``None``
    stays ``None``. Halves go away from zero, as on the pages (:meth:`Currency.__call__`), taken
    on the shortest decimal that reads back as ``value`` (so 0.125 USD is 0.13)."""
    if value is None:
        return None
    digits = minor_unit(code)
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(rounded) if digits == 0 else float(rounded) + 0.0  # + 0.0: never "-0.0"


@lru_cache(maxsize=None)
def currency(code: str = DEFAULT) -> Currency:
    """The :class:`Currency` of an ISO 4217 code (ValueError for an unknown one)."""
    from babel.numbers import get_currency_symbol

    check_code(code)
    return Currency(code, get_currency_symbol(code, locale="en"))


def money(value: float | None, code: str = DEFAULT, none: str = "—") -> str:
    """An amount in whole units of the currency ``code`` ("€1,234", "−$5,000"); ``None`` gives
    ``none``. The one money formatter of the workbook's pages (charts use the same
    :class:`Currency` through :func:`currency`)."""
    return currency(code)(value, none)


__all__ = ["DEFAULT", "DEFAULT_MINOR_UNIT", "Currency", "check_code", "currency", "known_codes", "minor_unit", "money", "round_money", "whole_units"]
