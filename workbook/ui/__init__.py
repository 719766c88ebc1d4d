"""ipywidgets components of the published Voila apps.

One module per app, each a function returning the app's root widget:

* :func:`workbook.ui.workshop.workshop_app` — a participant's answer form (light imports only:
  no pandas, no altair, so 30 kernels start quickly);
* :func:`workbook.ui.facilitator.facilitator_app` — the live board;
* :func:`workbook.ui.dashboards.portfolio_app` and :func:`~workbook.ui.dashboards.alliance_app` —
  the stakeholders' dashboards.

Import the submodule you need; this package imports nothing heavy itself.
"""

from .common import friendly, query_params

__all__ = ["friendly", "query_params"]
