"""One table of the ramp's inputs (workbook/inputs.py): the schema, the simulation, the tornado,
the guided form and the dashboard's sliders all describe an input as the table does."""

from __future__ import annotations

import annotated_types

from tests.conftest import EXAMPLES
from workbook import ramp
from workbook.inputs import RAMP_INPUTS, ranged
from workbook.schema import RANGE_MAXIMA, RANGED_INPUTS, Ramp, Uncertainty


def bounds(model: type, key: str) -> tuple[float | None, float | None]:
    low = high = None
    for m in model.model_fields[key].metadata:
        if isinstance(m, annotated_types.Ge):
            low = m.ge
        if isinstance(m, annotated_types.Gt):
            low = m.gt
        if isinstance(m, annotated_types.Le):
            high = m.le
    return low, high


def test_the_schema_bounds_and_ranges_are_the_tables():
    assert set(Uncertainty.model_fields) == set(ranged()) == set(RANGED_INPUTS)
    for key, entry in ranged().items():
        assert RANGED_INPUTS[key] is entry.share and RANGE_MAXIMA[key] == entry.maximum
    for key, entry in RAMP_INPUTS.items():
        if key in Ramp.model_fields:
            low, high = bounds(Ramp, key)
            assert high == entry.maximum, key
            assert low is not None and low <= entry.slider[0], key


def test_the_simulation_and_the_tornado_take_the_tables_directions_and_words():
    for key, entry in ranged().items():
        assert ramp._BETTER_WHEN_HIGHER[key] is entry.higher_is_better
    assert set(ramp.SENSITIVITY_INPUTS) | set(ramp.RECURRING_SENSITIVITY_INPUTS) == {k for k, i in RAMP_INPUTS.items() if i.in_tornado}
    for key, label in {**ramp.SENSITIVITY_INPUTS, **ramp.RECURRING_SENSITIVITY_INPUTS}.items():
        assert label == RAMP_INPUTS[key].label


def test_the_form_and_the_dashboard_give_an_input_the_same_words_and_range(tmp_path, monkeypatch):
    import shutil

    from workbook.ui import dashboards, guided

    folder = tmp_path / "params"
    folder.mkdir()
    example = shutil.copy(EXAMPLES[0], folder / EXAMPLES[0].name)
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(folder))
    form = guided.RampForm(example)
    app = dashboards.AllianceApp(example.name)
    for key, slider in (("sales_cycle_months", app.sales_cycle), ("ramp_months", app.ramp_months)):
        entry = RAMP_INPUTS[key]
        assert form.sliders[key].description == slider.description == entry.caption()
        assert form.sliders[key].max == slider.max == max(entry.slider[1], getattr(form.params.ramp, key))
    assert app.level.description == RAMP_INPUTS["investment_level"].label
    assert (app.level.min, app.level.max) == RAMP_INPUTS["investment_level"].slider[:2]
