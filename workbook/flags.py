"""Flags: the findings every instrument raises, in one shape, for the summary and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["high", "medium", "low"]
Area = Literal["scope", "trust", "ramp", "value", "health"]

SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Flag:
    """One finding.

    code : stable identifier, e.g. ``commitment_before_break_even`` (checks rely on it).
    severity : ``high`` | ``medium`` | ``low``.
    message : the finding in one plain sentence.
    area : which part of the workbook raised it.
    action : the recommended response, in one sentence.
    """

    code: str
    severity: Severity
    message: str
    area: Area
    action: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def by_severity(flags: list[Flag]) -> list[Flag]:
    """Most severe first; stable within a severity."""
    return sorted(flags, key=lambda f: SEVERITY_ORDER[f.severity])
