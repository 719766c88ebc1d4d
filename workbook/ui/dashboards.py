"""The stakeholders' dashboards: one alliance with what-if controls (here) and the portfolio of
alliances (:mod:`workbook.ui.portfolio_app`, re-exported)."""

from __future__ import annotations

import ipywidgets as W

from .. import ramp, views
from ..charts import ramp_chart, theme
from ..charts.render import live_chart
from ..params import load_params
from ..schema import Event
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


class AllianceApp:
    """One alliance: header, headline chart and metrics, redrawn at once as the what-if controls move."""

    def __init__(self, name: str | None = None):
        theme.enable()
        self.status = W.HTML()
        self.status.add_class("wb-status")
        q = query_params()
        name = name or q.get("params")
        self.root = W.VBox([W.HTML(CSS), self.status])
        self.root.add_class("wb-app")
        self.root.add_class("wb-alliance-app")
        if not name:
            self.status.value = message("error", "No alliance chosen: open one from the portfolio.")
            return
        try:
            self.params = load_params(params_file(name))
        except Exception as exc:  # a bad or unknown file: say so, politely
            self.status.value = message("error", explain(exc))
            return
        r = self.params.ramp
        self.base = r
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
        reset = W.Button(description="Back to the plan")
        reset.add_class("wb-reset")
        reset.on_click(friendly(self.status)(self._reset))
        self.metrics = W.HTML()
        self.metrics.add_class("wb-alliance-metrics")
        self.result = ramp.run(r)
        self.code = self.params.alliance.currency
        self.chart = live_chart(ramp_chart(self.result, code=self.code))
        self.chart.add_class("wb-ramp-chart")
        controls = W.VBox([W.HTML("<h2>What if…</h2>"), self.sales_cycle, self.ramp_months, self.level, self.delay, self.event_kind, self.event_month, self.severity, reset])
        self.root.children = [
            W.HTML(CSS + views.header(self.params).html + '<p><a href="portfolio.ipynb">← All alliances</a></p>'),
            self.status,
            W.HBox([controls, self.metrics], layout=W.Layout(gap="24px", flex_flow="row wrap")),  # metrics below on a phone
            self.chart,
        ]
        self._show_metrics()

    def _scenario(self) -> ramp.RampResult:
        changed = self.base.model_copy(update={"sales_cycle_months": int(self.sales_cycle.value), "ramp_months": int(self.ramp_months.value)})
        events = list(self.base.events)
        if self.event_kind.value:
            events = [Event(month=int(self.event_month.value), kind=self.event_kind.value, severity=float(self.severity.value), note="what-if")]
        return ramp.run(changed, delay=int(self.delay.value), level=float(self.level.value), events=events)

    def _update(self, _: object = None) -> None:
        self.result = self._scenario()
        self.chart.chart = ramp_chart(self.result, code=self.code)
        self.status.value = ""
        self._show_metrics()

    def _show_metrics(self) -> None:
        self.metrics.value = "<h2>Headline</h2>" + views.ramp_metrics_table(self.result.metrics, code=self.code).html

    def _reset(self, _: object = None) -> None:
        r = self.base
        for w, v in [(self.sales_cycle, r.sales_cycle_months), (self.ramp_months, r.ramp_months), (self.level, 1.0), (self.delay, 0), (self.event_kind, "")]:
            w.value = v


def alliance_app(name: str | None = None) -> W.Widget:
    """One alliance's dashboard; ``name`` is a file of the params folder (default: ``?params=``)."""
    return AllianceApp(name).root


__all__ = ["alliance_app", "portfolio_app", "portfolio_rows", "AllianceApp"]
