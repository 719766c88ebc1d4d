"""The batch: everything that turns params files into report folders.

- :mod:`.render` — one report (papermill on a warm kernel, :mod:`.kernel`; nbconvert's offline
  page; :mod:`.pdf` and :mod:`.spreadsheet` on request);
- :mod:`.folders` — what a reports folder holds, the portfolio index over it
  (:mod:`.portfolio_page`, :mod:`.programme_page`) and the plan of a batch;
- :mod:`.batch` — the worker processes, their signals and :func:`~.batch.render_all`;
  :mod:`.cluster` renders on Dask distributed instead;
- :mod:`.owners` — the temporary folders and who owns them; :mod:`.freshness` — whether a report
  is up to date; :mod:`.summary_store` — the portfolio's cache of summaries.

It imports the domain (``workbook.params``, ``workbook.areas`` …) and is imported by the apps
and the command line, never the other way round (``tests/unit/test_layout.py``).
"""
