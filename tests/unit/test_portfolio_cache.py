"""The portfolio dashboard's summaries: a report rendered from the same params bytes by the same
package is read instead of modelling the alliance again; otherwise the summary is computed once
and kept in the reports folder for the next visit. An edited file never shows an old summary, a
reports folder that cannot be written only means nothing is kept, and a bad file still shows its
reason, escaped."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, MINIMAL_PARAMS
from workbook.reports import freshness as cache, summary_store
from workbook import load_params, summarise
from workbook.summary import Summary, summary_of
from workbook.ui.portfolio_app import portfolio_app, portfolio_rows

ALLIANCE = EXAMPLES[0]


@pytest.fixture
def folders(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A params folder holding one example, and an empty reports folder, for the dashboard."""
    params, reports = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    reports.mkdir()
    shutil.copy(ALLIANCE, params / ALLIANCE.name)
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(params))
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(reports))
    return params, reports


@pytest.fixture
def model_runs(monkeypatch) -> list[str]:
    """The files the dashboard modelled (the real model still runs)."""
    ran: list[str] = []

    def counted(params, path=None, assessment=None):
        ran.append(Path(path).name)
        return summary_of(params, path, assessment)

    monkeypatch.setattr(summary_store, "summary_of", counted)
    return ran


def no_model(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the model ran although a summary of these very bytes was at hand")

    monkeypatch.setattr(summary_store, "summary_of", refuse)


def fake_report(reports: Path, params_file: Path, **changes) -> Path:
    """A report folder as ``workbook report`` leaves it (its key and summary; the pages do not
    matter here), rendered from the file's current bytes, with ``changes`` to its summary so a
    test can tell it was read."""
    params = load_params(params_file)
    folder = reports / params.slug
    folder.mkdir()
    summary = summarise(params, params_file) | changes
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (folder / cache.KEY_FILE).write_text(json.dumps(cache.render_key(params_file.read_bytes())), encoding="utf-8")
    return folder


def edit(params_file: Path) -> None:
    """Double the average deal value: different figures, same alliance."""
    text = params_file.read_text(encoding="utf-8")
    value = re.search(r"^  avg_deal_value: (\d+)", text, re.M)
    assert value, "the example lost its avg_deal_value line"
    params_file.write_text(text.replace(value.group(0), f"  avg_deal_value: {int(value.group(1)) * 2}"), encoding="utf-8")


def figures(row: Summary | dict) -> tuple:
    row = row if isinstance(row, dict) else row.as_dict()
    return row["alliance"], row["npv"], row["peak_funding_need"], row["break_even_month"]


def test_a_fresh_report_summary_is_shown_without_running_the_model(folders, monkeypatch):
    params, reports = folders
    fake_report(reports, params / ALLIANCE.name, npv=12345.0)
    no_model(monkeypatch)
    rows, problems = portfolio_rows()
    assert problems == []
    assert [(r.file, r.npv) for r in rows] == [(ALLIANCE.name, 12345.0)]


def test_an_edited_file_shows_its_new_figures_not_its_reports(folders, model_runs):
    params, reports = folders
    path = params / ALLIANCE.name
    fake_report(reports, path, npv=12345.0)
    edit(path)
    rows, _ = portfolio_rows()
    assert model_runs == [ALLIANCE.name]
    assert figures(rows[0]) == figures(summarise(load_params(path), path))
    assert rows[0].npv != 12345.0


def test_a_report_of_another_package_version_is_not_used(folders, model_runs, monkeypatch):
    params, reports = folders
    fake_report(reports, params / ALLIANCE.name, npv=12345.0)
    monkeypatch.setattr(cache, "package_fingerprint", lambda: "9.9+upgraded")
    rows, _ = portfolio_rows()
    assert model_runs == [ALLIANCE.name] and rows[0].npv != 12345.0


def test_a_computed_summary_is_kept_for_the_next_visit_and_dropped_once_the_file_changes(folders, model_runs, monkeypatch):
    params, reports = folders
    path = params / ALLIANCE.name
    first, _ = portfolio_rows()
    assert model_runs == [ALLIANCE.name]
    kept = list((reports / summary_store.STORE_DIR).iterdir())
    assert [p.name for p in kept] == [f"{cache.digest(path.read_bytes())}-{cache.package_fingerprint()}.json"]

    again, _ = portfolio_rows()
    assert model_runs == [ALLIANCE.name], "the second visit modelled the alliance again"
    assert again == first

    edit(path)
    edited, _ = portfolio_rows()
    assert model_runs == [ALLIANCE.name, ALLIANCE.name]
    assert figures(edited[0]) == figures(summarise(load_params(path), path)) != figures(first[0])
    # the old version's summary is gone; the new one is kept
    assert [p.name for p in (reports / summary_store.STORE_DIR).iterdir()] == [
        f"{cache.digest(path.read_bytes())}-{cache.package_fingerprint()}.json"
    ]


def test_a_damaged_kept_summary_is_computed_again(folders, model_runs):
    params, reports = folders
    first, _ = portfolio_rows()
    entry = next((reports / summary_store.STORE_DIR).iterdir())
    entry.write_text(entry.read_text(encoding="utf-8")[:100], encoding="utf-8")  # a disk that filled up
    again, problems = portfolio_rows()
    assert problems == [] and len(model_runs) == 2
    assert figures(again[0]) == figures(first[0])
    assert json.loads(entry.read_text(encoding="utf-8"))["summary"]["npv"] == first[0].npv


@pytest.mark.parametrize(
    "tamper",
    [
        # valid JSON of the wrong shape: the portfolio used to break on it
        lambda kept: {**kept, "summary": {**kept["summary"], "flags": "none", "npv": "lots"}},
        lambda kept: {**kept, "summary": [1, 2, 3]},
        lambda kept: {**kept, "summary": {**kept["summary"], "areas": {"ramp": "<script>"}}},
        # a well-formed entry made from other bytes (another file's entry copied here) ...
        lambda kept: {**kept, "params": "0" * 64, "summary": {**kept["summary"], "npv": 1e12}},
        # ... or by another package, or a bare summary with made-up figures and no key at all
        lambda kept: {**kept, "package": "another-version", "summary": {**kept["summary"], "npv": 1e12}},
        lambda kept: {**kept["summary"], "npv": 1e12},
    ],
    ids=["wrong-types", "not-an-object", "unknown-light", "other-bytes", "other-package", "no-key"],
)
def test_a_foreign_or_misshapen_kept_summary_is_never_shown(folders, model_runs, tamper):
    params, reports = folders
    first, _ = portfolio_rows()
    entry = next((reports / summary_store.STORE_DIR).iterdir())
    entry.write_text(json.dumps(tamper(json.loads(entry.read_text(encoding="utf-8")))), encoding="utf-8")
    again, problems = portfolio_rows()
    assert problems == [] and len(model_runs) == 2  # recomputed, not shown
    assert figures(again[0]) == figures(first[0])
    assert json.loads(entry.read_text(encoding="utf-8"))["summary"]["npv"] == first[0].npv  # and replaced


def test_a_report_summary_of_the_wrong_shape_is_recomputed(folders, model_runs):
    params, reports = folders
    fake_report(reports, params / ALLIANCE.name, npv="a million", flags=[{"code": "x"}])
    rows, problems = portfolio_rows()
    assert problems == [] and model_runs == [ALLIANCE.name]
    assert isinstance(rows[0].npv, float)


def test_a_reports_folder_that_cannot_be_created_still_gives_every_summary(folders, monkeypatch):
    params, reports = folders
    reports.rmdir()
    reports.write_text("not a folder", encoding="utf-8")  # root may write anywhere; a file stops mkdir for all
    rows, problems = portfolio_rows()
    assert problems == [] and figures(rows[0]) == figures(summarise(load_params(params / ALLIANCE.name)))


def test_a_store_that_refuses_writes_still_gives_every_summary(folders, monkeypatch):
    params, reports = folders
    shutil.copy(EXAMPLES[1], params / EXAMPLES[1].name)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(summary_store, "atomic_replace", read_only)
    rows, problems = portfolio_rows()
    assert problems == []
    assert [r.file for r in rows] == sorted([ALLIANCE.name, EXAMPLES[1].name])
    assert not any((reports / summary_store.STORE_DIR).glob("*.json"))


def test_a_bad_file_shows_its_reason_escaped_beside_the_good_ones(folders, monkeypatch):
    params, _ = folders
    (params / "broken.yaml").write_text(MINIMAL_PARAMS.replace("type: reseller", "type: <script>alert(1)</script>"), encoding="utf-8")
    rows, problems = portfolio_rows()
    assert [r.file for r in rows] == [ALLIANCE.name]
    assert len(problems) == 1 and "broken.yaml:2: alliance.type" in problems[0]

    page = "".join(getattr(w, "value", "") for w in portfolio_app().children)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the next visit reads the good file's kept summary and still explains the bad one
    no_model(monkeypatch)
    rows, problems = portfolio_rows()
    assert [r.file for r in rows] == [ALLIANCE.name] and "broken.yaml:2: alliance.type" in problems[0]
