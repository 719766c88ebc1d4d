"""The instrument banks, shipped as data: the scoping checklist and the bilateral trust items.

``scoping.yaml`` and ``trust.yaml`` sit next to this module and are validated at import, so a
malformed bank fails loudly the first time the package is used rather than in a report.

Public names
------------
SCOPING : the scoping checklist (:class:`ScopingBank`).
TRUST : the trust instrument (:class:`TrustBank`).
SCOPING_ITEMS, TRUST_ITEMS : item id -> item, in the banks' order.
SCOPE_STATUS_SCORE : the score of each checklist status (agreed 1, draft 0.5, missing 0).
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from ruamel.yaml import YAML

Component = Literal["competence", "intentions"]
ScopeStatus = Literal["agreed", "draft", "missing"]
SideName = Literal["vendor", "partner"]

SCOPE_STATUS_SCORE: dict[str, float] = {"agreed": 1.0, "draft": 0.5, "missing": 0.0}

_ID = r"^[a-z][a-z0-9_]*$"


class _Bank(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScopingGroup(_Bank):
    id: Annotated[str, Field(pattern=_ID)]
    label: Annotated[str, Field(min_length=1)]


class ScopingItem(_Bank):
    """One checklist item: ``weight`` 1 (useful) to 3 (essential)."""

    id: Annotated[str, Field(pattern=_ID, max_length=40)]
    group: str
    weight: Annotated[float, Field(gt=0, le=10)]
    wording: Annotated[str, Field(min_length=10)]


class ScopingBank(_Bank):
    groups: list[ScopingGroup]
    items: list[ScopingItem]

    @model_validator(mode="after")
    def _consistent(self) -> ScopingBank:
        group_ids = [g.id for g in self.groups]
        _unique(group_ids, "scoping group")
        _unique([i.id for i in self.items], "scoping item")
        for item in self.items:
            if item.group not in group_ids:
                raise ValueError(f"scoping item {item.id!r} names unknown group {item.group!r}")
        empty = [g for g in group_ids if not any(i.group == g for i in self.items)]
        if empty:
            raise ValueError(f"scoping groups without items: {empty}")
        return self

    def group_label(self, group_id: str) -> str:
        return next(g.label for g in self.groups if g.id == group_id)


class TrustPrinciple(_Bank):
    """``key`` is ``"1"`` … ``"12"`` for the essay's principles, ``"competence"`` for C1–C4."""

    key: str
    label: Annotated[str, Field(min_length=1)]


class TrustItem(_Bank):
    """One statement about the other organisation, rated 1–5; ``reverse`` items score 6 − x."""

    id: Annotated[str, Field(pattern=_ID, max_length=40)]
    principle: Annotated[int, Field(ge=1, le=12)] | Literal["competence"]
    component: Component
    reverse: bool
    wording: Annotated[str, Field(min_length=10)]

    @property
    def principle_key(self) -> str:
        return str(self.principle)


class TrustScale(_Bank):
    min: int
    max: int
    labels: dict[int, str]


class TrustBank(_Bank):
    scale: TrustScale
    principles: list[TrustPrinciple]
    items: list[TrustItem]

    @model_validator(mode="after")
    def _consistent(self) -> TrustBank:
        keys = [p.key for p in self.principles]
        _unique(keys, "trust principle")
        expected = [str(n) for n in range(1, 13)] + ["competence"]
        if sorted(keys) != sorted(expected):
            raise ValueError(f"trust principles must be 1-12 and competence, got {keys}")
        _unique([i.id for i in self.items], "trust item")
        missing = [k for k in keys if not any(i.principle_key == k for i in self.items)]
        if missing:
            raise ValueError(f"trust principles without items: {missing}")
        if sum(i.reverse for i in self.items) < 2:
            raise ValueError("the trust instrument needs at least two reverse-scored items")
        if (self.scale.min, self.scale.max) != (1, 5):
            raise ValueError("the trust scale is 1-5 (design section 2)")
        return self

    def principle_label(self, key: str) -> str:
        return next(p.label for p in self.principles if p.key == key)

    @property
    def principle_keys(self) -> list[str]:
        return [p.key for p in self.principles]


def _unique(ids: list[str], what: str) -> None:
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate {what} ids: {dupes}")


def _load(name: str) -> object:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return YAML(typ="safe", pure=True).load(text)


SCOPING: ScopingBank = ScopingBank.model_validate(_load("scoping.yaml"))
TRUST: TrustBank = TrustBank.model_validate(_load("trust.yaml"))

SCOPING_ITEMS: dict[str, ScopingItem] = {i.id: i for i in SCOPING.items}
TRUST_ITEMS: dict[str, TrustItem] = {i.id: i for i in TRUST.items}

__all__ = [
    "Component",
    "SCOPE_STATUS_SCORE",
    "SCOPING",
    "SCOPING_ITEMS",
    "ScopeStatus",
    "ScopingBank",
    "ScopingGroup",
    "ScopingItem",
    "SideName",
    "TRUST",
    "TRUST_ITEMS",
    "TrustBank",
    "TrustItem",
    "TrustPrinciple",
]
