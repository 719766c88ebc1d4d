"""The package's layout holds: it is layered (the domain, the batch, the widgets, the server, the
command line: :data:`LAYERS`), no module of ``workbook/`` imports, directly or through others, a
module that imports it back (an import inside a function counts too, and so does one made for
type checking only, under ``if TYPE_CHECKING:``), and each kind of thing lives in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import workbook

PACKAGE = Path(workbook.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = ".".join(base[: len(base) - node.level + 1] + [node.module or ""]).strip(".") if node.level else node.module or ""
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # the package itself (``from . import x`` names it) and a module's own parents don't count
            if target and target not in (name, "workbook") and not name.startswith(target + "."):
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path, name, set(files)) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_of_the_package_imports_itself_back():
    assert cycles(import_graph()) == []


#: The package's layers, lowest first: a module imports only from its own layer or those below.
#: The domain (the params file, its schema, the areas and their model, the charts) knows nothing of
#: how reports are batched or pages served; the batch (``workbook/reports/``) renders reports from
#: the domain; the widgets (``workbook/ui/``, run in the kernels) may render a report on request;
#: the server (``workbook/apps/``) serves them; the command line drives everything.
LAYERS = ("domain", "workbook.reports", "workbook.ui", "workbook.apps", "workbook.cli")


def layer(module: str) -> int:
    for i, prefix in reversed(list(enumerate(LAYERS))):
        if module == prefix or module.startswith(prefix + "."):
            return i
    return 0


def layer_breaches(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((m, dep) for m, deps in graph.items() for dep in deps if layer(dep) > layer(m))


def test_each_layer_imports_only_the_layers_below_it():
    assert layer_breaches(import_graph()) == []
    # the server's kernels share only names with it (workbook/kernel_env.py, no imports at all)
    assert import_graph()["workbook.kernel_env"] == set()


def test_the_layer_check_finds_a_breach():
    graph = {"workbook.ramp": {"workbook.reports.batch"}, "workbook.ui.forms": {"workbook.ramp"}, "workbook.reports.pdf": {"workbook.apps.serve"}}
    assert layer_breaches(graph) == [("workbook.ramp", "workbook.reports.batch"), ("workbook.reports.pdf", "workbook.apps.serve")]


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_schema_does_no_io_and_the_store_no_domain_math():
    graph = import_graph()
    # workbook.months, like workbook.text, only words things (a file's start dates its months);
    # workbook.inputs is the table of the ramp's inputs (data only), whose bounds the schema takes
    allowed = {"workbook.currency", "workbook.inputs", "workbook.instruments", "workbook.months", "workbook.strict", "workbook.text"}
    assert graph["workbook.schema"] <= allowed, graph["workbook.schema"]
    domain = {"workbook.scoping", "workbook.trust", "workbook.ramp", "workbook.value", "workbook.signals"}
    assert not graph["workbook.store"] & domain, graph["workbook.store"]


def test_charts_are_built_only_in_the_charts_package():
    """Only ``workbook/charts/`` builds Altair charts (``alt.Chart``); the apps and views call it."""
    builders = []
    for path in PACKAGE.rglob("*.py"):
        if "charts" in path.relative_to(PACKAGE).parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "alt.Chart(" in text or "alt.layer(" in text or "alt.vconcat(" in text:
            builders.append(str(path.relative_to(PACKAGE)))
    assert builders == []


def test_every_flag_belongs_to_an_area_of_the_registry():
    """A flag names its area by the registry's key, so the summary's traffic lights count it."""
    from tests.conftest import EXAMPLES
    from workbook import load_params
    from workbook.areas import AREAS, assess

    for path in EXAMPLES:
        flags = assess(load_params(path)).flags
        assert flags and {f.area for f in flags} <= set(AREAS), path.name


def test_one_area_assessed_alone_shows_what_the_whole_assessment_shows():
    """A guided form redraws one area on every edit: assessing only that area gives the same
    charts as assessing them all, and every flag of the area (a finding another area also raised,
    which the whole assessment shows once under that area, stays with this one)."""
    from tests.conftest import EXAMPLES
    from workbook import load_params
    from workbook.areas import AREAS, assess

    params = load_params(EXAMPLES[0])
    everything = assess(params)
    for key in AREAS:
        alone = assess(params, only=(key,))
        assert set(alone.results) == {key}
        assert set(everything.area_flags(key)) <= set(alone.area_flags(key)), key
        charts = [b.to_dict() for b in alone.view(key) if not isinstance(b, str)]
        assert charts == [b.to_dict() for b in everything.view(key) if not isinstance(b, str)], key
