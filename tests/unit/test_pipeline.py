"""The pipeline in the re-forecast and the attribution, by hand (README, "Plan against actual").

The worked plan of ``test_actuals``: 2 deals a month of 10,000, partner margin 0.2, gross margin
1, sales cycle 3, 10,000 a month invested; its vendor revenue is 16,000 a month from month 4.
Behind-plan actuals (12,000 a month from month 4) fit d = 0, k = 0.75: −12,000 at month 12, then
+2,000 a month, break-even month 18 without a pipeline.

The pipeline of the README's worked check: won 3, lost 2 (w = 0.6); 1 deal of 5,000 expected in
month 11 (slipped: it counts in month 13), 2 of 20,000 in month 13, 3 of 30,000 in month 15, 2
of 25,000 in month 17. Covered: months 13 .. min(17, 12 + 3, 24) = 15. Vendor revenue 0.6 ×
25,000 × 0.8 = 12,000 in month 13, 0 in 14, 0.6 × 30,000 × 0.8 = 14,400 in 15; net +2,000,
−10,000, +4,400: cumulative −10,000, −20,000, −15,600; then +2,000 a month: 0 in month 23.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_actuals import BASE, months, params
from workbook import actuals, signals, views
from workbook.areas import assess
from workbook.portfolio import HEADERS, pipeline_cell, row_cells, sort_keys
from workbook.schema import Params
from workbook.summary import Summary, summarise, summary_of

README = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
PART = README[README.index("*Plan against actual*") : README.index("*Uncertainty.*")]

WORKED_PIPELINE: dict[str, Any] = {
    "source": "CRM export",
    "won": 3,
    "lost": 2,
    "months": [
        {"month": 11, "deals": 1, "amount": 5000},
        {"month": 13, "deals": 2, "amount": 20000},
        {"month": 15, "deals": 3, "amount": 30000},
        {"month": 17, "deals": 2, "amount": 25000},
    ],
}


def with_pipeline(actual_months: list[dict[str, Any]] | None, pipeline: dict[str, Any] | None, **ramp_changes: Any) -> Params:
    data = params(actual_months, **ramp_changes).model_dump(by_alias=True, exclude_none=True)
    if pipeline is not None:
        data["pipeline"] = pipeline
    return Params.model_validate(data)


def tracked(p: Params) -> actuals.ActualsResult:
    t = assess(p, only=("ramp",)).actuals
    assert t is not None
    return t


def rule_5(p: Params) -> np.ndarray:
    """The re-forecast's vendor revenue after M by rule 5 alone (k × the plan d months later)."""
    a = assess(p, only=("ramp",))
    t = a.actuals
    assert t is not None
    plan = a.ramp.plan.monthly["vendor_revenue"].to_numpy(dtype=float)
    m, d, k = t.through_month, t.reforecast_delay_months, t.reforecast_scale
    return np.array([k * plan[month - d - 1] for month in range(m + 1, p.ramp.horizon_months + 1)])


# -- the README's worked check ---------------------------------------------------------------


def test_the_readme_worked_check_of_the_pipeline():
    t = tracked(with_pipeline(months(12000), WORKED_PIPELINE))
    f = t.pipeline
    assert f is not None and f.used and (f.first_month, f.last_month) == (13, 15)
    assert "min(17, 12 + 3, 24) = 15" in PART
    r = t.reforecast.set_index("month")
    assert r.loc[13:15, "vendor_revenue"].tolist() == pytest.approx([12000, 0, 14400])
    assert "0.6 × (5,000 + 20,000) × 0.8 = 12,000" in PART and "0.6 × 30,000 × 0.8 = 14,400" in PART
    assert r.loc[13:15, "cumulative_net"].tolist() == pytest.approx([-10000, -20000, -15600])
    assert "−10,000, −20,000, −15,600 at months 13–15" in PART
    assert r.loc[16:24, "vendor_revenue"].tolist() == pytest.approx([12000] * 9)  # the fit: 0.75 × 16,000
    assert r.loc[13:15, "from_pipeline"].all() and not r.loc[16:, "from_pipeline"].any() and not r.loc[:12, "from_pipeline"].any()
    assert "break-even month 23 instead of 18" in PART and t.reforecast_break_even_month == 23
    assert tracked(params(months(12000))).reforecast_break_even_month == 18
    assert (f.deals, f.amount, f.later_deals, f.later_amount) == (6, 55000, 2, 25000)
    said = actuals.pipeline_sentence(t)
    assert said is not None and said.startswith("Months 13–15 from the pipeline: 6 open deals, $55,000 × win rate 60%")
    assert '"Months 13–15 from the pipeline: 6 open deals, $55,000 × win rate 60%"' in PART
    assert "2 deals expected later ($25,000) are left to the fit" in said
    # no deal won: nothing from the pipeline, no break-even
    lost = tracked(with_pipeline(months(12000), {**WORKED_PIPELINE, "won": 0, "lost": 5}))
    assert lost.reforecast.set_index("month").loc[13:15, "vendor_revenue"].tolist() == [0, 0, 0]
    assert "the net ends at −24,000 in month 24: no break-even" in PART
    assert round(lost.reforecast_cumulative_net_at_horizon) == -24000 and lost.reforecast_break_even_month is None


def test_the_readme_worked_check_of_recurring_deals():
    assert "month M + 1 bills 16,000 + 0.5 × 24,000 ÷ 12 × 0.8 = 16,800" in PART
    # a recurring plan of the worked shape: 2 contracts of 12,000 a year close a month from month 4,
    # each billing 1,000 a month, 800 to the vendor: 1,600 more vendor revenue every month
    plan_like = [{"month": m, "investment": 10000, "deals_closed": 0 if m < 4 else 2, "vendor_revenue": max(0, m - 3) * 1600} for m in range(1, 11)]
    plan_like[-1]["vendor_revenue"] = 16000  # M = 10 bills 16,000 (the plan's 11,200 and more)
    pipeline = {"won": 1, "lost": 1, "months": [{"month": 11, "deals": 1, "amount": 24000}]}
    p = with_pipeline(plan_like, pipeline, deal_value_kind="annual_recurring", avg_deal_value=12000)
    t = tracked(p)
    f = t.pipeline
    assert f is not None and f.used and f.recurring and (f.first_month, f.last_month) == (11, 11)
    r = t.reforecast.set_index("month")
    assert r.loc[11, "vendor_revenue"] == pytest.approx(16800)
    # after the covered month the book keeps billing and the fit adds its new contracts:
    # k × 1,600 a month (the plan's first billing of the contracts closing each month)
    k = t.reforecast_scale
    assert r.loc[12, "vendor_revenue"] == pytest.approx(16800 + k * 1600)
    assert r.loc[13, "vendor_revenue"] == pytest.approx(16800 + 2 * k * 1600)
    assert r.loc[11, "pipeline_revenue"] == pytest.approx(800) and r.loc[12, "pipeline_revenue"] == pytest.approx(800)
    said = actuals.pipeline_sentence(t)
    assert said is not None and "of annual contract value" in said and "on top of the contracts already won" in said


def test_recurring_churn_wears_the_book_down_by_g_a_month():
    churn = 0.2
    g = (1 - churn) ** (1 / 12)
    rows = [{"month": m, "investment": 10000, "deals_closed": 0 if m < 4 else 2, "vendor_revenue": 0 if m < 4 else 5000} for m in range(1, 7)]
    pipeline = {"won": 1, "lost": 3, "months": [{"month": 7, "deals": 1, "amount": 12000}, {"month": 8, "deals": 2, "amount": 36000}]}
    t = tracked(with_pipeline(rows, pipeline, deal_value_kind="annual_recurring", annual_churn=churn, avg_deal_value=12000))
    r = t.reforecast.set_index("month")
    seven = g * 5000 + 0.25 * 12000 / 12 * 0.8
    eight = g * seven + 0.25 * 36000 / 12 * 0.8
    assert r.loc[7, "vendor_revenue"] == pytest.approx(seven) and r.loc[8, "vendor_revenue"] == pytest.approx(eight)


# -- when the pipeline is not used -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline", "changes", "reason", "words"),
    [
        ({"won": 0, "lost": 0, "months": [{"month": 13, "deals": 1, "amount": 9000}]}, {}, "no_win_rate", "there is no win rate"),
        ({"won": 4, "lost": 1, "months": []}, {}, "no_open_deals", "lists no open deals"),
        ({"won": 4, "lost": 1, "months": [{"month": 13, "deals": 1, "amount": 9000}]}, {"horizon_months": 12, "commitment_months": 12, "investment": [{"name": "Team", "monthly_cost": 10000, "start_month": 1, "end_month": 12}]}, "no_month_covered", "the actuals reach the horizon"),
        ({"won": 4, "lost": 1, "months": [{"month": 13, "deals": 1, "amount": 9000}]}, {"sales_cycle_months": 0}, "no_month_covered", "the sales cycle is under a month"),
    ],
)
def test_a_pipeline_that_cannot_be_used_leaves_the_re_forecast_as_it_was_and_says_why(pipeline, changes, reason, words):
    without = tracked(params(months(12000), **changes))
    t = tracked(with_pipeline(months(12000), pipeline, **changes))
    assert t.pipeline is not None and t.pipeline.reason == reason and not t.pipeline.used
    assert t.reforecast.equals(without.reforecast)
    said = actuals.pipeline_sentence(t)
    assert said is not None and words in said and said in actuals.headline(t)
    assert summarise(with_pipeline(months(12000), pipeline, **changes))["reforecast_pipeline_months"] is None


def test_slipped_deals_count_in_the_first_month_after_the_actuals():
    pipeline = {"won": 1, "lost": 1, "months": [{"month": 2, "deals": 1, "amount": 10000}, {"month": 12, "deals": 2, "amount": 10000}]}
    t = tracked(with_pipeline(months(12000), pipeline))
    f = t.pipeline
    # every open deal is in month 12 or before: the pipeline covers month 13 alone
    assert f is not None and (f.first_month, f.last_month) == (13, 13) and f.amounts == (20000,) and f.deals == 3
    assert t.reforecast.set_index("month").loc[13, "vendor_revenue"] == pytest.approx(0.5 * 20000 * 0.8)


def test_calendar_months_name_the_span():
    p = with_pipeline(months(12000), WORKED_PIPELINE).model_dump(by_alias=True, exclude_none=True)
    p["alliance"]["start"] = "2026-01-01"
    t = tracked(Params.model_validate(p))
    said = actuals.pipeline_sentence(t, months=Params.model_validate(p).months)
    assert said is not None and said.startswith("Jan–Mar 2027 (months 13–15) from the pipeline")
    names = Params.model_validate(p).months
    assert actuals.month_span(12, 13, names) == "Dec 2026–Jan 2027 (months 12–13)"
    assert actuals.month_span(13, 13, names) == "Jan 2027 (month 13)"


# -- properties --------------------------------------------------------------------------------

amounts = st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=6)


def _pipeline(values: list[int], won: int, lost: int, first: int = 11) -> dict[str, Any]:
    return {"won": won, "lost": lost, "months": [{"month": first + i, "deals": 1 if v else 0, "amount": v} for i, v in enumerate(values)]}


@settings(max_examples=40, deadline=None)
@given(
    values=amounts,
    extra=st.lists(st.integers(min_value=0, max_value=100_000), min_size=6, max_size=6),
    won=st.integers(min_value=0, max_value=20),
    lost=st.integers(min_value=0, max_value=20),
    recurring=st.booleans(),
)
def test_a_larger_pipeline_amount_never_lowers_the_re_forecast(values, extra, won, lost, recurring):
    kind = {"deal_value_kind": "annual_recurring", "annual_churn": 0.1} if recurring else {}
    small = tracked(with_pipeline(months(12000), _pipeline(values, won, lost), **kind)).reforecast
    larger = [v + e for v, e in zip(values, extra)]
    large = tracked(with_pipeline(months(12000), _pipeline(larger, won, lost), **kind)).reforecast
    assert (large["vendor_revenue"].to_numpy() >= small["vendor_revenue"].to_numpy() - 1e-6).all()
    assert (large["cumulative_net"].to_numpy() >= small["cumulative_net"].to_numpy() - 1e-6).all()


@settings(max_examples=40, deadline=None)
@given(values=amounts, lost=st.integers(min_value=1, max_value=20), recurring=st.booleans(), first=st.integers(min_value=8, max_value=16))
def test_a_win_rate_of_0_brings_no_pipeline_revenue(values, lost, recurring, first):
    kind = {"deal_value_kind": "annual_recurring"} if recurring else {}
    t = tracked(with_pipeline(months(12000), _pipeline(values, 0, lost, first), **kind))
    assert t.pipeline is not None and t.pipeline.used and t.pipeline.win_rate == 0
    assert (t.reforecast["pipeline_revenue"] == 0).all()
    covered = t.reforecast[t.reforecast["from_pipeline"]]
    if recurring:  # only the contracts already won keep billing (no churn: as in month 12)
        assert covered["vendor_revenue"].tolist() == pytest.approx([12000.0] * len(covered))
    else:
        assert (covered["vendor_revenue"] == 0).all()


@settings(max_examples=30, deadline=None)
@given(revenue=st.integers(min_value=0, max_value=30_000), n=st.integers(min_value=1, max_value=23), recurring=st.booleans())
def test_no_pipeline_gives_exactly_the_re_forecast_of_rule_5(revenue, n, recurring):
    kind = {"deal_value_kind": "annual_recurring"} if recurring else {}
    p = params(months(revenue, n=n), **kind)
    t = tracked(p)
    assert t.pipeline is None
    assert not t.reforecast["from_pipeline"].any() and (t.reforecast["pipeline_revenue"] == 0).all()
    assert t.reforecast["vendor_revenue"].to_numpy()[n:].tolist() == pytest.approx(rule_5(p).tolist())


# -- attribution -----------------------------------------------------------------------------


def _attributed(pairs: list[tuple[float | None, float | None]]) -> list[dict[str, Any]]:
    rows = months(16000, n=len(pairs))
    for row, (s, i) in zip(rows, pairs):
        if s is not None:
            row["partner_sourced_revenue"] = s
        if i is not None:
            row["influenced_revenue"] = i
    return rows


def test_the_sourced_share_sums_the_months_that_give_either():
    # months 1-2 give nothing, 3 both, 4 sourced only (influenced counts 0), 5 influenced only
    p = params(_attributed([(None, None), (None, None), (30000, 10000), (20000, None), (None, 40000)]))
    a = actuals.attribution(p.actuals)
    assert a is not None and a.months == (3, 4, 5)
    assert (a.sourced, a.influenced) == (50000, 50000) and a.share == 0.5
    s = summarise(p)
    assert s["sourced_share"] == 0.5
    last_two = actuals.attribution(p.actuals, last_months=2)
    assert last_two is not None and last_two.share == pytest.approx(20000 / 60000)
    said = actuals.attribution_sentence(a)
    assert said == "Sourced share 50%: $50,000 of the $100,000 of revenue the partner sourced or influenced was partner-sourced, the rest influenced, over months 3–5"


def test_no_attribution_is_null():
    assert actuals.attribution(params(months(16000)).actuals) is None
    assert actuals.attribution(params(_attributed([(0, 0), (0, None)])).actuals) is None  # nothing attributed
    assert summarise(params(months(16000)))["sourced_share"] is None
    assert actuals.attribution(None) is None


def test_summary_fields_and_money_rounding():
    p = with_pipeline(_attributed([(None, None), (1000, 3000)]), {**WORKED_PIPELINE, "months": [{"month": 3, "deals": 2, "amount": 1234.567}]})
    s = summarise(p)
    assert (s["win_rate"], s["pipeline_deals"], s["pipeline_amount"], s["sourced_share"]) == (0.6, 2, 1234.57, 0.25)
    assert s["reforecast_pipeline_months"] == [3, 3]
    json.dumps(s, allow_nan=False)  # strict JSON
    yen = p.model_dump(by_alias=True, exclude_none=True)
    yen["alliance"]["currency"] = "JPY"
    assert summarise(Params.model_validate(yen))["pipeline_amount"] == 1235
    # a pipeline without actuals still gives its own figures; without either, all null
    bare = with_pipeline(None, {"won": 2, "lost": 1, "months": [{"month": 5, "deals": 3, "amount": 9000}]})
    s = summarise(bare)
    assert (s["win_rate"], s["pipeline_deals"], s["pipeline_amount"]) == (0.6667, 3, 9000)
    assert s["sourced_share"] is None and s["reforecast_pipeline_months"] is None
    none = summarise(params(None))
    assert all(none[k] is None for k in ("win_rate", "pipeline_deals", "pipeline_amount", "sourced_share", "reforecast_pipeline_months"))


# -- partner credit from the actuals ---------------------------------------------------------


def _health(wins: int) -> dict[str, Any]:
    return {
        "alliance_start": "2026-01-01",
        "check_ins": [{"date": "2026-06-30", "alliance_manager": "Ana", "sentiment": "neutral", "wins": wins, "wins_crediting_partner": min(wins, 3)}],
    }


def test_partner_credit_falls_back_on_the_sourced_share_when_no_check_in_records_wins():
    rows = _attributed([(None, None), (10000, 30000), (0, 20000)])
    data = params(rows).model_dump(by_alias=True, exclude_none=True)
    data["health"] = _health(0)
    p = Params.model_validate(data)
    a = assess(p)
    assert a.health is not None and isinstance(a.health.credit, signals.AttributedCredit)
    assert a.health.credit.share == pytest.approx(10000 / 60000)
    flag = next(f for f in a.flags if f.code == "partner_not_credited")
    assert flag.message == (
        "Partner credit is only 17% (from the actuals: $10,000 of the $60,000 the partner sourced or influenced in Feb–Mar 2026 (months 2–3) was "
        "partner-sourced; no check-in records its wins)."
    )
    # the health chart's title gives the same figure
    html = views.render(a.view("health")).html
    assert "partner credit 17% (from the actuals" in html
    # wins at the check-ins: their figure, not the actuals'
    data["health"] = _health(4)
    b = assess(Params.model_validate(data))
    assert b.health is not None and isinstance(b.health.credit, signals.PartnerCredit) and b.health.credit.share == 0.75
    assert not any(f.code == "partner_not_credited" for f in b.flags)


def test_partner_credit_counts_the_last_12_recorded_months():
    pairs: list[tuple[float | None, float | None]] = [(0.0, 90000.0)] * 3 + [(6000.0, 4000.0)] * 12
    rows = _attributed(pairs)
    data = params(rows).model_dump(by_alias=True, exclude_none=True)
    data["health"] = _health(0)
    a = assess(Params.model_validate(data))
    assert a.health is not None and a.health.credit is not None and a.health.credit.share == pytest.approx(0.6)
    assert "months 4–15" in a.health.credit.detail
    assert not any(f.code == "partner_not_credited" for f in a.flags)


# -- pages -----------------------------------------------------------------------------------


def test_the_report_shows_the_pipeline_and_the_attribution_and_escapes_the_sources():
    data = with_pipeline(_attributed([(None, None)] * 3 + [(12000, 4000)] * 9), {**WORKED_PIPELINE, "source": "<b>CRM</b>", "as_of": "2026-08-31"})
    raw = data.model_dump(by_alias=True, exclude_none=True)
    raw["actuals"]["source"] = "<script>alert(1)</script>"
    a = assess(Params.model_validate(raw))
    html = views.render(views.actuals_view(a)).html
    assert "Months 13–15 from the pipeline: 6 open deals, $55,000 × win rate 60%" in html
    assert "Sourced share 75%" in html and 'class="wb-attribution"' in html
    assert "Partner-sourced: 75% of the revenue the partner sourced or influenced" in html  # the chart's title
    assert "Partner-sourced revenue" in html and "Influenced revenue" in html  # the table's columns
    assert "<b>CRM</b>" not in html and "&lt;b&gt;CRM&lt;/b&gt;" in html and "as of 31 Aug 2026" in html
    assert "<script>alert(1)</script>" not in html


def test_the_portfolio_has_a_pipeline_and_attribution_column():
    column = HEADERS.index("Sourced share, pipeline") - 1  # the cells follow the alliance's name
    assert HEADERS[-1] == "Top flags"
    p = with_pipeline(_attributed([(None, None)] * 3 + [(12000, 4000)] * 9), WORKED_PIPELINE)
    s = summary_of(p)
    cell = row_cells(s)[column]
    assert cell == "sourced 75%; pipeline $80,000 in 8 open deals, win rate 60%"
    assert sort_keys(s)[column] == "0.75"
    plain = summary_of(params(months(16000)))
    assert row_cells(plain)[column] == "—" and sort_keys(plain)[column] == ""
    odd = s.model_copy(update={"currency": "EUR", "win_rate": None})
    assert pipeline_cell(odd) == "sourced 75%; pipeline €80,000 in 8 open deals, no win rate yet"
    # a summary.json kept from before these fields existed is still listed, without them
    older = Summary.kept({k: v for k, v in s.as_dict().items() if k not in ("sourced_share", "win_rate", "pipeline_deals", "pipeline_amount")})
    assert older is not None and pipeline_cell(older) == "—"


def test_the_cli_summary_words_the_pipeline_and_the_sourced_share():
    from workbook.cli import _readable

    p = with_pipeline(_attributed([(None, None)] * 3 + [(12000, 4000)] * 9), WORKED_PIPELINE)
    rows = dict(_readable(summary_of(p)))
    assert rows["re-forecast from the pipeline"] == "month 13 to month 15"
    assert rows["partner-sourced share"] == "75%"
    assert rows["open pipeline"] == "8 deals, $80,000, win rate 60%"
    assert "open pipeline" not in dict(_readable(summary_of(params(months(16000)))))


def test_the_alliance_dashboard_shows_the_pipeline_and_the_attribution(monkeypatch):
    from tests.conftest import PARAMS
    from workbook.ui import dashboards

    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(PARAMS))
    app = dashboards.AllianceApp("marketplace-referral.yaml")
    box = next(w for w in app.root.children if "wb-actuals" in w._dom_classes)
    words = box.children[0].value
    # the example: 30 won, 20 lost; open deals of 12,000 in months 10 (slipped), 11, 12 and 13; sales cycle 2
    assert "Sep–Oct 2026 (months 11–12) from the pipeline: 8 open deals, $96,000 × win rate 60%" in words
    assert "2 deals expected later ($24,000) are left to the fit" in words
    shared = next(w for w in box.children if "wb-attribution" in getattr(w, "value", ""))
    # partner-sourced 17 deals' worth of 9,840 against 13 influenced
    assert "Sourced share 57%: $167,280 of the $295,200" in shared.value


def test_the_example_s_re_forecast_by_hand():
    from workbook.params import load_params

    p = load_params(Path(__file__).resolve().parents[2] / "params" / "marketplace-referral.yaml")
    t = tracked(p)
    r = t.reforecast.set_index("month")
    # months 11 and 12: 0.6 × (12,000 slipped + 36,000) × (1 − 0.18) and 0.6 × 48,000 × 0.82
    assert r.loc[11:12, "vendor_revenue"].tolist() == pytest.approx([23616, 23616])
    assert summarise(p)["sourced_share"] == round(17 / 30, 4)
