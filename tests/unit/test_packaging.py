"""The project's own invariants: one source of dependencies, thin stripped notebooks, the two commands."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment() -> dict:
    return YAML(typ="safe").load((ROOT / "environment.yml").read_text())


def test_environment_yml_installs_the_same_set_as_pyproject():
    env = _environment()
    deps = env["dependencies"]
    pip_block = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    extras = set(_pyproject()["project"]["optional-dependencies"])
    # the project itself, with every extra the test suite needs: so exactly pyproject's set
    assert len(pip_block) == 1 and re.fullmatch(r"-e \.\[(.+)\]", pip_block[0]), pip_block
    named = set(re.fullmatch(r"-e \.\[(.+)\]", pip_block[0]).group(1).split(","))
    assert named == extras
    # no Python package is listed twice (conda-side), only python and pip themselves
    conda_side = [d for d in deps if isinstance(d, str)]
    assert {re.split(r"[=<>]", d)[0] for d in conda_side} == {"python", "pip"}


def test_python_versions_agree():
    env_py = next(d for d in _environment()["dependencies"] if isinstance(d, str) and d.startswith("python"))
    version = env_py.split("=")[1]
    spec = _pyproject()["project"]["requires-python"]
    lower = spec.removeprefix(">=")
    assert tuple(map(int, version.split("."))) >= tuple(map(int, lower.split(".")))


def test_notebooks_are_committed_without_outputs_and_stay_thin():
    for path in ROOT.glob("notebooks/**/*.ipynb"):
        nb = json.loads(path.read_text())
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) <= 1, path
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            assert not cell.get("outputs") and not cell.get("execution_count"), f"{path} has outputs"
            tree = ast.parse("".join(cell["source"]))
            defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
            assert not defs, f"{path}: logic belongs in workbook/, not in a notebook cell"


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    head = text[: text.find("\n## ", text.find("make test"))]
    assert "make run" in head and "make test" in head
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_rfc3987_syntax_is_not_importable_in_the_project_environment():
    """jsonschema's optional IRI checker costs ~2.7 s per process (see the Makefile)."""
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('rfc3987_syntax') is not None)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_readme_where_things_live_points_at_real_places():
    text = (ROOT / "README.md").read_text()
    table = text[text.index("## Where things live") :].split("\n## ")[0]
    paths = set(re.findall(r"`((?:workbook|notebooks|params|tests)/[^`*]*?)`", table))
    assert len(paths) >= 6
    missing = [p for p in paths if "NN_" not in p and not (ROOT / p).exists()]
    assert missing == []


# --------------------------------------------------------------------------------------------
# The wheel (tests/e2e/test_wheel.py installs it for real)


def test_every_notebook_and_app_file_is_shipped_in_the_package():
    """``workbook/notebooks`` links to ``notebooks/``, and package-data takes every file there:
    a new app notebook cannot be left out of the wheel unnoticed."""
    import fnmatch

    link = ROOT / "workbook" / "notebooks"
    assert link.is_symlink() and link.readlink() == Path("..") / "notebooks"
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]["workbook"]
    listed = subprocess.run(["git", "ls-files", "notebooks"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert listed
    left_out = [f for f in listed if not any(fnmatch.fnmatch(f, p) for p in patterns)]
    assert left_out == []


def test_only_workbook_resources_knows_where_the_shipped_files_are():
    """No module finds files through its own location or the repository's layout."""
    from workbook import resources

    assert resources.report_notebook().is_file()
    assert (resources.apps_dir() / "voila.json").is_file()
    assert (resources.templates_dir() / "offline" / "print.css").is_file()
    assert (resources.jupyter_dir() / "voila" / "templates" / "workbook").is_dir()
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "workbook").rglob("*.py") if "__file__" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_user_data_follows_the_current_folder_and_the_overrides(tmp_path, monkeypatch):
    """params/, reports/ and workshop.sqlite are those of the folder ``workbook`` runs in, not
    the package's; the options and environment variables still override them."""
    from workbook.apps.serve import ServeOptions, environment
    from workbook.ui import paths

    monkeypatch.chdir(tmp_path)
    for name in ("WORKBOOK_PARAMS_DIR", "WORKBOOK_REPORTS_DIR", "WORKBOOK_STORE", "WORKBOOK_EXPORT_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert paths.params_dir().resolve() == tmp_path / "params"
    assert paths.reports_dir().resolve() == tmp_path / "reports"
    assert paths.exports_dir().resolve() == tmp_path / "params"
    env = environment(ServeOptions(), base={})
    assert env["WORKBOOK_PARAMS_DIR"] == str(tmp_path / "params")
    assert env["WORKBOOK_REPORTS_DIR"] == str(tmp_path / "reports")
    assert env["WORKBOOK_STORE"] == str(tmp_path / "workshop.sqlite")
    # relative overrides are taken from this folder too, once, before Voila runs elsewhere
    env = environment(ServeOptions(), base={"WORKBOOK_PARAMS_DIR": "mine", "WORKBOOK_STORE": "/srv/w.sqlite"})
    assert env["WORKBOOK_PARAMS_DIR"] == str(tmp_path / "mine") and env["WORKBOOK_STORE"] == "/srv/w.sqlite"
    env = environment(ServeOptions(reports_dir=Path("out")), base={"WORKBOOK_REPORTS_DIR": "ignored"})
    assert env["WORKBOOK_REPORTS_DIR"] == str(tmp_path / "out")
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(tmp_path / "elsewhere"))
    assert paths.params_dir() == tmp_path / "elsewhere"


def test_make_lab_pins_the_user_data_to_the_folder_it_starts_in(tmp_path, monkeypatch):
    """JupyterLab's kernels run in the notebook's folder (an app notebook in notebooks/apps/):
    `make lab` gives them the repository's params/, reports/ and workshop.sqlite."""
    from workbook.apps.labhooks import lab_environment

    monkeypatch.chdir(tmp_path)
    env = lab_environment({"PATH": "/bin", "WORKBOOK_REPORTS_DIR": "out"})
    assert env["PATH"] == "/bin"
    assert env["WORKBOOK_PARAMS_DIR"] == str(tmp_path / "params")
    assert env["WORKBOOK_REPORTS_DIR"] == str(tmp_path / "out")
    assert env["WORKBOOK_STORE"] == str(tmp_path / "workshop.sqlite")
    assert "WORKBOOK_EXPORT_DIR" not in env
