"""Names of the environment variables ``workbook serve`` gives the kernels it starts, where both
the server's side (:mod:`workbook.apps.guard`) and the kernels' side (:mod:`workbook.ui.visits`, the
apps) need them. Nothing else lives here, so a participant's kernel imports nothing heavy for it."""

from __future__ import annotations


#: The remote address of the page a kernel was started for (set by
#: :func:`workbook.apps.guard.kernel_role_env`; a preheated kernel asks
#: :func:`workbook.ui.visits.visit_address`).
VISITOR_ADDRESS_ENV = "WORKBOOK_VISITOR_ADDRESS"


#: Set by ``workbook serve --allow-scenario-saves``: the published alliance dashboards may write
#: saved scenarios into the params files (:func:`workbook.ui.dashboards.saves_allowed`).
SAVES_ENV = "WORKBOOK_DASHBOARD_SAVES"

#: The kernels' environment variable naming a file in the server's private folder where the first
#: kernel leaves the live chart's JavaScript bundle and later ones read it (charts.render).
LIVE_CHART_BUNDLE_ENV = "WORKBOOK_LIVE_CHART_BUNDLE"

#: The kernels' environment variable naming the socket of :class:`workbook.apps.voila_pool.Visits`.
VISITS_ENV = "WORKBOOK_VISITS"
