"""Small helpers for the words the reader sees: counts with the right grammatical number, and
dates in the one format every page and chart uses ("31 Mar 2026")."""

from __future__ import annotations

import datetime as dt
import unicodedata

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


#: Characters that steer a terminal or reorder text rather than show: the C0 and C1 controls and
#: DEL (Unicode category Cc) and the bidirectional embeddings, overrides and isolates.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_control(ch: str) -> bool:
    """Whether ``ch`` steers a terminal or the text's direction (see :data:`_BIDI`)."""
    return unicodedata.category(ch) == "Cc" or ch in _BIDI


def control_characters(text: str, allowed: str = "") -> list[str]:
    """The control characters in ``text`` (other than those in ``allowed``), each once, in order."""
    found: list[str] = []
    for ch in text:
        if ch not in allowed and is_control(ch) and ch not in found:
            found.append(ch)
    return found


def codepoint(ch: str) -> str:
    """``U+001B`` for the escape character, as people look characters up."""
    return f"U+{ord(ch):04X}"


def terminal(text: str) -> str:
    """``text`` safe to print to a terminal: line breaks kept, every other control character
    written as its escape (``\\x1b``, ``\\u202e``), so a name can never move the cursor, recolour
    the screen or reverse the line it is printed on."""
    if not any(is_control(ch) for ch in text):
        return text
    return "".join(ch if ch == "\n" or not is_control(ch) else ch.encode("unicode_escape").decode("ascii") for ch in text)


def one_line(text: str) -> str:
    """``text`` as one line of plain text: every control character (line breaks and tabs too)
    becomes a space, and runs of spaces one space; for what people type into a form."""
    return " ".join("".join(" " if is_control(ch) else ch for ch in text).split())


#: What each tracking state of the actuals (:mod:`workbook.actuals`) says, for readers.
TRACKING_WORDS: dict[str, str] = {
    "ahead": "ahead of plan",
    "on_plan": "on plan",
    "behind": "behind plan",
    "below_p10": "behind plan, below the simulation's P10",
}
#: What each spend-tracking state says, for readers.
SPEND_WORDS: dict[str, str] = {
    "on_budget": "on budget",
    "over_budget": "over budget",
    "under_budget": "under budget",
}


__all__ = ["DATE", "NO_RANGES", "SPEND_WORDS", "TRACKING_WORDS", "chance", "count", "date"]
