"""Alliance Workbook: scope channel and alliance partnerships, assess trust between the
partners, and see when the money machine pays back.

What is listed here is the package's surface for the report notebook and for scripts; the
guided notebooks and the apps import their pages from :mod:`workbook.ui`. Everything that needs
pandas or Altair loads on first use, so `workbook check` stays quick and the participants'
pages and the server stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import ParamsError, ReportError, WorkbookError
from .params import import_actuals, load_params
from .schema import Params

if TYPE_CHECKING:  # loaded on first use by __getattr__ below; typed here for mypy and editors
    from . import actuals, charts, ramp, summary, views
    from .deals import import_deals
    from .areas import Assessment, assess
    from .summary import summarise

_LAZY_MODULES = {"actuals", "charts", "ramp", "views", "summary"}
_LAZY_NAMES = {"Assessment": "areas", "assess": "areas", "summarise": "summary", "import_deals": "deals"}

__all__ = [
    "charts",
    "ramp",
    "views",
    "ParamsError",
    "ReportError",
    "WorkbookError",
    "Params",
    "load_params",
    "import_actuals",
    "import_deals",
    "actuals",
    "assess",
    "Assessment",
    "summarise",
]


def __getattr__(name: str) -> object:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'workbook' has no attribute {name!r}")
