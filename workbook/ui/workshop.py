"""The participant's app: join a session, answer the trust and scoping items one at a time, submit.

Every click is written to the store at once, so a closed laptop or a dead kernel loses nothing:
the page's address carries ``?session=CODE&participant=ID`` and reopening it resumes.

Imports stay light on purpose (ipywidgets, anywidget, the store and the instrument banks —
no pandas, no altair): thirty of these kernels start at the same moment in a workshop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

import ipywidgets as W

from ..instruments import SCOPING, SCOPING_ITEMS, TRUST, TRUST_ITEMS
from ..store import SCOPE_VALUES, SessionClosed, SessionStore, SQLiteStore, StoreError
from ..text import count
from .common import CSS, UrlQuery, friendly, message, query_params

DONT_KNOW = "Don't know"
BIG = W.Layout(width="auto", min_width="150px", height="56px")


@dataclass(frozen=True)
class Question:
    item: str
    kind: str  # "trust" | "scope"
    section: str
    wording: str
    choices: tuple[tuple[str, int | None], ...]


def questions() -> list[Question]:
    """Trust items first (about the other company), then the scoping checklist by group."""
    trust_choices = tuple((f"{v} · {label}", v) for v, label in sorted(TRUST.scale.labels.items())) + ((DONT_KNOW, None),)
    scope_choices = tuple((SCOPE_VALUES[v].capitalize(), v) for v in sorted(SCOPE_VALUES, reverse=True)) + ((DONT_KNOW, None),)
    out = [Question(i.id, "trust", "Trust — about the other company", i.wording, trust_choices) for i in TRUST.items]
    out += [Question(i.id, "scope", f"Scoping — {SCOPING.group_label(i.group)}", i.wording, scope_choices) for i in SCOPING.items]
    assert len(out) == len(TRUST_ITEMS) + len(SCOPING_ITEMS)
    return out


class WorkshopApp:
    """State and widgets of one participant's page. ``root`` is what the notebook displays."""

    def __init__(self, store: SessionStore | None = None, query: dict[str, str] | None = None):
        self.store = store if store is not None else SQLiteStore()
        self.questions = questions()
        self.code = ""
        self.pid = ""
        self.answers: dict[str, int | None] = {}
        self.index = 0
        self.status = W.HTML(layout=W.Layout(min_height="10px"))
        self.status.add_class("wb-status")
        self.url = UrlQuery()
        self.body = W.VBox()
        self.root = W.VBox([W.HTML(CSS), self.url, self.body, self.status])
        self.root.add_class("wb-app")
        self.root.add_class("wb-workshop")
        self._build_join()
        self._build_question()
        self._build_review()
        # The page's query string (?session=...&participant=...) comes from the environment when
        # Voila runs the notebook per request, or from the browser through ``self.url`` when the
        # kernel was preheated — then the kernel never blocks waiting for the request.
        self._start(query if query is not None else query_params(wait=False))
        self.url.observe(self._on_location, names="location")

    # -- screens ---------------------------------------------------------------------------

    def _build_join(self) -> None:
        self.code_in = W.Text(placeholder="e.g. K7QX2M", description="Session code", style={"description_width": "120px"})
        self.code_in.add_class("wb-code-input")
        self.side_in = W.ToggleButtons(
            options=[("I work for the vendor", "vendor"), ("I work for the partner", "partner")], value=None, style={"button_width": "220px"}
        )
        self.side_in.add_class("wb-side")
        self.role_in = W.Text(placeholder="e.g. Sales director (optional)", description="Your role", style={"description_width": "120px"})
        self.role_in.add_class("wb-role")
        join = W.Button(description="Join the session", button_style="primary", layout=BIG)
        join.add_class("wb-join")
        join.on_click(friendly(self.status)(self._join))
        self.join_screen = W.VBox(
            [
                W.HTML("<p>Type the code shown on the screen and say which company you work for. "
                       "Your answers are anonymous: the board shows only averages by company.</p>"),
                self.code_in,
                self.side_in,
                self.role_in,
                join,
            ]
        )

    def _build_question(self) -> None:
        self.progress = W.IntProgress(min=0, max=len(self.questions), layout=W.Layout(width="100%"))
        self.progress_text = W.HTML()
        self.progress_text.add_class("wb-progress")
        self.section = W.HTML()
        self.wording = W.HTML()
        self.wording.add_class("wb-question")
        self.choice_box = W.HBox(layout=W.Layout(flex_flow="row wrap"))
        self.choice_box.add_class("wb-gap-s")
        back = W.Button(description="◀ Back", layout=W.Layout(width="140px", height="48px"))
        back.add_class("wb-back")
        skip = W.Button(description="Next ▶", layout=W.Layout(width="140px", height="48px"))
        skip.add_class("wb-next")
        review = W.Button(description="Review and submit", layout=W.Layout(width="200px", height="48px"))
        review.add_class("wb-to-review")
        guard = friendly(self.status)
        back.on_click(guard(lambda _: self._go(self.index - 1)))
        skip.on_click(guard(lambda _: self._go(self.index + 1)))
        review.on_click(guard(lambda _: self._show_review()))
        self.question_screen = W.VBox(
            [self.progress_text, self.progress, self.section, self.wording, self.choice_box, W.HBox([back, skip, review], layout=W.Layout(margin="18px 0 0"))]
        )

    def _build_review(self) -> None:
        self.review_text = W.HTML()
        self.review_text.add_class("wb-review")
        submit = W.Button(description="Submit my answers", button_style="success", layout=BIG)
        submit.add_class("wb-submit")
        revise = W.Button(description="Revise my answers", layout=BIG)
        revise.add_class("wb-revise")
        guard = friendly(self.status)
        submit.on_click(guard(self._submit))
        revise.on_click(guard(lambda _: self._go(0)))
        buttons = W.HBox([submit, revise])
        buttons.add_class("wb-gap-m")
        self.review_screen = W.VBox([self.review_text, buttons])

    # -- flow ------------------------------------------------------------------------------

    def _on_location(self, change: dict[str, Any]) -> None:
        if self.pid:  # already resumed from the environment
            return
        query = {k: v[0] for k, v in parse_qs(change["new"]).items() if v}
        friendly(self.status)(self._start)(query)

    def _start(self, query: dict[str, str]) -> None:
        code, pid = query.get("session", ""), query.get("participant", "")
        self.code_in.value = code.upper()[:12]
        self.body.children = [self.join_screen]
        if not (code and pid):
            return
        try:
            participant = self.store.get_participant(code, pid)
        except StoreError as exc:
            self.status.value = message("error", str(exc))
            return
        self.code, self.pid = participant.session, participant.id
        self.answers = self.store.answers(self.code, self.pid).get(self.pid, {})
        session = self.store.get_session(self.code)
        if participant.submitted:
            self._show_review()
            note = "Your answers are submitted." + (" You can revise them until the facilitator closes the session." if session.is_open else "")
            self.status.value = message("ok", note)
        else:
            first_open = next((n for n, q in enumerate(self.questions) if q.item not in self.answers), len(self.questions))
            self._go(first_open)
            self.status.value = message("info", f"Welcome back: {count(len(self.answers), 'answer')} restored.")
        if not session.is_open:
            self.status.value = message("error", str(SessionClosed(self.code)))

    def _join(self, _: object = None) -> None:
        code = self.code_in.value.strip()
        if not code:
            self.status.value = message("error", "Type the session code shown on the screen.")
            return
        if self.side_in.value is None:
            self.status.value = message("error", "Say which company you work for.")
            return
        p = self.store.join(code, self.side_in.value, self.role_in.value)
        self.code, self.pid, self.answers = p.session, p.id, {}
        self.url.query = urlencode({"session": self.code, "participant": self.pid})
        self.status.value = message("ok", "You have joined. Keep this page's address: it brings your answers back.")
        self._go(0)

    def _go(self, index: int) -> None:
        if index >= len(self.questions):
            self._show_review()
            return
        self.index = max(0, index)
        q = self.questions[self.index]
        current = self.answers.get(q.item, "unanswered")
        buttons = []
        for label, value in q.choices:
            b = W.Button(description=label, layout=BIG, button_style="info" if value == current and q.item in self.answers else "")
            b.add_class("wb-answer")
            b.add_class(f"wb-answer-{'dk' if value is None else value}")
            b.on_click(friendly(self.status)(self._answer_handler(q.item, value)))
            buttons.append(b)
        self.choice_box.children = buttons
        self.section.value = f"<b>{escape(q.section)}</b>"
        self.wording.value = escape(q.wording)
        # The progress text changes last: when it shows question n, question n's buttons are there.
        answered = sum(1 for x in self.questions if x.item in self.answers)
        self.progress.value = answered
        self.progress_text.value = f"<b>Question {self.index + 1} of {len(self.questions)}</b> · {answered} answered"
        self.body.children = [self.question_screen]

    def _answer_handler(self, item: str, value: int | None) -> Callable[[object], None]:
        def handle(_: object = None) -> None:
            if self.questions[self.index].item != item:  # a click on a button that was just replaced
                return
            self.store.answer(self.code, self.pid, item, value)
            self.answers[item] = value
            if self.status.value and "wb-status-error" in self.status.value:
                self.status.value = ""
            self._go(self.index + 1)

        return handle

    def _show_review(self) -> None:
        total = len(self.questions)
        answered = sum(1 for q in self.questions if q.item in self.answers)
        dont_know = sum(1 for q in self.questions if q.item in self.answers and self.answers[q.item] is None)
        self.review_text.value = (
            f"<h1>Nearly done</h1><p>You answered <b>{answered}</b> of {total} questions"
            f" ({dont_know} &ldquo;don't know&rdquo;). Unanswered questions count as &ldquo;don't know&rdquo;.</p>"
            "<p>Submit now; you can still come back and revise until the facilitator closes the session.</p>"
        )
        self.body.children = [self.review_screen]

    def _submit(self, _: object = None) -> None:
        self.store.submit(self.code, self.pid)
        self.status.value = message("ok", "Thank you — your answers are submitted. You can revise them until the session is closed.")


def workshop_app(store: SessionStore | None = None, query: dict[str, str] | None = None) -> W.Widget:
    """The participant's page (reads ``?session=`` and ``?participant=`` from the address)."""
    return WorkshopApp(store, query).root
