"""Small helpers for the words the reader sees: counts with the right grammatical number."""

from __future__ import annotations


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


__all__ = ["count"]
