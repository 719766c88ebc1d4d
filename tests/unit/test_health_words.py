"""The health check-ins' typed trust figure is named apart from the trust survey's index, and
partner credit is one figure with one wording wherever it shows."""

from __future__ import annotations

from tests.unit.test_signals import check_in, health
from workbook import signals
from workbook.charts import health_timeline
from workbook.charts.instruments import health_title
from workbook.instruments import SCOPING

H = health(
    check_in("2024-03-31", wins=0, trust=70),
    check_in("2024-06-30", wins=1, credited=1, trust=68),
    check_in("2024-09-30", wins=3, credited=0, trust=55),
)


def test_the_check_in_figure_is_never_called_the_trust_index():
    falling = [f for f in signals.flags(H, 30) if f.code == "falling_trust"][0]
    assert falling.message == "The check-in trust score fell from 68 to 55 between 30 Jun 2024 and 30 Sep 2024."
    assert "index" not in falling.message
    t = signals.timeline(H)
    assert health_title(t).startswith("Check-in trust score fell from 70 to 55")
    spec = health_timeline(t, signals.event_table(H)).to_dict()
    panels = spec["vconcat"]
    trust_panel = next(p for p in panels if "trust" in str(p.get("title", "")).lower())
    assert "index" not in str(trust_panel["encoding"]["y"]["title"]).lower().replace("not the survey's index", "")
    assert "Check-in trust score" in str(trust_panel["title"])


def test_partner_credit_is_one_figure_in_the_flag_and_the_chart():
    # 1 of the partner's 4 wins in the 12 months to 30 Sep 2024 credited it: 25 %
    credit = signals.partner_credit(signals.timeline(H))
    assert credit is not None and (credit.credited, credit.wins) == (1, 4) and credit.share == 0.25
    flag = [f for f in signals.flags(H, 30) if f.code == "partner_not_credited"][0]
    assert flag.message == "Partner credit is only 25% (1 of the partner's 4 wins in the last 12 months credited it)."
    title = health_title(signals.timeline(H))
    assert "partner credit 25% (1 of the partner's 4 wins in the last 12 months credited it)" in title


def test_partner_credit_counts_the_window_the_flag_counts():
    # an old, well-credited year and a recent one without credit: the chart said 70 %, the flag 0 %
    h = health(
        check_in("2024-03-31", wins=7, credited=7),
        check_in("2025-06-30", wins=3, credited=0),
    )
    credit = signals.partner_credit(signals.timeline(h))
    assert credit is not None and credit.share == 0.0
    assert "partner credit 0%" in health_title(signals.timeline(h))


def test_the_checklist_group_is_not_called_partner_credit():
    labels = [g.label.lower() for g in SCOPING.groups]
    assert not any("partner credit" in label for label in labels)
