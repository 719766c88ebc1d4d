"""One visual theme for every chart, and the colour-blind-safe palette (Okabe–Ito)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast

import altair as alt
import pandas as pd

from .. import text
from ..months import MonthNames
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

#: The month axis of a file without a start: the model's month numbers.
MONTH_AXIS = alt.Axis(title="Month", tickMinStep=1, format="d")

#: How many months apart the labels of a calendar month axis may be: the first step that keeps
#: the labels to a handful, counted from January so they fall on Jan, Apr, Jul, Oct (or Jan alone).
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)


def month_axis(names: MonthNames, horizon: int, labels: int = 8) -> alt.Axis:
    """A chart's axis of model months 1..``horizon``: the numbers (:data:`MONTH_AXIS`) without a
    start; with one, calendar months ("Apr 2027") at most ``labels`` of them, every 1, 2, 3, 6
    or 12 months counted from January."""
    expr = names.axis_label_expr()
    if expr is None:
        return MONTH_AXIS
    step = next((s for s in MONTH_STEPS if horizon / s <= labels), MONTH_STEPS[-1])
    values = []
    for m in range(1, horizon + 1):
        day = names.first_day(m)
        assert day is not None
        if (day.year * 12 + day.month - 1) % step == 0:
            values.append(m)
    return alt.Axis(title="Month", values=values or [1], labelExpr=expr)


def month_tooltip(names: MonthNames) -> alt.Tooltip:
    """The "Month" line of a tooltip: the number, or with a start the ``when`` column that
    :func:`with_when` adds ("Apr 2027 (month 16)")."""
    if names.known:
        return alt.Tooltip("when:N", title="Month")
    return alt.Tooltip("month:Q", title="Month")


def with_when(df: pd.DataFrame, names: MonthNames) -> pd.DataFrame:
    """``df`` (with a ``month`` column) and, when the months have dates, a ``when`` column
    wording each month for :func:`month_tooltip`; ``df`` itself otherwise."""
    if not names.known:
        return df
    return df.assign(when=[names.long(int(m)) for m in df["month"]])


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


#: Altair's module of chart classes, whose own checks and helpers :func:`_combined` reuses.
_api = sys.modules[alt.LayerChart.__module__]
#: Each compound chart's Vega-Lite spec class, and the key its subcharts go under.
_SPECS: dict[type, tuple[Any, str]] = {
    alt.LayerChart: (_api.core.TopLevelLayerSpec, "layer"),
    alt.VConcatChart: (_api.core.TopLevelVConcatSpec, "vconcat"),
    alt.HConcatChart: (_api.core.TopLevelHConcatSpec, "hconcat"),
    alt.ConcatChart: (_api.core.TopLevelConcatSpec, "concat"),
}
_C = TypeVar("_C", alt.LayerChart, alt.VConcatChart, alt.HConcatChart, alt.ConcatChart)


def _plain(charts: Sequence[Any]) -> bool:
    """True when no chart in ``charts``, nor any chart inside them, has parameters (selections)
    or a name, and none is a facet: then the parameter merging Altair does when it combines
    charts has nothing to do."""
    for chart in charts:
        if not isinstance(chart, (alt.Chart, *_SPECS)):
            return False
        get = cast(Any, chart)._get
        if get("params") is not alt.Undefined or get("name") is not alt.Undefined:
            return False
        for kind, (_, key) in _SPECS.items():
            if isinstance(chart, kind) and not _plain(get(key)):
                return False
    return True


def _combined(cls: type[_C], charts: Sequence[Any], props: dict[str, Any]) -> _C:
    """``cls`` (a layered or concatenated chart) of ``charts`` with ``props``, as Altair builds
    it: the same checks, the same data lifted to the top, the same layer sizes moved up, and so
    the same Vega-Lite spec (``tests/unit/test_chart_schema.py`` compares them). Altair also
    merges the subcharts' parameters, deep-copying every subchart on the way (twice for a
    layer): about a fifth of a report's chart time, for nothing when there are no parameters
    (:func:`_plain`). Then this skips it; otherwise Altair does it all."""
    plain = _plain(charts) and props.get("params", alt.Undefined) is alt.Undefined
    kind: Any = _FAST[cls] if plain else cls
    return cast(_C, kind(**{_SPECS[cls][1]: list(charts)}, **props))


def _fast(cls: type) -> type:
    """``cls`` built without the parameter merging when its subcharts are :func:`_plain`: the
    same checks, the same data lifted to the top and the same layer sizes moved up as Altair's
    ``__init__``. Its copies (Altair copies a chart whole on its way to a spec) are built the
    same way."""
    spec, key = _SPECS[cls]

    def __init__(self: Any, data: Any = alt.Undefined, **kwargs: Any) -> None:
        charts = list(kwargs.pop(key, ()))
        if not _plain(charts) or kwargs.get("params", alt.Undefined) is not alt.Undefined:
            base: Any = cls
            base.__init__(self, data=data, **{key: charts}, **kwargs)
            return
        for chart in charts:
            _api._check_if_valid_subspec(chart, cls.__name__)
            if cls is alt.LayerChart:
                _api._check_if_can_be_layered(chart)
        spec.__init__(self, data=data, **{key: charts}, **kwargs)
        self.data, subcharts = _api._combine_subchart_data(self.data, self[key])
        self[key] = subcharts
        if cls is alt.LayerChart:
            moved, self.layer = _api._remove_layer_props(self, self.layer, ("height", "width", "view"))
            for prop, value in moved.items():
                self[prop] = value

    return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": __name__, "__doc__": cls.__doc__})


_FAST: dict[type, Any] = {cls: _fast(cls) for cls in _SPECS}


def layered(*charts: alt.Chart | alt.LayerChart, **props: Any) -> alt.LayerChart:
    """``charts`` drawn over one another, with the layered chart's own ``props`` (title, width,
    height...) given at once: set afterwards (``.properties``), they make Altair rebuild the
    chart, copying every layer again."""
    return _combined(alt.LayerChart, charts, props)


def vconcat(*charts: Any, **props: Any) -> alt.VConcatChart:
    """``alt.vconcat(*charts, **props)``, built as :func:`layered` builds layers."""
    return _combined(alt.VConcatChart, charts, props)


def hconcat(*charts: Any, **props: Any) -> alt.HConcatChart:
    """``alt.hconcat(*charts, **props)``, built as :func:`layered` builds layers."""
    return _combined(alt.HConcatChart, charts, props)


def concat(*charts: Any, **props: Any) -> alt.ConcatChart:
    """``alt.concat(*charts, **props)``, built as :func:`layered` builds layers."""
    return _combined(alt.ConcatChart, charts, props)


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
