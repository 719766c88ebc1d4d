"""The participant's question flow, shared by both participant pages (the kernel page,
:mod:`workbook.ui.workshop`, and the server's own page, :mod:`workbook.apps.room`): one screen per
trust principle — each statement asked about the other company and about the participant's own
(the mirror: "they" is the company named on the row) — then one screen per group of the scoping
checklist: 13 + 7 = 20 screens for the 83 questions of the full form; a session of the short form
(:mod:`workbook.instruments.forms`) shows only its questions: 13 + 6 screens for 42 answers.

Plain data only (no widgets, no pandas): the server builds it for the pages it serves.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store import SCOPE_VALUES, Session, self_key
from . import SCOPING, TRUST
from .forms import FormLength, scope_items, trust_items

DONT_KNOW = "Don't know"


@dataclass(frozen=True)
class Question:
    """One answer a participant gives: ``key`` is what the store keeps (``self:<id>`` for a
    rating of their own company), ``about`` whose company a trust question rates."""

    key: str
    item: str
    kind: str  # "trust" | "scope"
    about: str  # "other" | "own" | "" (scoping)
    wording: str
    choices: tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class Screen:
    """One screen: a principle's statements (each about both companies) or a checklist group."""

    kind: str  # "trust" | "scope"
    section: str
    questions: tuple[Question, ...]


TRUST_CHOICES: tuple[tuple[str, int | None], ...] = tuple((str(v), v) for v in sorted(TRUST.scale.labels)) + ((DONT_KNOW, None),)
SCOPE_CHOICES: tuple[tuple[str, int | None], ...] = tuple((SCOPE_VALUES[v].capitalize(), v) for v in sorted(SCOPE_VALUES, reverse=True)) + (
    (DONT_KNOW, None),
)


def screens(form: FormLength = "full") -> list[Screen]:
    """Trust first, one screen per principle (each statement about the other company, then
    about one's own), then the scoping checklist, one screen per group; only the ``form``'s
    questions, and no screen without any."""
    asked_trust, asked_scope = set(trust_items(form)), set(scope_items(form))
    out = []
    for key in TRUST.principle_keys:
        items = [i for i in TRUST.items if i.principle_key == key and i.id in asked_trust]
        qs = [Question(q, i.id, "trust", about, i.wording, TRUST_CHOICES) for i in items for q, about in ((i.id, "other"), (self_key(i.id), "own"))]
        if qs:
            out.append(Screen("trust", f"Trust — {TRUST.principle_label(key)}", tuple(qs)))
    for group in SCOPING.groups:
        qs = [Question(i.id, i.id, "scope", "", i.wording, SCOPE_CHOICES) for i in SCOPING.items if i.group == group.id and i.id in asked_scope]
        if qs:
            out.append(Screen("scope", f"Scoping — {group.label}", tuple(qs)))
    assert sum(len(s.questions) for s in out) == 2 * len(asked_trust) + len(asked_scope)
    return out


def questions(form: FormLength = "full") -> list[Question]:
    """Every question of ``form``, in the order of the screens."""
    return [q for s in screens(form) for q in s.questions]


def company_names(session: Session, side: str) -> tuple[str, str]:
    """The participant's own company and the other one, as the session names them (plain text:
    escape before showing)."""
    names = {"vendor": session.vendor or "The vendor", "partner": session.partner or "The partner"}
    other = "partner" if side == "vendor" else "vendor"
    return names[side], names[other]


__all__ = ["DONT_KNOW", "SCOPE_CHOICES", "TRUST_CHOICES", "Question", "Screen", "company_names", "questions", "screens"]
