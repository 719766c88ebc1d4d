"""Altair chart builders: data in, chart out. One theme (``theme``) styles them all; the
renderer (interactive in Voila, static SVG in reports) is chosen at the edge."""

from . import theme
from .instruments import health_timeline, readiness_chart, trust_dumbbell, trust_quadrant, value_waterfall
from .ramp import payback_title, ramp_chart, scenario_chart, tornado_chart

__all__ = [
    "theme",
    "payback_title",
    "ramp_chart",
    "scenario_chart",
    "tornado_chart",
    "trust_dumbbell",
    "trust_quadrant",
    "readiness_chart",
    "value_waterfall",
    "health_timeline",
]
