"""The facilitator's board: create, open and close sessions; watch answers arrive; reveal; export.

The board polls the store (a cheap ``version`` query every second) on the kernel's own event
loop and redraws only when something changed — so the page updates within about a second of a
submission, and an abandoned board sends nothing and can be culled as idle.
"""

from __future__ import annotations

import asyncio
import math
import threading
from html import escape
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as W

from .. import scoping, trust
from ..charts import theme
from ..charts.instruments import readiness_chart, trust_dumbbell, trust_dumbbell_title, trust_quadrant, trust_quadrant_title
from ..sections import Scope, Trust
from ..store import SessionStore, SQLiteStore, StoreError, export_session, scope_block, trust_block
from .common import CSS, friendly, message
from .paths import exports_dir, params_dir, reports_dir

POLL_SECONDS = 1.0


def _empty_chart(text: str) -> alt.Chart:
    return alt.Chart(alt.Data(values=[{"t": text}])).mark_text(fontSize=14, color="#666").encode(text="t:N").properties(width=400, height=60)


def live_chart(chart: alt.TopLevelMixin) -> W.Widget:
    """An Altair chart as an offline ``JupyterChart`` widget (its JavaScript comes from vl-convert, not a CDN)."""
    alt.JupyterChart.enable_offline()
    return alt.JupyterChart(chart, embed_options={"actions": False, "renderer": "svg"})


class FacilitatorApp:
    def __init__(self, store: SessionStore | None = None, min_respondents: int = 3):
        theme.enable()
        self.store = store if store is not None else SQLiteStore()
        self.code: str | None = None
        self._version: Any = None
        self.status = W.HTML()
        self.status.add_class("wb-status")
        guard = friendly(self.status)

        # -- sessions
        self.alliance_in = W.Text(placeholder="Alliance name, e.g. Acme Cloud × Northwind", layout=W.Layout(width="420px"))
        self.alliance_in.add_class("wb-alliance-input")
        create = W.Button(description="Create session", button_style="primary", layout=W.Layout(width="160px"))
        create.add_class("wb-create")
        create.on_click(guard(self._create))
        self.sessions = W.Dropdown(description="Session", layout=W.Layout(width="420px"))
        self.sessions.add_class("wb-sessions")
        self.sessions.observe(guard(self._pick), names="value")
        self.code_html = W.HTML()
        self.code_html.add_class("wb-session-code")
        self.close_btn = W.Button(description="Close session", button_style="danger", layout=W.Layout(width="160px"))
        self.close_btn.add_class("wb-close")
        self.close_btn.on_click(guard(self._toggle_close))
        self.reveal = W.ToggleButton(description="Reveal results", value=False, icon="", layout=W.Layout(width="160px"))
        self.reveal.add_class("wb-reveal")
        self.reveal.observe(guard(self._set_reveal), names="value")
        self.min_in = W.BoundedIntText(value=min_respondents, min=1, max=50, description="Hide a side below", style={"description_width": "130px"}, layout=W.Layout(width="210px"))
        self.min_in.add_class("wb-min")
        self.min_in.observe(guard(lambda _: self.refresh(force=True)), names="value")

        # -- board
        self.counts = W.HTML()
        self.counts.add_class("wb-counts")
        self.gap = W.HTML()
        self.gap.add_class("wb-gap")
        self.hidden_note = W.HTML(message("info", "Results are hidden until you press “Reveal results”."))
        self.dumbbell = live_chart(_empty_chart("No answers yet"))
        self.quadrant = live_chart(_empty_chart("No answers yet"))
        self.readiness = live_chart(_empty_chart("No answers yet"))
        self.results = W.VBox([self.gap, self.dumbbell, self.quadrant, self.readiness])
        self.results.add_class("wb-results")

        # -- export
        self.base_in = W.Dropdown(description="Base params", options=self._param_files(), style={"description_width": "100px"}, layout=W.Layout(width="440px"))
        self.base_in.add_class("wb-base")
        export = W.Button(description="Export to params", layout=W.Layout(width="160px"))
        export.add_class("wb-export")
        export.on_click(guard(self._export))
        self.render_btn = W.Button(description="Render report", layout=W.Layout(width="160px"), disabled=True)
        self.render_btn.add_class("wb-render")
        self.render_btn.on_click(guard(self._render))
        self.export_out = W.HTML()
        self.export_out.add_class("wb-export-out")
        self._exported: Path | None = None

        self.board = W.VBox([self.code_html, W.HBox([self.close_btn, self.reveal, self.min_in]), self.counts, self.hidden_note, self.results])
        self.root = W.VBox(
            [
                W.HTML(CSS),
                W.HBox([self.alliance_in, create]),
                self.sessions,
                self.status,
                self.board,
                W.HTML("<h2>Export</h2><p>Writes the submitted answers into a copy of an alliance's params file "
                       "(its <code>trust</code> and <code>scope</code> sections), then renders its report.</p>"),
                W.HBox([self.base_in, export, self.render_btn]),
                self.export_out,
            ]
        )
        self.root.add_class("wb-app")
        self.root.add_class("wb-facilitator")
        self._reload_sessions()
        self._start_polling()

    # -- sessions --------------------------------------------------------------------------

    @staticmethod
    def _param_files() -> list[tuple[str, str]]:
        return [(p.name, str(p)) for p in sorted(params_dir().glob("*.yaml"))]

    def _reload_sessions(self, select: str | None = None) -> None:
        sessions = self.store.list_sessions()
        options = [(f"{s.code} — {s.alliance} ({s.status})", s.code) for s in sessions]
        self.sessions.options = options
        if select is not None:
            self.sessions.value = select
        elif options and self.sessions.value is None:
            self.sessions.value = options[0][1]

    def _create(self, _: object = None) -> None:
        s = self.store.create_session(self.alliance_in.value)
        self.alliance_in.value = ""
        self._reload_sessions(select=s.code)
        self.status.value = message("ok", f"Session {s.code} is open: participants join with this code.")

    def _pick(self, change: dict[str, Any]) -> None:
        self.code = change["new"]
        self._version = None
        self.refresh(force=True)

    def _toggle_close(self, _: object = None) -> None:
        if self.code is None:
            return
        s = self.store.get_session(self.code)
        s = self.store.close_session(self.code) if s.is_open else self.store.reopen_session(self.code)
        self._reload_sessions(select=s.code)
        self.refresh(force=True)

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
        self.code_html.value = (
            f'<div>{escape(s.alliance)} · <b>{"open" if s.is_open else "closed"}</b></div>'
            f'<div class="wb-code">{escape(s.code)}</div>'
        )
        self.close_btn.description = "Close session" if s.is_open else "Reopen session"
        self.close_btn.button_style = "danger" if s.is_open else "warning"
        if self.reveal.value != s.reveal:
            self.reveal.value = s.reveal
        c = self.store.counts(self.code)
        joined = sum(c.joined.values())
        self.counts.value = (
            f"<b>n = {c.total_submitted}</b> submitted of {joined} joined · "
            f"vendor {c.submitted['vendor']} of {c.joined['vendor']} · partner {c.submitted['partner']} of {c.joined['partner']}"
        )
        self.hidden_note.layout.display = "none" if s.reveal else ""
        self.results.layout.display = "" if s.reveal else "none"
        if s.reveal:
            self._draw()

    def _draw(self) -> None:
        assert self.code is not None
        minimum = int(self.min_in.value)
        block = trust_block(self.store, self.code)
        if block is None:
            self.gap.value = message("info", "No trust answers submitted yet.")
            self.dumbbell.chart = _empty_chart("No trust answers submitted yet")
            self.quadrant.chart = _empty_chart("")
        else:
            scores = trust.score_table(Trust.model_validate(block))
            gaps = trust.gap_table(trust.principle_table(scores, minimum))
            indices = trust.index_table(scores, minimum)
            self.gap.value = f"<h2>{escape(trust_dumbbell_title(gaps))}</h2><p>{escape(trust_quadrant_title(indices))}</p>"
            self.dumbbell.chart = trust_dumbbell(gaps)
            self.quadrant.chart = trust_quadrant(indices)
        scope = scope_block(self.store, self.code)
        if scope is None:
            self.readiness.chart = _empty_chart("No scoping answers submitted yet")
        else:
            result = scoping.analyse(Scope.model_validate(scope))
            overall = None if math.isnan(result.overall) else result.overall
            self.readiness.chart = readiness_chart(result.groups, overall)

    # -- export ----------------------------------------------------------------------------

    def _export(self, _: object = None) -> None:
        if self.code is None:
            raise StoreError("Open a session first.")
        if not self.base_in.value:
            raise StoreError("Choose the alliance's params file to export into.")
        base = Path(self.base_in.value)
        out = exports_dir() / f"{base.stem}-workshop-{self.code.lower()}.yaml"
        self._exported = export_session(self.store, self.code, base, out)
        self.render_btn.disabled = False
        self.export_out.value = message("ok", f"Written {out}. Render its report next, or run: workbook report {out}")

    def _render(self, _: object = None) -> None:
        if self._exported is None:
            return
        from ..reports import render_report

        path = self._exported
        self.render_btn.disabled = True
        self.export_out.value = message("info", f"Rendering the report for {path.name} (about half a minute)…")

        def work() -> None:
            try:
                outcome = render_report(path, reports_dir())
                if outcome.ok:
                    self.export_out.value = message("ok", f"Report written: {reports_dir() / str(outcome.slug) / 'report.html'}")
                else:
                    self.export_out.value = message("error", f"The report failed: {outcome.reason}")
            except Exception as exc:  # shown, never raised into the page
                self.export_out.value = message("error", f"The report failed: {exc}")
            finally:
                self.render_btn.disabled = False

        threading.Thread(target=work, daemon=True).start()


def facilitator_app(store: SessionStore | None = None, min_respondents: int = 3) -> W.Widget:
    """The live board. ``min_respondents``: a side with fewer respondents is hidden (anonymity)."""
    return FacilitatorApp(store, min_respondents).root


__all__ = ["FacilitatorApp", "facilitator_app", "live_chart"]
