"""`workbook summary --json`: the contract other code relies on."""

from __future__ import annotations

import json

from tests.conftest import EXAMPLES, workbook_cmd
from workbook import load_params, ramp

CONTRACT = {
    "alliance",
    "readiness_score",
    "trust_index",
    "max_perception_gap",
    "first_revenue_month",
    "break_even_month",
    "cumulative_net_at_horizon",
    "peak_funding_need",
    "npv",
    "p_break_even_within_commitment",
    "flags",
}
#: The plan-against-actual fields: present for every file, null without actuals.
ACTUALS = {
    "actuals_through_month",
    "actual_cumulative_net",
    "tracking",
    "spend_tracking",
    "reforecast_break_even_month",
    "reforecast_delay_months",
    "reforecast_scale",
}


def test_summary_json_has_the_contract_fields_for_every_example():
    proc = workbook_cmd("summary", *map(str, EXAMPLES), "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(EXAMPLES)
    for path, line in zip(EXAMPLES, lines):
        data = json.loads(line)
        assert CONTRACT | ACTUALS <= set(data), (CONTRACT | ACTUALS) - set(data)
        params = load_params(path)
        with_actuals = params.actuals is not None
        assert all((data[key] is not None) == with_actuals for key in ACTUALS - {"reforecast_break_even_month"}), data
        metrics = ramp.run(params.ramp).metrics
        assert data["alliance"] == params.alliance.name
        assert data["break_even_month"] == metrics.break_even_month
        assert data["first_revenue_month"] == metrics.first_revenue_month
        assert 0.0 <= data["p_break_even_within_commitment"] <= 1.0
        # every example carries all four instruments, so no contract field is left empty
        assert all(data[key] is not None for key in CONTRACT - {"break_even_month"}), data
        assert 0 <= data["readiness_score"] <= 100 and 0 <= data["trust_index"] <= 100
        for flag in data["flags"]:
            assert {"code", "severity", "message"} <= set(flag)
            assert flag["severity"] in {"high", "medium", "low"}


def test_an_alliance_that_pays_back_after_its_commitment_is_flagged():
    proc = workbook_cmd("summary", *map(str, EXAMPLES), "--json")
    late = [json.loads(line) for line in proc.stdout.splitlines()]
    late = [d for d in late if d["break_even_month"] is None or d["break_even_month"] > load_params(
        next(p for p in EXAMPLES if load_params(p).alliance.name == d["alliance"])).ramp.commitment_months]
    assert late, "the examples should include an alliance that pays back only after its commitment"
    for d in late:
        assert "commitment_before_break_even" in {f["code"] for f in d["flags"]} or "no_break_even" in {
            f["code"] for f in d["flags"]}


def test_summary_of_a_bad_file_exits_2_and_names_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLES[0].read_text().replace("horizon_months: 48", "horizon_months: 480"))
    proc = workbook_cmd("summary", str(bad), "--json")
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr and "ramp.horizon_months" in proc.stderr
    assert proc.stdout == ""


def test_the_summary_for_people_shows_money_in_the_alliances_currency():
    euros = next(p for p in EXAMPLES if load_params(p).alliance.currency == "EUR")
    proc = workbook_cmd("summary", str(euros))
    assert proc.returncode == 0, proc.stderr
    peak = ramp.run(load_params(euros).ramp).metrics.peak_funding_need
    assert "peak funding need" in proc.stdout and f"€{peak:,.0f}" in proc.stdout
    assert "$" not in proc.stdout and "widest asymmetry" in proc.stdout
