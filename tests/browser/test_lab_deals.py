"""Notebook 06's deal upload in a real JupyterLab page: run the notebook, upload a Salesforce-style
export through the upload box, see the months previewed, press Write, and find exactly the
previewed months in the params file (the JupyterLab server of tests/browser/test_lab.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.test_lab import RUN_MS, Lab, close, explain, lab, select_ending, shot  # noqa: F401  (fixtures)
from workbook import load_params

pytestmark = pytest.mark.browser

NOTEBOOK = "06_track_actuals.ipynb"
PARAMS_NAME = "marketplace-referral.yaml"  # the file picked in the notebook's picker

# Tandem & Co Integrations, from 1 Nov 2025 (month 1), partner margin 0.18:
#   won 12 Dec 2025 $20,000 (Partner)  -> month 2: 20,000 x 0.82 = 16,400 sourced
#   won 5 Jan 2026 $10,000 (Web)       -> month 3: 8,200 influenced
#   open 1 Sep 2026 $5,000             -> pipeline month 11
#   another partner's win is ignored; through 5 Jan 2026 = month 3
EXPORT = (
    "\ufeffOpportunity Name,Stage,Close Date,Amount,Partner Account,Lead Source,Created Date\r\n"
    'Ada,Closed Won,12/12/2025,"$20,000.00",Tandem & Co Integrations,Partner,11/2/2025\r\n'
    'Bo,Closed Won,1/5/2026,"$10,000.00",tandem & co integrations,Web,11/20/2025\r\n'
    'Cy,Qualification,9/1/2026,"$5,000.00",Tandem & Co Integrations,Partner,12/1/2025\r\n'
    'Di,Closed Won,12/20/2025,"$9,000.00",Someone Else,Partner,11/1/2025\r\n'
)


def test_upload_a_deal_export_in_notebook_06(new_context, lab: Lab, explain, tmp_path: Path):
    params = lab.root / "params" / PARAMS_NAME
    export = tmp_path / "opportunities.csv"
    export.write_text(EXPORT, encoding="utf-8", newline="")
    # JupyterLab renders only the cells in view ("windowing"), and the upload is the last cell:
    # this page renders every cell, so the upload box is in the page once its cell has run
    tracker = lab.root.parent / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    page = new_context(viewport={"width": 1280, "height": 1100}).new_page()
    try:
        page.goto(lab.url(NOTEBOOK))
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(t => /\\(ipykernel\\) \\| Idle/.test(t.textContent))",
            timeout=RUN_MS,
        )
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click("li[data-command='runmenu:run-all']")
        page.wait_for_function(
            """() => {
                 const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
                 return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
               }""",
            timeout=RUN_MS * 2,
        )
        # nothing is picked until the analyst picks a file: the alliance to import into
        page.wait_for_selector(".wb-pick select", timeout=RUN_MS)
        select_ending(page, ".wb-pick select", f" — {PARAMS_NAME}")
        # the upload cell is the last: bring it into view (JupyterLab renders only the cells in view)
        page.wait_for_selector(".wb-deals-upload .widget-upload", timeout=RUN_MS)
        before = params.read_bytes()
        # the upload button opens the browser's file chooser (its <input type=file> is made on click)
        with page.expect_file_chooser() as chooser:
            page.click(".wb-deals-upload .widget-upload")
        chooser.value.set_files(str(export))
        preview = page.locator(".wb-deals-upload pre.wb-status-info")
        preview.wait_for(timeout=30_000)
        text = preview.inner_text()
        assert "Dry run: would write marketplace-referral.yaml" in text, explain(text)
        assert "Dec 2025      1       16,400.00" in text and "Jan 2026      1        8,200.00" in text, text
        assert params.read_bytes() == before, "the preview wrote the file"
        shot(page, "06-deals-preview", ".wb-deals-upload")
        page.click(".wb-deals-write")
        page.wait_for_selector(".wb-deals-upload pre:has-text('wrote the actuals and pipeline sections')", timeout=30_000)
    except Exception as exc:
        shot(page, "06-deals-failed")
        raise AssertionError(explain(f"the upload did not work: {exc}")) from exc
    p = load_params(params)
    assert p.actuals is not None and p.actuals.source == "opportunities.csv"
    assert [(m.month, m.deals_closed, m.vendor_revenue, m.partner_sourced_revenue) for m in p.actuals.months] == [
        (1, 0, 0, 0),
        (2, 1, 16400, 16400),
        (3, 1, 8200, 0),
    ]
    assert p.pipeline is not None and [(m.month, m.deals, m.amount) for m in p.pipeline.months] == [(11, 1, 5000)]
    assert (p.pipeline.won, p.pipeline.lost) == (2, 0)
    close(page, lab)
