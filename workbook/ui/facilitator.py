"""The facilitator's board: create, open and close sessions; watch answers arrive; reveal; export.

The board polls the store (a cheap ``version`` query every second) on the kernel's own event
loop and redraws only when something changed — so the page updates within about a second of a
submission, and an abandoned board sends nothing and can be culled as idle.

In a session that needs admission (the default when creating one) the board lists who joined —
side, role, when, how many answers, submitted or not, and whether someone else joined from the
same address — with *Admit*, *Admit all waiting* and *Remove*: only admitted participants'
submitted answers count in the counts line, the revealed results and the export.
"""

from __future__ import annotations

import asyncio
import os
import threading
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import ipywidgets as W

from ..areas import live
from ..charts import theme
from ..charts.render import live_chart, message_chart
from ..export import (
    ExportPreview,
    alliance_name,
    company_names_of,
    FileChangedError,
    params_for_alliance,
    preview_export,
    scope_block,
    trust_block,
    write_export,
)
from ..instruments import SCOPING_ITEMS
from ..params import is_programme_file
from ..instruments.forms import SHORT_FORM_LIMITS, FormLength, scope_items, trust_items
from ..schema import Scope, Trust
from ..store import ANONYMITY_FLOOR, Counts, Participant, SessionStore, SQLiteStore, StoreError
from ..text import count, one_line
from .common import CSS, UrlQuery, friendly, message, query_params
from .paths import history_dir, params_dir, reports_dir

POLL_SECONDS = 1.0


class FacilitatorApp:
    def __init__(self, store: SessionStore | None = None, min_respondents: int = ANONYMITY_FLOOR):
        if min_respondents < ANONYMITY_FLOOR:
            raise ValueError(f"min_respondents is {min_respondents}: the board never shows a side of fewer than {ANONYMITY_FLOOR} people")
        theme.enable()
        self.store = store if store is not None else SQLiteStore()
        self.code: str | None = None
        self._version: Any = None
        self.status = W.HTML()
        self.status.add_class("wb-status")
        guard = friendly(self.status)

        # -- sessions
        # typed, or picked from the alliances of the params folder (so the export finds its file)
        self.alliance_in = W.Combobox(
            placeholder="Alliance name, e.g. Acme Cloud × Northwind", options=self._alliance_names(), ensure_option=False, layout=W.Layout(width="420px")
        )
        self.alliance_in.add_class("wb-alliance-input")
        self.vendor_in = W.Text(placeholder="Vendor's name (optional)", layout=W.Layout(width="205px"))
        self.vendor_in.add_class("wb-vendor-input")
        self.partner_in = W.Text(placeholder="Partner's name (optional)", layout=W.Layout(width="205px"))
        self.partner_in.add_class("wb-partner-input")
        self.admission_in = W.Checkbox(
            value=True,
            description="Let participants in myself (recommended: only people you admit count)",
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.admission_in.add_class("wb-admission")
        n_full, n_short = (2 * len(trust_items(f)) + len(scope_items(f)) for f in ("full", "short"))
        self.form_in = W.ToggleButtons(
            options=[(f"Full form ({n_full} answers)", "full"), (f"Short form ({n_short} answers)", "short")],
            value="full",
            tooltips=["Every trust statement and checklist item", "One trust statement per principle, the competence statements and the key checklist items"],
            style={"button_width": "190px"},
        )
        self.form_in.add_class("wb-form-length")
        create = W.Button(description="Create session", button_style="primary", layout=W.Layout(width="160px"))
        create.add_class("wb-create")
        create.on_click(guard(self._create))
        self.sessions = W.Dropdown(description="Session", layout=W.Layout(width="420px"))
        self.sessions.add_class("wb-sessions")
        self.sessions.observe(guard(self._pick), names="value")
        self.code_html = W.HTML()
        self.code_html.add_class("wb-session-code")
        # Two explicit commands, not a toggle: two boards that both press "Close" leave it closed.
        self.close_btn = W.Button(description="Close session", button_style="danger", layout=W.Layout(width="160px"))
        self.close_btn.add_class("wb-close")
        self.close_btn.on_click(guard(self._close))
        self.reopen_btn = W.Button(description="Reopen session", button_style="warning", layout=W.Layout(width="160px", display="none"))
        self.reopen_btn.add_class("wb-reopen")
        self.reopen_btn.on_click(guard(self._reopen))
        self.link_html = W.HTML()
        self.link_html.add_class("wb-join-link")
        self.reveal = W.ToggleButton(description="Reveal results", value=False, icon="", layout=W.Layout(width="160px"))
        self.reveal.add_class("wb-reveal")
        self.reveal.observe(guard(self._set_reveal), names="value")
        self.min_in = W.BoundedIntText(
            value=min_respondents, min=ANONYMITY_FLOOR, max=50, description="Hide a side below", style={"description_width": "130px"}, layout=W.Layout(width="210px")
        )
        self.min_in.add_class("wb-min")
        self.min_in.observe(guard(lambda _: self.refresh(force=True)), names="value")
        self.presenter = W.ToggleButton(
            description="Projector view", value=False, tooltip="Show only the code, the link and the results: for the room's screen",
            layout=W.Layout(width="160px"),
        )
        self.presenter.add_class("wb-presenter")
        self.presenter.observe(guard(self._set_presenter), names="value")
        #: the address bar carries the session shown, so a reload comes back to it
        self.url = UrlQuery()
        self._duplicate_ok: str | None = None

        # -- board
        self.counts = W.HTML()
        self.counts.add_class("wb-counts")
        #: who joined, with Admit / Remove (rebuilt when the session changes)
        self.admit_all_btn = W.Button(description="Admit all waiting", button_style="success", layout=W.Layout(width="180px"))
        self.admit_all_btn.add_class("wb-admit-all")
        self.admit_all_btn.on_click(guard(self._admit_all))
        self.people_head = W.HTML()
        self.people_rows = W.VBox()
        self.people_rows.add_class("wb-people-rows")
        self.people = W.VBox([self.people_head, self.admit_all_btn, self.people_rows])
        self.people.add_class("wb-people")
        #: a row of the list per participant, kept and updated (not rebuilt) as answers arrive
        self._person_rows: dict[str, tuple[W.HBox, W.HTML, W.Button, W.Button]] = {}
        self.gap = W.HTML()
        self.gap.add_class("wb-gap")
        self.hidden_note = W.HTML(message("info", "Results are hidden until you press “Reveal results”."))
        self.dumbbell = live_chart(message_chart("No answers yet"))
        self.quadrant = live_chart(message_chart("No answers yet"))
        self.mirror = live_chart(message_chart("No answers yet"))
        self.mirror.add_class("wb-mirror")
        self.readiness = live_chart(message_chart("No answers yet"))
        self.waiting_note = W.HTML()
        self.waiting_note.add_class("wb-waiting")
        self.sides_note = W.HTML(layout=W.Layout(display="none"))
        self.sides_note.add_class("wb-sides-note")
        self.results = W.VBox([self.waiting_note, self.sides_note, self.gap, self.dumbbell, self.quadrant, self.mirror, self.readiness])
        self.results.add_class("wb-results")

        # -- export: preview the changes to the alliance's params file, then write them
        #: Export and render run only in the facilitator's kernel (WORKBOOK_ROLE=facilitator), or
        #: where the code that built the board says so (a notebook or a test) by setting this.
        self.allow_export = False
        self.export_out = W.HTML()
        self.export_out.add_class("wb-export-out")
        export_guard = friendly(self.export_out)
        self.base_in = W.Dropdown(
            description="Params file", options=self._param_files(), value=None, style={"description_width": "100px"}, layout=W.Layout(width="440px")
        )
        self.base_in.add_class("wb-base")
        self.base_in.observe(export_guard(self._forget_preview), names="value")
        self.base_in.observe(export_guard(self._default_mode), names="value")
        self.mode_in = W.ToggleButtons(
            options=[("Replace", "replace"), ("Add", "add")],
            value="replace",
            tooltips=["The room's answers replace the file's assessment", "The room's respondents join the file's assessment"],
            style={"button_width": "80px"},
        )
        self.mode_in.add_class("wb-export-mode")
        self.mode_in.observe(export_guard(self._forget_preview), names="value")
        self.preview_btn = W.Button(description="Preview export", layout=W.Layout(width="160px"))
        self.preview_btn.add_class("wb-preview")
        self.preview_btn.on_click(export_guard(self._preview_export))
        self.export_btn = W.Button(description="Write to params", button_style="warning", layout=W.Layout(width="160px"), disabled=True)
        # a preview with warnings (a side below the floor, fewer respondents than the file has) is
        # written only once the facilitator says they have read them
        self.confirm_in = W.Checkbox(value=False, description="I have read the warnings: write anyway", indent=False, layout=W.Layout(display="none"))
        self.confirm_in.add_class("wb-export-confirm")
        self.confirm_in.observe(lambda change: setattr(self.export_btn, "disabled", self._preview is None or self._preview.unchanged or not change["new"]), names="value")
        self.export_btn.add_class("wb-export")
        self.export_btn.on_click(export_guard(self._export))
        self.render_btn = W.Button(description="Render report", layout=W.Layout(width="160px"), disabled=True)
        self.render_btn.add_class("wb-render")
        self.render_btn.on_click(export_guard(self._render))
        self._preview: ExportPreview | None = None
        self._exported: Path | None = None
        self.sessions.observe(export_guard(self._default_base), names="value")
        self.export_box = W.VBox(
            [
                W.HTML(
                    "<h2>Export</h2><p>Brings the submitted answers into the alliance's own params file. <b>Replace</b>: the room's "
                    "answers become the latest assessment — answered checklist items and the trust respondents are replaced, "
                    "everything else is kept, the file's own trust results become <code>trust.previous</code> and the one before "
                    "joins <code>trust.history</code>. <b>Add</b>: the room's respondents join the file's assessment (a second room "
                    "of the same assessment); the checklist is left as it is. <b>Preview export</b> lists the changes and warns "
                    "before anything is written; <b>Write to params</b> writes them, keeping the earlier version in the history folder.</p>"
                ),
                W.HBox([self.base_in, self.mode_in, self.preview_btn, self.export_btn, self.render_btn]),
                self.export_out,
                self.confirm_in,
            ]
        )
        self.export_box.add_class("wb-export-box")

        self.controls = W.HBox([self.close_btn, self.reopen_btn, self.reveal, self.min_in])
        self.board = W.VBox([self.code_html, self.link_html, self.controls, self.counts, self.people, self.hidden_note, self.results])
        self.setup = W.VBox(
            [
                W.HBox([self.alliance_in, create]),
                W.HTML(
                    "<small>The companies' names go on the participants' screens (they rate both). Left empty, they are "
                    "taken from the params file that names the alliance.</small>"
                ),
                W.HBox([self.vendor_in, self.partner_in]),
                self.admission_in,
                self.form_in,
                self.sessions,
            ]
        )
        self.root = W.VBox([W.HTML(CSS), self.url, self.presenter, self.setup, self.status, self.board, self.export_box])
        self.root.add_class("wb-app")
        self.root.add_class("wb-facilitator")
        self._reload_sessions(select=self._session_in_address(query_params(wait=False)))
        self.url.observe(guard(self._on_location), names="location")
        self._start_polling()

    # -- sessions --------------------------------------------------------------------------

    @staticmethod
    def _param_files() -> list[tuple[str, str]]:
        return [(p.name, str(p)) for p in sorted(params_dir().glob("*.yaml")) if not is_programme_file(p)]

    @classmethod
    def _alliance_names(cls) -> list[str]:
        """The alliances of the params folder, by name (files that cannot be read are left out)."""
        names = {name for _, path in cls._param_files() if (name := alliance_name(Path(path))) is not None}
        return sorted(names, key=str.casefold)

    def _session_in_address(self, query: dict[str, str]) -> str | None:
        """The session the page's address names, if the store has it."""
        code = SQLiteStore.normalise_code(query.get("session", ""))
        return code if code and any(s.code == code for s in self.store.list_sessions()) else None

    def _on_location(self, change: dict[str, Any]) -> None:
        code = self._session_in_address({k: v[0] for k, v in parse_qs(change["new"]).items() if v})
        if code is not None and code != self.sessions.value:
            self.sessions.value = code

    def _set_presenter(self, change: dict[str, Any]) -> None:
        """Projector view: only the session's code, the participants' link and the results."""
        shown = "none" if change["new"] else ""
        for box in (self.setup, self.controls, self.people, self.export_box):
            box.layout.display = shown
        self.presenter.description = "Leave projector view" if change["new"] else "Projector view"

    def _reload_sessions(self, select: str | None = None) -> None:
        sessions = self.store.list_sessions()
        options = [(f"{s.code} — {s.alliance} ({s.status})", s.code) for s in sessions]
        with self.sessions.hold_sync():  # options and selection reach the browser together
            self.sessions.options = options
            if select is not None:
                self.sessions.value = select
            elif options and self.sessions.value is None:
                self.sessions.value = options[0][1]

    def _create(self, _: object = None) -> None:
        name = one_line(self.alliance_in.value)
        same = [x.code for x in self.store.list_sessions() if x.is_open and x.alliance.casefold() == name.casefold()]
        if name and same and self._duplicate_ok != name:
            self._duplicate_ok = name  # said once: pressing Create again makes the second session
            self.status.value = message(
                "error",
                f"An open session already has this name ({', '.join(same)}): participants could join the wrong one. "
                "Pick it from the list, close it, or press Create session again to open a second one.",
            )
            return
        self._duplicate_ok = None
        vendor, partner = self.vendor_in.value.strip(), self.partner_in.value.strip()
        if not (vendor and partner):  # the alliance's own file names the companies (the facilitator's params folder only)
            found = params_for_alliance(self.alliance_in.value, [Path(v) for _, v in self._param_files()])
            names = company_names_of(found) if found is not None else None
            if names is not None:
                vendor, partner = vendor or names[0], partner or names[1]
        s = self.store.create_session(
            self.alliance_in.value, vendor=vendor, partner=partner, admission=bool(self.admission_in.value), form=str(self.form_in.value)
        )
        self.alliance_in.value = self.vendor_in.value = self.partner_in.value = ""
        self._reload_sessions(select=s.code)
        who = "admit the people you expect below" if s.admission else "everyone who joins counts"
        self.status.value = message("ok", f"Session {s.code} is open: participants join with this code ({who}).")

    def _pick(self, change: dict[str, Any]) -> None:
        self.code = change["new"]
        self._close_person_rows()  # another session: rows of its own
        self.url.query = urlencode({"session": self.code}) if self.code else ""
        self._version = None
        self.refresh(force=True)

    def _close(self, _: object = None) -> None:
        if self.code is not None:
            s = self.store.close_session(self.code)
            self._reload_sessions(select=s.code)
            self.refresh(force=True)

    def _reopen(self, _: object = None) -> None:
        if self.code is not None:
            s = self.store.reopen_session(self.code)
            self._reload_sessions(select=s.code)
            self.refresh(force=True)

    def _admit(self, pid: str) -> None:
        if self.code is not None:
            self.store.admit(self.code, pid)
            self.refresh(force=True)

    def _remove(self, pid: str) -> None:
        if self.code is not None:
            self.store.remove(self.code, pid)
            self.refresh(force=True)

    def _admit_all(self, _: object = None) -> None:
        if self.code is not None:
            n = self.store.admit_all(self.code)
            self.status.value = message("ok", f"{count(n, 'participant')} admitted.")
            self.refresh(force=True)

    def _draw_people(self, admission: bool) -> None:
        """The list of who joined, with Admit and Remove (roles are escaped)."""
        assert self.code is not None
        people = self.store.participants(self.code)
        answered = {pid: len(a) for pid, a in self.store.answers(self.code).items()}
        self.people_head.value = people_html(people, answered, admission)
        self.admit_all_btn.layout.display = "" if any(p.standing == "waiting" for p in people) else "none"
        rows: list[W.Widget] = []
        for p in people:
            row, text, admit, remove = self._person_row(p.id)
            text.value = person_html(p, answered.get(p.id, 0), people)
            admit.layout.display = "" if p.standing == "waiting" else "none"
            remove.layout.display = "none" if p.standing == "removed" else ""
            for standing in ("waiting", "admitted", "removed"):
                if standing == p.standing:
                    row.add_class(f"wb-person-{standing}")
                else:
                    row.remove_class(f"wb-person-{standing}")
            rows.append(row)
        if tuple(rows) != tuple(self.people_rows.children):
            self.people_rows.children = rows

    def _close_person_rows(self) -> None:
        self.people_rows.children = ()
        for widgets in self._person_rows.values():
            for w in widgets:
                w.close()
        self._person_rows = {}

    def _person_row(self, pid: str) -> tuple[W.HBox, W.HTML, W.Button, W.Button]:
        """The list's row of participant ``pid`` (made once, for the session shown)."""
        if pid not in self._person_rows:
            guard = friendly(self.status)
            text = W.HTML(layout=W.Layout(width="640px"))
            admit = W.Button(description="Admit", button_style="success", layout=W.Layout(width="90px"))
            admit.add_class("wb-admit")
            admit.on_click(guard(lambda _: self._admit(pid)))
            remove = W.Button(description="Remove", button_style="danger", layout=W.Layout(width="90px"))
            remove.add_class("wb-remove")
            remove.on_click(guard(lambda _: self._remove(pid)))
            row = W.HBox([text, admit, remove])
            row.add_class("wb-person")
            self._person_rows[pid] = (row, text, admit, remove)
        return self._person_rows[pid]

    def _set_reveal(self, change: dict[str, Any]) -> None:
        if self.code is not None:
            self.store.set_reveal(self.code, bool(change["new"]))
        self.refresh(force=True)

    # -- the board -------------------------------------------------------------------------

    def _start_polling(self) -> None:
        async def poll() -> None:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                try:
                    self.refresh()
                except Exception:  # a failed poll must not stop the next one
                    pass

        try:
            asyncio.get_event_loop().create_task(poll())
        except RuntimeError:  # no event loop (plain Python): poll from a thread instead
            def loop() -> None:
                import time

                while True:
                    time.sleep(POLL_SECONDS)
                    try:
                        self.refresh()
                    except Exception:
                        pass

            threading.Thread(target=loop, daemon=True).start()

    def refresh(self, force: bool = False) -> None:
        """Redraw the board if the session changed since the last look (or when ``force``)."""
        if self.code is None:
            self.board.layout.display = "none"
            return
        version = self.store.version(self.code)
        if version == self._version and not force:
            return
        self._version = version
        self.board.layout.display = ""
        s = self.store.get_session(self.code)
        companies = f" ({escape(s.vendor or 'vendor')} and {escape(s.partner or 'partner')})" if s.vendor or s.partner else ""
        short = (
            '<div class="wb-short-form"><small>Short form: '
            + " ".join(escape(limit) for limit in SHORT_FORM_LIMITS)
            + "</small></div>"
            if s.form == "short"
            else ""
        )
        self.code_html.value = (
            f'<div>{escape(s.alliance)}{companies} · <b>{"open" if s.is_open else "closed"}</b> · {escape(s.form)} form</div>'
            f'<div class="wb-code">{escape(s.code)}</div>{short}'
        )
        self.close_btn.layout.display = "" if s.is_open else "none"
        self.reopen_btn.layout.display = "none" if s.is_open else ""
        self.link_html.value = join_link_html(s.code) if s.is_open else ""
        if self.reveal.value != s.reveal:
            self.reveal.value = s.reveal
        c = self.store.counts(self.code)
        self.counts.value = counts_html(c)
        self._draw_people(s.admission)
        self.hidden_note.layout.display = "none" if s.reveal else ""
        self.results.layout.display = "" if s.reveal else "none"
        if s.reveal:
            self._draw()

    def _draw(self) -> None:
        assert self.code is not None
        minimum = max(int(self.min_in.value), ANONYMITY_FLOOR)
        # the answers as they stood when the results last moved: they move only in steps of
        # at least `minimum` people, so no change on the screen is one person's answers
        shown = self.store.revealed(self.code, step=minimum)
        self.waiting_note.layout.display = "" if shown.waiting else "none"
        if shown.waiting:
            self.waiting_note.value = message(
                "info",
                f"{shown.waiting} newer answer{'s' if shown.waiting != 1 else ''} will show once {shown.step} people have "
                "submitted or changed answers since the results last moved (so nobody's answers can be picked out).",
            )
        block = trust_block(shown, self.code)
        hidden = hidden_sides_note(block, minimum)
        self.sides_note.value = message("info", hidden) if hidden else ""
        self.sides_note.layout.display = "" if hidden else "none"
        if block is None:
            self.gap.value = message("info", "No trust answers submitted yet.")
            self.dumbbell.chart = message_chart("No trust answers submitted yet")
            self.quadrant.chart = message_chart("")
            self.mirror.chart = message_chart("")
        else:
            # the trust area as the registry draws it live, with the board's floor for hiding a side
            trust = live("trust", Trust.model_validate({**block, "min_respondents": minimum}))
            self.gap.value = trust.headline
            self.dumbbell.chart, self.quadrant.chart, self.mirror.chart = trust.charts
        scope = scope_block(shown, self.code)
        scorers = sum(1 for a in shown.answers(self.code).values() if any(v is not None for k, v in a.items() if k in SCOPING_ITEMS))
        if scope is None:
            self.readiness.chart = message_chart("No scoping answers submitted yet")
        elif scorers < minimum:
            self.readiness.chart = message_chart(f"Readiness shows from {minimum} people's scoping answers ({scorers} so far)")
        else:
            (self.readiness.chart,) = live("scope", session_scope(scope, self.store.get_session(self.code).form)).charts

    # -- export ----------------------------------------------------------------------------

    def _export_allowed(self) -> None:
        if not self.allow_export:
            _require_facilitator()

    def _forget_preview(self, _: object = None) -> None:
        """A preview belongs to one session and one file: choosing another drops it."""
        self._preview = None
        self.export_btn.disabled = True
        self.export_out.value = ""
        self.confirm_in.value = False
        self.confirm_in.layout.display = "none"

    def _default_mode(self, change: dict[str, Any]) -> None:
        """A file that already holds respondents: add the room to them unless the facilitator
        chooses otherwise, so an export never thins an assessment by default."""
        if change["new"]:
            self.mode_in.value = "add" if has_respondents(Path(change["new"])) else "replace"

    def _default_base(self, change: dict[str, Any]) -> None:
        """Select the params file of the session's alliance (none if no file names it)."""
        with self.base_in.hold_sync():
            self.base_in.options = self._param_files()
            self.base_in.value = None
        self._forget_preview()
        self._exported = None
        self.render_btn.disabled = True
        if change["new"] is None:
            return
        alliance = self.store.get_session(change["new"]).alliance
        found = params_for_alliance(alliance, [Path(v) for _, v in self.base_in.options])
        if found is None:
            self.export_out.value = message("info", f"No params file names the alliance “{alliance}”: choose the alliance's file above.")
        else:
            self.base_in.value = str(found)
            self.export_out.value = message("info", f"“{alliance}” is {found.name}: press “Preview export” to see what the export changes.")

    def _preview_export(self, _: object = None) -> None:
        self._export_allowed()
        if self.code is None:
            raise StoreError("Open a session first.")
        if not self.base_in.value:
            raise StoreError("Choose the alliance's params file to export into.")
        self._forget_preview()
        preview = preview_export(self.store, self.code, Path(self.base_in.value), history_dir(), mode=self.mode_in.value)
        self._preview = preview
        self.confirm_in.value = False
        self.confirm_in.layout.display = "" if preview.warnings else "none"
        self.export_btn.disabled = preview.unchanged or bool(preview.warnings)
        self.export_out.value = preview_html(preview)

    def _export(self, _: object = None) -> None:
        self._export_allowed()
        preview = self._preview
        if preview is None or preview.code != self.code or str(preview.path) != self.base_in.value or preview.mode != self.mode_in.value:
            raise StoreError("Preview the export first: only what you have seen is written.")
        if preview.warnings and not self.confirm_in.value:
            raise StoreError("Read the warnings above and tick “write anyway” to write this export, or choose Add.")
        try:
            result = write_export(preview, history_dir())
        except FileChangedError:
            self._forget_preview()
            raise
        self._preview = None
        self.export_btn.disabled = True
        self.confirm_in.value = False
        self.confirm_in.layout.display = "none"
        self._exported = result.path
        self.render_btn.disabled = False
        text = f"Written {result.path}; its earlier version is kept as {result.history}. Render its report next, or run: workbook report {result.path}"
        if self.code is not None and tuple(self.store.version(self.code)) != preview.version:
            text += " Answers changed after the preview and are not in the file: preview and write again to include them."
        self.export_out.value = message("ok", text)

    def _render(self, _: object = None) -> None:
        self._export_allowed()
        if self._exported is None:
            return
        from ..reports.render import render_report
        from ..reports.folders import write_portfolio_index

        path = self._exported
        self.render_btn.disabled = True
        self.export_out.value = message("info", f"Rendering the report for {path.name} (about half a minute)…")

        def work() -> None:
            try:
                outcome = render_report(path, reports_dir())
                if outcome.ok:
                    index = write_portfolio_index(reports_dir())  # the portfolio lists it too
                    self.export_out.value = rendered_html(reports_dir() / str(outcome.slug) / "report.html", index, path.name)
                else:
                    self.export_out.value = message("error", f"The report failed: {outcome.reason}")
            except Exception as exc:  # shown, never raised into the page
                self.export_out.value = message("error", f"The report failed: {exc}")
            finally:
                self.render_btn.disabled = False

        threading.Thread(target=work, daemon=True).start()


def session_scope(scope: dict[str, Any], form: FormLength) -> Scope:
    """A session's checklist answers (a params ``scope`` section, see
    :func:`workbook.export.scope_block`) as the scope section the board's readiness is drawn
    from: over the items its form asks — in a short-form session the items it does not ask
    weigh 0, so they are left out of the readiness rather than counted as missing."""
    asked = set(scope_items(form))
    left_out = {i: {"status": "missing", "weight": 0} for i in SCOPING_ITEMS if i not in asked}
    return Scope.model_validate({"items": {**left_out, **scope.get("items", {})}})


def has_respondents(path: Path) -> bool:
    """Whether the params file at ``path`` holds trust respondents (``False`` if it cannot be read)."""
    from ..params import load_params

    try:
        trust_section = load_params(path).trust
    except Exception:  # an unreadable file: the preview will say what is wrong with it
        return False
    return trust_section is not None and len(trust_section.respondents) > 0


def rendered_html(report: Path, index: Path, params_name: str) -> str:
    """What the board says once a report is rendered: a link that opens the alliance's dashboard
    with the new answers in this server's browser tab (the server publishes the apps, not the
    reports folder), and where the report and the portfolio page are on the server's disk."""
    dashboard = f"alliance.ipynb?{urlencode({'params': params_name})}"
    return (
        '<div class="wb-status-ok">Report written. '
        f'<a class="wb-dashboard-link" href="{escape(dashboard)}" target="_blank" rel="noopener">Open the alliance&#x27;s dashboard</a> '
        f"to show the room its figures with these answers. On this server's disk: the report <code>{escape(str(report))}</code> "
        f"and the portfolio <code>{escape(str(index))}</code> (open them from a file browser, or copy them to share).</div>"
    )


def counts_html(c: Counts) -> str:
    """Who joined, submitted, and submitted any answer, per side: an empty submission is
    submitted but answers nothing, so it is counted apart ("partner 3 of 3 submitted, 1 with answers")."""

    def side(name: str) -> str:
        empty = c.submitted[name] - c.answered[name]
        answered = f", {c.answered[name]} with answers" if empty else ""
        return f"{name} {c.submitted[name]} of {c.joined[name]} submitted{answered}"

    joined = sum(c.joined.values())
    waiting = c.total_waiting
    wait = f" · {waiting} waiting to be let in" if waiting else ""
    return f"<b>n = {c.total_submitted}</b> submitted of {joined} joined · {side('vendor')} · {side('partner')}{wait}"


STANDING_WORDS = {"waiting": "waiting", "admitted": "admitted", "removed": "removed"}


def people_html(people: list[Participant], answered: dict[str, int], admission: bool) -> str:
    """The heading of the list of who joined: what admission means in this session."""
    if not people:
        return "<h3>Participants</h3><p>Nobody has joined yet.</p>"
    waiting = sum(p.standing == "waiting" for p in people)
    if admission:
        rule = (
            "Only the people you admit count. Admit the people you expect; remove anyone you do not know "
            "(their answers never count again)."
        )
        if waiting:
            rule += f" {count(waiting, 'person', 'people')} waiting."
    else:
        rule = "Everyone who joins this session counts; remove anyone you do not know (their answers never count again)."
    return f"<h3>Participants</h3><p>{escape(rule)}</p>"


def person_html(p: Participant, answers: int, people: list[Participant]) -> str:
    """One line of the list: side, role (escaped), when they joined, answers, submitted or not,
    standing, and how many others joined from the same address (by the device hint)."""
    same = sum(1 for q in people if q.id != p.id and p.device and q.device == p.device)
    joined = p.joined[11:16] + " UTC" if len(p.joined) >= 16 else p.joined
    parts = [
        f"<b>{escape(p.side)}</b>",
        escape(p.role) if p.role else "<i>no role given</i>",
        f"joined {escape(joined)}",
        count(answers, "answer"),
        "submitted" if p.submitted else "not submitted",
        f"<b>{STANDING_WORDS[p.standing]}</b>",
    ]
    if same:
        parts.append(f'<span class="wb-same-device" style="color:#a11">same address as {count(same, "other participant")}</span>')
    return '<span class="wb-person-text">' + " · ".join(parts) + "</span>"


def hidden_sides_note(block: dict[str, Any] | None, minimum: int) -> str:
    """Which side's trust figures the board hides, and how many more people with trust answers
    each needs to show (empty when both sides show)."""
    have = {side: 0 for side in ("vendor", "partner")}
    for r in (block or {}).get("respondents", []):
        have[r["side"]] += 1
    short = [(side, n) for side, n in have.items() if n < minimum]
    if not short or all(n == 0 for n in have.values()):
        return ""
    parts = [
        f"the {side} side is hidden: {count(n, 'person', 'people')} with trust answers, "
        f"{minimum - n} more needed (it shows from {minimum})"
        for side, n in short
    ]
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + ". Figures of a side stay hidden below that, so nobody's answers can be picked out."


def join_link(code: str) -> str | None:
    """The participants' link for session ``code`` (``None`` outside ``workbook serve``)."""
    base = os.environ.get("WORKBOOK_PARTICIPANT_URL")
    if not base:
        return None
    return f"{base}{'&' if '?' in base else '?'}session={quote(code)}"


def join_link_html(code: str) -> str:
    """The link participants open, as text and as a QR code for phones (drawn here, as SVG)."""
    link = join_link(code)
    if link is None:
        return message("info", "Participants join with the session code. Start the apps with `workbook serve` to show their link here.")
    import io

    import segno

    svg = io.BytesIO()
    segno.make(link, error="m").save(svg, kind="svg", scale=4, border=2, xmldecl=False, svgclass="wb-qr", title="QR code of the participants' link")
    return (
        '<div class="wb-join"><div class="wb-join-text"><div>Participants open:</div>'
        f'<a href="{escape(link)}" target="_blank" rel="noopener"><code>{escape(link)}</code></a>'
        "<div>or scan the code with a phone.</div></div>"
        f"{svg.getvalue().decode()}</div>"
        "<style>.wb-join{display:flex;gap:18px;align-items:center;flex-wrap:wrap;margin:6px 0 10px}"
        ".wb-join-text{max-width:560px;word-break:break-all;font-size:15px;line-height:1.5}</style>"
    )


def under_voila() -> bool:
    return "VOILA_SERVER_URL" in os.environ or "VOILA_PREHEAT" in os.environ


def _require_facilitator() -> None:
    """Refuse unless this kernel was started for the facilitator's app (``WORKBOOK_ROLE=facilitator``)."""
    if os.environ.get("WORKBOOK_ROLE") != "facilitator":
        raise StoreError("Only the facilitator's board can do this: this page was not started as the facilitator's app. Nothing was written.")


def preview_html(preview: ExportPreview) -> str:
    """An export preview as an escaped table of changes, with its warnings and notes."""
    how = "Adding session {code}'s respondents to" if preview.mode == "add" else "Export of session {code} into"
    if preview.unchanged:
        head = message("info", f"{preview.path.name} already holds these answers: there is nothing to write.")
    else:
        head = message("info", f"{how.format(code=preview.code)} {preview.path.name}: check the changes, then press “Write to params”.")
    warned = "".join(f"<li>{escape(w)}</li>" for w in preview.warnings)
    if warned:
        head += (
            '<div class="wb-export-warnings" style="color: #6b3d00; background: #fff4e0; padding: 8px 14px; border-radius: 6px; margin-top: 6px">'
            f"<b>Before you write:</b><ul>{warned}</ul></div>"
        )
    cell = 'style="text-align: left; padding: 3px 10px; border-bottom: 1px solid #ddd; vertical-align: top"'
    rows = "".join(
        f"<tr><td {cell}><code>{escape(c.field)}</code></td><td {cell}>{escape(c.before) or '<i>none</i>'}</td><td {cell}>{escape(c.after) or '<i>none</i>'}</td></tr>"
        for c in preview.changes
    )
    head_row = "".join(f"<th {cell}>{h}</th>" for h in ("field", "before", "after"))
    table = (
        f'<table class="wb-export-preview" style="border-collapse: collapse; margin: 0.5em 0">'
        f"<thead><tr>{head_row}</tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in preview.notes)
    return head + table + (f'<ul class="wb-export-notes">{notes}</ul>' if notes else "")


def facilitator_app(store: SessionStore | None = None, min_respondents: int = ANONYMITY_FLOOR) -> W.Widget:
    """The live board. ``min_respondents`` (at least 3): a side with fewer respondents is hidden.

    Served by Voila, the board opens only in a kernel the server started for the facilitator
    (``workbook serve`` sets ``WORKBOOK_ROLE``); anyone else gets a short refusal."""
    if under_voila() and os.environ.get("WORKBOOK_ROLE") != "facilitator":
        return W.HTML(CSS + message("error", "This board is for the facilitator. Participants join with the workshop link the facilitator shows."))
    return FacilitatorApp(store, min_respondents).root


__all__ = ["FacilitatorApp", "facilitator_app"]
