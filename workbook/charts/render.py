"""The one way a chart reaches a page: as an inline SVG image for reports, guided notebooks and
anything static, or as a live widget for the Voila apps. Both work offline (vl-convert draws the
SVG and ships the widget's JavaScript; nothing comes from a CDN).

Every chart states its finding in words: its Vega-Lite ``description`` (or, failing that, its
title) becomes the image's text alternative and a caption under it, which screen readers, print
and the PDF keep.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any, cast

import altair as alt
import anywidget
import pandas as pd
import traitlets

from ..files import atomic_replace, owner_tag
from ..kernel_env import LIVE_CHART_BUNDLE_ENV

#: The caption under a chart: the finding in words, small and quiet, on screen, in print and
#: in the PDF's text.
CAPTION_STYLE = "font-size:0.85em;color:#555;margin:0.2em 0 0;max-width:720px"


def spec_of(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The chart's Vega-Lite spec, not checked against the Vega-Lite schema on the way.

    Checking takes about as long as drawing the chart, and a report draws a dozen; whether every
    chart the workbook builds fits the schema is the business of the tests
    (``tests/unit/test_chart_schema.py`` checks each chart of each example, whole)."""
    return chart if isinstance(chart, dict) else chart.to_dict(validate=False)


def description(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """What the chart shows, in words: its ``description``, else its title (and subtitle)."""
    spec = spec_of(chart)
    text = spec.get("description")
    if isinstance(text, str) and text.strip():
        return text.strip()
    title = spec.get("title", "")
    if isinstance(title, dict):
        parts = [title.get("text", ""), title.get("subtitle", "")]
        return ". ".join(" ".join(p) if isinstance(p, list) else str(p) for p in parts if p)
    return " ".join(title) if isinstance(title, list) else str(title)


#: Drawn once per process, before any other chart: the conversion that builds vl-convert's font
#: list (it has text, so its size is measured).
_FIRST_CHART = {"mark": "text", "data": {"values": [{}]}, "encoding": {"text": {"value": "workbook"}}}


@functools.cache
def _converter() -> Any:
    """vl-convert, measuring text with the fonts it carries in memory, not the machine's.

    vl-convert reads the machine's font list (fontconfig) once, at its first chart. A font found
    there is opened and mapped from disk again for every glyph it measures: about 3,000 system
    calls per chart, most of a report's chart time. Given an empty font list, vl-convert uses
    the Liberation fonts it carries, which it keeps in memory: the same SVG, about 3× faster, and
    the same on every machine. ``FONTCONFIG_FILE`` names that empty list for the first chart
    only, then is put back (nothing else in the process is touched). If vl-convert has already
    drawn a chart in this process, its font list stays as it was: slower, same picture."""
    import vl_convert

    before = os.environ.get("FONTCONFIG_FILE")
    # named for this process: should it be killed meanwhile, the next report run removes it
    with tempfile.TemporaryDirectory(prefix=f"{owner_tag()}.fonts.") as empty:
        conf = Path(empty) / "fonts.conf"
        conf.write_text(f'<?xml version="1.0"?>\n<fontconfig><dir>{escape(empty)}</dir></fontconfig>\n', encoding="utf-8")
        os.environ["FONTCONFIG_FILE"] = str(conf)
        try:
            vl_convert.vegalite_to_svg(_FIRST_CHART)
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before
    return vl_convert


def svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart as SVG text (vl-convert: no JavaScript, no network)."""
    spec = spec_of(chart)
    return str(_converter().vegalite_to_svg(spec))


#: The width vl-convert gives the SVG it draws (its first ``width`` attribute, in px).
_SVG_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([0-9.]+)"')


def figure_html(chart: alt.TopLevelMixin) -> str:
    """The chart as an HTML figure: an inline SVG image whose text alternative and caption state
    the finding. The one chart→SVG path of reports, guided notebooks and static pages."""
    spec = spec_of(chart)
    words = escape(description(spec))
    drawn = svg(spec)
    data = base64.b64encode(drawn.encode("utf-8")).decode("ascii")
    # the drawn width, for pages that keep a chart's text legible on a phone (report template)
    width = _SVG_WIDTH.search(drawn)
    natural = f";--wb-chart-width:{float(width.group(1)):g}px" if width else ""
    return (
        '<figure class="wb-chart" style="margin:0.5em 0">'
        f'<img class="wb-chart" alt="{words}" src="data:image/svg+xml;base64,{data}" style="max-width:100%;height:auto{natural}">'
        f'<figcaption class="wb-chart-description" style="{CAPTION_STYLE}">{words}</figcaption>'
        "</figure>"
    )


#: What a page figure shows where the browser runs no script (an e-mail preview, say).
NO_SCRIPT = '<p class="wb-chart-noscript" style="font-size:0.85em;color:#555">The chart is drawn by this page\'s script, which is not running here; its finding is below.</p>'


def _script_json(value: Any) -> str:
    """``value`` as JSON that can stand inside a ``<script>`` element: no ``<``, ``>`` or ``&``
    (text from a params file such as ``</script>`` cannot end the element), ASCII only."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_figure_html(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart as an HTML figure the reader's browser draws: the Vega-Lite spec (data included)
    in the figure, an image with the finding as its text alternative, and the caption. On a page
    that carries :func:`workbook.reports.page_charts.page_chart_script`, the browser draws the spec with Vega into the image —
    the SVG :func:`figure_html` would have embedded, drawn on the reader's machine instead of in
    the report's kernel (vl-convert's text measuring is most of a report's time).
    :func:`workbook.reports.page_charts.static_page` turns such a page back into the page of
    :func:`figure_html` figures; ``page_charts.PAGE_FIGURE`` finds these figures."""
    spec = spec_of(chart)
    words = escape(description(spec))
    return (
        '<figure class="wb-chart" data-wb-chart="page" style="margin:0.5em 0">'
        f'<img class="wb-chart" alt="{words}" hidden style="max-width:100%;height:auto">'
        f'<script type="application/json" class="wb-chart-spec">{_script_json(spec)}</script>'
        f"<noscript>{NO_SCRIPT}</noscript>"
        f'<figcaption class="wb-chart-description" style="{CAPTION_STYLE}">{words}</figcaption>'
        "</figure>"
    )


#: The live chart's browser side, bundled with vega-embed, Vega-Lite and Vega by vl-convert (so
#: no import reaches a CDN; ``vegaEmbed`` is the bundle's name for vega-embed).
#: A new spec is compiled and embedded; a patch swaps named datasets and sets the words in place
#: (the title and subtitle are lifted into signals at embed time), which redraws only what the
#: new data changes.
#: While a drawing is asked for or under way the element has a ``data-wb-drawing`` attribute.
LIVE_CHART_JS = """
const TITLE = "wb_title", SUBTITLE = "wb_subtitle";

function liftWords(vg) {
  const lifted = {title: false, subtitle: false};
  const t = vg.title;
  if (t === undefined || t === null) return lifted;
  const title = typeof t === "object" && !Array.isArray(t) ? {...t} : {text: t};
  const signals = vg.signals ?? [];
  if (typeof title.text === "string" || Array.isArray(title.text)) {
    signals.push({name: TITLE, value: title.text});
    title.text = {signal: TITLE};
    lifted.title = true;
  }
  if (typeof title.subtitle === "string" || Array.isArray(title.subtitle)) {
    signals.push({name: SUBTITLE, value: title.subtitle});
    title.subtitle = {signal: SUBTITLE};
    lifted.subtitle = true;
  }
  // Vega writes a title's ARIA caption once, from its first text: hidden, it never goes stale.
  // Screen readers read the chart's description (the title and subtitle) on its container.
  if (lifted.title || lifted.subtitle) title.aria = false;
  vg.signals = signals;
  vg.title = title;
  return lifted;
}

// An axis's ARIA label names the range it shows once, when the chart is drawn: after a data swap
// it would describe the old range. Screen readers read the chart's description on its container.
function quietAxes(node) {
  for (const axis of node.axes ?? []) axis.aria = false;
  for (const mark of node.marks ?? []) quietAxes(mark);
}

function render({ model, el }) {
  let view = null, lifted = {}, applied = {};
  let queue = Promise.resolve();
  const showError = (error) => {
    const box = document.createElement("div");
    box.className = "wb-status-error";
    box.textContent = "This chart could not be drawn: " + (error && error.message ? error.message : error);
    el.replaceChildren(box);
  };
  const embed = async () => {
    if (view) view.finalize();
    view = null;
    applied = {};
    const spec = model.get("spec");
    if (!spec || !Object.keys(spec).length) { el.replaceChildren(); return; }
    // vega-embed compiles the Vega-Lite spec; `patch` edits the compiled Vega spec before it is parsed
    const options = {...(model.get("embed_options") ?? {}), patch: (vg) => { quietAxes(vg); lifted = liftWords(vg); return vg; }};
    view = (await vegaEmbed(el, structuredClone(spec), options)).view;
  };
  const patch = async () => {
    const p = model.get("patch") ?? {};
    if (!view) return;
    let changed = false;
    for (const [name, table] of Object.entries(p.tables ?? {})) {
      if (applied[name] === table.version) continue;
      view.data(name, table.rows);
      applied[name] = table.version;
      changed = true;
    }
    const words = p.words ?? {};
    if (lifted.title && words.title !== undefined) { view.signal(TITLE, words.title); changed = true; }
    if (lifted.subtitle && words.subtitle !== undefined) { view.signal(SUBTITLE, words.subtitle); changed = true; }
    if (words.description !== undefined) view.description(words.description);
    // resize(): Vega fits the chart's size and padding to its content only on the first run and
    // after a resize; new data can widen an axis's labels (a band reaching "−$400k")
    if (changed) await view.resize().runAsync();
  };
  // one draw at a time, in the order the kernel asked for them; the element carries
  // data-wb-drawing from the moment a draw is asked for until none is left to do
  let pending = 0;
  const next = (step) => {
    pending += 1;
    el.setAttribute("data-wb-drawing", "");
    queue = queue.then(step).catch(showError).then(() => { if (--pending === 0) el.removeAttribute("data-wb-drawing"); });
  };
  model.on("change:spec", () => next(embed));
  model.on("change:patch", () => next(patch));
  next(async () => { await embed(); await patch(); });
  return () => { queue = queue.then(() => view && view.finalize()); };
}

export default { render };
"""


@functools.cache
def _live_chart_bundle() -> str:
    """The live chart's JavaScript with everything it imports (about 1 MB). vl-convert takes a
    second or so to bundle it: once per process, or once per server where the server says where
    its kernels share it (:data:`LIVE_CHART_BUNDLE_ENV`)."""
    shared = os.environ.get(LIVE_CHART_BUNDLE_ENV)
    if shared:
        try:
            return Path(shared).read_text(encoding="utf-8")
        except OSError:
            pass  # not there yet: this kernel makes it
    import vl_convert

    bundle = str(vl_convert.javascript_bundle(LIVE_CHART_JS))
    if shared:
        try:
            atomic_replace(shared, bundle)
        except OSError:
            pass  # the next kernel bundles it again
    return bundle


def _table_values(table: pd.DataFrame) -> list[dict[str, Any]]:
    """``table`` as the rows Altair puts in a chart's ``datasets`` (the active data transformer)."""
    transform = cast("Callable[[pd.DataFrame], dict[str, Any]]", alt.data_transformers.get())
    return cast("list[dict[str, Any]]", transform(table)["values"])


class LiveChart(anywidget.AnyWidget):
    """An interactive chart in a Voila app, drawn by vega-embed in the browser. Everything it
    loads comes with the widget (bundled by vl-convert): nothing from a CDN.

    ``chart = ...`` (or :meth:`show`) draws a new chart: the browser compiles and lays it out,
    a tenth of a second or more. :meth:`update` changes the data and words of the chart shown:
    only the named tables travel, and the browser redraws just what they change.
    """

    spec = traitlets.Dict().tag(sync=True)  # the Vega-Lite spec drawn ({}: none)
    #: ``{"tables": {dataset: {"version": n, "rows": [...]}}, "words": {...}}``: every table that
    #: differs from the spec's (so a view created later draws the same), each with a version the
    #: browser skips when it has drawn it already.
    patch = traitlets.Dict().tag(sync=True)
    embed_options = traitlets.Dict().tag(sync=True)
    _esm = traitlets.Unicode().tag(sync=True)

    @traitlets.default("_esm")
    def _bundle(self) -> str:
        return _live_chart_bundle()

    def __init__(self, chart: alt.TopLevelMixin | None = None, tables: Mapping[str, pd.DataFrame] | None = None, **kwargs: Any):
        super().__init__(embed_options={"actions": False, "renderer": "svg"}, **kwargs)
        self._chart: alt.TopLevelMixin | None = None
        self._names: dict[str, str] = {}
        self._drawn: dict[str, list[dict[str, Any]]] = {}
        self._versions: dict[str, int] = {}
        self.show(chart, tables)

    @property
    def chart(self) -> alt.TopLevelMixin | None:
        """The chart last drawn with :meth:`show` (assigning one draws it)."""
        return self._chart

    @chart.setter
    def chart(self, chart: alt.TopLevelMixin | None) -> None:
        self.show(chart)

    def show(self, chart: alt.TopLevelMixin | None, tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Draw ``chart`` (``None``: nothing). ``tables`` names some of the tables it draws, by
        any key, for :meth:`update` to replace later; each must be one of the chart's datasets."""
        spec: dict[str, Any] = {} if chart is None else spec_of(chart)
        datasets: dict[str, list[dict[str, Any]]] = spec.get("datasets", {})
        names: dict[str, str] = {}
        for key, table in (tables or {}).items():
            values = _table_values(table)
            found = [name for name, rows in datasets.items() if rows == values]
            if len(found) != 1:
                raise ValueError(f"the chart does not draw the table {key!r} as one dataset of its own")
            names[key] = found[0]
        if len(set(names.values())) != len(names):
            raise ValueError("two of the named tables are the same dataset of the chart")
        self._chart, self._names = chart, names
        self._drawn = {name: datasets[name] for name in names.values()}
        self._versions = {}
        with self.hold_sync():
            self.spec = spec
            self.patch = {}

    def update(self, tables: Mapping[str, pd.DataFrame], title: str | None = None, subtitle: str | None = None,
               description: str | None = None) -> None:
        """Replace tables named in :meth:`show` and the chart's title, subtitle and description
        (its text for screen readers), keeping everything else of the chart shown."""
        for key, table in tables.items():
            name = self._names[key]
            values = _table_values(table)
            if values != self._drawn[name]:
                self._drawn[name] = values
                self._versions[name] = self._versions.get(name, 0) + 1
        words = {k: v for k, v in (("title", title), ("subtitle", subtitle), ("description", description)) if v is not None}
        changed = {name: {"version": v, "rows": self._drawn[name]} for name, v in self._versions.items()}
        self.patch = {"tables": changed, "words": words}


def live_chart(chart: alt.TopLevelMixin, tables: Mapping[str, pd.DataFrame] | None = None) -> LiveChart:
    """An Altair chart as a :class:`LiveChart` widget for the Voila apps; assign ``.chart`` to
    draw another, or name its ``tables`` to redraw new data in place with ``.update``."""
    return LiveChart(chart, tables)


def message_chart(text: str) -> alt.Chart:
    """A chart-sized note ("No answers yet") to stand where a chart will appear."""
    chart: alt.Chart = (
        alt.Chart(alt.Data(values=[{"t": text}]))
        .mark_text(fontSize=14, color="#666")
        .encode(text="t:N")
        .properties(width=400, height=60, description=text)
    )
    return chart
