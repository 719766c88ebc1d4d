"""The README's "How the model works" is what an analyst recomputes figures from: keep it true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbook import ramp, trust
from workbook.schema import Event, Ramp

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The section, with line breaks and indentation folded to single spaces.
MODEL = " ".join(README[README.index("### How the model works") : README.index("### From the essay to the workbook")].split())


def test_the_s_curve_values_in_the_readme_are_the_models():
    listed = re.search(r"for a 12-month ramp, month by month: ([0-9., ]+)\)", MODEL)
    assert listed, "the README lists the S-curve month by month"
    values = [float(x) for x in listed.group(1).replace(" ", "").split(",")]
    assert values == pytest.approx([float(ramp.s_curve(m, 12)) for m in range(1, 13)], abs=5e-4)
    k = float(re.search(r"k = 2 ln 81 ≈ ([0-9.]+)", MODEL).group(1))
    assert k == pytest.approx(ramp._K, abs=1e-3)


def test_the_readmes_worked_check_is_what_the_model_gives():
    r = Ramp.model_validate(
        dict(
            horizon_months=12, commitment_months=12, sales_cycle_months=3, steady_deals_per_month=2, avg_deal_value=10_000,
            partner_margin=0.2, gross_margin=1.0, investment=[{"name": "team", "monthly_cost": 10_000, "start_month": 1, "end_month": 12}],
        )
    )
    m = ramp.run(r)
    assert "break-even in month 8" in MODEL and m.metrics.break_even_month == 8
    assert "cumulative −30,000 at month 3" in MODEL and m.monthly["cumulative_net"].iloc[2] == -30_000
    # the effort example: 12,000 from month 1 and 9,000 from month 2 to 24, full strength 21,000
    lines = [{"name": "a", "monthly_cost": 12_000, "start_month": 1, "end_month": 36}, {"name": "b", "monthly_cost": 9_000, "start_month": 2, "end_month": 24}]
    base = dict(
        horizon_months=36, commitment_months=24, sales_cycle_months=3, steady_deals_per_month=2, avg_deal_value=10_000,
        partner_margin=0.2, gross_margin=1.0, investment=lines,
    )
    e = Ramp.model_validate({**base, "full_effort_monthly_cost": 21_000})
    effort = ramp.run(e).monthly["effort"]
    assert "effort 0.571 in month 1, 1 in months 2–24 and 0.571 after" in MODEL
    assert round(effort.iloc[0], 3) == 0.571 and effort.iloc[1] == 1 and round(effort.iloc[30], 3) == 0.571
    surge = Ramp.model_validate({**base, "full_effort_monthly_cost": 21_000, "investment": [*lines, {"name": "s", "monthly_cost": 9_000, "start_month": 5, "end_month": 7}]})
    assert "a surge of another 9,000 in months 5–7 changes no month's effort" in MODEL
    assert ramp.run(surge).monthly["effort"].tolist() == effort.tolist()
    assert ramp.run(Ramp.model_validate(base)).monthly["effort"].tolist() == [1.0] * 36
    # the long-run figures of the worked check over 36 months
    w = Ramp.model_validate({**base, "investment": [{"name": "team", "monthly_cost": 10_000, "start_month": 1, "end_month": 36}]})
    m36 = ramp.run(w).metrics
    assert "the NPV is 139,874" in MODEL and round(m36.npv) == 139_874
    assert "long-run NPV is 280,459" in MODEL and round(m36.long_run_npv) == 280_459
    stop = ramp.run(w, events=[Event(month=34, kind="resource_withdrawal", severity=1.0)]).metrics
    assert "from 168,000 to 198,000" in MODEL and (m36.cumulative_net_at_horizon, stop.cumulative_net_at_horizon) == (168_000, 198_000)
    assert "long-run NPV to 162,594" in MODEL and round(stop.long_run_npv) == 162_594
    late = Ramp.model_validate({**base, "investment": [*w.investment, {"name": "one-off", "one_off": 200_000, "month": 20}]})
    lm = ramp.run(late)
    assert "falls to −128,000 in month 20 and ends at −32,000" in MODEL
    assert (lm.metrics.first_break_even_month, lm.metrics.break_even_month) == (8, None)
    assert lm.monthly["cumulative_net"].iloc[19] == -128_000 and lm.metrics.cumulative_net_at_horizon == -32_000
    pc = ramp.run(w, events=[Event(month=10, kind="people_change", severity=0.5)]).metrics
    assert "loses half of the 6 deals sourced in months 7–9: 24,000" in README and pc.cumulative_net_at_horizon == 168_000 - 24_000


def _raised_codes() -> set[str]:
    """Every flag code the package can raise, read from its source (``f"fragile_to_{...}"`` as a pattern)."""
    codes = set()
    for path in (ROOT / "workbook").rglob("*.py"):
        for code in re.findall(r'Flag\(\s*f?"([a-z_{}.]+)"', path.read_text(encoding="utf-8")):
            codes.add(re.sub(r"\{[^}]*\}", "<scenario>", code))
    return codes


def test_every_flag_the_package_raises_is_in_the_readmes_table():
    codes = _raised_codes()
    assert {"no_break_even", "wide_perception_gap", "change_reported", "partner_not_credited"} <= codes
    table = set(re.findall(r"`([a-z_<>]+)`", MODEL[MODEL.index("| area | code") :]))
    assert codes - table == set(), "flags missing from the README's table"


def test_the_alpha_rule_in_the_readme_is_the_codes():
    assert f"shown only from {trust.ALPHA_MIN_RESPONDENTS} such respondents" in MODEL
    assert f"at least {trust.ALPHA_MIN_ANSWERED:.0%} of the component's statements" in MODEL.replace(" %", "%")
