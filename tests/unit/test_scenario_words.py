"""The scenarios' title and caption, and the sentence on stopping the resources when the
commitment ends, claim only what the figures show: alternatives are compared on the long-run NPV
the scenario table shows (the value beyond the horizon counted), never calling the plan the best
when an alternative is ahead of it, and a saving that only the horizon's cut-off makes is not
called a gain."""

from __future__ import annotations

import pytest

from tests.conftest import MINIMAL_PARAMS
from workbook import assess, load_params, ramp, views
from workbook.charts import scenario_chart
from workbook.currency import money


@pytest.fixture
def base(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(MINIMAL_PARAMS + "  investment: [{name: team, monthly_cost: 10000, start_month: 1, end_month: 24}]\n")
    return load_params(path).ramp


def scenario(r, name, deals):
    return ramp.Scenario(name.lower().replace(" ", "_"), name, name, ramp.run(r.model_copy(update={"steady_deals_per_month": deals})))


def scenario_title(items):
    """The chart's title: the first sentence of its caption."""
    return scenario_chart(items).to_dict()["description"].split(". ")[0]


def long_run(s):
    return round(s.result.metrics.long_run_npv)


def test_the_worst_plan_is_never_said_to_beat_the_alternatives(base):
    plan, better, best = scenario(base, "As planned", 2), scenario(base, "Faster", 2.5), scenario(base, "Fastest", 3)
    words = scenario_chart([plan, better, best]).to_dict()["description"]
    assert "beats" not in words
    assert words.startswith(
        f"Every alternative shown is ahead of the plan in long-run NPV: 'Fastest' is {money(long_run(best) - long_run(plan))} "
        "ahead of the plan."
    )
    assert f"has a long-run NPV of {money(long_run(plan))}" in words


def test_behind_and_ahead_are_both_named(base):
    plan, worse, better = scenario(base, "As planned", 2), scenario(base, "Slower", 1.5), scenario(base, "Faster", 2.5)
    assert scenario_title([plan, worse, better]) == (
        f"'Slower' is {money(long_run(plan) - long_run(worse))} behind the plan in long-run NPV; "
        f"'Faster' is {money(long_run(better) - long_run(plan))} ahead of it"
    )


def test_only_worse_alternatives(base):
    plan, worse = scenario(base, "As planned", 2), scenario(base, "Slower", 1.5)
    assert scenario_title([plan, worse]) == f"'Slower' is {money(long_run(plan) - long_run(worse))} behind the plan in long-run NPV"


def test_a_tie_to_the_unit_is_level(base):
    plan, same = scenario(base, "As planned", 2), scenario(base, "Same again", 2)
    assert scenario_title([plan, same]) == "Every alternative shown is level with the plan in long-run NPV"
    better = scenario(base, "Faster", 2.5)
    assert scenario_title([plan, same, better]).startswith("Every alternative shown is ahead of or level with the plan")


@pytest.mark.parametrize("deals", [1.0, 1.5, 2.0, 2.5, 3.0])
def test_the_title_agrees_with_the_table_figures(base, deals):
    plan, other = scenario(base, "As planned", 2), scenario(base, "Other", deals)
    title = scenario_title([plan, other])
    diff = long_run(other) - long_run(plan)
    assert ("behind" in title) == (diff < 0)
    assert ("ahead" in title) == (diff > 0)
    assert ("level" in title) == (diff == 0)


def test_the_scenario_table_shows_the_figure_the_title_compares(tmp_path, base):
    path = tmp_path / "plan.yaml"
    a = assess(load_params(path))
    html = views.render(views.scenarios_view(a)).html
    m = a.ramp.plan.metrics
    assert "Long-run NPV" in html
    assert money(m.long_run_npv) in html


#: The README's worked check with the commitment ending in month 33: the team stops in month 34.
STOP = """\
schema: 1
alliance: {name: Stop test, vendor: V, partner: P, type: reseller}
ramp:
  horizon_months: 36
  commitment_months: 33
  enablement_months: 0
  ramp_months: 0
  sales_cycle_months: 3
  steady_deals_per_month: 2
  avg_deal_value: 10000
  partner_margin: 0.2
  gross_margin: 1.0
  discount_rate: 0.10
  investment: [{name: team, monthly_cost: 10000, start_month: 1, end_month: 36}]
"""


def test_stopping_at_the_commitment_is_no_gain_when_the_long_run_npv_falls(tmp_path):
    # by hand (README, rule 7): three months' cost saved inside the horizon (+30,000 at month 36:
    # 198,000 against 168,000), but no deal sourced after month 33, so the long-run NPV over the
    # default 36 months past the horizon falls from 280,459 to 162,594
    path = tmp_path / "stop.yaml"
    path.write_text(STOP)
    a = assess(load_params(path))
    text = views.stop_sentence(a.ramp.plan, ramp.stopped_at_commitment(a.params.ramp), "USD")
    assert "cumulative net at month 36: $198,000 ($30,000 more than the plan by then)" in text
    assert "long-run NPV (continued 36 months past the horizon): $162,594 ($117,865 less than the plan)" in text
    assert "Stopping only looks cheaper within the 36-month horizon; counting what comes after, it gives up $117,865." in text


def test_without_months_past_the_horizon_the_sentence_claims_only_the_horizon(tmp_path):
    path = tmp_path / "stop.yaml"
    path.write_text(STOP + "  tail_months: 0\n")
    a = assess(load_params(path))
    text = views.stop_sentence(a.ramp.plan, ramp.stopped_at_commitment(a.params.ramp), "USD")
    assert "($30,000 more than the plan by then)." in text and "long-run" not in text
