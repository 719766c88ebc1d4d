"""An area is four places: its schema section, its domain module, its renderer in
``workbook/views.py`` and its entry in ``workbook/areas.py`` (README, "Where things live"). The
report, the board and the dashboards go through the registry; these tests fail when a page draws
or computes an area by hand again, or when the report leaves an area of the registry out."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path
from types import ModuleType

from bs4 import BeautifulSoup

from tests.conftest import EXAMPLES
from workbook import actuals, load_params, ramp, scoping, signals, trust, value, views
from workbook.areas import AREAS, assess
from workbook.charts import actuals as actuals_charts
from workbook.charts import commitment, instruments, partner
from workbook.charts import ramp as ramp_charts
from workbook.charts import render
from workbook.resources import report_notebook

PACKAGE = Path(views.__file__).resolve().parent

#: Where an area's work is done: the registry, the renderers, the charts and the domain modules.
AREA_MODULES = {"workbook.areas", "workbook.views", "workbook.scoping", "workbook.trust", "workbook.ramp", "workbook.value", "workbook.signals", "workbook.actuals"}



def draws_an_area(name: str) -> bool:
    """Whether a function of :mod:`workbook.views` so named draws (part of) one area: every
    ``*_view``, ``*_charts`` and ``*_live``, and ``section`` (one area by key); ``*_section``
    too, the report's per-area functions of old."""
    return name == "section" or name.endswith(("_section", "_view", "_charts", "_live")) and name not in ("use_static_charts", "use_charts", "missing_section")


#: What only those places use: the renderers of the areas' pictures, the areas' charts and the
#: analyses the registry runs.
RENDERERS = {f for name, f in vars(views).items() if callable(f) and draws_an_area(name)}
CHARTS = {
    f for m in (instruments, actuals_charts, ramp_charts, partner, commitment)
    for name, f in vars(m).items() if inspect.isfunction(f) and not name.startswith("_") and f.__module__ == m.__name__
}
ANALYSES = {scoping.analyse, trust.analyse, ramp.analyse, value.analyse, signals.timeline, actuals.track}
PER_AREA = RENDERERS | CHARTS | ANALYSES

#: The few pages that draw a part of an area themselves, and why. Each draws it from the
#: registry's result (``assess``), never computing it beside the registry.
ALLOWED = {
    # the money machine's own app: its what-if chart is live (redrawn from its data), and the
    # plan against actual and trust over the assessments are drawn as images under it
    "workbook.ui.dashboards": {"ramp_chart", "ramp_chart_data", "actuals_chart", "attribution_chart", "trust_history_charts"},
    # notebook 06 shows the money machine's actuals part alone
    "workbook.ui.section_view": {"actuals_view"},
    # an export writes the file's trust indices into trust.previous
    "workbook.export": {"analyse"},
    # the spreadsheet is the money machine's model, its scenarios and simulation
    "workbook.reports.spreadsheet": {"analyse"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, level: int, here: str, is_package: bool) -> str:
    if not level:
        return module
    base = here.split(".") if is_package else here.split(".")[:-1]
    return ".".join(base[: len(base) - level + 1] + ([module] if module else []))


def _area_work(path: Path, here: str) -> set[str]:
    """The per-area functions that the module ``here`` (its source at ``path``) uses, by name:
    imported from a module of an area (``from ..charts.instruments import readiness_chart``)
    or reached through one (``views.trust_charts``, ``trust_model.analyse``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, ModuleType] = {}  # a name in the file -> the workbook module it stands for
    used: set[str] = set()

    def check(obj: object, name: str) -> None:
        if isinstance(obj, ModuleType):
            return
        if any(obj is f for f in PER_AREA):
            used.add(name)

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(node.module or "", node.level, here, path.name == "__init__.py")
            if not source.startswith("workbook"):
                continue
            try:
                mod = importlib.import_module(source)
            except ImportError:
                continue
            for alias in node.names:
                obj = getattr(mod, alias.name, None)
                if obj is None:  # a submodule not imported yet
                    try:
                        obj = importlib.import_module(f"{source}.{alias.name}")
                    except ImportError:
                        continue
                if isinstance(obj, ModuleType):
                    modules[alias.asname or alias.name] = obj
                else:
                    check(obj, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("workbook") and alias.asname:
                    modules[alias.asname] = importlib.import_module(alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            check(getattr(modules[node.value.id], node.attr, None), node.attr)
    return used


def _offenders() -> dict[str, set[str]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if name in AREA_MODULES or name.startswith("workbook.charts"):
            continue
        used = _area_work(path, name)
        if used:
            out[name] = used
    return out


def test_no_page_draws_or_computes_an_area_by_hand():
    """Outside the registry, the renderers, the charts and the domain modules, only the pages of
    ``ALLOWED`` use an area's renderer, chart or analysis, each only what it is allowed: a board
    drawing trust itself, or a page analysing trust beside the registry, fails here."""
    found = _offenders()
    extra = {m: used - ALLOWED.get(m, set()) for m, used in found.items() if used - ALLOWED.get(m, set())}
    assert extra == {}, "draw and compute areas through workbook.areas (assess, the area's view, live)"
    stale = {m: names - found.get(m, set()) for m, names in ALLOWED.items() if names - found.get(m, set())}
    assert stale == {}, "ALLOWED names what a page no longer uses: take it out"


def test_the_check_sees_a_board_that_draws_trust_itself(tmp_path):
    """The check above can fail: a board drawing trust with the views' chart functions and
    analysing the room's answers itself, as the facilitator's board once did, is caught."""
    board = tmp_path / "facilitator.py"
    board.write_text(
        "from .. import trust, views\nfrom ..charts.instruments import readiness_chart\n\n"
        "def draw(section, scope):\n    return views.trust_charts(trust.analyse(section)), readiness_chart(scope.groups)\n",
        encoding="utf-8",
    )
    assert _area_work(board, "workbook.ui.facilitator") == {"trust_charts", "analyse", "readiness_chart"}


def _report_code() -> list[ast.Module]:
    nb = json.loads(report_notebook().read_text(encoding="utf-8"))
    return [ast.parse("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]


def test_the_report_notebook_draws_the_areas_with_one_call_and_no_area_by_name():
    """No heading and call per area in the notebook: one ``area_sections`` call, no area's key
    and no renderer of one area (``views.trust_section``, ``views.section(a, "trust")``)."""
    calls, strings = [], []
    for tree in _report_code():
        calls += [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
        strings += [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert calls.count("area_sections") == 1
    assert {name for name in calls if draws_an_area(name)} == set()
    assert [s for s in strings if s in AREAS] == []


def test_the_report_shows_every_area_of_the_registry_in_its_order(monkeypatch):
    """What the notebook's one call renders: each area's heading (h2, nbconvert's id and
    anchor) and introduction, its picture, then its parts' (h3), in the registry's order."""
    monkeypatch.setattr(render, "figure_html", lambda chart: '<figure class="wb-chart"></figure>')  # no SVG: the headings are the point
    a = assess(load_params(EXAMPLES[0]))
    page = BeautifulSoup(views.area_sections(a).html, "html.parser")
    shown = [(h.name, h.get("id"), h.get_text().removesuffix("¶"), h.find_next_sibling("p").get_text()) for h in page.select(".wb-section > :first-child")]
    expected = []
    for area in AREAS.values():
        expected.append(("h2", area.heading.replace(" ", "-"), area.heading, area.intro))
        expected += [("h3", part.heading.replace(" ", "-"), part.heading, part.intro) for part in area.parts]
    assert shown == expected
    assert [s["class"][-1] for s in page.select("section.wb-area")] == [f"wb-area-{key}" for key in AREAS]
    # each area's section holds its own picture: the money machine's holds the ramp's flags, the
    # trust area's its alpha table
    assert "Do the statements hang together?" in page.select_one(".wb-area-trust").get_text()
    assert all(f.message in page.select_one(".wb-area-ramp").get_text() for f in a.area_flags("ramp"))
