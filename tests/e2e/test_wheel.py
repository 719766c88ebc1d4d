"""The built wheel works on its own: installed into a fresh virtualenv, run from a folder that
holds nothing but a params file, it renders a report and serves the apps.

The wheel is built from a copy of the sources (so the working tree gets no build/ folder) and
installed with its dependencies from the package index, as a user would install it; with pip's
cache warm (``make test`` installed ``.venv`` just before) that takes about 50 s here.
"""

from __future__ import annotations

import html
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PARAMS, ROOT
from workbook import load_params

pytestmark = pytest.mark.notebook

EXAMPLE = PARAMS / "marketplace-referral.yaml"
SHIPPED = [
    "workbook/notebooks/alliance_report.ipynb",
    "workbook/notebooks/01_scope_alliance.ipynb",
    "workbook/notebooks/apps/workshop.ipynb",
    "workbook/notebooks/apps/facilitator.ipynb",
    "workbook/notebooks/apps/portfolio.ipynb",
    "workbook/notebooks/apps/alliance.ipynb",
    "workbook/notebooks/apps/programme.ipynb",
    "workbook/notebooks/apps/voila.json",
    "workbook/templates/index.html.j2",
    "workbook/templates/offline/index.html.j2",
    "workbook/templates/offline/print.css",
    "workbook/ui/jupyter/voila/templates/workbook/index.html.j2",
    "workbook/ui/jupyter/voila/templates/workbook-light/static/light.js",
]


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything that could point Python at the repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("WORKBOOK_")}
    return {**env, "PYTHONNOUSERSITE": "1", **extra}


def _run(cmd: list[str], cwd: Path, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_clean_env(**env))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of what it is made of."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    # symlinks=True: workbook/notebooks stays a link to notebooks/, as in the repository
    shutil.copytree(ROOT / "workbook", src / "workbook", symlinks=True, ignore=junk)
    shutil.copytree(ROOT / "notebooks", src / "notebooks", ignore=junk)
    assert (src / "workbook" / "notebooks").is_symlink()
    proc = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp / "dist"), str(src)], cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    (built,) = (tmp / "dist").glob("alliance_workbook-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies installed from the package index
    (about 50 s here with pip's cache warm)."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    started = time.monotonic()
    proc = _run([sys.executable, "-m", "venv", str(target)], cwd=target.parent)
    assert proc.returncode == 0, proc.stderr
    proc = _run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], cwd=target.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # as the Makefile does: jsonschema's optional IRI checker costs seconds in every process
    _run([str(target / "bin" / "python"), "-m", "pip", "uninstall", "--quiet", "-y", "rfc3987-syntax"], cwd=target.parent)
    print(f"venv with the wheel and its dependencies: {time.monotonic() - started:.0f} s")
    return target


@pytest.fixture
def folder(tmp_path) -> Path:
    """A user's folder elsewhere, holding only a copy of one params file."""
    (tmp_path / "params").mkdir()
    shutil.copy2(EXAMPLE, tmp_path / "params" / "x.yaml")
    return tmp_path


def test_the_wheel_ships_the_notebooks_and_templates_as_real_files(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert [n for n in SHIPPED if n not in names] == []
        for name in SHIPPED:
            info = zf.getinfo(name)
            assert (info.external_attr >> 16) & 0o170000 != 0o120000, f"{name} is a link"  # not a symlink
            assert zf.read(name) == (ROOT / name).read_bytes(), name  # in the repository: through the link
        # the source tree's own folders do not leak in
        assert not [n for n in names if n.startswith(("notebooks/", "params/", "tests/", "reports/"))]


def test_the_installed_wheel_renders_a_report_from_another_folder(venv, folder):
    python, workbook = venv / "bin" / "python", venv / "bin" / "workbook"
    where = _run([str(python), "-c", "import workbook, workbook.resources as r; print(workbook.__file__); print(r.report_notebook())"], cwd=folder)
    assert where.returncode == 0, where.stderr
    module, notebook = map(Path, where.stdout.split())
    assert module.resolve().is_relative_to(venv.resolve()) and notebook.is_relative_to(venv.resolve()), where.stdout
    assert notebook.is_file() and not notebook.is_symlink()

    proc = _run([str(workbook), "report", "params/x.yaml", "--out", "reports"], cwd=folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 of 1 reports rendered" in proc.stdout
    name = load_params(EXAMPLE).alliance.name
    report = folder / "reports" / load_params(EXAMPLE).slug / "report.html"
    assert html.escape(name) in report.read_text(encoding="utf-8")
    index = (folder / "reports" / "index.html").read_text(encoding="utf-8")
    assert html.escape(name) in index and f"{load_params(EXAMPLE).slug}/report.html" in index
    # nothing was written next to the installed package
    assert not (folder / "notebooks").exists()


def test_the_installed_wheel_serves_the_apps_from_another_folder(venv, folder):
    from tests.browser.server import free_port

    port = free_port()
    log = folder / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(venv / "bin" / "workbook"), "serve", "--port", str(port), "--room-size", "0"],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/voila/render/portfolio.ipynb"
        body, deadline = "", time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    assert response.status == 200
                    body = response.read().decode("utf-8", errors="replace")
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        output = log.read_text()
        assert body, f"no answer from {url}:\n{output[-3000:]}"
        # the published apps are the wheel's, and the data is this folder's
        assert f"Serving {venv.resolve()}" in output, output
        assert f"Workshop store: {folder.resolve() / 'workshop.sqlite'}" in output, output
        # the app's notebook ran and produced its widget (whose content the browser draws)
        assert "application/vnd.jupyter.widget-view+json" in body and "VBox(" in body
        assert '"output_type": "error"' not in body and "Traceback" not in body
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
