"""A workshop from the board to the portfolio: export into the alliance's file, then `workbook report`.

A real session in a temporary store, a temporary copy of two params files, the facilitator's
board driving the export, and the real `workbook report` over `params/*.yaml` (two renders).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.conftest import PARAMS, workbook_cmd
from tests.unit.test_export import LOW_ROOM, run_session
from workbook.store import SQLiteStore

pytestmark = pytest.mark.notebook


def test_an_exported_workshop_reports_as_the_same_alliance_with_trust_falling(tmp_path, monkeypatch):
    from workbook.ui.facilitator import FacilitatorApp

    params = tmp_path / "params"
    params.mkdir()
    for name in ("saas-regional-reseller.yaml", "marketplace-referral.yaml"):
        shutil.copy(PARAMS / name, params / name)
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(params))
    monkeypatch.setenv("WORKBOOK_EXPORT_DIR", str(params))
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("WORKBOOK_ROLE", "facilitator")
    store = SQLiteStore(tmp_path / "workshop.sqlite")
    run_session(store, LOW_ROOM)

    board = FacilitatorApp(store)
    assert board.base_in.value == str(params / "saas-regional-reseller.yaml")
    board.mode_in.value = "replace"  # a new assessment: the room's answers replace the file's
    board.preview_btn.click()
    board.confirm_in.value = True  # past whatever the preview warned of, as the facilitator may
    board.export_btn.click()
    assert "Written" in board.export_out.value, board.export_out.value
    assert sorted(p.name for p in params.glob("*.yaml")) == ["marketplace-referral.yaml", "saas-regional-reseller.yaml"]
    assert len(list((params / ".history").glob("saas-regional-reseller-*.yaml"))) == 1

    out = tmp_path / "out"  # the commands `make run` uses, on the params folder after the export
    proc = workbook_cmd("report", *sorted(map(str, params.glob("*.yaml"))), "--out", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    index = (out / "index.html").read_text()
    linked = re.findall(r'href="([^"]+)/report\.html"', index)
    assert sorted(linked) == ["acme-cloud-x-northwind-systems", "brightdesk-x-tandem-co-integrations"]  # one row per alliance
    assert index.count("Acme Cloud × Northwind Systems") == 1
    summary = json.loads((out / "acme-cloud-x-northwind-systems" / "summary.json").read_text())
    codes = {(f["code"], f["subject"]) for f in summary["flags"]}
    assert ("trust_falling", "vendor") in codes and ("trust_falling", "partner") in codes
    assert not any(code == "no_alliance_manager" for code, _ in codes)  # the named manager was kept
    report = (out / "acme-cloud-x-northwind-systems" / "report.html").read_text()
    assert "fell from" in report
    # the file's earlier result moved into trust.history: the trend covers three assessments
    assert "Survey trust index over the assessments" in report and "(3 assessments)" in report
