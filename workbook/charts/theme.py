"""One visual theme for every chart, and the colour-blind-safe palette (Okabe–Ito)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import altair as alt

from .. import text
from ..currency import currency

#: Okabe & Ito (2008) palette: distinguishable under the common colour-vision deficiencies.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#8C8C8C",
}
CATEGORY = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "yellow", "black")]

#: Semantic colours used across charts.
VENDOR = PALETTE["blue"]
PARTNER = PALETTE["orange"]
GOOD = PALETTE["green"]
BAD = PALETTE["vermillion"]
NEUTRAL = PALETTE["grey"]

THEME_NAME = "workbook"
#: Liberation Sans is the font vl-convert carries in memory (see :func:`render.svg`), so static
#: charts measure the same text on every machine; its metrics match Arial's, so a browser that
#: lacks it draws the SVG's text in Arial (or Helvetica) at the same widths.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


@alt.theme.register(THEME_NAME, enable=True)
def workbook_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "view": {"continuousWidth": 640, "continuousHeight": 300, "stroke": None},
            "title": {"fontSize": 15, "anchor": "start", "subtitleColor": "#444444", "subtitleFontSize": 12},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
            "range": {"category": CATEGORY},
        }
    }


def enable() -> None:
    """Make the workbook theme the active one (importing this module already does)."""
    alt.theme.enable(THEME_NAME)


#: d3 format for money axes: SI-prefixed amounts ("€1.2M"). The ``$`` is d3's currency
#: specifier: it prints the symbol of the chart's number locale (see :func:`in_currency`).
MONEY = "$,.3~s"
#: d3 format for money in tooltips: whole units ("€1,234,567").
MONEY_EXACT = "$,.0f"

#: d3 time format of every date a chart shows, axis and tooltip alike: "3 Mar 2025".
DATE = text.DATE

T = TypeVar("T", bound=alt.Chart | alt.LayerChart | alt.VConcatChart | alt.HConcatChart | alt.ConcatChart)


def present_scale(domain: Sequence[str], colours: Sequence[Any], shown: Iterable[object]) -> alt.Scale:
    """A categorical scale of only the ``domain`` values in ``shown``, each keeping its colour
    (or shape): a legend then lists what the chart draws, never an entry with nothing behind it."""
    seen = {str(v) for v in shown}
    pairs = [(d, c) for d, c in zip(domain, colours) if d in seen]
    return alt.Scale(domain=[d for d, _ in pairs], range=[c for _, c in pairs])


# The two finishing touches below set a property on the chart they are given, which its builder
# has just made, instead of returning a copy: Altair copies a layered or concatenated chart by
# rebuilding it, which deep-copies every layer (twice) — for a report's dozen charts that was
# about a tenth of a second of its time.


def layered(*charts: alt.Chart | alt.LayerChart, **props: Any) -> alt.LayerChart:
    """``charts`` drawn over one another, with the layered chart's own ``props`` (title, width,
    height...) given at once: set afterwards (``.properties``), they make Altair rebuild the
    chart, copying every layer again."""
    return alt.LayerChart(layer=list(charts), **props)


def described(chart: T, text: str) -> T:
    """Give ``chart`` (a chart its builder has just made; it is changed and returned) its finding
    in words as the top-level Vega-Lite ``description``, which the page shows as the image's text
    alternative and caption."""
    chart.description = text
    return chart


def in_currency(chart: T, code: str) -> T:
    """Give ``chart`` (a chart its builder has just made; it is changed and returned) the number
    locale of the ISO 4217 currency ``code``, so its money axes and tooltips print that
    currency's symbol. Apply it to the finished, top-level chart."""
    config = chart.config if chart.config is not alt.Undefined else alt.Config()
    config.locale = currency(code).vega_locale()
    chart.config = config
    return chart
