"""Every chart the workbook draws fits the Vega-Lite schema.

Reports and dashboards turn charts into specs without checking them (``render.spec_of``: the
check took as long as drawing); this is where they are checked, each one whole, for every
example alliance and the portfolio. And static charts measure their text with the fonts
vl-convert carries, whatever the machine has installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import altair as alt
import jsonschema
import pandas as pd
import pytest

import workbook as wb
from workbook.charts import break_even_chart, render
from workbook.charts.theme import FONT
from workbook.params import is_programme_file
from workbook.summary import summary_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "params").glob("*.yaml") if not is_programme_file(p))
SECTIONS = ["executive_summary", "area_sections"]


def report_charts(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[alt.TopLevelMixin]:
    """The charts the report of ``path`` draws, as its sections hand them to the page."""
    drawn: list[alt.TopLevelMixin] = []
    spec_of = render.spec_of

    def recording(chart):
        if not isinstance(chart, dict):
            drawn.append(chart)
        return spec_of(chart)

    monkeypatch.setattr(render, "spec_of", recording)
    a = wb.assess(wb.load_params(path))
    for name in SECTIONS:
        getattr(wb.views, name)(a)._repr_html_()
    monkeypatch.setattr(render, "spec_of", spec_of)
    return drawn


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_report_chart_fits_the_schema(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    charts = report_charts(path, monkeypatch)
    assert len(charts) >= 6, f"{path.name}: only {len(charts)} charts reached the page"
    for chart in charts:
        spec = chart.to_dict(validate=True)  # raises on any part that does not fit
        assert spec == render.spec_of(chart), "checking changed the spec the page gets"


def test_the_portfolio_chart_fits_the_schema() -> None:
    rows = [summary_of(wb.load_params(p), p) for p in EXAMPLES]
    break_even_chart(rows).to_dict(validate=True)


def test_the_programme_charts_fit_the_schema() -> None:
    from tests.conftest import PARAMS
    from workbook.charts.programme import programme_chart, spend_chart
    from workbook.programme import summarise_programme

    p = summarise_programme(PARAMS / "programme.yaml")
    for chart in (programme_chart(p), spend_chart(p), programme_chart({**p, "band": None, "peak_funding_month": None})):
        assert chart.to_dict(validate=True) == render.spec_of(chart)


def test_the_check_catches_a_chart_that_does_not_fit() -> None:
    """The check above can fail: a chart Altair lets through unchecked is refused here."""
    with alt.utils.schemapi.debug_mode(False):
        bad = alt.Chart(pd.DataFrame({"a": [1]}), width="wide").mark_bar().encode(x="a:Q")
    assert render.spec_of(bad)["width"] == "wide"  # unchecked on its way to the page
    with pytest.raises(jsonschema.ValidationError):
        bad.to_dict(validate=True)


def test_static_charts_use_the_fonts_vl_convert_carries(tmp_path: Path) -> None:
    """The first chart of a process reads an empty font list, so text is measured with the
    Liberation fonts vl-convert keeps in memory, and the process's own setting is put back."""
    script = (
        "import json, os\n"
        "from workbook.charts import render\n"
        "svg = render.svg({'mark': 'text', 'data': {'values': [{}]}, 'encoding': {'text': {'value': 'Break-even'}},"
        " 'config': {'font': %r}})\n"
        "print(json.dumps({'env': os.environ.get('FONTCONFIG_FILE'), 'svg': svg}))\n" % FONT
    )
    mine, scratch = tmp_path / "fonts.conf", tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "FONTCONFIG_FILE": str(mine), "TMPDIR": str(scratch)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    result = json.loads(out.stdout)
    assert result["env"] == str(mine)
    assert "Liberation Sans" in result["svg"] and "Break-even" in result["svg"]
    assert not list(scratch.iterdir()), "the empty font list was left behind"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_charts_combined_without_altairs_parameter_merging_give_altairs_spec(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``theme.layered`` and the concatenations skip Altair's parameter merging (deep copies of
    every subchart) when no subchart has parameters; the page gets the spec Altair's own
    constructors give, for every chart of every example."""
    from workbook.charts import theme

    quick = [render.spec_of(c) for c in report_charts(path, monkeypatch)]
    assert any(type(c) in theme._FAST.values() for c in report_charts(path, monkeypatch)), "the quick path was not taken"
    monkeypatch.setattr(theme, "_plain", lambda charts: False)  # Altair's constructors all the way
    altairs = report_charts(path, monkeypatch)
    assert not any(type(c) in theme._FAST.values() for c in altairs)
    assert [render.spec_of(c) for c in altairs] == quick


def test_a_chart_with_a_selection_is_combined_by_altair() -> None:
    from workbook.charts import theme

    df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    pick = alt.selection_point(fields=["x"])
    base = alt.Chart(df).mark_point().encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    layered = theme.layered(base.add_params(pick), base.mark_line())
    assert type(layered) is alt.LayerChart  # Altair merges (and lifts) the parameter itself
    assert render.spec_of(layered) == render.spec_of(alt.LayerChart(layer=[base.add_params(pick), base.mark_line()]))
    assert type(theme.vconcat(layered, base)) is alt.VConcatChart
