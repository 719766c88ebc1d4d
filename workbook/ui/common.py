"""Small pieces every app shares: friendly errors, the page's query string, a URL updater."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from html import escape
from typing import Any, TypeVar, cast
from urllib.parse import parse_qs

import anywidget
import ipywidgets as W
import traitlets

from ..errors import ParamsError, WorkbookError

log = logging.getLogger("workbook.ui")
F = TypeVar("F", bound=Callable[..., Any])

CSS = """
<style>
.wb-app { max-width: 980px; font-size: 16px; }
.wb-gap-s { gap: 8px; } .wb-gap-m { gap: 10px; } .wb-gap-l { gap: 24px; }  /* widget Layouts have no gap */
.wb-app h1 { font-size: 26px; margin: 4px 0 8px; }
.wb-big button, button.wb-big { font-size: 17px; }
.wb-status-error { color: #a11; background: #fdecea; padding: 10px 14px; border-radius: 6px; }
.wb-status-ok { color: #14532d; background: #e8f5e9; padding: 10px 14px; border-radius: 6px; }
.wb-status-info { color: #1e3a5f; background: #eef4fb; padding: 10px 14px; border-radius: 6px; }
.wb-question { font-size: 21px; line-height: 1.4; margin: 12px 0 18px; min-height: 3.2em; }
.wb-code { font-size: 40px; letter-spacing: 6px; font-weight: 700; }
.wb-metrics th { text-align: left; padding-right: 18px; font-weight: 600; }
.wb-metrics td, .wb-metrics th { padding: 3px 10px 3px 0; }
.wb-counts { font-size: 20px; }
</style>
"""


def message(kind: str, text: str) -> str:
    """An escaped status panel: kind is ``ok``, ``info`` or ``error``."""
    return f'<div class="wb-status-{kind}">{escape(text)}</div>'


def explain(exc: BaseException) -> str:
    """The words a user sees for an exception: ours verbatim, anything else generically."""
    if isinstance(exc, ParamsError):
        return "This params file has problems:\n" + "\n".join(str(p) for p in exc.problems)
    if isinstance(exc, WorkbookError):
        return str(exc)
    return "Something went wrong on the server. Try again; if it happens again, tell the facilitator."


def friendly(status: W.HTML) -> Callable[[F], F]:
    """Decorate a widget callback: an exception becomes a message in ``status``, never a
    traceback in the page (voila#203: tracebacks leak through Output widgets). Unexpected
    errors are logged on the server with their traceback."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # every failure ends up in front of the user, politely
                if not isinstance(exc, WorkbookError):
                    log.exception("callback %s failed", getattr(fn, "__name__", fn))
                status.value = message("error", explain(exc))
                return None

        return cast(F, inner)

    return wrap


def query_params(wait: bool = True) -> dict[str, str]:
    """The page's query string (``?session=AB12CD&participant=x``) as a dict of first values.

    Under Voila's preheated kernels the query string arrives only with the request, so
    ``voila.utils.wait_for_request`` is awaited first when Voila is present.
    """
    if wait and os.environ.get("VOILA_PREHEAT") == "True":
        try:
            from voila.utils import wait_for_request

            wait_for_request()
        except Exception:  # not under Voila, or an older Voila
            pass
    qs = os.environ.get("QUERY_STRING", "")
    return {k: v[0] for k, v in parse_qs(qs, keep_blank_values=False).items() if v}


class UrlQuery(anywidget.AnyWidget):
    """Keeps the browser's address bar in step with ``query`` (without reloading), so a refresh
    or a bookmark returns to the same place."""

    _esm = """
    function render({ model }) {
      const apply = () => {
        const q = model.get("query");
        if (!q) return;
        const url = new URL(window.location.href);
        const token = url.searchParams.get("token"); // a room's server: the address keeps working
        url.search = q;
        if (token && !url.searchParams.has("token")) url.searchParams.set("token", token);
        window.history.replaceState(null, "", url.toString());
      };
      model.on("change:query", apply);
      apply();
      // Report the page's own query string to the kernel. Under Voila's preheated kernels the
      // notebook has already run before this page was requested, so this is how a refreshed
      // page tells its (new) kernel which session and participant to resume.
      const here = window.location.search.replace(/^[?]/, "");
      if (here && model.get("location") !== here) {
        model.set("location", here);
        model.save_changes();
      }
    }
    export default { render };
    """
    query = traitlets.Unicode("").tag(sync=True)
    location = traitlets.Unicode("").tag(sync=True)  # the query string the page was opened with
