"""One exception hierarchy for the whole package.

Front ends render these their own way: the CLI as ``file:line: field: message`` lines,
the apps as a friendly panel. No traceback reaches a user for an input mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class WorkbookError(Exception):
    """Base class of every error the package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a params file.

    Attributes
    ----------
    path : the file.
    line : 1-based line number, or ``None`` when the problem has no place (an empty file).
    field : dotted path of the field, e.g. ``ramp.investment[0].end_month``.
    message : what is wrong, in plain words.
    """

    path: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        return f"{where}: {self.field}: {self.message}"


class ParamsError(WorkbookError):
    """A params file could not be read or failed validation; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def path(self) -> Path:
        return self.problems[0].path


class EditConflict(ParamsError):
    """A save was refused: since the editor loaded the file, someone else saved a different
    value in a field this edit changes too. Each problem names one such field."""


class ReportError(WorkbookError):
    """Rendering one report failed; ``reason`` is the short human explanation."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")
