"""The machinery every guided form shares: typed numbers checked where they are typed, problems
shown next to their field and under *Save*, the section's picture redrawn from the edited
state, and saves through :func:`workbook.params.save_section` (comments kept, validated before an
atomic replace, someone else's edits merged or refused, never lost)."""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as W

from ..charts.render import description, svg
from ..errors import ParamsError, Problem
from ..params import parse_params, parse_yaml_text, plain, read_text, save_section
from ..schema import Params
from .common import CSS, friendly, message
from .section_view import (
    GUIDED_CSS,
    NO_MATH,
    SECTION_WORDS,
    Section,
    missing_text,
    refresh_overviews,
    section_view,
)

# --------------------------------------------------------------------------------------------
# Helpers


def _num(x: float) -> int | float:
    """Whole numbers as ints (so 40000 is not written back as 40000.0), others rounded to 6 places."""
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def _problems_html(title: str, exc: ParamsError, path: Path) -> str:
    """The problems of ``exc`` as an escaped error panel, named by file name rather than full path."""
    lines = []
    for p in exc.problems:
        where = path.name if p.line is None else f"{path.name}:{p.line}"
        lines.append(f"<li>{escape(where)}: <code>{escape(p.field)}</code>: {escape(p.message)}</li>")
    return f'<div class="wb-status-error">{escape(title)}<ul class="wb-problems">{"".join(lines)}</ul></div>'


def share_hint(text: str) -> str:
    """What a typed share means, as the box beside it says it ("= 25 %"; empty if not a share)."""
    x = typed_number(text, share=True)
    if isinstance(x, (int, float)) and 0 <= x <= 1:
        return escape(f"= {x * 100:.4g} %")
    return ""


def typed_number(text: str, share: bool = False) -> int | float | str:
    """What a number box holds, as the value to validate: ``"40,000"`` is 40000, ``"2.5"``
    is 2.5 and, for a share, ``"25%"`` is 0.25. Anything else is returned as the (stripped)
    text, for the schema to refuse with its message — never replaced by a number."""
    text = text.strip()
    digits = text.replace(",", "").replace(" ", "").replace("\u202f", "")
    percent = share and digits.endswith("%")
    if percent:
        digits = digits[:-1]
    try:
        x = float(digits)
    except ValueError:
        return text
    if not math.isfinite(x):
        return text
    return _num(x / 100 if percent else x)


def shown_number(x: Any) -> str:
    """A number as a number box shows it ("40,000", "0.25"); text is shown as it is."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return "" if x is None else str(x)
    return format(_num(x), ",")


def number_box(value: Any, description: str = "", width: str = "110px", **kwargs: Any) -> W.Text:
    """A text box for a number: whatever is typed reaches the form unchanged, on Enter or
    when the box loses focus (an ipywidgets number widget would clamp or drop it silently)."""
    return W.Text(value=shown_number(value), description=description, continuous_update=False,
                  layout=W.Layout(width=width), **kwargs)


def label_html(text: str, width: str = "520px") -> W.HTML:
    html = W.HTML(f'<div class="wb-item">{escape(text)}</div>', layout=W.Layout(width=width))
    return html


# --------------------------------------------------------------------------------------------
# The form machinery


class GuidedForm:
    """Base of the guided forms: one section of one params file.

    Subclasses set :attr:`section` and :attr:`intro`, build their controls in
    :meth:`_build`, and turn them back into the section's plain data in :meth:`_collect`.

    Attributes
    ----------
    path : the params file.
    params : the model of the file as last loaded or saved.
    widget : the form's root widget (the form displays as it).
    status : the message area (save results, problems).
    output : the Output widget holding the charts of the edited state.
    save_button : "Save to <file>".
    charts : the Altair charts of the edited state, as last drawn; ``chart`` is the first.
    """

    section: Section = ""
    intro: str = ""

    def __init__(self, params_path: str | Path):
        self.path = Path(params_path)
        self._loading = False
        self.notes: dict[str, W.HTML] = {}
        self._load()
        self.status = W.HTML()
        self.status.add_class("wb-status")
        self.output = W.Output()
        self.charts: list[alt.TopLevelMixin] = []
        self.guard = friendly(self.status)
        self.save_button = W.Button(
            description=f"Save to {self.path.name}", button_style="primary", icon="save", layout=W.Layout(width="auto")
        )
        self.save_button.add_class("wb-save")
        self.save_button.on_click(self.guard(self._save))
        controls = self._build()
        head = W.HTML(CSS + GUIDED_CSS + f"<p>{escape(self.intro)}</p>")
        self.widget = W.VBox([head, *controls, self.save_button, self.status, self.output])
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-guided")
        self.guard(self.redraw)()

    # -- state

    def _load(self) -> None:
        """(Re)read the file: its text, the whole document as plain data, its model, this
        section's raw data."""
        self._text = read_text(self.path)
        self._doc: dict[str, Any] = plain(parse_yaml_text(self._text, self.path))
        self.params: Params = parse_params(self._doc, self.path)
        self._raw: dict[str, Any] = copy.deepcopy(self._doc.get(self.section) or {})

    @property
    def data(self) -> dict[str, Any]:
        """The edited section as plain data, exactly what "Save" would write."""
        return self._collect()

    def validated(self) -> Params:
        """The whole params model with the edited section in place.

        Raises
        ------
        ParamsError
            when the edited section does not validate.
        """
        problems = self._form_problems()
        if problems:
            raise ParamsError(problems)
        params: Params = parse_params({**self._doc, self.section: self.data}, self.path)
        return params

    @property
    def model(self) -> Any:
        """The edited section as its validated model (raises ParamsError when invalid)."""
        return getattr(self.validated(), self.section)

    @property
    def chart(self) -> alt.TopLevelMixin | None:
        return self.charts[0] if self.charts else None

    # -- subclass hooks

    def _build(self) -> list[W.Widget]:
        raise NotImplementedError

    def _collect(self) -> dict[str, Any]:
        raise NotImplementedError

    def _after_save(self) -> None:
        """Called once a save succeeded and the file was re-read."""

    def _form_problems(self) -> list[Problem]:
        """Problems the schema cannot see in the edited state (e.g. two rows for one month,
        which a mapping would silently merge); the form is invalid while there are any."""
        return []

    def _refusals(self) -> list[Problem]:
        """Problems that refuse a *save* but not the chart (e.g. a respondent added and never
        answered: the chart leaves it out, the file must not hold it)."""
        return []

    def _problem(self, field: str, message: str) -> Problem:
        """A problem with ``<section>.<field>`` of this form's file."""
        return Problem(self.path, None, f"{self.section}.{field}", message)

    def _field_key(self, field: str) -> str | None:
        """The key of :attr:`notes` a problem's dotted field belongs to (``ramp.partner_margin``
        -> ``partner_margin``), or ``None``."""
        prefix = f"{self.section}."
        return field[len(prefix):] if field.startswith(prefix) else None

    def _hint(self, key: str) -> str:
        """The quiet note next to a valid field (e.g. a share as a percentage)."""
        return ""

    def with_note(self, key: str, control: W.Widget) -> W.HBox:
        """``control`` in a row with its note: a problem with the field shows up right next to it."""
        note = W.HTML(layout=W.Layout(flex="1 1 220px", min_width="220px", max_width="420px"))
        note.add_class("wb-note")
        self.notes[key] = note
        control.layout.flex = "0 0 auto"  # the note wraps; the control keeps its width
        row = W.HBox([control, note])
        row.add_class(f"wb-{key}")
        return row

    def _show_notes(self, problems: list[Problem]) -> None:
        found: dict[str, list[str]] = {}
        for p in problems:
            rel = self._field_key(p.field)
            if rel is None:
                continue
            # a problem with a list's entry (``resources_to_be_confirmed[1]``) goes next to the list,
            # or next to the entry's own row when it has one (``investment[1]``): the closest note
            near = [k for k in self.notes if rel == k or rel.startswith((f"{k}[", f"{k}."))]
            key = max(near, key=len) if near else None
            if key is not None:
                rest = rel[len(key):]  # ".end_month" of "investment[1].end_month": say which box
                said = f"{rest[1:].replace('_', ' ')}: {p.message}" if rest.startswith(".") else p.message
                found.setdefault(key, []).append(said)
        for key, note in self.notes.items():
            if key in found:
                note.value = f'<span class="wb-note-error">{escape("; ".join(found[key]))}</span>'
            else:
                note.value = self._hint(key)

    # -- behaviour

    def _watch(self, widgets: Iterable[W.Widget], handler: Callable[[dict[str, Any]], None] | None = None) -> None:
        for w in widgets:
            w.observe(self.guard(handler or self._changed), names="value")

    def _changed(self, change: dict[str, Any] | None = None) -> None:
        if not self._loading:
            self.redraw()

    def redraw(self) -> None:
        """Recompute the charts from the edited state; show the problems instead when it is invalid."""
        try:
            params = self.validated()
        except ParamsError as exc:
            self._show_notes(exc.problems)
            if self.section not in self._doc and self.data == self._raw:
                self.status.value = f'<div class="wb-status-info">{missing_text(self.section)}</div>'
            else:
                self.status.value = _problems_html("Not valid yet, so nothing can be saved. Please fix:", exc, self.path)
            return
        self._show_notes([])
        charts, parts = section_view(params, self.section)
        self.charts = charts
        outputs = [{"output_type": "display_data", "data": {"image/svg+xml": svg(c), "text/plain": description(c)}, "metadata": {}} for c in charts]
        outputs += [
            {"output_type": "display_data", "data": {"text/html": f'<div class="wb-figures {NO_MATH}">{p}</div>', "text/plain": ""}, "metadata": {}}
            for p in parts
        ]
        self.output.outputs = tuple(outputs)
        self.status.value = message("info", "Changes not saved yet.") if self.data != self._raw else ""

    def _save(self, _button: Any = None) -> None:
        try:
            self.validated()  # the form's own view of every field first: nothing is saved unless all of it is valid
            refused = self._refusals()
            if refused:
                raise ParamsError(refused)
            # with the text this form started from, only the fields edited here are written: what
            # someone else saved since in other fields (another notebook, an export) is kept
            save_section(self.path, self.section, self.data, loaded=self._text)
        except ParamsError as exc:
            self._show_notes(exc.problems)
            self.status.value = _problems_html(f"Not saved: {self.path.name} is unchanged. Please fix:", exc, self.path)
            return
        self._load()
        self._after_save()
        self.redraw()
        shown = refresh_overviews(self.path, self.params)
        when = dt.datetime.now().strftime("%H:%M:%S")
        also = " The overview above shows it now." if shown else ""
        self.status.value = message("ok", f"Saved the {SECTION_WORDS[self.section]} to {self.path.name} at {when}.{also}")

    # -- display

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


