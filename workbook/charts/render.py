"""The one way a chart reaches a page: as an inline SVG image for reports, guided notebooks and
anything static, or as a live widget for the Voila apps. Both work offline (vl-convert draws the
SVG and ships the widget's JavaScript; nothing comes from a CDN).

Every chart states its finding in words: its Vega-Lite ``description`` (or, failing that, its
title) becomes the image's text alternative and a caption under it, which screen readers, print
and the PDF keep.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any, cast

import altair as alt

#: The caption under a chart: the finding in words, small and quiet, on screen, in print and
#: in the PDF's text.
CAPTION_STYLE = "font-size:0.85em;color:#555;margin:0.2em 0 0;max-width:720px"


def description(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """What the chart shows, in words: its ``description``, else its title (and subtitle)."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    text = spec.get("description")
    if isinstance(text, str) and text.strip():
        return text.strip()
    title = spec.get("title", "")
    if isinstance(title, dict):
        parts = [title.get("text", ""), title.get("subtitle", "")]
        return ". ".join(" ".join(p) if isinstance(p, list) else str(p) for p in parts if p)
    return " ".join(title) if isinstance(title, list) else str(title)


def svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart as SVG text (vl-convert: no JavaScript, no network)."""
    import vl_convert

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return str(vl_convert.vegalite_to_svg(spec))


def figure_html(chart: alt.TopLevelMixin) -> str:
    """The chart as an HTML figure: an inline SVG image whose text alternative and caption state
    the finding. The one chart→SVG path of reports, guided notebooks and static pages."""
    spec = chart.to_dict()
    words = escape(description(spec))
    data = base64.b64encode(svg(spec).encode("utf-8")).decode("ascii")
    return (
        '<figure class="wb-chart" style="margin:0.5em 0">'
        f'<img class="wb-chart" alt="{words}" src="data:image/svg+xml;base64,{data}" style="max-width:100%;height:auto">'
        f'<figcaption class="wb-chart-description" style="{CAPTION_STYLE}">{words}</figcaption>'
        "</figure>"
    )


def live_chart(chart: alt.TopLevelMixin) -> Any:
    """An Altair chart as an offline ``JupyterChart`` widget for the Voila apps (its JavaScript
    comes from vl-convert, not a CDN); assign ``.chart`` to redraw it."""
    alt.JupyterChart.enable_offline()
    return alt.JupyterChart(cast("alt.TopLevelSpec", chart), embed_options={"actions": False, "renderer": "svg"})


def message_chart(text: str) -> alt.Chart:
    """A chart-sized note ("No answers yet") to stand where a chart will appear."""
    chart: alt.Chart = (
        alt.Chart(alt.Data(values=[{"t": text}]))
        .mark_text(fontSize=14, color="#666")
        .encode(text="t:N")
        .properties(width=400, height=60, description=text)
    )
    return chart
