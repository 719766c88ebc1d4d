"""The params-file picker at the top of each guided notebook, and "new alliance from an example".

A guided notebook works on the file picked here: its overview and its form follow the pick
(``picker.overview("scope")``, ``picker.form(ScopeForm)``), so working on one's own alliance
never means editing a path in Python, and *Save* writes only into a file somebody picked.
Nothing is picked unless the notebook's ``params_path`` parameter names a file (papermill runs,
or a user who wrote it there); the shipped examples are therefore changed only when picked.

*New alliance from an example* copies a file of the params folder to ``<slug of the name>.yaml``
in the same folder and sets its ``alliance.name``; every other byte of the file is kept. The
name is refused when it is empty, longer than the schema allows, holds a path separator or a
control character, or when its file already exists (two names with the same slug, too) — the
browser never chooses a path, only a name.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..errors import ParamsError, Problem, WorkbookError
from ..params import check_text, is_programme_file, parse_yaml_text, plain, read_text
from ..schema import slugify
from ..strict import MAX_NAME
from .common import CSS, friendly, message
from .paths import PARAMS_ENV, params_dir

#: The dropdown's value for "New alliance from an example…".
NEW = "\x00new"
#: The suffixes of params files.
SUFFIXES = (".yaml", ".yml")


class NameRefused(WorkbookError):
    """A name for a new alliance that cannot be used (the message says why)."""


def default_folder() -> Path:
    """The params folder the picker lists: :func:`workbook.ui.paths.params_dir`, except that a
    kernel started in ``notebooks/`` without ``$WORKBOOK_PARAMS_DIR`` (plain ``jupyter lab``,
    papermill) finds the repository's ``../params`` as the notebooks' own paths do."""
    folder = params_dir()
    if not os.environ.get(PARAMS_ENV) and not folder.is_dir() and Path("..", "params").is_dir():
        return Path("..", "params")
    return folder


def _alliances(folder: Path) -> list[tuple[Path, str | None]]:
    """The params files of ``folder`` with their alliance names (``None``: does not load)."""
    if not folder.is_dir():
        return []
    out: list[tuple[Path, str | None]] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file() and not p.name.startswith(".") and not is_programme_file(p)):
        try:
            out.append((path, check_text(read_text(path), path).alliance.name))
        except ParamsError:
            out.append((path, None))
    return out


def alliance_files(folder: str | Path | None = None) -> list[tuple[str, Path]]:
    """The params files of ``folder`` (default: :func:`default_folder`), as ``(label, path)``
    sorted by label: "<alliance name> — <file name>", or the file name and "(does not load)"
    for a file that does not validate. A folder that does not exist has none."""
    found = _alliances(Path(folder) if folder is not None else default_folder())
    out = [(f"{name} — {path.name}" if name is not None else f"{path.name} (does not load)", path) for path, name in found]
    return sorted(out, key=lambda x: x[0].casefold())


def check_name(name: str, folder: str | Path | None = None) -> tuple[str, Path]:
    """The stripped name and the file a new alliance called ``name`` would get.

    Raises
    ------
    NameRefused
        when the name is empty, longer than :data:`workbook.strict.MAX_NAME` characters, holds
        ``/``, ``\\`` or a control character, or its file (``<slug>.yaml`` or ``.yml``) exists, or
        another alliance of the folder has a name with the same slug (one report folder for two).
    """
    folder = Path(folder) if folder is not None else default_folder()
    name = name.strip()
    if not name:
        raise NameRefused("Give the new alliance a name.")
    if len(name) > MAX_NAME:
        raise NameRefused(f"The name is {len(name)} characters long; at most {MAX_NAME} are allowed.")
    paths = sorted({c for c in name if c in "/\\"})
    if paths:
        shown = ", ".join(repr(c) for c in paths)
        raise NameRefused(f"A name cannot hold {shown}: it names an alliance, not a file or folder.")
    # control characters (C0 and C1), lone surrogates and the non-characters a YAML file cannot hold
    hidden = sorted({c for c in name if unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff"})
    if hidden:
        shown = ", ".join(f"U+{ord(c):04X}" for c in hidden)
        raise NameRefused(f"A name cannot hold control or invisible characters ({shown}).")
    slug = slugify(name)
    for suffix in SUFFIXES:
        taken = folder / f"{slug}{suffix}"
        if taken.exists():
            raise NameRefused(f"{taken.name} already exists in the params folder; pick it from the list, or choose another name.")
    for path, other in _alliances(folder):
        if other is not None and slugify(other) == slug:
            # two alliances whose names give one report folder: `workbook check` refuses the pair
            raise NameRefused(f"{path.name} holds {other!r}, whose reports would share a folder with this name; choose another name.")
    return name, folder / f"{slug}.yaml"


def _name_span(text: str, path: Path) -> tuple[int, int]:
    """Where the value of ``alliance.name`` is written in ``text``: (start, end) offsets."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode

    node = YAML(typ="rt").compose(text)
    for key, value in node.value if isinstance(node, MappingNode) else []:
        if key.value == "alliance" and isinstance(value, MappingNode):
            for k, v in value.value:
                if k.value == "name":
                    return v.start_mark.index, v.end_mark.index
    raise ParamsError([Problem(path, None, "alliance.name", "the example names no alliance")])


def new_alliance(example: str | Path, name: str, folder: str | Path | None = None) -> Path:
    """Copy ``example`` to a new params file for the alliance ``name``; returns its path.

    The copy is ``<folder>/<slug of name>.yaml`` (``folder`` defaults to the params folder, and
    the example must be a params file in it). Only the value of ``alliance.name`` changes (written
    as a double-quoted YAML string); every other byte, comments included, is the example's. The
    file is created exclusively: a file of that name appearing meanwhile is never overwritten.

    Raises
    ------
    NameRefused
        for a name :func:`check_name` refuses.
    WorkbookError
        when ``example`` is not a file of the folder; ParamsError when it does not validate.
    """
    folder = (Path(folder) if folder is not None else default_folder()).resolve()
    source = Path(example).resolve()
    if source.parent != folder or source.suffix not in SUFFIXES or not source.is_file():
        raise WorkbookError(f"There is no params file called {Path(example).name!r} in the params folder.")
    name, target = check_name(name, folder)
    text = read_text(source)
    check_text(text, source)
    start, end = _name_span(text, source)
    new_text = text[:start] + json.dumps(name, ensure_ascii=False) + text[end:]
    before = plain(parse_yaml_text(text, source))
    after = plain(parse_yaml_text(new_text, target))
    before["alliance"]["name"] = name
    if after != before:  # never write a copy that says something other than the example and the name
        raise WorkbookError(f"Could not set the name in a copy of {source.name}; nothing was written.")
    check_text(new_text, target)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise NameRefused(f"{target.name} already exists in the params folder; choose another name.") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(new_text)
    return target


class Picker:
    """Which params file a guided notebook works on: a dropdown of the params folder's files
    (by alliance name and file name) and "New alliance from an example…".

    Parameters
    ----------
    params_path : the notebook's parameter: a file to pick at the start (one outside the params
        folder, as papermill runs pass, is listed too); empty picks nothing.
    folder : the params folder (default :func:`default_folder`).

    Attributes
    ----------
    path : the picked file, or ``None``.
    choice : the dropdown; ``new_name``, ``example`` and ``create_button`` make a new alliance.
    """

    def __init__(self, params_path: str | Path = "", folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else default_folder()
        self._given = Path(params_path).resolve() if str(params_path).strip() else None
        self._listeners: list[Callable[[Path | None], None]] = []
        self.status = W.HTML()
        self.status.add_class("wb-picker-status")
        guard = friendly(self.status)
        self.choice = W.Dropdown(description="Alliance", style={"description_width": "70px"}, layout=W.Layout(width="640px"))
        self.choice.add_class("wb-pick")
        self.new_name = W.Text(description="Name", placeholder="e.g. Acme × Globex (EMEA)", style={"description_width": "110px"},
                               layout=W.Layout(width="520px"))
        self.new_name.add_class("wb-new-name")
        self.name_note = W.HTML(layout=W.Layout(flex="1 1 220px", min_width="220px", max_width="420px"))
        self.name_note.add_class("wb-note")
        self.example = W.Dropdown(description="Copy of", style={"description_width": "110px"}, layout=W.Layout(width="520px"))
        self.example.add_class("wb-new-example")
        self.create_button = W.Button(description="Create the new alliance", icon="plus", button_style="primary", layout=W.Layout(width="auto"))
        self.create_button.add_class("wb-create")
        self.create_button.on_click(guard(self._create))
        self.cancel_button = W.Button(description="Cancel", layout=W.Layout(width="auto"))
        self.cancel_button.on_click(guard(self._cancel))
        self.new_panel = W.VBox([
            W.HTML("<p>The new alliance starts as a copy of the file you choose (its comments too) with your name; "
                   "its file is named after the name.</p>"),
            W.HBox([self.new_name, self.name_note]), self.example, W.HBox([self.create_button, self.cancel_button]),
        ])
        self.new_panel.add_class("wb-new-alliance")
        self.banner = W.HTML()
        self.banner.add_class("wb-picked")
        self._previous: Path | None = None
        self._refresh(self._given)
        self.choice.observe(guard(self._picked), names="value")
        self.widget = W.VBox([W.HTML(CSS), self.choice, self.new_panel, self.banner, self.status])
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-picker")
        self._show()

    # -- state

    @property
    def path(self) -> Path | None:
        value = self.choice.value
        return None if value in (None, NEW) else Path(value)

    def _refresh(self, select: Path | None) -> None:
        """Re-list the folder and select ``select`` (or nothing)."""
        files = alliance_files(self.folder)
        options: list[tuple[str, Any]] = [("— pick an alliance —", None)]
        listed = {p.resolve() for _, p in files}
        if self._given is not None and self._given not in listed:
            options.append((f"{self._given.name} (given to this notebook)", str(self._given)))
        options += [(label, str(p.resolve())) for label, p in files]
        options.append(("New alliance from an example…", NEW))
        with self.choice.hold_sync():  # options and selection in one message (see TrustForm)
            self.choice.options = options
            self.choice.value = str(select.resolve()) if select is not None else None
        current = self.path
        self.example.options = [(label, str(p.resolve())) for label, p in files]
        if files:
            self.example.value = str((current or files[0][1]).resolve()) if current and current.resolve() in listed else str(files[0][1].resolve())

    def _show(self) -> None:
        creating = self.choice.value == NEW
        self.new_panel.layout.display = None if creating else "none"
        path = self.path
        if creating:
            self.banner.value = ""
        elif path is None:
            self.banner.value = message("info", "No alliance picked yet: pick one above, or choose \"New alliance from an "
                                        "example…\" to start your own. The forms below save into the file picked here.")
        else:
            self.banner.value = f'<div class="wb-status-info">The forms below read and save <code>{escape(path.name)}</code>.</div>'

    # -- behaviour

    def observe(self, callback: Callable[[Path | None], None]) -> None:
        """Call ``callback(path)`` whenever the pick changes (``None``: nothing picked)."""
        self._listeners.append(callback)

    def _picked(self, change: dict[str, Any]) -> None:
        if change["old"] not in (None, NEW):
            self._previous = Path(change["old"])
        self.status.value = ""
        self.name_note.value = ""
        self._show()
        for callback in self._listeners:
            callback(self.path)

    def pick(self, path: str | Path | None) -> None:
        """Pick ``path`` (a listed file), or nothing."""
        self.choice.value = None if path is None else str(Path(path).resolve())

    def _cancel(self, _button: Any = None) -> None:
        self.pick(self._previous)

    def create(self, name: str, example: str | Path | None = None) -> Path:
        """Make a new alliance called ``name`` from ``example`` (default: the one chosen in the
        panel) and pick it; returns its path. Raises what :func:`new_alliance` raises."""
        source = Path(example) if example is not None else Path(str(self.example.value))
        target = new_alliance(source, name, self.folder)
        self._refresh(None)
        self.pick(target)
        self.status.value = message("ok", f"Created {target.name} for {name.strip()} from {source.name}.")
        return target

    def _create(self, _button: Any = None) -> None:
        try:
            self.create(self.new_name.value)
        except NameRefused as exc:
            self.name_note.value = f'<span class="wb-note-error">{escape(str(exc))}</span>'
            self.status.value = message("error", f"Nothing was created: {exc}")
            return
        self.new_name.value = ""

    # -- what follows the pick

    def overview(self, section: str) -> Any:
        """The overview of ``section`` of the picked file, redrawn when the pick changes."""
        from .section_view import PickedOverview

        return PickedOverview(self, section)

    def form(self, form_class: Callable[[Path], Any]) -> PickedForm:
        """A guided form (e.g. ``guided.RampForm``, or anything made from a file's path that has
        a ``widget`` or ``root`` to show) on the picked file, rebuilt when the pick changes."""
        return PickedForm(self, form_class)

    def track_actuals(self, csv_path: str | Path | None = None) -> Any:
        """The plan against actual of the picked file (see :func:`workbook.ui.section_view.track_actuals`):
        ``csv_path`` is imported into the file picked when the cell runs; a later pick shows that
        file's recorded actuals."""
        from .section_view import PickedHTML, track_actuals

        first = self.path

        def draw(path: Path | None) -> str:
            if path is None:
                return message("info", "Pick an alliance above to see its plan against actual.")
            return track_actuals(path, csv_path if path == first else None).html

        return PickedHTML(self, draw)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class PickedForm:
    """A guided form on the picker's file, swapped for a new one when the pick changes.

    Attributes
    ----------
    form : the form on the picked file, or ``None`` (nothing picked, or the file does not load).
    widget : the container the notebook shows.
    """

    def __init__(self, picker: Picker, form_class: Callable[[Path], Any]):
        self.picker = picker
        self.form_class = form_class
        self.form: Any = None
        self.widget = W.VBox()
        self.widget.add_class("wb-picked-form")
        self._build(picker.path)
        picker.observe(self._build)

    def _build(self, path: Path | None) -> None:
        self.form = None
        if path is None:
            note = W.HTML(message("info", "The form appears once an alliance is picked at the top of the notebook."))
            self.widget.children = (note,)
            return
        try:
            self.form = self.form_class(path)
        except WorkbookError as exc:
            from .common import explain

            self.widget.children = (W.HTML(f'<pre class="wb-status-error">{escape(explain(exc))}</pre>'),)
            return
        # a guided form shows as its ``widget``; other pieces bound to one file (notebook 06's
        # upload) as their ``root``
        self.widget.children = (getattr(self.form, "widget", None) or self.form.root,)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
