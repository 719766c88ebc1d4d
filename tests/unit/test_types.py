"""The package type-checks under `mypy --strict` with the configuration in pyproject.toml.

mypy runs in this process through `mypy.api.run`. Its cache lives outside the repository, under
``$XDG_CACHE_HOME`` (default ``~/.cache``), keyed by checkout and environment, so a second run
only re-checks the modules that changed (about 20 s cold, under a second warm on this project).
Where that folder cannot be written, the run uses a fresh folder under pytest's temporary one.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import tokenize
import tomllib
from pathlib import Path

import mypy.api
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workbook"


def _mypy_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    # one cache per checkout and interpreter: another venv may have other stubs installed
    key = hashlib.sha256(f"{ROOT}\0{sys.prefix}".encode()).hexdigest()[:12]
    cache = base / "alliance-workbook" / "mypy" / key
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return tmp_path_factory.mktemp("mypy-cache")
    return cache


def _mypy(cache: Path, *paths: str) -> tuple[str, str, int]:
    """mypy with the project's configuration; ``files`` there is relative to the repository."""
    return mypy.api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache), "--no-color-output", *paths]
    )


def test_the_configuration_is_strict_over_the_whole_package():
    config = _mypy_config()
    assert config["strict"] is True
    assert config["files"] == ["workbook"]
    assert config["python_version"] == "3.11"
    for override in config.get("overrides", []):
        modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
        # only third-party modules may be relaxed, and only by treating their names as Any
        assert not [m for m in modules if m == "workbook" or m.startswith("workbook.")], override
        assert set(override) <= {"module", "ignore_missing_imports"}, override


def test_every_type_ignore_names_its_error_code_and_says_why():
    """`# type: ignore[code]  # reason` — a bare ignore hides every future error on that line."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT or not re.match(r"#\s*type:\s*ignore", token.string):
                continue
            m = re.match(r"#\s*type:\s*ignore\[[a-z0-9-]+(?:,\s*[a-z0-9-]+)*\]\s*(?:#\s*)?(.*)", token.string)
            if m is None or len(m.group(1).strip()) < 3:
                bad.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string}")
    assert bad == [], "type: ignore without an error code or a reason:\n" + "\n".join(bad)


def test_the_package_passes_mypy_strict(monkeypatch, mypy_cache):
    monkeypatch.chdir(ROOT)  # `files` in the configuration is relative to the working directory
    stdout, stderr, status = _mypy(mypy_cache)
    if status != 0:
        pytest.fail(f"mypy --strict found problems (exit {status}):\n{stdout}{stderr}", pytrace=False)
    assert "Success" in stdout, stdout


PUBLIC_API_PROBE = '''
from typing import assert_type

import workbook
from workbook import Assessment, Params
from workbook.ramp import RampAnalysis
from workbook.scoping import ScopingResult
from workbook.trust import TrustResult, analyse as analyse_trust, widest_gap

params = workbook.load_params("params/example.yaml")
assert_type(params, Params)
assert_type(workbook.assess(params), Assessment)
assert_type(workbook.ramp.analyse(params), RampAnalysis)
assert params.trust is not None and params.scope is not None
result = analyse_trust(params.trust)
assert_type(result, TrustResult)
assert_type(widest_gap(result), tuple[str, float] | None)
assert_type(workbook.scoping.analyse(params.scope), ScopingResult)
'''


def test_the_public_api_is_typed_as_a_notebook_sees_it(monkeypatch, tmp_path, mypy_cache):
    """What notebooks call gives real types (Params, results), not ``Any``: ``assert_type``
    fails under mypy when a return type decays to ``Any``."""
    monkeypatch.chdir(ROOT)
    probe = tmp_path / "probe.py"
    probe.write_text(PUBLIC_API_PROBE)
    stdout, stderr, _ = _mypy(mypy_cache, str(probe))
    # only the probe's own lines count here; the package's errors are the test above's business
    problems = [line for line in stdout.splitlines() if line.startswith(str(probe))]
    assert problems == [], "\n".join(problems) + stderr
