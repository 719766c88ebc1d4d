"""Alliance Workbook: scope channel and alliance partnerships, assess trust between the
partners, and see when the money machine pays back.

Notebooks import only what is listed here. ``charts`` and ``views`` (which import Altair) load
on first use, so `workbook check` stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import ramp
from .errors import ParamsError, ReportError, WorkbookError
from .params import Params, load_params
from .summary import Assessment, assess, summarise

_LAZY = {"charts", "views"}

__all__ = [
    "charts",
    "ramp",
    "views",
    "ParamsError",
    "ReportError",
    "WorkbookError",
    "Params",
    "load_params",
    "assess",
    "Assessment",
    "summarise",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'workbook' has no attribute {name!r}")
