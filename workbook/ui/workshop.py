"""The participant's app: join a session, answer the trust and scoping items screen by screen, submit.

A screen holds one trust principle — each of its statements asked about the other company and
about the participant's own (the mirror: "they" is the company named on the row) — or one group
of the scoping checklist: 13 + 7 = 20 screens for the 83 questions (61 screens, one each, before
the mirror). A session of the short form (:mod:`workbook.instruments.forms`) shows only its
questions: 13 + 6 screens for 42 answers.

Every click is written to the store at once, so a closed laptop or a dead kernel loses nothing:
the page's address carries ``?session=CODE&participant=ID`` and reopening it resumes.

In a session that needs admission the page says the participant is waiting for the facilitator
until they are let in; they can answer meanwhile (the answers count once admitted). A removed
participant's page says so and offers no questions. The page learns the address it was
requested from (the kernel's environment, or the server's visit socket for a kernel prepared
ahead) and joins with its :func:`~workbook.store.device_hint`, never the address itself.

Imports stay light on purpose (ipywidgets, anywidget, the store and the instrument banks —
no pandas, no altair): thirty of these kernels start at the same moment in a workshop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

import ipywidgets as W

from ..instruments import TRUST
from ..instruments.forms import FormLength
from ..instruments.screens import DONT_KNOW, Question, Screen, company_names, questions, screens
from ..store import (
    Participant,
    ParticipantRemoved,
    Session,
    SessionClosed,
    SessionStore,
    SQLiteStore,
    StoreError,
    device_hint,
)
from ..kernel_env import VISITOR_ADDRESS_ENV
from .visits import visit_address
from ..text import count
from .common import CSS, UrlQuery, friendly, message, query_params

WAITING_TEXT = (
    "You are waiting for the facilitator to let you in. You can already answer: your answers are kept, "
    "and they count once the facilitator has let you in."
)
REMOVED_TEXT = "The facilitator removed you from this session: your answers do not count. If this is a mistake, tell the facilitator."
BIG = W.Layout(width="auto", min_width="150px", height="56px")
#: The participant's screens: a row of answers fits a phone (short buttons, the scale spelled out above).
SCREEN_CSS = """
<style>
.wb-workshop .wb-row { margin: 0 0 14px; padding: 10px 12px; border: 1px solid #d8dee4; border-radius: 8px; }
.wb-workshop .wb-row-about { font-size: 15px; color: #57606a; }
.wb-workshop .wb-row-about b { color: #1f2328; }
.wb-workshop .wb-statement { font-size: 19px; line-height: 1.4; margin: 14px 0 6px; }
.wb-workshop .wb-scale-words { font-size: 14px; color: #57606a; }
.wb-workshop .wb-choices { display: flex; flex-flow: row wrap; gap: 6px; }
.wb-workshop .wb-choices .widget-button, .wb-workshop .wb-choices button {
  flex: 1 1 0 !important; width: auto !important; min-width: 40px !important; padding: 6px 2px; height: 48px;
}
.wb-workshop .wb-choices .wb-answer-dk { flex: 2 1 0 !important; min-width: 84px !important; white-space: nowrap; font-size: 15px; }
@media (max-width: 600px) { .wb-workshop .wb-choices .wb-answer-dk { flex: 1 1 100% !important; height: 44px; } }
.wb-workshop .wb-choices-scope .widget-button, .wb-workshop .wb-choices-scope button { min-width: 80px !important; }
</style>
"""


class WorkshopApp:
    """State and widgets of one participant's page. ``root`` is what the notebook displays."""

    def __init__(self, store: SessionStore | None = None, query: dict[str, str] | None = None, address: str | None = None):
        self.store = store if store is not None else SQLiteStore()
        #: the address this page was requested from (``""`` until known, or when the server does not say)
        self.address = address if address is not None else os.environ.get(VISITOR_ADDRESS_ENV, "")
        if address is None and not self.address and os.environ.get("VOILA_PREHEAT") == "True":
            try:
                asyncio.get_running_loop().create_task(self._learn_address())
            except RuntimeError:  # no running loop: the address stays unknown
                pass
        self.screens = screens()
        self.questions = [q for sc in self.screens for q in sc.questions]
        self.code = ""
        self.pid = ""
        self.side = ""
        self.session: Session | None = None
        self.answers: dict[str, int | None] = {}
        self.index = 0
        #: the answer buttons of the screen shown: question key -> [(value, button)]
        self._rows: dict[str, list[tuple[int | None, W.Button]]] = {}
        self.status = W.HTML(layout=W.Layout(min_height="10px"))
        self.status.add_class("wb-status")
        self.url = UrlQuery()
        self.body = W.VBox()
        self.closed_banner = W.HTML(layout=W.Layout(display="none"))
        self.closed_banner.add_class("wb-closed")
        self.standing_banner = W.HTML(layout=W.Layout(display="none"))
        self.standing_banner.add_class("wb-standing")
        self.root = W.VBox([W.HTML(CSS + SCREEN_CSS), self.url, self.closed_banner, self.standing_banner, self.body, self.status])
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

    async def _learn_address(self) -> None:
        address = await visit_address()
        if address and not self.address:
            self.address = address

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

    def _name_sides(self, session: Session | None) -> None:
        """Put the companies' names (text, never markup) on the side choice."""
        if session is None or not (session.vendor or session.partner):
            labels = ("I work for the vendor", "I work for the partner")
        else:
            labels = (f"I work for {session.vendor or 'the vendor'} (the vendor)", f"I work for {session.partner or 'the partner'} (the partner)")
        if tuple(label for label, _ in self.side_in.options) != labels:
            value = self.side_in.value
            self.side_in.options = [(labels[0], "vendor"), (labels[1], "partner")]
            self.side_in.value = value

    def _build_question(self) -> None:
        self.progress = W.IntProgress(min=0, max=len(self.questions), layout=W.Layout(width="100%"))
        self.progress_text = W.HTML()
        self.progress_text.add_class("wb-progress")
        self.section = W.HTML()
        self.intro = W.HTML()
        self.rows_box = W.VBox()
        back = W.Button(description="◀ Back", layout=W.Layout(width="140px", height="48px"))
        back.add_class("wb-back")
        skip = W.Button(description="Next ▶", button_style="primary", layout=W.Layout(width="140px", height="48px"))
        skip.add_class("wb-next")
        review = W.Button(description="Review and submit", layout=W.Layout(width="200px", height="48px"))
        review.add_class("wb-to-review")
        guard = friendly(self.status)
        back.on_click(guard(lambda _: self._go(self.index - 1)))
        skip.on_click(guard(lambda _: self._go(self.index + 1)))
        review.on_click(guard(lambda _: self._show_review()))
        self.question_screen = W.VBox(
            [self.progress_text, self.progress, self.section, self.intro, self.rows_box, W.HBox([back, skip, review], layout=W.Layout(margin="18px 0 0"))]
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
        if code and not pid:  # the link of a session: name the companies on the side choice
            try:
                self._name_sides(self.store.get_session(code))
            except StoreError:
                pass  # an unknown code is explained when the participant joins
        if not (code and pid):
            return
        try:
            participant = self.store.get_participant(code, pid)
        except StoreError as exc:
            self.status.value = message("error", str(exc))
            return
        self.code, self.pid, self.side = participant.session, participant.id, participant.side
        session = self.session = self.store.get_session(self.code)
        self._use_form(session.form)
        self.answers = {k: v for k, v in self.store.answers(self.code, self.pid).get(self.pid, {}).items() if k in session.keys}
        if not self._show_standing(participant):
            self._show_closed(session.is_open)
            return
        if participant.submitted:
            self._show_review()
            note = "Your answers are submitted." + (" You can revise them until the facilitator closes the session." if session.is_open else "")
            self.status.value = message("ok", note)
        else:
            first_open = next((n for n, sc in enumerate(self.screens) if any(q.key not in self.answers for q in sc.questions)), len(self.screens))
            self._go(first_open)
            restored = f": {count(len(self.answers), 'answer')} restored" if self.answers else ""
            self.status.value = message("info", f"Welcome back{restored}.")
        self._show_closed(session.is_open)

    def _join(self, _: object = None) -> None:
        code = self.code_in.value.strip()
        if not code:
            self.status.value = message("error", "Type the session code shown on the screen.")
            return
        if self.side_in.value is None:
            self.status.value = message("error", "Say which company you work for.")
            return
        p = self.store.join(code, self.side_in.value, self.role_in.value, device=device_hint(code, self.address))
        self.code, self.pid, self.side, self.answers = p.session, p.id, p.side, {}
        self.session = self.store.get_session(self.code)
        self._use_form(self.session.form)
        self.url.query = urlencode({"session": self.code, "participant": self.pid})
        self.status.value = message("ok", "You have joined. Keep this page's address: it brings your answers back.")
        self._show_standing(p)
        self._go(0)

    def _choices(self, q: Question) -> W.HBox:
        """The answer buttons of one question, the chosen one highlighted."""
        current = self.answers.get(q.key, "unanswered")
        buttons = []
        for label, value in q.choices:
            chosen = q.key in self.answers and value == current
            b = W.Button(description=label, button_style="info" if chosen else "", layout=W.Layout(height="48px"))
            b.add_class("wb-answer")
            b.add_class(f"wb-answer-{'dk' if value is None else value}")
            if q.kind == "trust" and value is not None:
                b.tooltip = TRUST.scale.labels[value]
            b.on_click(friendly(self.status)(self._answer_handler(q.key, value)))
            buttons.append(b)
        self._rows[q.key] = [(value, b) for (_, value), b in zip(q.choices, buttons)]
        choices = W.HBox(buttons)
        choices.add_class("wb-choices")
        choices.add_class(f"wb-row-{q.key.replace(':', '-')}")
        if q.kind == "scope":
            choices.add_class("wb-choices-scope")
        return choices

    def _rows_of(self, screen: Screen, own: str, other: str) -> list[W.Widget]:
        """A box per statement: a checklist item's answers, or a trust statement's answers about
        the other company and about the participant's own (company names are escaped)."""
        boxes: list[W.Widget] = []
        for q in screen.questions:
            if q.kind == "trust" and q.about == "own":
                continue  # shown in its statement's box
            parts: list[W.Widget] = [W.HTML(f'<div class="wb-statement">{escape(q.wording)}</div>')]
            if q.kind == "trust":
                mirror = next(m for m in screen.questions if m.item == q.item and m.about == "own")
                parts += [
                    W.HTML(about_row(other, own, "the other company")),
                    self._choices(q),
                    W.HTML(about_row(own, other, "your company")),
                    self._choices(mirror),
                ]
            else:
                parts.append(self._choices(q))
            box = W.VBox(parts)
            box.add_class("wb-row")
            boxes.append(box)
        return boxes

    def _use_form(self, form: FormLength) -> None:
        """Ask only the session's form's questions (the progress counts them)."""
        self.screens = screens(form)
        self.questions = [q for sc in self.screens for q in sc.questions]
        self.progress.max = len(self.questions)

    def _show_standing(self, participant: Participant | None = None) -> bool:
        """Say whether the participant waits for the facilitator or was removed (a removed
        participant gets no questions); ``False`` when they were removed."""
        if participant is None:
            try:
                participant = self.store.get_participant(self.code, self.pid)
            except StoreError:
                return True  # said where it matters: the next answer explains
        if participant.standing == "removed":
            self.standing_banner.value = message("error", REMOVED_TEXT)
            self.standing_banner.layout.display = ""
            self.body.children = []
            return False
        waiting = participant.standing == "waiting"
        self.standing_banner.value = message("info", WAITING_TEXT) if waiting else ""
        self.standing_banner.layout.display = "" if waiting else "none"
        return True

    def _go(self, index: int) -> None:
        if self.pid and not self._show_standing():
            return
        if index >= len(self.screens):
            self._show_review()
            return
        self.index = max(0, index)
        screen = self.screens[self.index]
        own, other = company_names(self.session, self.side) if self.session is not None else ("Your company", "The other company")
        self._rows = {}
        self.rows_box.children = self._rows_of(screen, own, other)
        self.section.value = f"<h2>{escape(screen.section)}</h2>"
        if screen.kind == "trust":
            self.intro.value = (
                '<div class="wb-scale-words">Each statement twice, once about each company. '
                "1 strongly disagree · 3 neither · 5 strongly agree.</div>"
            )
        else:
            self.intro.value = '<div class="wb-scale-words">How far has the alliance got with each of these?</div>'
        # The progress text changes last: when it shows screen n, screen n's buttons are there.
        self._show_progress()
        self.body.children = [self.question_screen]

    def _show_progress(self) -> None:
        answered = sum(1 for x in self.questions if x.key in self.answers)
        self.progress.value = answered
        self.progress_text.value = (
            f"<b>Screen {self.index + 1} of {len(self.screens)}</b> · {answered} of {len(self.questions)} answered"
        )

    def _answer_handler(self, key: str, value: int | None) -> Callable[[object], None]:
        def handle(_: object = None) -> None:
            row = self._rows.get(key)
            if row is None:  # a click on a button of a screen that was just replaced
                return
            try:
                self.store.answer(self.code, self.pid, key, value)
            except SessionClosed:
                self._show_closed(False)
                raise
            except ParticipantRemoved:
                self._show_standing()
                raise
            self.answers[key] = value
            for v, b in row:
                b.button_style = "info" if v == value else ""
            if self.status.value and ("wb-status-error" in self.status.value or "wb-status-info" in self.status.value):
                self.status.value = ""  # a welcome or a problem is done with once the next answer is in
            self._show_progress()

        return handle

    def _show_closed(self, is_open: bool) -> None:
        """The session-closed notice, at the top of the page where a participant looks first."""
        self.closed_banner.value = "" if is_open else message(
            "error", "This session is closed: your answers are kept, but they can no longer be changed or submitted."
        )
        self.closed_banner.layout.display = "none" if is_open else ""

    def _show_review(self) -> None:
        total = len(self.questions)
        answered = sum(1 for q in self.questions if q.key in self.answers)
        dont_know = sum(1 for q in self.questions if q.key in self.answers and self.answers[q.key] is None)
        self.review_text.value = (
            f"<h1>Nearly done</h1><p>You answered <b>{answered}</b> of {total} questions"
            f" ({dont_know} &ldquo;don't know&rdquo;). Unanswered questions count as &ldquo;don't know&rdquo;.</p>"
            "<p>Submit now; you can still come back and revise until the facilitator closes the session.</p>"
        )
        self.body.children = [self.review_screen]

    def _submit(self, _: object = None) -> None:
        try:
            self.store.submit(self.code, self.pid)
        except SessionClosed:
            self._show_closed(False)
            raise
        except ParticipantRemoved:
            self._show_standing()
            raise
        waiting = self._show_standing() and self.standing_banner.layout.display != "none"
        later = " They count once the facilitator has let you in." if waiting else ""
        self.status.value = message("ok", "Thank you — your answers are submitted. You can revise them until the session is closed." + later)


def about_row(company: str, other: str, relation: str) -> str:
    """The heading of one row of a trust statement: which company it is about, and who "they"
    and "we" are in that row (the statements speak of "they" and "us"), names escaped."""
    return (
        f'<div class="wb-row-about">About <b>{escape(company)}</b> ({relation}): '
        f'<span class="wb-row-who"><i>they/them</i> = {escape(company)}, <i>we/us</i> = {escape(other)}</span></div>'
    )


def workshop_app(store: SessionStore | None = None, query: dict[str, str] | None = None, address: str | None = None) -> W.Widget:
    """The participant's page (reads ``?session=`` and ``?participant=`` from the address).
    ``address``: the visitor's address, when the caller knows it (else learnt from the server)."""
    return WorkshopApp(store, query, address).root
