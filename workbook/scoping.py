"""Scoping readiness: is the alliance designed to run before anyone starts it?

The checklist (``workbook/instruments/scoping.yaml``) is answered jointly, each item
``agreed`` (scores 1), ``draft`` (½) or ``missing`` (0); an item not answered counts as
missing. Readiness, 0–100, is the weighted score ``Σ w·s / Σ w × 100`` — per group, and
overall across all items (so heavier groups weigh more; it is not the mean of the groups).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .flags import APPOINT_ALLIANCE_MANAGER, Flag, past
from .instruments import SCOPE_STATUS_SCORE, SCOPING
from .schema import Scope
from .text import count

#: A group below this readiness (0–100) is flagged; below ``VERY_LOW_GROUP`` the flag is high.
LOW_GROUP = 50.0
VERY_LOW_GROUP = 25.0

ITEM_COLUMNS = ["item", "group", "group_label", "wording", "weight", "status", "score", "note"]
#: Weights or scores, one per checklist item.
FloatArray = npt.NDArray[np.float64]
_GROUP_LABELS = {g.id: g.label for g in SCOPING.groups}

GROUP_COLUMNS = ["group", "group_label", "n_items", "weight", "agreed", "draft", "missing", "readiness"]


@dataclass(frozen=True)
class ScopingResult:
    """Readiness of one alliance.

    items : one row per checklist item (columns :data:`ITEM_COLUMNS`); ``weight`` is the
        weight used (the bank's unless the params override it), ``score`` 1 / 0.5 / 0.
    groups : one row per group in checklist order (columns :data:`GROUP_COLUMNS`);
        ``agreed``/``draft``/``missing`` are shares (0–1) of the group's weight,
        ``readiness`` is 0–100 (NaN when every item of the group has weight 0).
    overall : readiness 0–100 across all items.
    """

    items: pd.DataFrame
    groups: pd.DataFrame
    overall: float


def item_table(scope: Scope) -> pd.DataFrame:
    """One row per checklist item with its status, weight and score (see :class:`ScopingResult`)."""
    rows = []
    for item in SCOPING.items:
        entry = scope.items.get(item.id)
        status = entry.status if entry is not None else "missing"
        weight = entry.weight if entry is not None and entry.weight is not None else item.weight
        note = entry.note if entry is not None else ""
        rows.append((item.id, item.group, _GROUP_LABELS[item.group], item.wording, float(weight), status, SCOPE_STATUS_SCORE[status], note))
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def _readiness(weights: FloatArray, scores: FloatArray) -> float:
    total = float(weights.sum())
    return float("nan") if total == 0 else float((weights * scores).sum() / total * 100)


def group_table(items: pd.DataFrame) -> pd.DataFrame:
    """Readiness per group from :func:`item_table`'s rows, in checklist order."""
    group = items["group"].to_numpy()
    status = items["status"].to_numpy()
    weight = items["weight"].to_numpy(dtype=float)
    score = items["score"].to_numpy(dtype=float)
    rows = []
    for g in SCOPING.groups:
        mine = group == g.id
        total = float(weight[mine].sum())
        shares = [float(weight[mine & (status == s)].sum()) / total if total else float("nan") for s in SCOPE_STATUS_SCORE]
        rows.append((g.id, g.label, int(mine.sum()), total, *shares, _readiness(weight[mine], score[mine])))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


def analyse(scope: Scope) -> ScopingResult:
    """Readiness by item, by group and overall."""
    items = item_table(scope)
    overall = _readiness(items["weight"].to_numpy(dtype=float), items["score"].to_numpy(dtype=float))
    return ScopingResult(items=items, groups=group_table(items), overall=overall)


def readiness(scope: Scope) -> float:
    """Overall readiness, 0–100 (weighted across every checklist item)."""
    return analyse(scope).overall


def flags(
    scope: Scope,
    commitment_months: int | None = None,
    break_even_month: int | None = None,
    *,
    horizon_months: int | None = None,
) -> list[Flag]:
    """Red flags in the scoping.

    Parameters
    ----------
    scope : the ``scope`` section.
    commitment_months : how long the resources are committed (``ramp.commitment_months``);
        ``None`` skips the commitment check.
    break_even_month : the modelled break-even month (``ramp.run(...).metrics.break_even_month``);
        ``None`` means no break-even within the horizon.
    horizon_months : the model's horizon, only used to word the no-break-even message.

    Returns
    -------
    Flags (area ``scope``): ``commitment_before_break_even``, ``no_alliance_manager``,
    ``resources_to_be_confirmed``, and ``low_readiness`` for each group under 50 (high under
    25), one per group (its ``subject``).
    """
    out: list[Flag] = []
    if commitment_months is not None:
        if break_even_month is None:
            within = f" within the {horizon_months}-month horizon" if horizon_months else " within the modelled horizon"
            out.append(
                Flag(
                    "commitment_before_break_even",
                    "high",
                    f"The model shows no break-even{within}, so the {commitment_months}-month commitment ends before the alliance pays back.",
                    "scope",
                    "Rework the plan (investment, ramp, margin) until it pays back, or do not start.",
                )
            )
        elif commitment_months < break_even_month:
            out.append(
                Flag(
                    "commitment_before_break_even",
                    "high",
                    f"Resources are committed for {count(commitment_months, 'month')} but the alliance only breaks even in month {break_even_month}.",
                    "scope",
                    f"Win a commitment of at least {count(break_even_month, 'month')} before launch, or cut the plan to fit.",
                    size=past(break_even_month, commitment_months),
                )
            )
    if scope.alliance_manager is None:
        out.append(
            Flag(
                "no_alliance_manager",
                "high",
                "No alliance manager is named.",
                "scope",
                APPOINT_ALLIANCE_MANAGER,
            )
        )
    if scope.resources_to_be_confirmed:
        n = len(scope.resources_to_be_confirmed)
        out.append(
            Flag(
                "resources_to_be_confirmed",
                "medium",
                f"{n} resource{'s are' if n > 1 else ' is'} still to be confirmed.",
                "scope",
                "Get each resource confirmed, with a name and a commitment period, before launch.",
            )
        )
    groups = analyse(scope).groups
    for group, label, ready in zip(
        groups["group"].astype(str), groups["group_label"].astype(str), groups["readiness"].astype(float)
    ):
        if ready < LOW_GROUP:  # False for NaN: a group whose items all weigh 0
            out.append(
                Flag(
                    "low_readiness",
                    "high" if ready < VERY_LOW_GROUP else "medium",
                    f"{label}: readiness {ready:.0f} of 100.",
                    "scope",
                    f"Agree the missing items under '{label}' before committing further.",
                    subject=group,
                    size=past(ready, LOW_GROUP),
                )
            )
    return out


__all__ = ["ScopingResult", "analyse", "flags", "group_table", "item_table", "readiness"]
