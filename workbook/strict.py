"""The base every params model builds on, shared by the ramp schema (``params``) and the
instrument sections (``sections``) so that neither has to import the other to get it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base of every params model: unknown keys are errors, values are not silently coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocatedErrors(ValueError):
    """Raised inside a model validator to report problems at sub-paths (relative to the model)."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]):
        self.problems = problems
        super().__init__("; ".join(m for _, m in problems))
