"""`workbook check` as a user runs it: the real console script in a subprocess, on copies of the
bad-params corpus (``tests/data/bad/``, each file stating its expected problems in its header).

Contract: exit 0 on good files; exit 2 with one ``file:line: field: message`` line on stderr per
problem, for every file; nothing is written anywhere.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import workbook_cmd
from tests.unit.test_bad_params import BAD_DIR, CORPUS, Expect, parse_expectations

GOOD = """\
schema: 1
alliance:
  name: Acme Cloud × Northwind Systems
  vendor: Acme Cloud
  partner: Northwind Systems
  type: reseller
ramp:
  horizon_months: 36
  commitment_months: 24
  enablement_months: 3
  sales_cycle_months: 4
  ramp_months: 9
  steady_deals_per_month: 3
  avg_deal_value: 40000
  partner_margin: 0.20
  gross_margin: 0.70
  discount_rate: 0.10
  investment:
    - {name: Alliance manager, monthly_cost: 12000, start_month: 1, end_month: 36}
    - {name: Launch enablement, one_off: 30000, month: 1}
  events:
    - {month: 10, kind: people_change, severity: 0.5, note: alliance manager reassigned}
  uncertainty:
    sales_cycle_months: [3, 4, 7]
    avg_deal_value: [25000, 40000, 60000]
  target_revenue: {12: 200000, 24: 900000, 36: 2000000}
"""


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch folder holding a copy of the bad corpus and one good file; the command runs here."""
    for path in CORPUS:
        shutil.copy2(path, tmp_path / path.name)
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def expected_prefix(name: str, expect: Expect) -> str:
    where = f"{name}:{expect.line}" if expect.line is not None else name
    return f"{where}: {expect.field}: "


def assert_reported(stderr: str, name: str) -> None:
    lines = stderr.splitlines()
    for expect in parse_expectations(BAD_DIR / name):
        prefix = expected_prefix(name, expect)
        hits = [ln for ln in lines if ln.startswith(prefix) and expect.message in ln[len(prefix):]]
        assert len(hits) == 1, f"expected one line {prefix}...{expect.message!r} in stderr:\n{stderr}"


def run_check(workdir: Path, *names: str):
    before = snapshot(workdir)
    proc = workbook_cmd("check", *names, cwd=workdir, timeout=120)
    assert snapshot(workdir) == before, "`workbook check` wrote or changed files"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_good_file_exits_0_and_writes_nothing(workdir: Path):
    proc = run_check(workdir, "good.yaml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "name",
    [
        "01_unknown_key_typo.yaml",
        "04_invalid_yaml.yaml",
        "05_empty.yaml",
        "07_share_as_percent.yaml",
        "13_event_after_horizon.yaml",
        "28_several_problems.yaml",
    ],
)
def test_bad_file_exits_2_with_file_line_field_on_stderr(workdir: Path, name: str):
    assert (BAD_DIR / name).exists(), f"corpus file {name} is gone: update this list"
    proc = run_check(workdir, name)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert_reported(proc.stderr, name)
    assert len(proc.stderr.splitlines()) == len(parse_expectations(BAD_DIR / name)), proc.stderr
    assert name not in proc.stdout  # problems go to stderr only


def test_whole_corpus_every_problem_of_every_file_is_reported(workdir: Path):
    names = [p.name for p in CORPUS]
    proc = run_check(workdir, *names)
    assert proc.returncode == 2
    for name in names:
        assert_reported(proc.stderr, name)
    total = sum(len(parse_expectations(p)) for p in CORPUS)
    assert len(proc.stderr.splitlines()) == total, proc.stderr


def test_one_bad_file_among_good_ones_still_exits_2(workdir: Path):
    proc = run_check(workdir, "good.yaml", "17_string_number.yaml", "good.yaml")
    assert proc.returncode == 2
    assert_reported(proc.stderr, "17_string_number.yaml")
    assert "17_string_number.yaml:" in proc.stderr and "good.yaml" not in proc.stderr


def with_name(name: str) -> str:
    return GOOD.replace("name: Acme Cloud × Northwind Systems", f"name: {name}", 1)


def test_two_files_naming_one_alliance_are_a_problem_of_both(workdir: Path):
    (workdir / "copy.yaml").write_text(GOOD, encoding="utf-8")
    proc = run_check(workdir, "good.yaml", "copy.yaml")
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 2, proc.stderr
    assert lines[0].startswith("good.yaml:3: alliance.name: ") and "copy.yaml:3" in lines[0]
    assert lines[1].startswith("copy.yaml:3: alliance.name: ") and "good.yaml:3" in lines[1]
    assert "its own name" in lines[0]
    assert "ok" not in proc.stdout


def test_two_names_giving_one_report_folder_are_a_problem_of_both(workdir: Path):
    (workdir / "a.yaml").write_text(with_name("Acme & Co"), encoding="utf-8")
    (workdir / "b.yaml").write_text(with_name("ACME Co."), encoding="utf-8")
    proc = run_check(workdir, "a.yaml", "b.yaml", "good.yaml")
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 2, proc.stderr
    assert lines[0].startswith("a.yaml:3: alliance.name: 'Acme & Co' gives the same report folder 'acme-co' as 'ACME Co.' in b.yaml:3")
    assert lines[1].startswith("b.yaml:3: alliance.name: 'ACME Co.' gives the same report folder 'acme-co' as 'Acme & Co' in a.yaml:3")
    assert proc.stdout == "good.yaml: ok\n"


def test_emoji_and_cjk_names_of_different_alliances_pass(workdir: Path):
    for i, name in enumerate(["🚀🤝", "💡🔥", "东方电子", "华为"]):
        (workdir / f"n{i}.yaml").write_text(with_name(f'"{name}"'), encoding="utf-8")
    proc = run_check(workdir, "n0.yaml", "n1.yaml", "n2.yaml", "n3.yaml")
    assert proc.returncode == 0, proc.stderr
