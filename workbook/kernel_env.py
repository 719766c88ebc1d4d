"""Names of the environment variables ``workbook serve`` gives the kernels it starts, where both
the server's side (:mod:`workbook.guard`) and the kernels' side (:mod:`workbook.voila_pool`, the
apps) need them. Nothing else lives here, so a participant's kernel imports nothing heavy for it."""

from __future__ import annotations

#: The remote address of the page a kernel was started for (set by
#: :func:`workbook.guard.kernel_role_env`; a preheated kernel asks
#: :func:`workbook.voila_pool.visit_address`).
VISITOR_ADDRESS_ENV = "WORKBOOK_VISITOR_ADDRESS"


#: Set by ``workbook serve --allow-scenario-saves``: the published alliance dashboards may write
#: saved scenarios into the params files (:func:`workbook.ui.dashboards.saves_allowed`).
SAVES_ENV = "WORKBOOK_DASHBOARD_SAVES"

__all__ = ["SAVES_ENV", "VISITOR_ADDRESS_ENV"]
