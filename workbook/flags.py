"""Flags: the findings every instrument raises, in one shape, for the summary and the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["high", "medium", "low"]
#: The key of an area in :data:`workbook.areas.AREAS` ("scope", "trust", "ramp", ...).
Area = str

SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}

#: The traffic lights of the areas: colour (colour-blind safe) and what it asks of the reader.
LIGHTS = {
    "red": ("#D55E00", "act now"),
    "amber": ("#E69F00", "watch"),
    "green": ("#009E73", "on track"),
    "unknown": ("#8C8C8C", "not enough answers to judge"),
    "none": ("#8C8C8C", "no data"),
}
#: The symbol of each light, so it reads without colour too.
SYMBOLS = {"red": "●", "amber": "◐", "green": "○", "unknown": "?", "none": "–"}


#: The one action for "there is no alliance manager": the scoping checklist (none named) and the
#: health check-ins (the post vacant) both find it, and the executive summary shows it once.
APPOINT_ALLIANCE_MANAGER = (
    "Appoint an alliance manager who will stay in post through the ramp-up, and introduce them to the partner in person."
)


@dataclass(frozen=True)
class Flag:
    """One finding.

    code : stable identifier, e.g. ``commitment_before_break_even`` (checks rely on it).
    severity : ``high`` | ``medium`` | ``low``.
    message : the finding in one plain sentence.
    area : which part of the workbook raised it.
    action : the recommended response, in one sentence.
    subject : what the finding is about when a rule can fire more than once — a principle
        and side (``vendor:6``), a checklist group, an investment line, a change kind; empty
        for a rule that fires at most once.
    size : how big the finding is, to order flags of the same severity: for a measured one,
        how far past its threshold as a share of the threshold (a principle mean of 2.4
        against a threshold of 3 is 0.2); for a counted one, the count over the count that
        raises it (2 manager changes against 2 is 1.0); 1.0 for a yes/no finding.
    """

    code: str
    severity: Severity
    message: str
    area: Area
    action: str = ""
    subject: str = ""
    size: float = 1.0


def past(value: float, threshold: float) -> float:
    """How far ``value`` lies beyond ``threshold``, as a share of it (``|value − threshold| / threshold``)."""
    return abs(value - threshold) / abs(threshold) if threshold else abs(value)


def by_severity(flags: Iterable[Flag]) -> list[Flag]:
    """Most severe first; within a severity the largest first; otherwise in the order raised."""
    return sorted(flags, key=lambda f: (SEVERITY_ORDER[f.severity], -f.size))


def same_action(a: str, b: str) -> bool:
    """Whether two recommended actions say the same thing (equal but for case and spacing)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def top_actions(flags: Iterable[Flag], n: int = 3) -> list[Flag]:
    """The ``n`` most important things to do: flags with an action by :func:`by_severity`, and of
    flags whose actions say the same thing (:func:`same_action`) only the first — the most
    severe, then the largest — so the next flag with another action fills the slot."""
    out: list[Flag] = []
    for f in by_severity(flags):
        if len(out) == n:
            break
        if f.action and not any(same_action(f.action, g.action) for g in out):
            out.append(f)
    return out


def one_per_subject(flags: Iterable[Flag]) -> list[Flag]:
    """One flag per code and subject (the most severe), ordered by :func:`by_severity`.

    Two instruments may see the same finding (the ramp and the scoping checklist both see a
    commitment shorter than the payback); the reader gets it once. Findings about different
    subjects — five low principles, two lines ending early — all stay.
    """
    seen: set[tuple[str, str]] = set()
    out = []
    for f in by_severity(flags):
        if (f.code, f.subject) not in seen:
            seen.add((f.code, f.subject))
            out.append(f)
    return out
