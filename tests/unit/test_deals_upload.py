"""Notebook 06's upload box, without a browser: an export's bytes in, the preview out, and the
write button doing what `workbook import-deals` does."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_import_deals_cli import EXPECTED_MONTHS, EXPECTED_PIPELINE, PARAMS, SALESFORCE, months_of, pipeline_of, rest_of_file
from workbook.ui.deals_upload import DealsUpload


def test_preview_then_write(tmp_path: Path):
    params = tmp_path / "northwind.yaml"
    params.write_text(PARAMS, encoding="utf-8")
    box = DealsUpload(params)
    box.load("opportunities.csv", SALESFORCE.read_bytes())
    assert params.read_text(encoding="utf-8") == PARAMS  # a preview writes nothing
    assert not box.write_button.disabled
    assert "   2+  Feb 2026      2       10,400.40" in box.preview.value and "Dry run: would write northwind.yaml" in box.preview.value
    box.write_button.click()
    assert "wrote the actuals and pipeline sections" in box.status.value and box.write_button.disabled
    assert months_of(params) == EXPECTED_MONTHS and pipeline_of(params) == EXPECTED_PIPELINE
    assert rest_of_file(params.read_text(encoding="utf-8")) == PARAMS
    assert "source: opportunities.csv" in params.read_text(encoding="utf-8")  # the upload's name, not the temporary file's


def test_a_bad_export_is_listed_escaped_and_nothing_can_be_written(tmp_path: Path):
    params = tmp_path / "northwind.yaml"
    params.write_text(PARAMS, encoding="utf-8")
    before = params.read_bytes()
    box = DealsUpload(params)
    box.load("<b>deals<b>.csv", b"Stage,Close Date,Amount,Partner\nClosed Won,<script>,1,Northwind Systems\n")
    assert box.write_button.disabled and "<script>" not in box.preview.value and "&lt;script&gt;" in box.preview.value
    assert "&lt;b&gt;deals&lt;b&gt;.csv:2: Close Date: expected a date" in box.preview.value
    box.write()
    assert params.read_bytes() == before
    box.load("huge.csv", b"x" * (20 * 1024 * 1024 + 1))
    assert box.write_button.disabled and "at most 20 MB" in box.preview.value
