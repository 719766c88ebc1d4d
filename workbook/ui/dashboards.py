"""The stakeholders' dashboards: one alliance with what-if controls (here) and the portfolio of
alliances (:mod:`workbook.ui.portfolio_app`, re-exported).

Speed
-----
``workbook serve`` keeps kernels of the alliance dashboard prepared ahead of its visitors (Voila's
preheated pool). Such a kernel runs the notebook before anyone asks for it: the imports (pandas,
Altair, the model) and the chart's JavaScript bundle — about two seconds of work that does not
depend on the alliance — are done, and the page's frame is rendered, when the visitor arrives.
The kernel then learns the page's ``?params=`` from the server (:func:`workbook.voila_pool.next_visit`)
and builds the dashboard while the browser is still loading Voila's scripts, so the page finds it
complete. Failing that, the page itself reports its ``?params=`` once open (:class:`PageParams`).
Either way the file is read at the visit, by name and from the params folder only, and a kernel
shows one alliance: the first it is told. A kernel Voila starts for the page (none prepared)
reads the query string from its environment and builds at once.

A what-if redraw runs the model and sends the chart only its new tables and words
(:meth:`LiveChart.update`); the browser swaps them into the chart it shows, instead of
compiling and laying out a new one. Only a change of the chart's layout (a marker kind appearing
or going, e.g. the break-even month leaving the horizon) draws a new chart.
"""

from __future__ import annotations

import asyncio
import os
from urllib.parse import parse_qs

import anywidget
import ipywidgets as W
import traitlets

from .. import ramp, views
from ..charts import theme
from ..charts.ramp import RampChartData, ramp_chart, ramp_chart_data
from ..charts.render import LiveChart
from ..params import load_params
from ..schema import Event, Params
from ..voila_pool import next_visit
from .common import CSS, explain, friendly, message, query_params
from .paths import params_file
from .portfolio_app import portfolio_app, portfolio_rows

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
        self.root = W.VBox([self.header, self.status, self.body, self.chart])
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
        friendly(self.status)(self._open)(parse_qs(query).get("params", [""])[0])  # the first, as query_params reads it

    def _on_page(self, _: object) -> None:
        self.page.unobserve(self._on_page, names="reported")  # the first report only: one alliance per kernel
        friendly(self.status)(self._open)(self.page.params)

    def _open(self, name: str | None) -> None:
        if not name:
            self.status.value = message("error", "No alliance chosen: open one from the portfolio.")
            return
        try:
            params = load_params(params_file(name))
        except Exception as exc:  # a bad or unknown file: say so, politely
            self.status.value = message("error", explain(exc))
            return
        self._show(params)

    def _show(self, params: Params) -> None:
        self.params = params
        r = self.base = params.ramp
        self.code = params.alliance.currency
        self.names = params.months  # calendar months on the charts and in the words, when the file dates month 1
        style = {"description_width": "170px"}
        lay = W.Layout(width="100%", max_width="460px")  # the screen's width on a phone
        self.sales_cycle = W.IntSlider(value=r.sales_cycle_months, min=0, max=max(24, r.sales_cycle_months), description="Sales cycle (months)", style=style, layout=lay, continuous_update=False)
        self.ramp_months = W.IntSlider(value=r.ramp_months, min=0, max=max(36, r.ramp_months), description="Ramp (months)", style=style, layout=lay, continuous_update=False)
        self.level = W.FloatSlider(value=1.0, min=0.3, max=1.5, step=0.05, description="Investment level", readout_format=".0%", style=style, layout=lay, continuous_update=False)
        self.delay = W.IntSlider(value=0, min=0, max=min(18, r.horizon_months - 1), description="Start delay (months)", style=style, layout=lay, continuous_update=False)
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
        controls = W.VBox([W.HTML("<h2>What if…</h2>"), self.sales_cycle, self.ramp_months, self.level, self.delay, self.event_kind, self.event_month, *([self.event_when] if self.names.known else []), self.severity, reset])
        self.result = ramp.run(r)
        self._draw()
        tracking = self._tracking(params, self.result)
        trend = self._trust_trend(params)
        with self.root.hold_sync():
            self.header.value = CSS + views.header(params).html + '<p><a href="portfolio.ipynb">← All alliances</a></p>'
            self.body.children = [controls, self.metrics]
            extra = [w for w in (tracking, trend) if w is not None]
            if extra:
                self.root.children = [*self.root.children, *extra]
            self.status.value = ""

    def _event_when(self) -> str:
        """The what-if change's month as a calendar month ("Plan month 12 is Jun 2026."), or
        nothing without a start."""
        m = int(self.event_month.value)
        when = self.names.calendar(m)
        return "" if when is None else f"<small>Plan month {m} is {when}.</small>"

    def _tracking(self, params: Params, plan: ramp.RampResult) -> W.Widget | None:
        """The plan against the file's actuals, under the what-if chart: it compares what happened
        with the plan as written (the what-if controls do not move it), with what the re-forecast
        took from the pipeline and the partner-sourced against the influenced revenue. ``None``
        without actuals."""
        from html import escape

        from ..actuals import attribution_sentence, headline, track
        from ..charts.actuals import actuals_chart, attribution_chart
        from ..charts.render import live_chart

        if params.actuals is None:
            return None
        simulation = ramp.monte_carlo(params.ramp) if params.ramp.uncertainty.ranges() else None
        tracked = track(params, plan, simulation)
        if tracked is None:
            return None
        words = W.HTML(f'<h2>Plan against actual</h2><p class="wb-tracking">{escape(headline(tracked, self.code, self.names))}</p>')
        chart = live_chart(actuals_chart(plan, tracked, simulation, self.code, self.names))
        parts: list[W.Widget] = [words, chart]
        shared = attribution_sentence(tracked.attribution, self.code, self.names)
        if tracked.attribution is not None and shared is not None:  # sourced against influenced revenue
            attributed = W.HTML(f'<p class="wb-attribution">{escape(shared)}.</p>')
            parts += [attributed, live_chart(attribution_chart(tracked.monthly, tracked.attribution, self.code, self.names))]
        box = W.VBox(parts)
        box.add_class("wb-actuals")
        return box

    def _trust_trend(self, params: Params) -> W.Widget | None:
        """Each side's survey trust index over the file's assessments (``trust.history``,
        ``trust.previous`` and the current one); ``None`` without two assessments to compare."""
        from ..charts.render import live_chart
        from ..trust import analyse

        if params.trust is None:
            return None
        charts = views.trust_history_charts(analyse(params.trust))
        if not charts:
            return None
        box = W.VBox([W.HTML("<h2>Trust over the assessments</h2>"), live_chart(charts[0])])
        box.add_class("wb-trust-trend")
        return box

    def _scenario(self) -> ramp.RampResult:
        changed = self.base.model_copy(update={"sales_cycle_months": int(self.sales_cycle.value), "ramp_months": int(self.ramp_months.value)})
        events = list(self.base.events)
        if self.event_kind.value:
            events = [Event(month=int(self.event_month.value), kind=self.event_kind.value, severity=float(self.severity.value), note="what-if")]
        return ramp.run(changed, delay=int(self.delay.value), level=float(self.level.value), events=events)

    def _draw(self) -> None:
        """Show ``self.result``: new tables and words in the chart drawn, or a new chart when its layout changed."""
        data: RampChartData = ramp_chart_data(self.result, self.code, self.names)
        if data.layout == self._layout:
            self.chart.update(data.tables, title=data.title, subtitle=data.subtitle, description=data.description)
        else:
            self.chart.show(ramp_chart(self.result, code=self.code, names=self.names), data.tables)
            self._layout = data.layout
        headline = "<h2>Headline</h2>" + views.ramp_metrics_table(self.result.metrics, code=self.code, months=self.names).html
        pe = self.params.partner_economics
        if pe is not None:  # the partner's money machine moves with the what-if too
            partner = ramp.partner_economics(pe, self.result)
            headline += views.partner_metrics_table(partner, self.params.alliance.partner, self.code, self.names).html
        self.metrics.value = headline

    def _update(self, _: object = None) -> None:
        if self._holding:
            return
        self.result = self._scenario()
        self._draw()
        self.status.value = ""

    def _reset(self, _: object = None) -> None:
        r = self.base
        self._holding = True  # one redraw for the whole reset, not one per control
        try:
            for w, v in [(self.sales_cycle, r.sales_cycle_months), (self.ramp_months, r.ramp_months), (self.level, 1.0), (self.delay, 0), (self.event_kind, "")]:
                w.value = v
        finally:
            self._holding = False
        self._update()


def alliance_app(name: str | None = None) -> W.Widget:
    """One alliance's dashboard; ``name`` is a file of the params folder (default: the page's
    ``?params=``). In a kernel Voila prepared ahead of its visitor: the dashboard's frame now,
    the alliance with the visit."""
    if name is None and preheated():
        return AllianceApp(wait=True).root
    return AllianceApp(name or query_params(wait=False).get("params")).root


__all__ = ["alliance_app", "portfolio_app", "portfolio_rows", "AllianceApp", "PageParams"]
