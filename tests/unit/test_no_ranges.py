"""A plan without uncertainty ranges shows no chance and no band: every simulated run is the plan
itself, so a share of them could only read 0 % or 100 %."""

from __future__ import annotations

import json

from tests.conftest import MINIMAL_PARAMS
from workbook import assess, load_params, summarise, views
from workbook.portfolio import row_cells, sort_keys
from workbook.summary import Summary, summary_of

#: What the pages say in place of a chance (``workbook.text.NO_RANGES``).
NO_RANGES = "no ranges given"

#: Pays back in month 8, within its 12-month commitment; no ranges.
PLAIN = MINIMAL_PARAMS + "  investment: [{name: team, monthly_cost: 10000, start_month: 1, end_month: 24}]\n"
#: Pays back only in month 14, after the commitment: every run misses it.
LATE = PLAIN.replace("steady_deals_per_month: 2", "steady_deals_per_month: 1.6")


def _load(tmp_path, text, name="plain.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return load_params(path)


def test_the_summary_gives_null_without_ranges_and_a_share_with_them(tmp_path):
    plain = summarise(_load(tmp_path, PLAIN))
    assert plain["p_break_even_within_commitment"] is None
    assert "p_break_even_within_commitment" in plain  # the key stays
    ranged = summarise(_load(tmp_path, PLAIN + "  uncertainty: {sales_cycle_months: [2, 3, 6]}\n", "ranged.yaml"))
    assert 0.0 < ranged["p_break_even_within_commitment"] <= 1.0


def test_no_low_chance_flag_without_ranges(tmp_path):
    a = assess(_load(tmp_path, LATE))
    assert a.ramp.plan.metrics.break_even_month == 14
    codes = {f.code for f in a.flags}
    assert "commitment_before_break_even" in codes
    assert "low_chance_of_break_even" not in codes
    ranged = assess(_load(tmp_path, LATE + "  uncertainty: {sales_cycle_months: [2, 3, 4]}\n", "ranged.yaml"))
    assert "low_chance_of_break_even" in {f.code for f in ranged.flags}


def test_the_report_says_no_ranges_given_and_draws_no_band(tmp_path):
    a = assess(_load(tmp_path, PLAIN))
    summary = views.executive_summary(a).html
    assert NO_RANGES in summary and "100%" not in summary
    blocks = views.ramp_view(a)
    html = "".join(b for b in blocks if isinstance(b, str))
    assert NO_RANGES in html and "100%" not in html
    chart = next(b for b in blocks if not isinstance(b, str))
    spec = json.dumps(chart.to_dict())
    assert '"p10"' not in spec and "P10" not in spec and "band" not in chart.to_dict()["description"]


def test_with_ranges_the_report_gives_the_chance_and_the_band(tmp_path):
    a = assess(_load(tmp_path, PLAIN + "  uncertainty: {sales_cycle_months: [2, 3, 6]}\n"))
    p = a.ramp.monte_carlo.p_break_even_within_commitment
    assert p is not None
    assert f"{p:.0%}" in views.executive_summary(a).html
    blocks = views.ramp_view(a)
    chart = next(b for b in blocks if not isinstance(b, str))
    assert "band" in chart.to_dict()["description"]


def test_the_portfolio_cell_says_no_ranges_given_and_sorts_last(tmp_path):
    s = Summary.kept(json.loads(json.dumps(summarise(_load(tmp_path, PLAIN)))))  # as a report folder keeps it
    assert s is not None
    cells = row_cells(s)
    assert NO_RANGES in cells
    assert sort_keys(s)[7] == ""  # no number: sorts after every alliance with a chance


def test_the_cli_words_a_missing_chance(tmp_path):
    from workbook.cli import _readable

    rows = dict(_readable(summary_of(_load(tmp_path, PLAIN))))
    assert rows["chance of break-even within the commitment"] == NO_RANGES


def test_the_partners_side_by_side_chart_shades_no_band_without_ranges(tmp_path):
    partner = "partner_economics: {investment: [{name: desk, monthly_cost: 2000, start_month: 1, end_month: 24}]}\n"
    plain = views.ramp_view(assess(_load(tmp_path, PLAIN + partner)))
    ranged = views.ramp_view(assess(_load(tmp_path, PLAIN + "  uncertainty: {sales_cycle_months: [2, 3, 6]}\n" + partner, "ranged.yaml")))

    def sides(blocks):
        return next(b.to_dict()["description"] for b in blocks if not isinstance(b, str) and "partner" in b.to_dict()["description"])

    assert "shaded" not in sides(plain)
    assert "shaded" in sides(ranged)
