"""The picture of one section of a params file in the guided notebooks: its area's charts and
escaped HTML (the registry's one renderer, :mod:`workbook.areas`), and the overviews a notebook
shows of a file's current state, redrawn in place after each save.

Every piece of HTML that shows amounts carries the classes ``tex2jax_ignore mathjax_ignore``:
JupyterLab typesets HTML outputs with MathJax, which would read the text between two ``$``
amounts ("$1,200 … $3,400") as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import altair as alt

from .. import views
from ..views import HTML
from ..areas import AREAS, assess
from ..charts import theme
from ..charts.render import description, svg
from ..params import load_params
from ..schema import Params, Scope

Section = str  # a key of workbook.areas.AREAS: "scope" | "trust" | "ramp" | "value" | "health"

#: What each area's guided form fills in ("scoping checklist"), from the registry of areas.
SECTION_WORDS = {key: area.fill_in for key, area in AREAS.items()}

GUIDED_CSS = """
<style>
.wb-guided { max-width: 1000px; }
.wb-guided .wb-item { line-height: 1.35; padding: 4px 0; }
.wb-guided ul.wb-problems { margin: 4px 0 0 18px; padding: 0; }
.wb-guided .wb-note, .wb-guided .wb-note .widget-html-content { font-size: 13px; line-height: 1.3; color: #555; }
.wb-guided .wb-note { padding: 6px 0 0 8px; overflow-wrap: anywhere; }
.wb-guided .wb-note-error { color: #a11; font-weight: 600; }
.wb-guided .wb-answers .widget-toggle-button { min-width: 44px; }
</style>
"""

#: The classes that keep MathJax (JupyterLab 4, MathJax 3: ``mathjax_ignore``; classic
#: notebook and nbconvert pages, MathJax 2: ``tex2jax_ignore``) away from HTML with amounts.
NO_MATH = "tex2jax_ignore mathjax_ignore"


# --------------------------------------------------------------------------------------------
# The picture of a section: charts and a few escaped HTML pieces


def missing_text(section: Section) -> str:
    return views.missing_section(section, fill_in=AREAS[section].fill_in)


def section_view(params: Params, section: Section) -> tuple[list[alt.TopLevelMixin], list[str]]:
    """The charts and the HTML pieces (escaped) that show one section of ``params``: the area's
    one renderer (:mod:`workbook.areas`), as the report shows it.

    Parameters
    ----------
    params : a validated params model.
    section : ``scope``, ``trust``, ``ramp``, ``value`` or ``health``.

    Returns
    -------
    (charts, html): Altair charts whose titles state the finding, and HTML snippets (flags,
    headline figures). A section the file does not have yet gives a note and no chart, except
    ``scope``, which is shown as an all-missing checklist.
    """
    if section not in AREAS:
        raise ValueError(f"unknown section {section!r}; expected one of {', '.join(AREAS)}")
    theme.enable()
    head = []
    if getattr(params, section, True) is None:
        if section != "scope":
            return [], [missing_text(section)]
        params = params.model_copy(update={"scope": Scope()})
        head = [missing_text(section)]
    blocks = AREAS[section].view(assess(params, only=(section,)))
    charts = [b for b in blocks if not isinstance(b, str)]
    return charts, head + [b for b in blocks if isinstance(b, str)]


#: The overviews displayed in this kernel: params file (resolved) -> [(section, display id)].
OVERVIEWS: dict[Path, list[tuple[Section, str]]] = {}


class Overview(views.HTML):
    """An overview's HTML; displayed in a live kernel under a display id, so that a save from a
    form on the same file (:func:`refresh_overviews`) redraws it in place."""

    def __init__(self, html: str, section: Section, path: Path | None = None):
        super().__init__(html)
        self.section = section
        self.path = path

    def _bundle(self) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": f"<overview of the {SECTION_WORDS[self.section]}>"}

    def _ipython_display_(self) -> None:
        from IPython.display import display

        handle = display(self._bundle(), raw=True, display_id=True)
        if self.path is not None and handle is not None:
            OVERVIEWS.setdefault(self.path.resolve(), []).append((self.section, handle.display_id))


def _overview_html(params: Params, section: Section, note: str = "") -> str:
    charts, parts = section_view(params, section)
    svgs = [f'<div class="wb-chart" role="img" aria-label="{escape(description(c))}">{svg(c)}</div>' for c in charts]
    return f'<div class="wb-overview {NO_MATH}">' + note + "".join(svgs + parts) + "</div>"


def overview(params: Params | str | Path, section: Section) -> Overview:
    """The current state of one section as static HTML with inline SVG charts.

    Meant for the first cells of a guided notebook, so that a headless run (papermill,
    nbconvert) shows something meaningful; the form below it is the interactive part.

    Parameters
    ----------
    params : the params file's path, or its validated model. Given a path, the overview
        follows the file: a form's save redraws it (in a live kernel).
    section : ``scope``, ``trust``, ``ramp``, ``value`` or ``health``.
    """
    if isinstance(params, (str, Path)):
        path = Path(params)
        return Overview(_overview_html(load_params(path), section), section, path)
    return Overview(_overview_html(params, section), section)


def refresh_overviews(path: str | Path, params: Params | None = None) -> int:
    """Redraw every overview of the file at ``path`` displayed in this kernel, from the file
    as it is now; returns how many there were."""
    shown = OVERVIEWS.get(Path(path).resolve(), [])
    if not shown:
        return 0
    from IPython.display import update_display

    model = params if params is not None else load_params(path)
    when = dt.datetime.now().strftime("%H:%M:%S")
    note = f'<p class="wb-refreshed"><em>Updated from {escape(Path(path).name)} after the save at {when}.</em></p>'
    fresh: dict[Section, Overview] = {}  # a cell run again leaves its old display id here: draw once per section
    for section, display_id in shown:
        if section not in fresh:
            fresh[section] = Overview(_overview_html(model, section, note), section)
        update_display(fresh[section]._bundle(), raw=True, display_id=display_id)
    return len(shown)




class PickedHTML:
    """HTML drawn from the file a :class:`~workbook.ui.picker.Picker` picked, redrawn in place
    (under its display id) when the pick changes.

    Parameters
    ----------
    picker : the notebook's picker (anything with ``path`` and ``observe(callback)``).
    draw : the HTML for a picked file (``None``: nothing picked).
    """

    def __init__(self, picker: Any, draw: Callable[[Path | None], str]):
        self.picker = picker
        self.draw = draw
        self.display_id: str | None = None
        self.path: Path | None = None
        self.html = self._html(picker.path)
        picker.observe(self._repick)

    def _html(self, path: Path | None) -> str:
        from ..errors import WorkbookError
        from .common import explain

        self.path = path
        try:
            return self.draw(path)
        except WorkbookError as exc:
            return f'<pre class="wb-status-error">{escape(explain(exc))}</pre>'

    def _bundle(self) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": "<the picked alliance>"}

    def _repr_html_(self) -> str:
        return self.html

    def _shown(self) -> None:
        """Hook: called after each draw under the display id."""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        handle = display(self._bundle(), raw=True, display_id=True)
        self.display_id = handle.display_id if handle is not None else None
        self._shown()

    def _repick(self, path: Path | None) -> None:
        self._forget()
        self.html = self._html(path)
        if self.display_id is not None:
            from IPython.display import update_display

            update_display(self._bundle(), raw=True, display_id=self.display_id)
            self._shown()

    def _forget(self) -> None:
        """Hook: called before a redraw for another file."""


class PickedOverview(PickedHTML):
    """The overview of one section of the picked file; a save from a form on that file redraws
    it like any overview (:func:`refresh_overviews`)."""

    def __init__(self, picker: Any, section: Section):
        self.section = section
        super().__init__(picker, self._overview)

    def _overview(self, path: Path | None) -> str:
        if path is None:
            return f'<div class="wb-overview-empty"><p><em>Pick an alliance at the top of the notebook to see its {escape(SECTION_WORDS[self.section])}.</em></p></div>'
        return _overview_html(load_params(path), self.section)

    def _bundle(self) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": f"<overview of the {SECTION_WORDS[self.section]}>"}

    def _shown(self) -> None:
        if self.display_id is not None and self.path is not None:
            entry = (self.section, self.display_id)
            shown = OVERVIEWS.setdefault(self.path.resolve(), [])
            if entry not in shown:
                shown.append(entry)

    def _forget(self) -> None:
        if self.display_id is not None and self.path is not None:
            shown = OVERVIEWS.get(self.path.resolve(), [])
            if (self.section, self.display_id) in shown:
                shown.remove((self.section, self.display_id))


def track_actuals(params_path: str | Path, csv_path: str | Path | None = None) -> HTML:
    """The plan against actual of one params file, as static HTML with an inline SVG chart.

    With ``csv_path`` (a CRM or ledger export, the columns ``workbook import-actuals`` reads) the
    CSV's months are first written into the params file as its ``actuals`` section; a bad CSV is
    shown as its list of problems (``file.csv:ROW: column: message``) and nothing is written.
    """
    from html import escape

    from ..text import TRACKING_WORDS
    from ..areas import assess
    from ..errors import ParamsError
    from ..params import import_actuals, load_params
    from ..views import actuals_view, render
    from .common import CSS, explain, message

    note = ""
    try:
        if csv_path:
            params = import_actuals(params_path, csv_path)
            note = message("ok", f"Imported {Path(csv_path).name} into {Path(params_path).name}.")
        else:
            params = load_params(params_path)
    except ParamsError as exc:
        return HTML(CSS + f'<pre class="wb-status-error">{escape(explain(exc))}</pre><p>Nothing was written.</p>')
    if params.actuals is None:
        return HTML(CSS + note + "<p><em>This params file records no actuals yet: set <code>csv_path</code> to an export and run the notebook again.</em></p>")
    a = assess(params, only=("ramp",))
    words = ", ".join(f"<code>{k}</code> ({escape(v)})" for k, v in TRACKING_WORDS.items())
    legend = f"<p><small>The four tracking states: {words}.</small></p>"
    return HTML(CSS + note + f'<div class="{NO_MATH}">' + render(actuals_view(a)).html + legend + "</div>")
