"""A second `workbook report` over unchanged files keeps their reports and renders only what
changed: the params file, the workbook package, the report notebook, or the wish for a PDF."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.reports import freshness as cache
from workbook.params import is_programme_file
from workbook.reports.folders import plan_batch

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "params").glob("*.yaml") if not is_programme_file(p))
WORKBOOK = Path(sys.executable).parent / "workbook"

pytestmark = pytest.mark.notebook


#: ``workbook report ARGS`` in this process, then which heavy libraries it imported.
UNCHANGED_RUN = """
import sys
from workbook.cli import app
sys.argv = ["workbook", "report", *sys.argv[1:]]
try:
    app()
except SystemExit as exc:
    assert not exc.code, exc.code
print("heavy:", sorted(m for m in ("pandas", "numpy", "altair", "vl_convert") if m in sys.modules))
"""


def report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(WORKBOOK), "report", *args], capture_output=True, text=True, timeout=600)


def stamps(out: Path) -> dict[str, int]:
    """Each report page's modification time (ns), by folder."""
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.html")}


@pytest.fixture
def two_files(tmp_path):
    folder = tmp_path / "params"
    folder.mkdir()
    for p in EXAMPLES[:2]:
        shutil.copy(p, folder / p.name)
    return sorted(folder.glob("*.yaml"))


def test_unchanged_files_are_kept_and_an_edited_one_is_rendered_again(tmp_path, two_files):
    out = tmp_path / "out"
    first = report(*map(str, two_files), "--out", str(out), "--jobs", "2")
    assert first.returncode == 0, first.stderr
    assert "2 of 2 reports rendered." in first.stdout
    before = stamps(out)
    keys = {f.parent.name: json.loads(f.read_text()) for f in out.glob("*/render.json")}
    assert sorted(k["params"] for k in keys.values()) == sorted(cache.file_digest(p) for p in two_files)

    second = report(*map(str, two_files), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert "0 of 2 reports rendered; 2 unchanged" in second.stdout
    assert stamps(out) == before  # not touched
    # nothing is assessed, so neither pandas nor Altair is imported: the run takes a blink
    loaded = subprocess.run([sys.executable, "-c", UNCHANGED_RUN, *map(str, two_files), "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert loaded.returncode == 0, loaded.stderr
    assert "0 of 2 reports rendered; 2 unchanged" in loaded.stdout and loaded.stdout.rstrip().endswith("heavy: []"), loaded.stdout
    assert "2 reports in this folder" in (out / "index.html").read_text(encoding="utf-8")

    edited = two_files[0]
    text = edited.read_text(encoding="utf-8")
    old = json.loads(next(f for f in out.glob("*/summary.json") if json.loads(f.read_text())["file"] == str(edited)).read_text())
    assert "  commitment_months: 24\n" in text
    edited.write_text(text.replace("  commitment_months: 24\n", "  commitment_months: 30\n", 1), encoding="utf-8")
    third = report(*map(str, two_files), "--out", str(out))
    assert third.returncode == 0, third.stderr
    assert "1 of 2 reports rendered; 1 unchanged" in third.stdout
    after = stamps(out)
    changed = [slug for slug in before if after[slug] != before[slug]]
    assert changed == [old["slug"]]
    new = json.loads((out / old["slug"] / "summary.json").read_text())
    assert (old["commitment_months"], new["commitment_months"]) == (24, 30)

    forced = report(*map(str, two_files), "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "2 of 2 reports rendered." in forced.stdout
    assert all(stamps(out)[slug] != after[slug] for slug in after)


def test_what_a_report_depends_on_decides_whether_it_is_rendered_again(tmp_path, two_files, monkeypatch):
    out = tmp_path / "out"
    done = report(*map(str, two_files), "--out", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stderr

    def todo(**kw) -> list[str]:
        plan = plan_batch(two_files, out, **kw)
        return sorted(p.name for p in plan.loaded)

    assert todo() == []
    assert todo(force=True) == [p.name for p in two_files]
    assert todo(pdf=True) == [p.name for p in two_files]  # no PDF was made
    assert todo(xlsx=True) == [p.name for p in two_files]  # no spreadsheet was made

    (next(out.glob("*/report.html"))).unlink()  # a report that lost a file is rendered again
    assert len(todo()) == 1

    monkeypatch.setattr(cache, "package_fingerprint", lambda: "another version")
    assert todo() == [p.name for p in two_files]
    monkeypatch.undo()
    monkeypatch.setattr(cache, "notebook_digest", lambda: "another notebook")
    assert todo() == [p.name for p in two_files]


def test_a_bad_file_fails_every_time_and_never_counts_as_unchanged(tmp_path, two_files):
    out = tmp_path / "out"
    bad = two_files[0].parent / "bad.yaml"
    bad.write_text("schema: 1\nalliance: {name: Broken}\n", encoding="utf-8")
    for _ in range(2):
        run = report(*map(str, [*two_files, bad]), "--out", str(out))
        assert run.returncode == 1
        assert "FAILED" in run.stderr and "bad.yaml" in run.stderr
    assert "0 of 3 reports rendered; 2 unchanged" in run.stdout
