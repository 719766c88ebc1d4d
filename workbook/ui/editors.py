"""Small tables of widgets inside a guided form: one row per entry of a list (or a mapping) of
the section, with *Add* and *Remove* buttons.

A table edits plain data (what the file holds) and hands it back for the form to validate: it
never checks a value itself, except what the schema cannot see once the rows are a mapping (two
rows for one month). Each row has a note beside it (key ``<field>[<row>]``), where the form shows
a problem with that row; the table's own note (key ``<field>``) sits beside its *Add* button.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import ipywidgets as W

from .guided_form import number_box, shown_number, typed_number

if TYPE_CHECKING:
    from .guided_form import GuidedForm

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One column of a :class:`RowTable`.

    Attributes
    ----------
    field : the entry's key it edits.
    label : its heading.
    kind : ``number`` (a typed number: "12,000"), ``share`` (also "25%"), ``text`` or ``choice``.
    width : the widget's CSS width.
    options : a choice's ``(label, value)`` pairs.
    shown : whether the column applies to a row (e.g. only to recurring lines); default always.
    blank : what an empty box means: ``None`` leaves the key out of the entry (its default).
    """

    field: str
    label: str
    kind: Literal["number", "share", "text", "choice"] = "number"
    width: str = "110px"
    options: tuple[tuple[str, str], ...] = ()
    shown: Callable[[Row], bool] | None = None
    blank: Any = None


class RowTable:
    """Rows of widgets editing a list of entries of the form's section.

    Parameters
    ----------
    form : the guided form the table belongs to (its notes, its redraw).
    key : the section's field (``investment``), also the table's CSS class ``wb-<key>``.
    help : a sentence above the table (its heading is where the form shows it).
    columns : the columns; a column of kind ``choice`` named in ``reshape`` redraws its row when
        changed (other columns may depend on it).
    entries : the entries as the file holds them.
    blank : a new row's entry.
    add_label : the *Add* button's words.
    to_row, to_entry : from an entry to the row state the widgets edit, and back (default: as is).
    """

    def __init__(self, form: GuidedForm, key: str, columns: list[Column], entries: list[Row],
                 blank: Callable[[list[Row]], Row], add_label: str, help: str = "",
                 to_row: Callable[[Row], Row] | None = None, to_entry: Callable[[Row], Row] | None = None,
                 reshape: tuple[str, ...] = ()):
        self.form = form
        self.key = key
        self.columns = columns
        self.blank = blank
        self.reshape = reshape
        self._to_row = to_row or (lambda r: r)
        self._to_entry = to_entry or (lambda r: r)
        self.rows: list[Row] = []
        self.widgets: list[dict[str, W.Widget]] = []
        self.remove_buttons: list[W.Button] = []
        self.box = W.VBox()
        self.add_button = W.Button(description=add_label, icon="plus", layout=W.Layout(width="auto"))
        self.add_button.add_class(f"wb-add-{key}")
        self.add_button.on_click(form.guard(self._add))
        head = W.HBox([W.HTML(f"<b>{escape(c.label)}</b>", layout=W.Layout(width=c.width)) for c in columns])
        head.add_class("wb-table-head")
        intro = f"<p>{escape(help)}</p>" if help else ""
        self.widget = W.VBox([W.HTML(intro), head, self.box, form.with_note(key, self.add_button)])
        self.widget.add_class("wb-table")
        self.widget.add_class(f"wb-{key}")
        self.load(entries)

    # -- data

    def load(self, entries: list[Row]) -> None:
        """Show ``entries`` (as the file holds them), dropping any edit."""
        self.rows = [self._to_row(copy.deepcopy(e)) for e in entries]
        self._render()

    @property
    def entries(self) -> list[Row]:
        """The edited entries, as plain data."""
        return [self._to_entry(copy.deepcopy(r)) for r in self.rows]

    # -- widgets

    def _render(self) -> None:
        for k in [k for k in self.form.notes if k.startswith(f"{self.key}[")]:
            del self.form.notes[k]
        self.widgets, self.remove_buttons, lines = [], [], []
        for i, row in enumerate(self.rows):
            cells: dict[str, W.Widget] = {}
            shown: list[W.Widget] = []
            for c in self.columns:
                w = self._cell(c, row)
                w.observe(self.form.guard(self._edited(i, c)), names="value")
                if c.shown is not None and not c.shown(row):
                    w.layout.visibility = "hidden"
                cells[c.field] = w
                shown.append(w)
            remove = W.Button(description="Remove", icon="trash", layout=W.Layout(width="auto"))
            remove.add_class("wb-remove")
            remove.on_click(self.form.guard(self._remover(i)))
            self.widgets.append(cells)
            self.remove_buttons.append(remove)
            line = self.form.with_note(f"{self.key}[{i}]", W.HBox([*shown, remove]))
            line.layout.flex_flow = "row wrap"  # in a narrow page the note goes under its row, not off the edge
            line.add_class("wb-row")
            lines.append(line)
        if not lines:
            lines.append(W.HTML("<p><em>None yet.</em></p>"))
        self.box.children = tuple(lines)

    def _cell(self, c: Column, row: Row) -> W.Widget:
        value = row.get(c.field)
        layout = W.Layout(width=c.width)
        if c.kind == "choice":
            dropdown = W.Dropdown(options=list(c.options), value=value if value in {v for _, v in c.options} else c.options[0][1], layout=layout)
            dropdown.add_class(f"wb-col-{c.field}")
            return dropdown
        if c.kind == "text":
            box = W.Text(value="" if value is None else str(value), continuous_update=False, layout=layout)
        else:
            box = number_box(value, width=c.width)
        box.add_class(f"wb-col-{c.field}")
        return box

    def _edited(self, i: int, c: Column) -> Callable[[dict[str, Any]], None]:
        def edited(change: dict[str, Any]) -> None:
            row = self.rows[i]
            new = change["new"]
            if c.kind in ("number", "share"):
                value: Any = typed_number(new, share=c.kind == "share") if new.strip() else c.blank
            elif c.kind == "text":
                value = new.strip() or c.blank
            else:
                value = new
            if value is None:
                row.pop(c.field, None)
            else:
                row[c.field] = value
            if c.field in self.reshape:
                self._render()
            self.form._changed()

        return edited

    def _add(self, _button: Any = None) -> None:
        self.rows.append(self._to_row(self.blank(self.entries)))
        self._render()
        self.form._changed()

    def _remover(self, i: int) -> Callable[[Any], None]:
        def remove(_button: Any = None) -> None:
            del self.rows[i]
            self._render()
            self.form._changed()

        return remove



class FieldGroup:
    """Boxes for the fields of one mapping of the section (``scenarios``, ``scenarios.direct``),
    each with its note (key ``<key>.<field>``); an empty box leaves its field out (its default,
    which the box's placeholder names). An ``optional`` group can be added and removed whole.

    Parameters
    ----------
    form : the guided form.
    key : the mapping's dotted place in the section, e.g. ``scenarios.direct``.
    title : the heading; ``help`` a sentence under it.
    columns : the fields, in the order shown; ``placeholders`` what an empty box means.
    data : the mapping as the file holds it (``None``: not in the file).
    optional : whether the group can be absent; ``add_label`` and ``remove_label`` then name its buttons.
    """

    def __init__(self, form: GuidedForm, key: str, title: str, columns: list[Column], data: Row | None,
                 optional: bool = False, add_label: str = "", remove_label: str = "", help: str = "",
                 placeholders: dict[str, str] | None = None):
        self.form = form
        self.key = key
        self.columns = columns
        self.optional = optional
        self.placeholders = placeholders or {}
        self.boxes: dict[str, W.Widget] = {}
        rows: list[W.Widget] = []
        css = key.replace(".", "-")
        for c in columns:
            layout = W.Layout(width="470px")
            style = {"description_width": "250px"}
            box: W.Widget
            if c.kind == "choice":
                box = W.Dropdown(options=list(c.options), description=c.label, style=style, layout=layout)
            elif c.kind == "text":
                box = W.Text(description=c.label, continuous_update=False, style=style, layout=layout)
            else:
                box = number_box(None, description=c.label, width="470px", style=style)
            box.placeholder = self.placeholders.get(c.field, "")
            box.observe(form.guard(self._edited), names="value")
            self.boxes[c.field] = box
            row = form.with_note(f"{key}.{c.field}", box)
            row.add_class(f"wb-{css}-{c.field}")
            rows.append(row)
        self.fields = W.VBox(rows)
        self.add_button = W.Button(description=add_label, icon="plus", layout=W.Layout(width="auto"))
        self.remove_button = W.Button(description=remove_label, icon="trash", layout=W.Layout(width="auto"))
        self.add_button.add_class(f"wb-add-{css}")
        self.remove_button.add_class(f"wb-remove-{css}")
        self.add_button.on_click(form.guard(self._add))
        self.remove_button.on_click(form.guard(self._remove))
        intro = f"<h4>{escape(title)}</h4>" + (f"<p>{escape(help)}</p>" if help else "")
        buttons = [W.HBox([self.add_button, self.remove_button])] if optional else []
        self.widget = W.VBox([W.HTML(intro), self.fields, *buttons])
        self.widget.add_class(f"wb-{css}")
        self.load(data)

    def load(self, data: Row | None) -> None:
        """Show ``data`` (as the file holds it), dropping any edit."""
        self._raw = copy.deepcopy(data)
        self.present = data is not None or not self.optional
        self._loading = True
        try:
            for c in self.columns:
                value = (data or {}).get(c.field)
                box = self.boxes[c.field]
                if c.kind == "choice":
                    box.value = value if value in {v for _, v in c.options} else c.options[0][1]
                elif c.kind == "text":
                    box.value = "" if value is None else str(value)
                else:
                    box.value = shown_number(value)
        finally:
            self._loading = False
        self._show()

    def _show(self) -> None:
        self.fields.layout.display = None if self.present else "none"
        self.add_button.layout.display = "none" if self.present else None
        self.remove_button.layout.display = None if self.present else "none"

    @property
    def values(self) -> Row | None:
        """The edited mapping (keys the boxes do not show kept as they were), or ``None`` when absent."""
        if not self.present:
            return None
        out = copy.deepcopy(self._raw) if self._raw is not None else {}
        for c in self.columns:
            box = self.boxes[c.field]
            text = box.value if isinstance(box.value, str) else ""
            if c.kind in ("number", "share"):
                value: Any = typed_number(text, share=c.kind == "share") if text.strip() else None
            else:
                value = text.strip() or None
            if value is None:
                out.pop(c.field, None)
            else:
                out[c.field] = value
        return out

    def _edited(self, change: dict[str, Any]) -> None:
        if not self._loading:
            self.form._changed()

    def _add(self, _button: Any = None) -> None:
        self.present = True
        self._show()
        self.form._changed()

    def _remove(self, _button: Any = None) -> None:
        self.present = False
        self._show()
        self.form._changed()
