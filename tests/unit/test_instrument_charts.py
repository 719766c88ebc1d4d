"""The instrument charts: their data, encodings and finding-stating titles (asserted on
``to_dict()``, not pixels)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbook import scoping, signals, trust, value
from workbook.charts import instruments as charts
from workbook.charts.theme import BAD, PARTNER, VENDOR
from workbook.instruments import SCOPING
from workbook.schema import Health, Scope, Trust, Value

ALTAIR_MAX_ROWS = 5000


def rows(spec: dict) -> list[dict]:
    """Every data row of every dataset in a chart's spec."""
    return [row for data in spec.get("datasets", {}).values() for row in data]


def layers(spec: dict) -> list[dict]:
    out = []

    def walk(node):
        if isinstance(node, dict):
            if "mark" in node:
                out.append(node)
            for key in ("layer", "vconcat", "hconcat", "concat"):
                for child in node.get(key, []):
                    walk(child)

    walk(spec)
    return out


def trust_result(partner_keeps_word: int = 2, partner_takes_advantage: int = 4) -> trust.TrustResult:
    vendor = {"keeps_word": 4, "takes_advantage": 2, "c1_capable": 4}
    partner = {"keeps_word": partner_keeps_word, "takes_advantage": partner_takes_advantage, "c1_capable": 4}
    data = {
        "respondents": [{"id": f"v{i}", "side": "vendor", "answers": vendor} for i in range(3)]
        + [{"id": f"p{i}", "side": "partner", "answers": partner} for i in range(3)]
    }
    return trust.analyse(Trust.model_validate(data, strict=True))


def test_dumbbell_title_names_the_widest_gap_and_marks_wide_gaps():
    # integrity 4 vs 2 (gap 2.0), self-interest 4 vs 2 (2.0) -> first in principle order wins the tie
    result = trust_result()
    spec = charts.trust_dumbbell(result.gaps).to_dict()
    assert spec["title"] == "Widest asymmetry: Integrity (2.0 points)"
    data = rows(spec)
    integrity = [r for r in data if r.get("label") == "Integrity" and "side" in r]
    assert sorted((r["side"], r["mean"]) for r in integrity) == [
        ("Partner's trust in the vendor", 2.0),
        ("Vendor's trust in the partner", 4.0),
    ]
    connector, dots = layers(spec)
    assert connector["encoding"]["x"]["field"] == "vendor_mean" and connector["encoding"]["x2"]["field"] == "partner_mean"
    assert connector["encoding"]["color"]["condition"]["value"] == BAD
    assert dots["encoding"]["color"]["scale"]["range"] == [VENDOR, PARTNER]
    assert dots["encoding"]["shape"]["field"] == "side"  # not colour alone
    # principles nobody answered are not drawn
    assert not [r for r in data if r.get("label") == "Empathy"]


def test_dumbbell_with_everything_suppressed_says_so():
    data = {"respondents": [{"id": "v1", "side": "vendor", "answers": {"keeps_word": 4}}]}
    result = trust.analyse(Trust.model_validate(data, strict=True))
    spec = charts.trust_dumbbell(result.gaps).to_dict()
    assert spec["title"].startswith("No asymmetry to show")


def test_quadrant_places_each_side_and_names_the_mismatch():
    result = trust_result()
    spec = charts.trust_quadrant(result.indices).to_dict()
    points = [r for r in rows(spec) if "who" in r]
    assert {r["side"] for r in points} == {"vendor", "partner"}
    dots = layers(spec)[-1]
    assert dots["encoding"]["x"]["field"] == "competence" and dots["encoding"]["y"]["field"] == "intentions"
    # partner: competence 75, intentions mean(2, 2) = 2 -> 25: 50 points apart
    # wrapped to the square's width
    assert spec["title"] == ["The partner trusts the vendor's competence (75)", "far more than its intentions (25)"]
    balanced = charts.trust_quadrant(trust_result(partner_keeps_word=4, partner_takes_advantage=2).indices).to_dict()
    assert " ".join(balanced["title"]) == "Trust in competence and in intentions move together on both sides"


def test_quadrant_without_competence_or_intentions_answers_says_so():
    data = {"respondents": [{"id": "v1", "side": "vendor", "answers": {"keeps_word": 4}}]}
    result = trust.analyse(Trust.model_validate(data, strict=True))
    spec = charts.trust_quadrant(result.indices).to_dict()
    assert " ".join(spec["title"]) == "Competence and intentions: not enough answers to show yet"
    assert spec["description"] == "Competence and intentions: not enough answers to show yet."


def test_readiness_chart_stacks_agreed_draft_missing_per_group():
    scope = Scope.model_validate({"items": {"value_proposition": "agreed", "mutual_needs": "draft"}}, strict=True)
    result = scoping.analyse(scope)
    spec = charts.readiness_chart(result.groups, result.overall).to_dict()
    bars = layers(spec)[0]
    assert bars["encoding"]["x"]["stack"] == "zero"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["agreed", "draft", "missing"]
    purpose = {r["status"]: r["share"] for r in rows(spec) if r.get("group_label") == "Purpose and value" and "status" in r}
    assert purpose == pytest.approx({"agreed": 3 / 12, "draft": 2 / 12, "missing": 7 / 12})
    # purpose (3 + 1)/12 = 33; overall 4/82 = 4.9 -> 5; every other group is 0
    assert spec["title"] == "Readiness 5 of 100 — weakest: Nature and scope agreed in detail (0)"
    assert len([r for r in rows(spec) if "status" in r]) == 3 * len(SCOPING.groups)


def test_value_waterfall_steps_up_to_the_total_next_to_the_margin():
    v = Value.model_validate(
        {
            "quotes_per_year": 6000,
            "hours_per_quote": 1.5,
            "loaded_cost_per_hour": 60,
            "margin_paid_to_partner_per_year": 500000,
            "other_costs": [{"name": "<script>alert(1)</script>", "cost_per_year": 10000}],
        },
        strict=True,
    )
    spec = charts.value_waterfall(value.breakdown(v)).to_dict()
    assert spec["title"] == "Going direct would cost $550k a year, more than the $500k margin it saves"
    data = {r["label"]: r for r in rows(spec) if "start" in r}
    assert (data["Quotes"]["start"], data["Quotes"]["end"]) == (0, 540000)
    assert (data["<script>alert(1)</script>"]["start"], data["<script>alert(1)</script>"]["end"]) == (540000, 550000)
    assert data["Total cost of going direct"]["end"] == 550000
    assert data["Margin paid to the partner"]["end"] == 500000
    bars = layers(spec)[0]
    assert bars["encoding"]["y"]["field"] == "start" and bars["encoding"]["y2"]["field"] == "end"
    # params text is data only: it never appears in the title or in any expression
    spec_text = json.dumps({k: v for k, v in spec.items() if k != "datasets"})
    assert "<script>" not in spec_text
    cheap = Value.model_validate({"quotes_per_year": 10, "hours_per_quote": 1, "loaded_cost_per_hour": 50, "margin_paid_to_partner_per_year": 2_000_000}, strict=True)
    assert charts.value_waterfall(value.breakdown(cheap)).to_dict()["title"] == (
        "Going direct would cost $500 a year, less than the $2.0M margin it saves"
    )


def health_section() -> Health:
    return Health.model_validate(
        {
            "alliance_start": "2024-01-01",
            "check_ins": [
                {"date": "2024-03-31", "alliance_manager": "Dana", "sentiment": "neutral", "wins": 4, "wins_crediting_partner": 3, "trust_index": 70},
                {
                    "date": "2024-06-30",
                    "alliance_manager": "Lee",
                    "sentiment": "negative",
                    "events": [{"kind": "resources", "note": "SE withdrawn"}],
                    "wins": 4,
                    "wins_crediting_partner": 1,
                    "trust_index": 55,
                },
            ],
        },
        strict=True,
    )


def test_health_timeline_panels_and_title():
    h = health_section()
    spec = charts.health_timeline(signals.timeline(h), signals.event_table(h)).to_dict()
    # the check-in trust score, named apart from the survey's index; partner credit: 3 + 1 credited of 4 + 4 wins
    assert spec["title"]["text"] == (
        "Check-in trust score fell from 70 to 55; partner credit 50% (4 of the partner's 8 wins in the last 12 months "
        "credited it); 1 alliance-manager change"
    )
    panels = spec["vconcat"]
    assert [p["title"] for p in panels] == [
        "Internal narrative",
        "Changes reported at check-ins",
        "Check-in trust score (typed at each check-in, not the survey's index)",
        "The partner's wins crediting it, at each check-in",
    ]
    data = rows(spec)
    kinds = {(r["kind"], r["note"]) for r in data if "kind" in r}
    assert kinds == {("resources", "SE withdrawn"), ("alliance manager", "handed to Lee")}
    trust_line = panels[2]
    assert trust_line["encoding"]["y"]["field"] == "trust_index"
    credit = layers(panels[3])[0]
    assert credit["encoding"]["y"]["field"] == "credit_share"
    assert credit["encoding"]["color"]["condition"]["value"] == BAD  # under 50 % stands out


def test_health_timeline_without_events_or_trust_still_renders():
    h = Health.model_validate(
        {"alliance_start": "2024-01-01", "check_ins": [{"date": "2024-02-01", "alliance_manager": "Dana", "sentiment": "positive"}]},
        strict=True,
    )
    spec = charts.health_timeline(signals.timeline(h), signals.event_table(h)).to_dict()
    assert spec["title"]["text"] == "Health check-ins"


def test_charts_stay_under_the_altair_row_limit():
    # 40 respondents a side still gives one row per principle and side
    many = {
        "respondents": [
            {"id": f"{s}{i}", "side": s, "answers": {item: 1 + (i % 5) for item in ("keeps_word", "c1_capable", "takes_advantage")}}
            for s in ("vendor", "partner")
            for i in range(40)
        ]
    }
    result = trust.analyse(Trust.model_validate(many, strict=True))
    for chart in (charts.trust_dumbbell(result.gaps), charts.trust_quadrant(result.indices)):
        assert len(rows(chart.to_dict())) < ALTAIR_MAX_ROWS
    frame = pd.DataFrame(rows(charts.trust_dumbbell(result.gaps).to_dict()))
    assert len(frame) <= 3 * 13


def test_quadrant_with_one_side_hidden_speaks_of_that_side_only():
    # three vendor respondents, one partner: the partner's view is hidden (below 3 respondents),
    # so the title must not claim anything "on both sides"
    vendor = {"keeps_word": 4, "takes_advantage": 2, "c1_capable": 4}
    data = {
        "respondents": [{"id": f"v{i}", "side": "vendor", "answers": vendor} for i in range(3)]
        + [{"id": "p0", "side": "partner", "answers": vendor}]
    }
    result = trust.analyse(Trust.model_validate(data, strict=True))
    title = " ".join(charts.trust_quadrant(result.indices).to_dict()["title"])
    assert title == "The vendor's trust in the partner's competence and intentions move together (partner's view hidden: too few answers)"
    assert "both sides" not in title
