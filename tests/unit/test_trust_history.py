"""Trust over many assessments: ``trust.history`` (the results before ``trust.previous``, oldest
first), its validation, ``TrustResult.history`` and its chart in the report and the dashboard.

Indices are worked out by hand: every respondent answers so that each statement scores the same
(reverse-scored statements the mirror value), so a side's index is ``(score − 1) / 4 × 100``.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.conftest import MINIMAL_PARAMS
from tests.unit.test_instruments import problems, write
from workbook import trust as trust_model
from workbook import views
from workbook.charts import trust_history
from workbook.charts.instruments import trust_history_title
from workbook.instruments import TRUST
from workbook.params import load_params
from workbook.schema import Trust


def answers(score: int) -> dict[str, int]:
    return {item.id: (6 - score if item.reverse else score) for item in TRUST.items}


def make(vendor: int, partner: int, *, date: str | None = "2025-06-30", previous=None, history=(), per_side: int = 3) -> Trust:
    people = [{"id": f"v{i}", "side": "vendor", "answers": answers(vendor)} for i in range(per_side)]
    people += [{"id": f"p{i}", "side": "partner", "answers": answers(partner)} for i in range(per_side)]
    data = {"date": date, "respondents": people, "previous": previous, "history": list(history)}
    return Trust.model_validate({k: v for k, v in data.items() if v is not None})


def with_history(history: str, previous: str = "{date: 2024-06-01, vendor_index: 70}") -> str:
    return MINIMAL_PARAMS + f"""\
trust:
  date: 2025-01-01
  respondents:
    - {{id: v1, side: vendor}}
  previous: {previous}
  history: {history}
"""


# --------------------------------------------------------------------------------------------
# the field


def test_history_oldest_first_and_before_previous_and_this_assessment(tmp_path):
    # lines: 11 trust, 12 date, 13 respondents, 14 the respondent, 15 previous, 16 history
    found = problems(tmp_path, with_history("[{date: 2023-06-01}, {date: 2023-06-01}, {date: 2023-01-01}]"))
    assert found == [
        (16, "trust.history[1].date", "the history must be oldest first: 2023-06-01 is not after the entry before it (2023-06-01)"),
        (16, "trust.history[2].date", "the history must be oldest first: 2023-01-01 is not after the entry before it (2023-06-01)"),
    ]
    found = problems(tmp_path, with_history("[{date: 2023-06-01}, {date: 2024-06-01}]"))
    assert found == [(16, "trust.history[1].date", "an earlier result (2024-06-01) must be before the previous assessment (2024-06-01)")]
    found = problems(tmp_path, with_history("[{date: 2025-01-01}]", previous="null"))
    assert found == [(16, "trust.history[0].date", "an earlier result (2025-01-01) must be before this assessment (2025-01-01)")]
    found = problems(tmp_path, with_history("[{date: 2023-06-01, partner_index: 101}]"))
    assert (16, "trust.history[0].partner_index", "a trust index is between 0 and 100, got 101") in found
    good = load_params(write(tmp_path, with_history("[{date: 2023-01-01, vendor_index: 50}, {date: 2023-06-01}]"))).trust
    assert [h.date for h in good.earlier] == [dt.date(2023, 1, 1), dt.date(2023, 6, 1), dt.date(2024, 6, 1)]
    assert good.latest_earlier == good.previous


def test_the_examples_still_load_with_previous_and_no_history():
    for name in ("saas-regional-reseller", "manufacturer-distributor", "marketplace-referral"):
        trust = load_params(f"params/{name}.yaml").trust
        assert trust.history == [] and trust.earlier == [trust.previous]


# --------------------------------------------------------------------------------------------
# the scored history and the fall


def test_the_history_table_by_hand():
    t = make(
        4,
        2,
        previous={"date": "2025-01-31", "vendor_index": 70, "partner_index": None},  # the partner side was hidden
        history=[{"date": "2024-01-31", "vendor_index": 60, "partner_index": 40}],
    )
    h = trust_model.analyse(t).history
    assert list(h.columns) == ["date", "side", "index", "current"]
    assert h["date"].tolist() == [pd.Timestamp(d) for d in ("2024-01-31",) * 2 + ("2025-01-31",) * 2 + ("2025-06-30",) * 2]
    assert h["side"].tolist() == ["vendor", "partner"] * 3
    # this assessment: vendor all 4 → 75, partner all 2 → 25
    got = h["index"].tolist()
    assert got[:3] == [60, 40, 70] and math.isnan(got[3]) and got[4:] == pytest.approx([75, 25])
    assert h["current"].tolist() == [False] * 4 + [True] * 2


def test_an_undated_assessment_shows_only_the_earlier_results():
    t = make(4, 2, date=None, previous={"date": "2025-01-31", "vendor_index": 70, "partner_index": 60})
    h = trust_model.analyse(t).history
    assert len(h) == 2 and not h["current"].any()
    assert views.trust_history_charts(trust_model.analyse(t)) == []  # one assessment: no trend to draw


def test_trust_falling_compares_with_the_latest_earlier_result_only():
    # 90 two assessments ago, 80 last time, 75 now: 5 points below the latest earlier result, not flagged
    t = make(4, 4, previous={"date": "2025-01-31", "vendor_index": 80, "partner_index": 80}, history=[{"date": "2024-01-31", "vendor_index": 90, "partner_index": 90}])
    assert [f for f in trust_model.flags(t) if f.code == "trust_falling"] == []
    # without previous, the last of the history is the latest earlier result: 86 → 75 is a fall of 11
    t = make(4, 4, history=[{"date": "2023-01-31", "vendor_index": 60}, {"date": "2024-01-31", "vendor_index": 86, "partner_index": 76}])
    falling = [f for f in trust_model.flags(t) if f.code == "trust_falling"]
    assert [f.subject for f in falling] == ["vendor"] and "fell from 86 to 75" in falling[0].message


# --------------------------------------------------------------------------------------------
# the chart


def test_the_chart_spec_and_its_title():
    t = make(
        3,
        2,
        previous={"date": "2025-01-31", "vendor_index": 70, "partner_index": None},
        history=[{"date": "2024-01-31", "vendor_index": 60, "partner_index": 40}],
    )
    result = trust_model.analyse(t)
    title = trust_history_title(result.history)
    assert title == "Vendor's trust in the partner fell from 60 to 50; partner's trust in the vendor fell from 40 to 25 (3 assessments)"
    spec = trust_history(result.history).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["line", "point"]
    enc = spec["layer"][1]["encoding"]
    assert enc["x"]["field"] == "date" and enc["x"]["type"] == "temporal"
    assert enc["y"]["field"] == "index" and enc["y"]["scale"]["domain"] == [0, 100]
    rows = next(iter(spec["datasets"].values()))
    # the hidden partner point of 2025-01-31 is left out: 5 points of 6
    assert sorted((r["who"][:7], round(r["index"])) for r in rows) == sorted(
        [("Vendor'", 60), ("Partner", 40), ("Vendor'", 70), ("Vendor'", 50), ("Partner", 25)]
    )
    assert " ".join(spec["title"]) == title  # wrapped onto two lines
    assert spec["description"].startswith(title + ". Vendor's trust in the partner 60 on 31 Jan 2024;")


def test_a_side_with_one_shown_point_is_said_so_in_the_title():
    t = make(3, 2, per_side=3, previous={"date": "2025-01-31", "vendor_index": 40, "partner_index": None})
    title = trust_history_title(trust_model.analyse(t).history)
    assert title == "Vendor's trust in the partner rose from 40 to 50; partner's trust in the vendor: one assessment shown (2 assessments)"


def test_the_report_section_shows_the_trend_from_two_assessments():
    from workbook.areas import assess

    # the example: previous 2025-09-30 vendor 74, partner 66; this assessment vendor 73.9, partner 62.4
    html = views.render(assess(load_params("params/saas-regional-reseller.yaml"), only=["trust"]).view("trust")).html
    assert "<h3>Survey trust index over the assessments</h3>" in html
    assert "held at 74; partner&#x27;s trust in the vendor fell from 66 to 62 (2 assessments)" in html
    no_previous = make(4, 4)
    assert views.trust_history_charts(trust_model.analyse(no_previous)) == []


def test_the_alliance_dashboard_shows_the_trend_when_the_file_has_an_earlier_result(monkeypatch, tmp_path):
    import shutil
    from pathlib import Path

    from workbook.charts.render import LiveChart
    from workbook.ui import dashboards

    for name in ("saas-regional-reseller.yaml",):
        shutil.copy(Path("params") / name, tmp_path / name)
    text = (tmp_path / "saas-regional-reseller.yaml").read_text()
    (tmp_path / "without.yaml").write_text(text.replace("  previous: {date: 2025-09-30, vendor_index: 74, partner_index: 66}\n", ""))
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(tmp_path))

    def trends(name: str) -> list:
        root = dashboards.AllianceApp(name).root
        return [w for w in root.children if "wb-trust-trend" in w._dom_classes]

    [box] = trends("saas-regional-reseller.yaml")
    [shown] = box.children
    # drawn as an image (the what-if does not move it): the page's one live chart stays the what-if's
    assert "Trust over the assessments" in shown.value and '<img class="wb-chart"' in shown.value
    assert not any(isinstance(w, LiveChart) for w in box.children)
    assert trends("without.yaml") == []  # one assessment: nothing to draw


# --------------------------------------------------------------------------------------------
# properties

DAYS = st.integers(min_value=0, max_value=3000)


@settings(max_examples=80, deadline=None)
@given(history=st.lists(DAYS, max_size=5), previous=st.one_of(st.none(), DAYS), current=st.one_of(st.none(), DAYS))
def test_a_history_is_accepted_exactly_when_it_is_strictly_increasing_and_earlier(history, previous, current):
    """Dates as days after 2020-01-01: valid iff oldest first with no repeat, every one before
    ``previous`` and before the assessment's date (where given); the fall compares with the last."""
    start = dt.date(2020, 1, 1)

    def day(n: int) -> str:
        return (start + dt.timedelta(days=n)).isoformat()

    entries = [{"date": day(n), "vendor_index": float(n % 101)} for n in history]
    prev = None if previous is None else {"date": day(previous), "vendor_index": 50.0}
    earlier = history + ([] if previous is None else [previous])
    ok = all(a < b for a, b in zip(earlier, earlier[1:])) and (current is None or previous is None or previous < current)
    ok = ok and (current is None or all(n < current for n in history))
    try:
        t = make(3, 3, date=None if current is None else day(current), previous=prev, history=entries)
    except ValidationError:
        assert not ok
        return
    assert ok
    assert [h.date for h in t.earlier] == [start + dt.timedelta(days=n) for n in earlier]
    latest = t.latest_earlier
    assert (latest is None) == (not earlier) and (latest is None or latest.date == start + dt.timedelta(days=earlier[-1]))
