"""Alliance Workbook: scope channel and alliance partnerships, assess trust between the
partners, and see when the money machine pays back.

Notebooks import only what is listed here.
"""

from . import charts, ramp, views
from .errors import ParamsError, ReportError, WorkbookError
from .params import Params, load_params
from .summary import collect, summarise

__all__ = [
    "charts",
    "ramp",
    "views",
    "ParamsError",
    "ReportError",
    "WorkbookError",
    "Params",
    "load_params",
    "collect",
    "summarise",
]
