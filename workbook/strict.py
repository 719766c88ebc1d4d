"""The base every params model builds on, shared by the ramp schema (``params``) and the
instrument sections (``sections``) so that neither has to import the other to get it, and the
input limits both apply.

Limits
------
Every number a params file gives is finite (no ``.inf``, ``.nan`` or ``1e400``, which YAML reads
as infinity) and within a documented bound, chosen so that nothing the model computes from the
largest allowed inputs can overflow (the test ``tests/unit/test_input_limits.py`` runs the model
at the maxima):

- money amounts (:data:`MAX_MONEY`): 0 to 10^15 in the file's currency — room for any
  alliance in any currency (10^15 Indonesian rupiah is about 60 billion US dollars); the
  yearly revenue and margin of the ``value`` section, which the cost-to-serve rate divides by,
  are 0 or at least 0.01 (:data:`MIN_MONEY`), so that a speck such as 1e-300 cannot overflow it;
- deals per month (:data:`MAX_DEALS_PER_MONTH`): 0 to 10^6;
- months (:data:`MAX_MONTHS`): at most 240, the longest horizon;
- counts (:data:`MAX_COUNT`): wins per check-in and the like, 0 to 10^7;
- names (:data:`MAX_NAME`): at most 120 characters (the alliance's name becomes a folder name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .text import codepoint, control_characters

#: The largest money amount a params file may give (in its own currency).
MAX_MONEY = 1e15
#: The most deals a month (steady state, the direct team's or the acquired company's).
MAX_DEALS_PER_MONTH = 1e6
#: The longest horizon, and the most months any duration may count.
MAX_MONTHS = 240
#: The largest count (wins per check-in, quotes or credit checks per year).
MAX_COUNT = 10_000_000
#: The longest name (alliance, vendor, partner, investment line), in characters.
MAX_NAME = 120

#: The smallest non-zero money amount: a cent (or the like) of the file's currency.
MIN_MONEY = 0.01


def _not_a_speck(value: float) -> float:
    # a yearly revenue of 1e-300 would make a cost-to-serve rate overflow when divided by it
    if 0 < value < MIN_MONEY:
        raise ValueError(f"an amount is 0 or at least {MIN_MONEY:g}, got {value:g}")
    return value


#: A finite number (YAML's ``.inf``, ``.nan`` and overflowing literals such as ``1e400`` are refused).
Number = Annotated[float, Field(allow_inf_nan=False)]
#: An amount of money: 0 to :data:`MAX_MONEY`.
Money = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
#: An amount something is divided by (a yearly revenue, the margin paid on it): 0, or
#: :data:`MIN_MONEY` to :data:`MAX_MONEY`.
Divisor = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False), AfterValidator(_not_a_speck)]
#: Deals per month: 0 to :data:`MAX_DEALS_PER_MONTH`.
DealsPerMonth = Annotated[float, Field(ge=0, le=MAX_DEALS_PER_MONTH, allow_inf_nan=False)]
#: A share between 0 and 1 (20 % is written 0.20).
Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
#: A number of months: 0 to :data:`MAX_MONTHS`.
Months = Annotated[int, Field(ge=0, le=MAX_MONTHS)]
#: A month of the plan (1-based); the ramp also checks it is within the horizon.
Month = Annotated[int, Field(ge=1, le=MAX_MONTHS)]
#: A count: 0 to :data:`MAX_COUNT`.
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]

def _no_controls(allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        found = control_characters(value, allowed)
        if found:
            shown = ", ".join(codepoint(ch) for ch in found[:3])
            what = "a line break or tab" if all(ch in "\n\t\r" for ch in found) else "a control character"
            raise ValueError(f"holds {what} ({shown}); write plain text{' on one line' if not allowed else ''}")
        return value

    return check


#: One line of plain text: no control characters at all (no escape sequences, line breaks or
#: tabs, nor the bidirectional overrides that reverse how a line reads).
PlainLine = AfterValidator(_no_controls(""))
#: Plain text that may run over several lines (a note): line breaks and tabs only.
PlainText = AfterValidator(_no_controls("\n\t"))
#: A name shown in reports and used for folder names: 1 to :data:`MAX_NAME` characters, one line.
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), PlainLine]
#: A free-text note: any length the section allows, line breaks allowed, no other control characters.
Note = Annotated[str, PlainText]


class Strict(BaseModel):
    """Base of every params model: unknown keys are errors, values are not silently coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: Where a value sits in a params model: keys and list indices, as pydantic's ``loc``.
Loc = tuple[int | str, ...]


class LocatedErrors(ValueError):
    """Raised inside a model validator to report problems at sub-paths (relative to the model)."""

    def __init__(self, problems: Sequence[tuple[Loc, str]]):
        self.problems: list[tuple[Loc, str]] = list(problems)
        super().__init__("; ".join(m for _, m in problems))
