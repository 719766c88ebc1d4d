"""The programme dashboard: the programme file's alliances on one calendar (its combined J-curve
with the P10–P90 band and the peak funding need marked, the headline figures, which alliances to
fund), with every alliance ticked in or out and the budget moved by the user.

Every alliance is modelled once, when the page opens (:func:`workbook.programme.prepare`: each
plan and simulation run, converted and placed on the calendar); a tick or a budget move only adds
the chosen alliances' arrays up again (:func:`workbook.programme.recombine`) and chooses again
which to fund — a few milliseconds (``benchmarks/programme_dashboard_bench.py``) — and the chart
gets only its new tables and words (:meth:`workbook.charts.render.LiveChart.update`). With every
alliance ticked and the file's budget, the figures are ``workbook programme --json``'s.

The programme file is ``programme.yaml`` of the params folder (``$WORKBOOK_PARAMS_DIR``), read
when the page opens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anywidget
import ipywidgets as W
import traitlets

from ..charts import theme
from ..charts.programme import programme_chart, programme_chart_data
from ..charts.render import LiveChart
from ..currency import currency
from ..errors import ParamsError
from ..params import is_programme_file
from ..programme import Budget, as_json, load_programme, month_words, prepare, recombine
from ..text import count
from .common import CSS, explain, friendly, message
from .paths import PROGRAMME_FILE, params_dir

_TOGGLES_JS = """
function render({ model, el }) {
  const table = document.createElement("table");
  table.className = "wb-metrics wb-programme-alliances";
  const head = table.createTHead().insertRow();
  for (const name of ["In", "Alliance", "Currency", "Start", "Long-run value", "Funding"]) {
    const th = document.createElement("th");
    th.textContent = name;
    head.appendChild(th);
  }
  const body = table.createTBody();
  const box = document.createElement("div");
  box.className = "wb-programme-scroll";
  box.appendChild(table);
  el.replaceChildren(box);
  const send = () => {
    const ticked = [...body.querySelectorAll("input[type=checkbox]")].filter((c) => c.checked).map((c) => Number(c.dataset.index));
    model.set("included", ticked);
    model.save_changes();
  };
  // the rows are made when their number changes; otherwise filled in place, so a box just
  // ticked keeps the keyboard's focus
  const fill = () => {
    const rows = model.get("rows");
    const included = new Set(model.get("included"));
    if (body.rows.length !== rows.length) {
      body.replaceChildren();
      rows.forEach((_, i) => {
        const tr = body.insertRow();
        const box = document.createElement("input");
        box.type = "checkbox";
        box.dataset.index = String(i);
        box.addEventListener("change", send);
        tr.insertCell().appendChild(box);
        for (let k = 0; k < 5; k++) tr.insertCell();
        tr.cells[4].className = "num";
      });
    }
    rows.forEach((r, i) => {
      const tr = body.rows[i];
      tr.className = "wb-programme-row wb-" + r.status.replace(/[^a-z]+/g, "-");
      const box = tr.cells[0].firstChild;
      box.checked = included.has(i);
      box.setAttribute("aria-label", "Include " + r.name);
      const name = tr.cells[1];
      if (r.href) {
        const a = document.createElement("a");
        a.href = r.href;
        a.textContent = r.name;
        name.replaceChildren(a);
      } else {
        name.textContent = r.name;
      }
      tr.cells[2].textContent = r.currency;
      tr.cells[3].textContent = r.start;
      tr.cells[4].textContent = r.value;
      tr.cells[5].textContent = r.status;
    });
  };
  model.on("change:rows", fill);
  model.on("change:included", fill);
  fill();
}
export default { render };
"""

_TOGGLES_CSS = """
.wb-programme-scroll { overflow-x: auto; max-width: 100%; }
.wb-programme-alliances td.num { text-align: right; white-space: nowrap; }
.wb-programme-alliances td:nth-child(4) { white-space: nowrap; }
.wb-programme-alliances input[type=checkbox] { width: 20px; height: 20px; margin: 0; }
.wb-programme-alliances tr.wb-leave-out td:last-child { color: #A63A00; font-weight: bold; }
.wb-programme-alliances tr.wb-fund td:last-child { color: #00704F; }
.wb-programme-alliances tr.wb-not-ticked td { color: #666; }
.wb-programme-alliances td:last-child { white-space: nowrap; }
/* a phone: one card per alliance, its tick box and name on the first line, its figures under
   them (the apps' rule for wide tables, a first column held in view, does not fit a tick box) */
@media screen and (max-width: 600px) {
  body .wb-app .wb-programme-alliances thead { display: none; }
  body .wb-app .wb-programme-alliances, body .wb-app .wb-programme-alliances tbody { display: block; width: 100%; }
  body .wb-app table.wb-programme-alliances tr { display: flex; flex-wrap: wrap; align-items: center; padding: 6px 0; border-bottom: 1px solid #ddd; }
  body .wb-app table.wb-programme-alliances tr td {
    position: static !important; min-width: 0 !important; width: auto !important; box-shadow: none !important;
    white-space: nowrap; padding: 2px 10px 2px 0; border: 0;
  }
  body .wb-app table.wb-programme-alliances tr td:first-child { flex: 0 0 44px; height: 44px; display: flex; align-items: center; justify-content: center; padding: 0 !important; }
  body .wb-app table.wb-programme-alliances tr td:nth-child(2) { flex: 1 1 calc(100% - 54px); white-space: normal !important; font-weight: 600; }
  body .wb-app table.wb-programme-alliances tr td:nth-child(3) { margin-left: 44px; }
}
"""


class AllianceToggles(anywidget.AnyWidget):
    """The programme's alliances, one row each with a tick box (in the programme or not), its
    name (a link to its dashboard when it is a file of the params folder), currency, start,
    long-run value and whether to fund it. Names reach the page as text, never as markup."""

    #: ``{"name", "currency", "start", "value", "status", "href"}`` per alliance, in file order
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: the indexes of the rows ticked
    included = traitlets.List(traitlets.Int()).tag(sync=True)
    _esm = traitlets.Unicode(_TOGGLES_JS).tag(sync=True)
    _css = traitlets.Unicode(_TOGGLES_CSS).tag(sync=True)


#: The dashboard is wide: the chart and the figures side by side at 1280 px (they stack on a phone).
PROGRAMME_CSS = """<style>
.wb-app.wb-programme-app { max-width: 1240px; }
.wb-programme-app .wb-programme-figures td { white-space: normal; }
.wb-programme-app .wb-programme-side { flex: 1 1 340px; max-width: 480px; }
.wb-programme-app .late { color: #A63A00; font-weight: bold; }
.wb-programme-app .ok { color: #00704F; }
.wb-programme-app .wb-note { font-size: 13px; line-height: 1.4; color: #444; }
.wb-programme-app table.wb-programme-figures th, .wb-programme-app table.wb-programme-figures td { padding: 3px 10px 3px 0; line-height: 1.3; vertical-align: top; }
.wb-programme-app h2 { margin: 6px 0 6px; }
/* each part keeps its content's height (a phone's one-column rules would share the column's out) */
body .wb-app.wb-programme-app .widget-vbox > * { flex: 0 0 auto !important; }
</style>"""


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


class ProgrammeApp:
    """The programme dashboard over the programme file at ``path`` (default: ``programme.yaml``
    of the params folder). ``root`` is the widget to show; a problem with the file is shown in
    its place, politely."""

    def __init__(self, path: str | Path | None = None):
        theme.enable()
        self.status = W.HTML()
        self.status.add_class("wb-status")
        self.header = W.HTML(CSS + PROGRAMME_CSS)
        self.root = W.VBox([self.header, self.status])
        self.root.add_class("wb-app")
        self.root.add_class("wb-programme-app")
        path = Path(path) if path is not None else params_dir() / PROGRAMME_FILE
        if not path.is_file() or not is_programme_file(path):
            self.status.value = message(
                "error", f"There is no programme file {path.name} in the params folder: see the README's \"A programme of alliances\" to write one."
            )
            return
        try:
            self.prepared = prepare(load_programme(path))
        except ParamsError as exc:
            self.status.value = message("error", explain(exc))
            return
        self._build(path)

    # -- the page

    def _build(self, path: Path) -> None:
        prep = self.prepared
        self.code = prep.currency
        self.money = currency(self.code)
        self.full = as_json(recombine(prep))
        here = params_dir().resolve()
        self.files = [c.member.path for c in prep.contributions]
        self.hrefs = [f"alliance.ipynb?params={quote(p.name)}" if p.resolve().parent == here else "" for p in self.files]
        self.toggles = AllianceToggles(included=list(range(len(prep.contributions))))
        self.toggles.add_class("wb-programme-toggles")
        self.chart = LiveChart()
        self.chart.add_class("wb-programme-chart")
        self._layout: tuple[bool, bool] | None = None
        self.figures = W.HTML()
        self.figures.add_class("wb-programme-figures-box")
        self.choice = W.HTML()
        self.choice.add_class("wb-programme-choice")
        self.total_on, self.total = self._budget_control("Total budget", "Limit the total", prep.budget.total, self.full["committed_spend"], "wb-budget-total")
        yearly = max(self.full["spend_by_year"].values(), default=0.0)
        self.cap_on, self.cap = self._budget_control("Yearly cap", "Cap every year", prep.budget.yearly_cap, yearly, "wb-budget-cap")
        for w in (self.toggles,):
            w.observe(friendly(self.status)(self.redraw), names="included")
        for w in (self.total_on, self.total, self.cap_on, self.cap):
            w.observe(friendly(self.status)(self.redraw), names="value")
        first, last = month_words(self.full["first_month"]), month_words(self.full["last_month"])
        rates = ", ".join(sorted({f"1 {a['currency']} = {a['rate']:g} {self.code}" for a in self.full["alliances"] if a["currency"] != self.code}))
        self.header.value = (
            CSS + PROGRAMME_CSS + f'<p><strong class="wb-programme-name">{escape(prep.name)}</strong>: '
            + f"{count(len(self.files), 'alliance')} from {first} to {last}, in {escape(self.code)}"
            + (f" ({escape(rates)})" if rates else "")
            + ". Tick alliances in or out, move the budget: the curve, the figures and the choice follow."
            + ' <a href="portfolio.ipynb">← All alliances</a></p>'
        )
        budget_box = W.VBox(
            [W.HTML(f"<h2>Budget ({escape(self.code)})</h2>"), self.total_on, self.total, self.cap_on, self.cap,
             W.HTML('<div class="wb-note">Committed spend is each alliance\'s investment within its commitment, '
                    "counted in the calendar year it falls in.</div>")]
        )
        budget_box.add_class("wb-programme-budget")
        budget_box.add_class("wb-programme-side")
        side = W.VBox([self.figures])
        side.add_class("wb-programme-side")
        top = W.HBox([self.chart, side], layout=W.Layout(flex_flow="row wrap"))
        top.add_class("wb-gap-l")
        table = W.VBox([W.HTML("<h2>Alliances</h2>"), self.toggles, self.choice])
        table.layout.flex = "2 1 560px"
        table.layout.min_width = "0"
        bottom = W.HBox([table, budget_box], layout=W.Layout(flex_flow="row wrap"))
        bottom.add_class("wb-gap-l")
        self.redraw()
        self.root.children = [self.header, self.status, top, bottom]

    def _budget_control(self, label: str, checkbox: str, given: float | None, spend: float, css: str) -> tuple[W.Checkbox, W.FloatSlider]:
        """A tick box (``checkbox``: the limit applies or not) and a slider for the amount
        (``label``), from 0 to a round amount above both the file's and ``spend``, the committed
        spend of every alliance (in all, or in its dearest year)."""
        top = _nice_ceiling(max(2 * (given or 0.0), 1.5 * spend, 1.0))
        step = _nice_ceiling(top / 400) if top >= 400 else top / 400
        on = W.Checkbox(value=given is not None, description=checkbox, indent=False, layout=W.Layout(width="100%"))
        value = given if given is not None else _nice_ceiling(spend)
        slider = W.FloatSlider(value=min(value, top), min=0.0, max=top, step=step, description=label, readout_format=",.0f",
                               continuous_update=False, disabled=given is None, style={"description_width": "110px"},
                               layout=W.Layout(width="100%", max_width="460px"))
        on.add_class(css + "-on")
        slider.add_class(css)
        return on, slider

    # -- a redraw

    def included(self) -> list[int]:
        """The alliances ticked (indexes in file order)."""
        return sorted(set(self.toggles.included))

    def budget(self) -> Budget:
        """The budget the controls set (a limit not ticked is none)."""
        return Budget(
            total=float(self.total.value) if self.total_on.value else None,
            yearly_cap=float(self.cap.value) if self.cap_on.value else None,
        )

    def figures_of(self, included: Sequence[int] | None = None, budget: Budget | None = None) -> dict[str, Any]:
        """``workbook programme --json``'s object for the alliances ``included`` against
        ``budget`` (default: what the controls say), on the whole programme's calendar."""
        return as_json(recombine(self.prepared, self.included() if included is None else included, self.budget() if budget is None else budget))

    def redraw(self, _: object = None) -> None:
        """Combine the ticked alliances against the budget, and show the result."""
        self.total.disabled = not self.total_on.value
        self.cap.disabled = not self.cap_on.value
        included = self.included()
        p = self.current = self.figures_of(included)
        data = programme_chart_data(p)
        if data.layout == self._layout:
            self.chart.update(data.tables, title=data.title, subtitle=data.subtitle, description=data.description)
        else:
            self.chart.show(programme_chart(p, data), data.tables)
            self._layout = data.layout
        with self.root.hold_sync():
            self.figures.value = self._figures_html(p, len(included))
            self.choice.value = self._choice_html(p, included)
            self.toggles.rows = self._rows(p, included)
            self.status.value = ""

    def _rows(self, p: dict[str, Any], included: list[int]) -> list[dict[str, str]]:
        """The table's rows: every alliance of the file, with its funding for the ticked."""
        funded = {included[k] for k, a in enumerate(p["alliances"]) if a["funded"]}
        rows = []
        for i, a in enumerate(self.full["alliances"]):
            status = "fund" if i in funded else ("leave out" if i in included else "not ticked")
            rows.append({"name": str(a["name"]), "currency": str(a["currency"]), "start": month_words(a["start"]),
                         "value": self.money(a["long_run_npv"]), "status": status, "href": self.hrefs[i]})
        return rows

    def _figures_html(self, p: dict[str, Any], ticked: int) -> str:
        """The headline figures (escaped)."""
        money = self.money
        last = month_words(p["last_month"])
        peak = money(p["peak_funding_need"]) + (f" in {month_words(p['peak_funding_month'])}" if p["peak_funding_month"] else "")
        rows = [
            ("Peak funding need", peak, "wb-peak-funding"),
            ("First break-even", month_words(p["first_break_even_month"]), "wb-first-break-even"),
            ("Break-even that stays", month_words(p["break_even_month"]), "wb-break-even"),
            (f"Cumulative net at {last}", money(p["cumulative_net_at_end"]), "wb-net-at-end"),
        ]
        band = p["band"]
        if band:
            rows.append((f"P10–P90 at {last}", f"{money(band['p10_at_end'])} to {money(band['p90_at_end'])} ({band['runs']} runs)", "wb-band-at-end"))
        rows.append(("Long-run value", money(p["long_run_npv"]), "wb-long-run"))
        spend = money(p["committed_spend"])
        if p["budget_total"] is not None:
            over = p["over_total_budget"]
            spend += f" against {money(p['budget_total'])}: " + ("over the budget" if over else "within it")
        rows.append(("Committed spend", spend, "wb-committed" + (" late" if p["over_total_budget"] else "")))
        if p["yearly_cap"] is not None:
            years = p["years_over_cap"]
            capped = f"{money(p['yearly_cap'])} a year: " + (f"over in {', '.join(years)}" if years else "kept every year")
            rows.append(("Yearly cap", capped, "wb-cap" + (" late" if years else "")))
        body = "".join(f'<tr><th>{escape(a)}</th><td class="{c}">{escape(b)}</td></tr>' for a, b, c in rows)
        intro = f'<p class="wb-ticked">{ticked} of {count(len(self.files), "alliance")} ticked.</p>'
        return f'<h2>Headline</h2>{intro}<table class="wb-metrics wb-programme-figures">{body}</table>'

    def _choice_html(self, p: dict[str, Any], included: list[int]) -> str:
        """Which ticked alliances to fund, in a sentence (names escaped)."""
        if not included:
            return message("info", "No alliance is ticked: tick one to see its J-curve.")
        left_out = [str(a["name"]) for a in p["alliances"] if not a["funded"]]
        if not left_out:
            return '<p class="wb-note">Fund every ticked alliance: each has a positive long-run value, and together they fit the budget.</p>'
        lost = self.money(p["value_lost_by_cut"])
        names = "; ".join(escape(n) for n in left_out)
        committed = self.money(sum(a["committed_spend"] for a in p["alliances"] if a["funded"]))
        worthless = any(a["long_run_npv"] <= 0 for a in p["alliances"] if not a["funded"])
        return (
            f'<p class="wb-note">The most long-run value within the budget ({escape(p["funding_method"])} choice) leaves out '
            f"{count(len(left_out), 'alliance')} ({names}) and gives up {escape(lost)} of long-run value"
            + (" (an alliance of no positive long-run value is never funded)" if worthless else "")
            + f"; the alliances funded commit {escape(committed)}.</p>"
        )


def programme_app(path: str | Path | None = None) -> W.Widget:
    """The programme dashboard (see :class:`ProgrammeApp`)."""
    return ProgrammeApp(path).root


__all__ = ["AllianceToggles", "PROGRAMME_FILE", "ProgrammeApp", "programme_app"]
