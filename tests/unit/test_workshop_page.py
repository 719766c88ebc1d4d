"""The participant's light page draws only the widget kinds its renderer knows (static/light.js):
every kind the workshop app shows on any of its screens must be one of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ipywidgets as W
import nbformat

from workbook.apps.serve import APPS, TEMPLATES
from workbook.store import SQLiteStore
from workbook.ui.workshop import WorkshopApp

LIGHT_JS = TEMPLATES / "voila" / "templates" / "workbook-light" / "static" / "light.js"


def supported_views() -> set[str]:
    block = re.search(r"var VIEWS = \{(.*?)\};", LIGHT_JS.read_text(encoding="utf-8"), re.S)
    assert block, "light.js has no VIEWS table"
    return set(re.findall(r"^\s*(\w+Model):", block.group(1), re.M))


def shown(widget: W.Widget) -> set[str]:
    """Model names of ``widget`` and everything displayed inside it."""
    names = {widget._model_name}
    for child in getattr(widget, "children", ()):
        names |= shown(child)
    return names


def test_the_renderer_knows_every_widget_the_workshop_shows(tmp_path: Path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    code = store.create_session("Acme × Northwind", admission=False).code
    app = WorkshopApp(store, query={"session": code})
    seen = shown(app.root) | shown(app.join_screen)
    app.side_in.value = "vendor"
    app._join()
    seen |= shown(app.root) | shown(app.question_screen)
    app._show_review()
    seen |= shown(app.root) | shown(app.review_screen)
    missing = seen - supported_views()
    assert not missing, f"light.js cannot draw {sorted(missing)}: add a view there or keep the form to known widgets"
    assert {"ButtonModel", "ToggleButtonsModel", "TextModel", "IntProgressModel"} <= seen


def test_the_light_page_is_chosen_by_the_notebook_not_the_address():
    nb = nbformat.read(APPS / "workshop.ipynb", as_version=4)
    assert nb.metadata["voila"]["template"] == "workbook-light"
    config = json.loads((APPS / "voila.json").read_text())["VoilaConfiguration"]
    assert config["allow_template_override"] == "NOTEBOOK"  # never from the query string
    assert config["template"] == "workbook"
