"""Altair chart builders: data in, chart out. One theme (``theme``) styles them all; the
renderer (interactive in Voila, static SVG in reports) is chosen at the edge."""

from . import theme
from .ramp import payback_title, ramp_chart, scenario_chart, tornado_chart

__all__ = ["theme", "payback_title", "ramp_chart", "scenario_chart", "tornado_chart"]
