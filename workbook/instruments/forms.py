"""Which questions a workshop session asks: the full form or the short one.

The *full* form asks every trust statement (about the other company and about one's own, the
mirror) and every checklist item: 2 × 22 + 39 = 83 answers. The *short* form, for a
30-minute slot, asks

* the first statement of each of the twelve trust principles (in ``trust.yaml``'s order) and
  every trust-in-competence statement, each about both companies: 2 × (12 + 4) = 32 answers;
* the checklist's key items, those weighted 3 (essential) in ``scoping.yaml``: 10 answers.

Every figure is a mean or weighted score over the items answered, so each keeps its rule on the
short form; :data:`SHORT_FORM_LIMITS` says what it cannot show.
"""

from __future__ import annotations

from typing import Literal

from . import SCOPING, TRUST

FormLength = Literal["full", "short"]
FORM_LENGTHS: tuple[FormLength, FormLength] = ("full", "short")
#: A checklist item of this weight (essential) is a key item, asked in the short form.
KEY_WEIGHT = 3
#: The trust "principle" whose statements are all asked in the short form.
COMPETENCE = "competence"


def trust_items(form: FormLength = "full") -> tuple[str, ...]:
    """The trust item ids the form asks, in the bank's order."""
    if form == "full":
        return tuple(i.id for i in TRUST.items)
    firsts: dict[str, str] = {}
    for item in TRUST.items:
        firsts.setdefault(item.principle_key, item.id)
    return tuple(i.id for i in TRUST.items if i.principle_key == COMPETENCE or firsts[i.principle_key] == i.id)


def scope_items(form: FormLength = "full") -> tuple[str, ...]:
    """The checklist item ids the form asks, in the bank's order."""
    return tuple(i.id for i in SCOPING.items if form == "full" or i.weight == KEY_WEIGHT)


def check_form(form: str) -> FormLength:
    """``form`` if it names a form length; ``ValueError`` naming the choices otherwise."""
    if form == "full":
        return "full"
    if form == "short":
        return "short"
    raise ValueError(f"The form is full or short, not {form!r}.")


#: What the short form cannot show (the README and the board say the same).
SHORT_FORM_LIMITS = (
    "Each principle rests on one statement, so its mean is that statement's mean and the spread "
    "between a principle's statements is not seen.",
    "Cronbach's alpha is worked out over the fewer statements asked (k in the table): it runs "
    "lower on fewer items and cannot be compared with a full-form alpha.",
    "Readiness covers the key (essential) checklist items only; a group without key items "
    "(non-sales value) is not asked, and the export leaves the other items as the file has them.",
)

__all__ = ["FORM_LENGTHS", "FormLength", "KEY_WEIGHT", "SHORT_FORM_LIMITS", "check_form", "scope_items", "trust_items"]
