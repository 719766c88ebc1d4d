"""The scenarios' title and caption claim only what the figures show: compared on the figure the
scenario table shows, never calling the plan the best when an alternative ends ahead of it."""

from __future__ import annotations

import pytest

from tests.conftest import MINIMAL_PARAMS
from workbook import load_params, ramp
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


def at_horizon(s):
    return s.result.metrics.cumulative_net_at_horizon


def test_the_worst_plan_is_never_said_to_beat_the_alternatives(base):
    plan, better, best = scenario(base, "As planned", 2), scenario(base, "Faster", 2.5), scenario(base, "Fastest", 3)
    words = scenario_chart([plan, better, best]).to_dict()["description"]
    assert "beats" not in words
    assert words.startswith(f"Every alternative shown ends ahead of the plan at month 24: 'Fastest' ends "
                            f"{money(at_horizon(best) - at_horizon(plan))} ahead of the plan.")


def test_behind_and_ahead_are_both_named(base):
    plan, worse, better = scenario(base, "As planned", 2), scenario(base, "Slower", 1.5), scenario(base, "Faster", 2.5)
    title = scenario_title([plan, worse, better])
    assert title == (
        f"'Slower' ends {money(at_horizon(plan) - at_horizon(worse))} behind the plan at month 24; "
        f"'Faster' ends {money(at_horizon(better) - at_horizon(plan))} ahead of it"
    )


def test_only_worse_alternatives(base):
    plan, worse = scenario(base, "As planned", 2), scenario(base, "Slower", 1.5)
    assert scenario_title([plan, worse]) == f"'Slower' ends {money(at_horizon(plan) - at_horizon(worse))} behind the plan at month 24"


def test_a_tie_to_the_unit_is_level(base):
    plan, same = scenario(base, "As planned", 2), scenario(base, "Same again", 2)
    assert scenario_title([plan, same]) == "Every alternative shown ends level with the plan at month 24"
    better = scenario(base, "Faster", 2.5)
    assert scenario_title([plan, same, better]).startswith("Every alternative shown ends ahead of or level with the plan")


@pytest.mark.parametrize("deals", [1.0, 1.5, 2.0, 2.5, 3.0])
def test_the_title_agrees_with_the_table_figures(base, deals):
    plan, other = scenario(base, "As planned", 2), scenario(base, "Other", deals)
    title = scenario_title([plan, other])
    diff = round(at_horizon(other)) - round(at_horizon(plan))
    assert ("behind" in title) == (diff < 0)
    assert ("ahead" in title) == (diff > 0)
    assert ("level" in title) == (diff == 0)
