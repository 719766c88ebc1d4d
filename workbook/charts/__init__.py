"""Every chart of the workbook, and nothing else builds one: data in, chart out. One theme
(``theme``) styles them all; ``render`` is the one way a chart reaches a page (an SVG image
for reports and notebooks, a live widget for the Voila apps)."""

from . import theme
from .actuals import actuals_chart, attribution_chart
from .commitment import STOP_LABEL, with_stop_line
from .instruments import (
    health_timeline,
    readiness_chart,
    trust_dumbbell,
    trust_history,
    trust_mirror,
    trust_quadrant,
    value_waterfall,
)
from .partner import two_sides_chart
from .portfolio import break_even_chart
from .ramp import payback_title, ramp_chart, scenario_chart, tornado_chart
from .render import description, figure_html, live_chart, message_chart, svg

__all__ = [
    "theme",
    "actuals_chart",
    "attribution_chart",
    "payback_title",
    "ramp_chart",
    "scenario_chart",
    "tornado_chart",
    "trust_dumbbell",
    "trust_history",
    "trust_quadrant",
    "trust_mirror",
    "readiness_chart",
    "value_waterfall",
    "health_timeline",
    "break_even_chart",
    "two_sides_chart",
    "with_stop_line",
    "STOP_LABEL",
    "description",
    "figure_html",
    "live_chart",
    "message_chart",
    "svg",
]
