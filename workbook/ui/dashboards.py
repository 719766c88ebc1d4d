"""The stakeholders' dashboards: one alliance with what-if controls (here) and the portfolio of
alliances (:mod:`workbook.ui.portfolio_app`, re-exported).

Speed
-----
``workbook serve`` keeps kernels of the alliance dashboard prepared ahead of its visitors (Voila's
preheated pool). Such a kernel runs the notebook before anyone asks for it: the imports (pandas,
Altair, the model) and the chart's JavaScript bundle — about two seconds of work that does not
depend on the alliance — are done, and the page's frame is rendered, when the visitor arrives.
The kernel then learns the page's ``?params=`` from the server (:func:`workbook.ui.visits.next_visit`)
and builds the dashboard while the browser is still loading Voila's scripts, so the page finds it
complete. Failing that, the page itself reports its ``?params=`` once open (:class:`PageParams`).
Either way the file is read at the visit, by name and from the params folder only, and a kernel
shows one alliance: the first it is told. A kernel Voila starts for the page (none prepared)
reads the query string from its environment and builds at once.

A what-if redraw runs the model and sends the chart only its new tables and words
(:meth:`LiveChart.update`); the browser swaps them into the chart it shows, instead of
compiling and laying out a new one. Only a change of the chart's layout (a marker kind appearing
or going, e.g. the break-even month leaving the horizon) draws a new chart. When the file gives
uncertainty ranges the redraw re-runs the simulation on the what-if too (its P10–P90 band, the
file's ``simulation.runs`` up to :data:`workbook.ramp.LIVE_BAND_RUNS`: a few milliseconds), and
keeps the last settings' results, so going back to a what-if costs nothing.

*Save as scenario…* keeps the what-if in the params file (``ramp.scenarios.saved``, through
:func:`workbook.params.save_scenario`); the report's scenario table then shows it as a row.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import anywidget
import ipywidgets as W
import pandas as pd
import traitlets
from pydantic import ValidationError

from .. import ramp, views
from ..areas import Assessment, assess
from ..charts import theme
from ..charts.ramp import RampChartData, ramp_chart, ramp_chart_data
from ..charts.render import LiveChart
from ..params import ScenarioExists, load_params, save_scenario
from ..schema import Params, SavedScenario
from ..inputs import RAMP_INPUTS
from ..kernel_env import SAVES_ENV
from .visits import next_visit
from ..currency import currency
from ..months import MonthNames
from .common import CSS, UrlQuery, explain, friendly, message, query_params
from .paths import params_file
from .portfolio_app import portfolio_app, portfolio_rows

#: Seconds after the dashboard is shown at which its secondary panels are drawn at the latest
#: (see :meth:`AllianceApp._defer`).
PANELS_AFTER = 2.0

#: The alliance dashboard is wider than the other apps: the what-if controls and the chart side by
#: side, both in view at 1280×900 (they stack on a phone).
ALLIANCE_CSS = (
    "<style>.wb-app.wb-alliance-app { max-width: 1240px; } .wb-alliance-app .wb-whatif-controls { flex: 0 0 auto; }"
    # the chart comes first in the page (it keeps its place from the first paint, and a phone shows
    # it on top); on a wide screen the controls are drawn on its left
    " @media (min-width: 700px) { .wb-alliance-app .wb-whatif-controls { order: -1; } }"
    # the notes and the save box wrap within the sliders' width rather than widen the controls
    " .wb-alliance-app .wb-save-box, .wb-alliance-app .wb-band-note { max-width: 366px; }"
    # each control keeps its content's height (a phone's one-column rules give every widget
    # flex: 1 1 100%, which in this column shares its height out and squeezes the controls)
    " body .wb-app.wb-alliance-app .wb-whatif-controls > *, body .wb-app.wb-alliance-app .wb-save-box > * { flex: 0 0 auto !important; }"
    " .wb-alliance-app .wb-note { font-size: 13px; line-height: 1.4; margin: 2px 0 8px; color: #444; }</style>"
)

#: The what-if results kept, by settings (a redraw back to one of them runs nothing).
KEPT_WHAT_IFS = 64

EVENT_KINDS = [
    ("No premature change", ""),
    ("Alliance manager replaced", "people_change"),
    ("Resources withdrawn", "resource_withdrawal"),
    ("Responsibility moved", "responsibility_move"),
    ("Cynicism sets in", "cynicism"),
]


class PageParams(anywidget.AnyWidget):
    """Reports the page's ``?params=`` to the kernel once the page shows this (invisible) widget,
    and only the alliance's file name: the rest of the address (a room's token) stays in the page."""

    _esm = """
    function render({ model }) {
      if (model.get("reported")) return;
      model.set("params", new URLSearchParams(window.location.search).get("params") ?? "");
      model.set("reported", true);
      model.save_changes();
    }
    export default { render };
    """
    params = traitlets.Unicode("").tag(sync=True)
    reported = traitlets.Bool(False).tag(sync=True)


def preheated() -> bool:
    """Whether this kernel was started by Voila ahead of its visitor (a preheated kernel)."""
    return os.environ.get("VOILA_PREHEAT") == "True"


class AllianceApp:
    """One alliance: header, headline chart and metrics, redrawn at once as the what-if controls move.

    name : a file of the params folder. ``wait=True`` (a kernel prepared ahead of its visitor,
        in the kernel's running event loop): build the frame now, and the dashboard of the file
        the visit names once it comes.
    """

    def __init__(self, name: str | None = None, *, wait: bool = False):
        theme.enable()
        self.status = W.HTML()
        self.status.add_class("wb-status")
        self.header = W.HTML(CSS)
        self.body = W.HBox(layout=W.Layout(flex_flow="row wrap"))  # metrics below on a phone
        self.body.add_class("wb-gap-l")
        self.metrics = W.HTML()
        self.metrics.add_class("wb-alliance-metrics")
        # The chart widget exists from the start: a prepared kernel has its JavaScript bundled
        # before the visitor comes, and it keeps its place in the page when the rest is filled in.
        self.chart = LiveChart()
        self.chart.add_class("wb-ramp-chart")
        #: the address bar carries the alliance and the what-if settings: a link shares them
        self.url = UrlQuery()
        self._settings: dict[str, str] = {}
        self.body.children = [self.chart]  # in its final place from the start: its view is never made twice
        self.root = W.VBox([self.header, self.status, self.url, self.body])
        self.root.add_class("wb-app")
        self.root.add_class("wb-alliance-app")
        self._layout: tuple[object, ...] = ()
        self._holding = False
        if wait:
            self.status.value = message("info", "Opening the alliance…")
            self.visit = asyncio.get_running_loop().create_task(self._await_visit())
        else:
            self._open(name)

    async def _await_visit(self) -> None:
        query = await next_visit()
        if query is None:  # the server does not say which page took this kernel: the page will
            self.page = PageParams()
            self.page.observe(self._on_page, names="reported")
            self.root.children = [*self.root.children, self.page]
            return
        values = {k: v[0] for k, v in parse_qs(query).items() if v}  # the first of each, as query_params reads it
        self._settings = values
        friendly(self.status)(self._open)(values.get("params", ""))

    def _on_page(self, _: object) -> None:
        self.page.unobserve(self._on_page, names="reported")  # the first report only: one alliance per kernel
        friendly(self.status)(self._open)(self.page.params)

    def _open(self, name: str | None) -> None:
        if not name:
            self._offer_alliances()
            return
        try:
            params = load_params(params_file(name))
        except Exception as exc:  # a bad or unknown file: say so, politely
            self.status.value = message("error", explain(exc))
            return
        self.file = name
        self._show(params)

    def _offer_alliances(self) -> None:
        """No alliance in the address: a list of the params folder's alliances to open."""
        rows, _ = portfolio_rows()
        if not rows:
            self.status.value = message("error", "There is no alliance in the params folder yet.")
            return
        pick = W.Dropdown(
            options=[("Choose an alliance…", "")] + [(r.alliance, r.file or "") for r in sorted(rows, key=lambda r: r.alliance.casefold())],
            value="", description="Alliance", layout=W.Layout(width="100%", max_width="520px"),
        )
        pick.add_class("wb-alliance-pick")

        def chosen(change: dict[str, object]) -> None:
            if change["new"]:
                self.body.children = []
                self._open(str(change["new"]))

        pick.observe(friendly(self.status)(chosen), names="value")
        self.status.value = ""
        self.header.value = CSS + '<p>Choose an alliance, or open one from the <a href="portfolio.ipynb">portfolio</a>.</p>'
        self.body.children = [pick]

    def _show(self, params: Params) -> None:
        self.params = params
        r = self.base = params.ramp
        self.code = params.alliance.currency
        self.names = params.months  # calendar months on the charts and in the words, when the file dates month 1
        style = {"description_width": "170px"}
        lay = W.Layout(width="100%", max_width="460px")  # the screen's width on a phone
        # bounds and words from the one table of the ramp's inputs (workbook.inputs)
        cycle, ramp_in, level, delay = (RAMP_INPUTS[k] for k in ("sales_cycle_months", "ramp_months", "investment_level", "start_delay_months"))
        self.sales_cycle = W.IntSlider(value=r.sales_cycle_months, min=int(cycle.slider[0]), max=max(int(cycle.slider[1]), r.sales_cycle_months),
                                       description=cycle.caption(), style=style, layout=lay, continuous_update=False)
        self.ramp_months = W.IntSlider(value=r.ramp_months, min=int(ramp_in.slider[0]), max=max(int(ramp_in.slider[1]), r.ramp_months),
                                       description=ramp_in.caption(), style=style, layout=lay, continuous_update=False)
        self.level = W.FloatSlider(value=1.0, min=level.slider[0], max=level.slider[1], step=level.slider[2], description=level.label,
                                   readout_format=".0%", style=style, layout=lay, continuous_update=False)
        self.delay = W.IntSlider(value=0, min=int(delay.slider[0]), max=min(int(delay.slider[1]), r.horizon_months - 1), description=delay.caption(),
                                 style=style, layout=lay, continuous_update=False)
        self.event_kind = W.Dropdown(options=EVENT_KINDS, value="", description="Premature change", style=style, layout=lay)
        self.event_month = W.IntSlider(value=min(12, r.horizon_months), min=1, max=r.horizon_months, description="…in plan month", style=style, layout=lay, continuous_update=False)
        self.severity = W.FloatSlider(value=0.5, min=0.1, max=1.0, step=0.1, description="…severity", style=style, layout=lay, continuous_update=False)
        for w, cls in [(self.sales_cycle, "wb-sales-cycle"), (self.ramp_months, "wb-ramp-months"), (self.level, "wb-level"), (self.delay, "wb-delay"),
                       (self.event_kind, "wb-event-kind"), (self.event_month, "wb-event-month"), (self.severity, "wb-severity")]:
            w.add_class(cls)
            w.observe(friendly(self.status)(self._update), names="value")
        # the plan month's calendar month beside its slider, when the file dates month 1
        self.event_when = W.HTML(self._event_when())
        self.event_when.add_class("wb-event-when")
        self.event_month.observe(lambda _: setattr(self.event_when, "value", self._event_when()), names="value")
        reset = W.Button(description="Back to the plan")
        reset.add_class("wb-reset")
        reset.on_click(friendly(self.status)(self._reset))
        # the simulation's band under the what-if, when the file gives ranges to draw it from
        self.band_runs = min(r.simulation.runs, ramp.LIVE_BAND_RUNS)
        self.band_label: str | None = f"P10–P90 of the what-if ({self.band_runs} simulated runs)" if r.uncertainty.ranges() else None
        self.band_note = band_note = W.HTML(
            "" if self.band_label is not None else
            '<div class="wb-note">No P10–P90 band: this file gives no ranges (<code>ramp.uncertainty</code>), so the what-if is one line.</div>'
        )
        band_note.add_class("wb-band-note")
        band_note.layout.display = "none" if self.band_label is not None else None  # no gap for an empty note
        controls = W.VBox([W.HTML("<h2>What if…</h2>"), band_note, self.sales_cycle, self.ramp_months, self.level, self.delay, self.event_kind, self.event_month,
                           *([self.event_when] if self.names.known else []), self.severity, reset, self._save_box()])
        controls.add_class("wb-whatif-controls")
        self._kept: dict[str, tuple[ramp.RampResult, pd.DataFrame | None]] = {}
        self.plan = ramp.run(r)
        self.plan_band = self._band(None)
        self._holding = True  # the address's settings, if any, then one redraw
        try:
            self._apply(self._settings or query_params(wait=False))
        finally:
            self._holding = False
        self._redo()
        with self.root.hold_sync():
            self.header.value = CSS + ALLIANCE_CSS + views.header(params).html + '<p><a href="portfolio.ipynb">← All alliances</a></p>'
            # the what-if controls beside the chart, so both are in view; the figures below
            self.body.children = [self.chart, controls]
            self.root.children = [self.header, self.status, self.url, self.body, self.metrics]
            self.status.value = ""
            self.url.query = self._address()  # an alliance picked on the page: its address, to share or reload
        self._defer(lambda: self._add_panels(params))

    def _defer(self, build: Callable[[], None]) -> None:
        """Run ``build`` once the page is drawn: when the browser reports the page's address (it
        does so as it draws the dashboard), or :data:`PANELS_AFTER` seconds from now, whichever
        comes first. The kernel then answers the page's first requests for the what-if chart
        before it draws anything else. Without a running event loop (a script, a test): now."""
        try:
            loop = asyncio.get_running_loop() if _in_kernel() else None
        except RuntimeError:
            loop = None
        if loop is None:
            build()
            return
        done: list[bool] = []

        def once(_: object = None) -> None:
            if done:
                return
            done.append(True)
            self.url.unobserve(once, names="location")
            friendly(self.status)(build)()

        self.url.observe(once, names="location")
        loop.call_later(PANELS_AFTER, once)

    def _add_panels(self, params: Params) -> None:
        """The panels under the figures: the plan against the file's actuals, trust over the
        assessments (each left out when the file has nothing for it). Both are the registry's
        results (:func:`workbook.areas.assess`), as the report has them."""
        only = [key for key, given in (("ramp", params.actuals), ("trust", params.trust)) if given is not None]
        if not only:
            return
        a = assess(params, only=only)
        extra = [w for w in (self._tracking(a), self._trust_trend(a)) if w is not None]
        if extra:
            self.root.children = [*self.root.children, *extra]

    #: The what-if settings as the address carries them: key -> the control's attribute.
    SETTINGS = {"cycle": "sales_cycle", "ramp": "ramp_months", "level": "level", "delay": "delay",
                "change": "event_kind", "month": "event_month", "severity": "severity"}

    def _apply(self, query: dict[str, str]) -> None:
        """Set the controls from an address's settings (each clamped to its control's range;
        anything unreadable is ignored: the plan's value stays)."""
        for key, attr in self.SETTINGS.items():
            if key not in query:
                continue
            control = getattr(self, attr)
            raw = query[key]
            if isinstance(control, W.Dropdown):
                if raw in {v for _, v in EVENT_KINDS}:
                    control.value = raw
                continue
            try:
                number = float(raw)
            except ValueError:
                continue
            if number != number:  # NaN
                continue
            number = min(max(number, control.min), control.max)
            control.value = int(round(number)) if isinstance(control, W.IntSlider) else number

    def _changed(self) -> bool:
        """Whether any control differs from the plan."""
        r = self.base
        return (int(self.sales_cycle.value), int(self.ramp_months.value), round(float(self.level.value), 6), int(self.delay.value), self.event_kind.value) != (
            r.sales_cycle_months, r.ramp_months, 1.0, 0, "")

    def _address(self) -> str:
        """The page's address for the alliance and the current what-if (only what differs)."""
        query: dict[str, str] = {"params": self.file}
        if self._changed():
            query.update(cycle=str(self.sales_cycle.value), ramp=str(self.ramp_months.value), level=f"{float(self.level.value):g}", delay=str(self.delay.value))
            if self.event_kind.value:
                query.update(change=self.event_kind.value, month=str(self.event_month.value), severity=f"{float(self.severity.value):g}")
        return urlencode(query)

    def _event_when(self) -> str:
        """The what-if change's month as a calendar month ("Plan month 12 is Jun 2026."), or
        nothing without a start."""
        m = int(self.event_month.value)
        when = self.names.calendar(m)
        return "" if when is None else f"<small>Plan month {m} is {when}.</small>"

    def _tracking(self, a: Assessment) -> W.Widget | None:
        """The plan against the file's actuals (the money machine's result), under the what-if
        chart: it compares what happened with the plan as written (the what-if controls do not
        move it), with what the re-forecast took from the pipeline and the partner-sourced
        against the influenced revenue. ``None`` without actuals."""
        from html import escape

        from ..actuals import attribution_sentence, headline
        from ..charts.actuals import actuals_chart, attribution_chart
        from ..charts.render import figure_html

        tracked = a.actuals
        if tracked is None:
            return None
        simulation = a.ramp.monte_carlo if a.ramp.monte_carlo.ranged else None
        words = W.HTML(f'<h2>Plan against actual</h2><p class="wb-tracking">{escape(headline(tracked, self.code, self.names))}</p>')
        # drawn once, as an image: the what-if does not move it, and a second live chart would send
        # the page the charts' JavaScript again before the what-if chart is drawn
        chart = W.HTML(figure_html(actuals_chart(a.ramp.plan, tracked, simulation, self.code, self.names)))
        parts: list[W.Widget] = [words, chart]
        shared = attribution_sentence(tracked.attribution, self.code, self.names)
        if tracked.attribution is not None and shared is not None:  # sourced against influenced revenue
            attributed = W.HTML(f'<p class="wb-attribution">{escape(shared)}.</p>')
            parts += [attributed, W.HTML(figure_html(attribution_chart(tracked.monthly, tracked.attribution, self.code, self.names)))]
        box = W.VBox(parts)
        box.add_class("wb-actuals")
        return box

    def _trust_trend(self, a: Assessment) -> W.Widget | None:
        """Each side's survey trust index over the file's assessments (``trust.history``,
        ``trust.previous`` and the current one); ``None`` without two assessments to compare."""
        from ..charts.render import figure_html

        if "trust" not in a.results or a.trust is None:
            return None
        charts = views.trust_history_charts(a.trust)
        if not charts:
            return None
        box = W.VBox([W.HTML("<h2>Trust over the assessments</h2>" + figure_html(charts[0]))])  # an image, as the tracking
        box.add_class("wb-trust-trend")
        return box

    def what_if(self, name: str = "what-if") -> SavedScenario:
        """The controls' what-if as a saved scenario called ``name``: only the inputs that differ
        from the plan (the level and severity to the hundredth, as the sliders step), a premature
        change only when one is chosen. Raises pydantic's ``ValidationError`` for a bad name."""
        r = self.base
        given: dict[str, object] = {"name": name}
        if int(self.sales_cycle.value) != r.sales_cycle_months:
            given["sales_cycle_months"] = int(self.sales_cycle.value)
        if int(self.ramp_months.value) != r.ramp_months:
            given["ramp_months"] = int(self.ramp_months.value)
        level = round(float(self.level.value), 2)
        if level != 1.0:
            given["investment_level"] = level
        if int(self.delay.value):
            given["start_delay_months"] = int(self.delay.value)
        if self.event_kind.value:
            given["change"] = {"kind": self.event_kind.value, "month": int(self.event_month.value), "severity": round(float(self.severity.value), 2)}
        return SavedScenario.model_validate(given)

    def _band(self, w: SavedScenario | None) -> pd.DataFrame | None:
        """The what-if's P10–P90 band (``None`` without ranges)."""
        return ramp.what_if_band(self.base, w, runs=self.band_runs) if self.band_label is not None else None

    def _redo(self) -> None:
        """Run the what-if of the controls (the plan when they are at the plan) and its band, or
        take them from the settings' last run, and show them."""
        if not self._changed():
            self.result, self.band = self.plan, self.plan_band
        else:
            w = self.what_if()
            key = w.model_dump_json(exclude={"name"})
            if key not in self._kept:
                if len(self._kept) >= KEPT_WHAT_IFS:
                    self._kept.clear()
                self._kept[key] = (ramp.what_if_run(self.base, w), self._band(w))
            self.result, self.band = self._kept[key]
        self._draw()

    def _draw(self) -> None:
        """Show ``self.result`` and its band: new tables and words in the chart drawn, or a new chart when its layout changed."""
        data: RampChartData = ramp_chart_data(self.result, self.code, self.names, self.band, self.band_label)
        if data.layout == self._layout:
            self.chart.update(data.tables, title=data.title, subtitle=data.subtitle, description=data.description)
        else:
            self.chart.show(ramp_chart(self.result, self.band, code=self.code, names=self.names, band_label=self.band_label), data.tables)
            self._layout = data.layout
        headline = against_plan_html(self.plan.metrics, self.result.metrics, self.code, self.names) if self.result is not self.plan else ""
        headline += "<h2>Headline</h2>" + views.ramp_metrics_table(self.result.metrics, code=self.code, months=self.names).html
        pe = self.params.partner_economics
        if pe is not None:  # the partner's money machine moves with the what-if too
            partner = ramp.partner_economics(pe, self.result)
            headline += views.partner_metrics_table(partner, self.params.alliance.partner, self.code, self.names).html
        self.metrics.value = headline

    def _update(self, _: object = None) -> None:
        if self._holding:
            return
        self._redo()
        self.url.query = self._address()
        self.status.value = ""
        self._unconfirm()

    # -- Save as scenario…

    def _save_box(self) -> W.Widget:
        """A name and *Save as scenario…*; when the name is taken, *Overwrite it* and *Cancel*.
        On a published server that does not allow saves (:func:`saves_allowed`), a note instead."""
        if not saves_allowed():
            note = W.HTML(
                '<h3>Keep this what-if</h3><div class="wb-note">Saving into the params file is off on this published '
                "server: its visitors read, they do not write. Open the dashboard in JupyterLab to save a scenario, "
                "or ask whoever runs the server (<code>workbook serve --allow-scenario-saves</code>).</div>"
            )
            box = W.VBox([note])
            box.add_class("wb-save-box")
            box.add_class("wb-save-off")
            return box
        self.scenario_name = W.Text(placeholder="e.g. Slower sales, leaner team", description="Name",
                                    style={"description_width": "60px"}, layout=W.Layout(width="100%", max_width="356px"))
        self.scenario_name.add_class("wb-scenario-name")
        self.save_button = W.Button(description="Save as scenario…", icon="save", layout=W.Layout(width="auto"))
        self.overwrite_button = W.Button(description="Overwrite it", button_style="warning", layout=W.Layout(width="auto", display="none"))
        self.cancel_button = W.Button(description="Cancel", layout=W.Layout(width="auto", display="none"))
        for button, cls, action in [(self.save_button, "wb-save-scenario", self._save),
                                    (self.overwrite_button, "wb-overwrite-scenario", self._overwrite),
                                    (self.cancel_button, "wb-cancel-scenario", self._cancel)]:
            button.add_class(cls)
            button.on_click(friendly(self.status)(action))
        self.scenario_name.observe(self._unconfirm, names="value")
        self.scenario_status = W.HTML()
        self.scenario_status.add_class("wb-scenario-status")
        intro = W.HTML('<h3>Keep this what-if</h3><div class="wb-note">Saved into the params file (<code>ramp.scenarios.saved</code>): '
                       "the report's scenario table shows it as a row.</div>")
        box = W.VBox([intro, self.scenario_name, W.HBox([self.save_button, self.overwrite_button, self.cancel_button], layout=W.Layout(flex_flow="row wrap")),
                      self.scenario_status])
        box.add_class("wb-save-box")
        return box

    def _unconfirm(self, _: object = None) -> None:
        """A new name or what-if withdraws the question whether to overwrite (it was about another)."""
        if not hasattr(self, "overwrite_button"):  # saving is off on this server: nothing to withdraw
            return
        if self.overwrite_button.layout.display != "none":
            self._confirming(False)
            self.scenario_status.value = ""

    def _confirming(self, shown: bool) -> None:
        self.overwrite_button.layout.display = None if shown else "none"
        self.cancel_button.layout.display = None if shown else "none"
        self.save_button.layout.display = "none" if shown else None

    def _save(self, _: object = None, replace: bool = False) -> None:
        """Write the what-if under the name given; a name in use asks first."""
        from html import escape

        if not saves_allowed():  # a message crafted for a button the page does not show
            raise PermissionError("saving is off on this published server")

        try:
            w = self.what_if(self.scenario_name.value)
        except ValidationError as exc:  # the name: empty, too long, or more than one line
            said = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            self.scenario_status.value = message("error", f"Not saved: {said}.")
            return
        try:
            save_scenario(params_file(self.file), w, replace=replace)
        except ScenarioExists as exc:
            self.scenario_status.value = message("info", f"{exc}. Overwrite it with this what-if?")
            self._confirming(True)
            return
        except Exception as exc:  # the file changed or became invalid: say so, keep the page
            self._confirming(False)
            self.scenario_status.value = message("error", "Not saved. " + explain(exc))
            return
        self._confirming(False)
        what = ramp.what_if_words(w, self.names)
        self.scenario_status.value = (
            f'<div class="wb-status-ok">Saved “{escape(w.name)}” ({escape(what)}) in {escape(self.file)}: '
            "the next report shows it in its scenario table.</div>"
        )

    def _overwrite(self, _: object = None) -> None:
        self._save(replace=True)

    def _cancel(self, _: object = None) -> None:
        self._confirming(False)
        self.scenario_status.value = message("info", "Nothing saved.")

    def _reset(self, _: object = None) -> None:
        r = self.base
        self._holding = True  # one redraw for the whole reset, not one per control
        try:
            for w, v in [(self.sales_cycle, r.sales_cycle_months), (self.ramp_months, r.ramp_months), (self.level, 1.0), (self.delay, 0), (self.event_kind, "")]:
                w.value = v
        finally:
            self._holding = False
        self._update()


def saves_allowed() -> bool:
    """Whether this dashboard may write into its params file: always in JupyterLab or a Voila of
    one's own; on ``workbook serve`` (whose kernels run with ``WORKBOOK_ROLE``) only when the
    server was started with ``--allow-scenario-saves``, since anyone with the participants' or
    stakeholders' link opens the dashboards."""
    role = os.environ.get("WORKBOOK_ROLE")
    return role is None or role == "facilitator" or os.environ.get(SAVES_ENV) == "1"


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (a page's), rather than a script or a test."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def against_plan_html(plan: ramp.RampMetrics, what_if: ramp.RampMetrics, code: str, names: MonthNames) -> str:
    """The what-if against the plan: break-even, peak funding need, the net at the horizon and the
    long-run NPV, each as plan → what-if with the difference (escaped; money in ``code``)."""
    from html import escape

    money = currency(code)

    def month(m: int | None) -> str:
        return names(m, "not within the horizon")

    def months_apart(a: int | None, b: int | None) -> str:
        if a is None or b is None:
            return "" if a == b else ("now never" if b is None else "now within the horizon")
        d = b - a
        return "no change" if d == 0 else f"{abs(d)} month{'s' if abs(d) != 1 else ''} {'later' if d > 0 else 'sooner'}"

    def amount_apart(a: float, b: float) -> str:
        d = b - a
        if abs(d) < 0.5:
            return "no change"
        return f"{money(abs(d))} {'more' if d > 0 else 'less'}"

    rows = [
        ("Break-even", month(plan.break_even_month), month(what_if.break_even_month), months_apart(plan.break_even_month, what_if.break_even_month)),
        ("Peak funding need", money(plan.peak_funding_need), money(what_if.peak_funding_need), amount_apart(plan.peak_funding_need, what_if.peak_funding_need)),
        (f"Cumulative net at {names.short(plan.horizon_months)}", money(plan.cumulative_net_at_horizon), money(what_if.cumulative_net_at_horizon),
         amount_apart(plan.cumulative_net_at_horizon, what_if.cumulative_net_at_horizon)),
        ("Long-run NPV", money(plan.long_run_npv), money(what_if.long_run_npv), amount_apart(plan.long_run_npv, what_if.long_run_npv)),
    ]
    body = "".join(f"<tr><th>{escape(a)}</th><td>{escape(b)}</td><td>{escape(c)}</td><td>{escape(d)}</td></tr>" for a, b, c, d in rows)
    return (
        '<h2>Against the plan</h2><table class="wb-metrics wb-against-plan">'
        f"<thead><tr><th></th><th>Plan</th><th>What-if</th><th>Change</th></tr></thead><tbody>{body}</tbody></table>"
    )


def alliance_app(name: str | None = None) -> W.Widget:
    """One alliance's dashboard; ``name`` is a file of the params folder (default: the page's
    ``?params=``). In a kernel Voila prepared ahead of its visitor: the dashboard's frame now,
    the alliance with the visit."""
    if name is None and preheated():
        return AllianceApp(wait=True).root
    return AllianceApp(name or query_params(wait=False).get("params")).root


__all__ = ["alliance_app", "portfolio_app", "portfolio_rows", "AllianceApp", "PageParams"]
