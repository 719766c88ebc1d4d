"""Saving edits back to a params file: comments survive, the model round-trips, bad edits never land."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES
from workbook import ParamsError, load_params
from workbook.yamlio import save_section, section_data


@pytest.fixture
def params_file(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(next(p for p in EXAMPLES if "reseller" in p.name).read_text())
    return path


def test_load_edit_save_load_gives_an_equal_model_and_keeps_comments(params_file):
    before = params_file.read_text()
    params = load_params(params_file)
    ramp = section_data(params, "ramp")
    ramp["sales_cycle_months"] = params.ramp.sales_cycle_months + 2
    saved = save_section(params_file, "ramp", ramp)
    again = load_params(params_file)
    assert again == saved
    assert again.ramp.sales_cycle_months == params.ramp.sales_cycle_months + 2
    after = params_file.read_text()
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in after for c in comments)
    assert "# how long the resources are committed" in after  # end-of-line comments too
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and "sales_cycle_months" in changed[0][0]


def test_saving_unchanged_data_leaves_the_file_byte_for_byte(params_file):
    before = params_file.read_text()
    save_section(params_file, "ramp", section_data(load_params(params_file), "ramp"))
    assert params_file.read_text() == before


def test_an_invalid_edit_is_refused_and_the_file_is_untouched(params_file):
    before = params_file.read_text()
    ramp = section_data(load_params(params_file), "ramp")
    ramp["partner_margin"] = 25  # a percentage typed where a share belongs
    with pytest.raises(ParamsError) as err:
        save_section(params_file, "ramp", ramp)
    assert "ramp.partner_margin" in str(err.value)
    assert params_file.read_text() == before
    assert [p.name for p in params_file.parent.iterdir()] == [params_file.name]  # no temp file left
