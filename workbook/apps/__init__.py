"""The server: ``workbook serve`` (:mod:`.serve`) runs Voila (:mod:`.voila_pool`, a pool of
ready kernels) behind :mod:`.guard` (two roles, two credentials, the host check, limits), with
the participants' own page (:mod:`.room`); :mod:`.labhooks` runs JupyterLab for the analysts.

It sits above everything else in the package but the command line: the kernels' side of the
apps (the widgets) is :mod:`workbook.ui`, which never imports this package.
"""
