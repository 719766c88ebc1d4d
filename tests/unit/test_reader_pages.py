"""What a report's reader sees: every chart states its finding in words, legends list only what
is drawn, dates carry their year, counts read "1 month", the scenario comparison stays readable
when one route dwarfs the rest, and the report speaks to its reader rather than its author."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import altair as alt
import nbformat
import pytest

import workbook as wb
from tests.conftest import EXAMPLES, PARAMS, ROOT
from workbook import charts, scoping, signals, trust
from workbook import ramp as ramp_model
from workbook.charts import instruments, theme
from workbook.schema import Actuals, Health, Scope, Trust
from workbook.currency import currency
from workbook.text import count

#: Names in ``workbook.charts.__all__`` that do not build a chart.
NOT_BUILDERS = {"theme", "payback_title", "STOP_LABEL", "description", "figure_html", "live_chart", "svg"}


@cache
def assessed(name: str) -> Any:
    return wb.assess(wb.load_params(PARAMS / f"{name}.yaml"))


def nodes(spec: dict) -> Iterator[dict]:
    """Every view of a spec (the top level, concatenated panels, layers)."""
    yield spec
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for child in spec.get(key, []):
            yield from nodes(child)


def data_values(spec: dict, field: str) -> set[str]:
    return {str(row[field]) for rows in spec.get("datasets", {}).values() for row in rows if field in row}


# --------------------------------------------------------------------------------------------
# every chart builder and the figure its description must state


def _ramp(a: Any) -> tuple[alt.TopLevelMixin, str]:
    m = a.ramp.plan.metrics
    return charts.ramp_chart(a.ramp.plan, a.ramp.monte_carlo, a.params.alliance.currency), f"month {m.break_even_month}"


def _scenarios(a: Any) -> tuple[alt.TopLevelMixin, str]:
    worst = min(a.ramp.scenarios, key=lambda s: s.result.metrics.cumulative_net_at_horizon)
    return charts.scenario_chart(a.ramp.scenarios, a.params.alliance.currency), worst.name


def _tornado(a: Any) -> tuple[alt.TopLevelMixin, str]:
    return charts.tornado_chart(a.ramp.sensitivity, code=a.params.alliance.currency), str(a.ramp.sensitivity.iloc[0]["label"])


def _dumbbell(a: Any) -> tuple[alt.TopLevelMixin, str]:
    gaps = a.trust.gaps.dropna(subset=["abs_gap"])
    return charts.trust_dumbbell(a.trust.gaps), f"{gaps['abs_gap'].max():.1f} points"


def _quadrant(a: Any) -> tuple[alt.TopLevelMixin, str]:
    vendor = a.trust.indices.set_index("side").loc["vendor"]
    return charts.trust_quadrant(a.trust.indices), f"competence {vendor['competence']:.0f}"


def _mirror(a: Any) -> tuple[alt.TopLevelMixin, str]:
    shown = a.trust.mirror.dropna(subset=["gap"])
    return charts.trust_mirror(a.trust.mirror), f"{shown['gap'].max():.1f} points"


def _trust_history(a: Any) -> tuple[alt.TopLevelMixin, str]:
    last = a.trust.history.dropna(subset=["index"]).iloc[-1]
    return charts.trust_history(a.trust.history), f"{instruments.SIDE_LABELS[last['side']]} {last['index']:.0f} on"


def _readiness(a: Any) -> tuple[alt.TopLevelMixin, str]:
    return charts.readiness_chart(a.scoping.groups, a.scoping.overall), f"Readiness {a.scoping.overall:.0f} of 100"


def _value(a: Any) -> tuple[alt.TopLevelMixin, str]:
    direct = float(a.value.breakdown.loc[a.value.breakdown["kind"] == "direct_cost", "amount"].sum())
    code = a.params.alliance.currency
    return charts.value_waterfall(a.value.breakdown, code), currency(code).short(direct)


def _health(a: Any) -> tuple[alt.TopLevelMixin, str]:
    first = a.health_timeline["date"].min()
    return charts.health_timeline(a.health_timeline, a.health_events), f"{first.day} {first:%b %Y}"


def _portfolio(_: Any) -> tuple[alt.TopLevelMixin, str]:
    from workbook.summary import summary_of

    rows = [summary_of(wb.load_params(p), p) for p in EXAMPLES]
    late = sum(1 for r in rows if r.break_even_month is None or r.break_even_month > r.commitment_months)
    return charts.break_even_chart(rows), f"{late} of {len(rows)}" if late else "Every alliance"


def _stop_line(a: Any) -> tuple[alt.TopLevelMixin, str]:
    chart = charts.ramp_chart(a.ramp.plan, None, a.params.alliance.currency)
    stopped = a.ramp.plan.monthly  # any monthly table of the same horizon
    return charts.with_stop_line(chart, stopped, a.params.alliance.currency), f"month {a.ramp.plan.metrics.break_even_month}"


def _two_sides(a: Any) -> tuple[alt.TopLevelMixin, str]:
    al, partner = a.params.alliance, a.ramp.partner
    chart = charts.two_sides_chart(a.ramp.plan, partner, al.vendor, al.partner, al.currency)
    return chart, f"the partner in month {partner.break_even_month}"
def _actuals(a: Any) -> tuple[alt.TopLevelMixin, str]:
    from workbook import actuals

    tracked = a.actuals
    if tracked is None:  # an example without actuals: its plan's first 6 months at 80 % of the revenue
        plan = a.ramp.plan.monthly.head(6)
        months = [
            {"month": int(r.month), "investment": float(r.investment), "deals_closed": float(r.deals_closed), "vendor_revenue": 0.8 * float(r.vendor_revenue)}
            for r in plan.itertuples()
        ]
        tracked = actuals.track(a.params.model_copy(update={"actuals": Actuals(months=months)}), a.ramp.plan, a.ramp.monte_carlo)
    return charts.actuals_chart(a.ramp.plan, tracked, a.ramp.monte_carlo, a.params.alliance.currency), f"month {tracked.through_month}"


def _attribution(a: Any) -> tuple[alt.TopLevelMixin, str]:
    from workbook import actuals

    tracked = a.actuals
    if tracked is None or tracked.attribution is None:  # an example without attribution: 3 months, 2 of them attributed
        months = [
            {"month": 1, "investment": 1000, "deals_closed": 0, "vendor_revenue": 0},
            {"month": 2, "investment": 1000, "deals_closed": 1, "vendor_revenue": 8000, "partner_sourced_revenue": 6000, "influenced_revenue": 2000},
            {"month": 3, "investment": 1000, "deals_closed": 1, "vendor_revenue": 8000, "partner_sourced_revenue": 3000},
        ]
        tracked = actuals.track(a.params.model_copy(update={"actuals": Actuals(months=months)}), a.ramp.plan)
    assert tracked is not None and tracked.attribution is not None
    chart = charts.attribution_chart(tracked.monthly, tracked.attribution, a.params.alliance.currency, a.params.months)
    return chart, f"{tracked.attribution.share:.0%}"


def _message(_: Any) -> tuple[alt.TopLevelMixin, str]:
    return charts.message_chart("No answers yet"), "No answers yet"


BUILDERS: dict[str, Callable[[Any], tuple[alt.TopLevelMixin, str]]] = {
    "ramp_chart": _ramp,
    "scenario_chart": _scenarios,
    "tornado_chart": _tornado,
    "trust_dumbbell": _dumbbell,
    "trust_quadrant": _quadrant,
    "trust_mirror": _mirror,
    "trust_history": _trust_history,
    "readiness_chart": _readiness,
    "value_waterfall": _value,
    "health_timeline": _health,
    "break_even_chart": _portfolio,
    "with_stop_line": _stop_line,
    "message_chart": _message,
    "two_sides_chart": _two_sides,
    "actuals_chart": _actuals,
    "attribution_chart": _attribution,
}


def test_every_chart_builder_is_checked_here():
    builders = set(charts.__all__) - NOT_BUILDERS
    assert builders <= set(BUILDERS), f"add these chart builders to BUILDERS: {sorted(builders - set(BUILDERS))}"


@pytest.mark.parametrize("alliance", ["saas-regional-reseller", "enterprise-global-si"])
@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_every_chart_states_its_finding_in_its_description(builder: str, alliance: str):
    chart, figure = BUILDERS[builder](assessed(alliance))
    spec = chart.to_dict()
    text = spec.get("description")
    assert isinstance(text, str) and text.strip(), f"{builder}: no top-level description"
    assert figure in text, f"{builder}: {figure!r} not in its description {text!r}"
    # the page shows it as the image's text alternative
    assert charts.description(chart) == text.strip()


def test_the_ramp_description_gives_break_even_peak_funding_and_the_band():
    a = assessed("saas-regional-reseller")
    m = a.ramp.plan.metrics
    text = charts.ramp_chart(a.ramp.plan, a.ramp.monte_carlo, "USD").to_dict()["description"]
    assert f"Pays back in month {m.break_even_month}" in text
    assert currency("USD")(m.peak_funding_need) in text
    assert "middle 80 %" in text


# --------------------------------------------------------------------------------------------
# the scenario comparison


def _panel_spans(spec: dict) -> list[tuple[str, float]]:
    """(panel title, the span of that panel's own scenario line as a share of the panel's
    vertical scale: its explicit domain, else the extent of everything the chart draws)."""
    panels = spec.get("concat") or [spec]
    everything = [float(r["cumulative_net"]) for rows in spec["datasets"].values() for r in rows if "cumulative_net" in r]
    out = []
    for panel in panels:
        title = panel.get("title", {})
        name = title.get("text", "") if isinstance(title, dict) else ""
        for node in nodes(panel):
            enc = node.get("encoding", {})
            if enc.get("y", {}).get("field") != "cumulative_net" or "data" not in node:
                continue
            rows = spec["datasets"][node["data"]["name"]]
            lo, hi = enc["y"].get("scale", {}).get("domain", [min(everything), max(everything)])
            names = {r["scenario"] for r in rows} if not name else {name}
            for scenario in names:
                vs = [float(r["cumulative_net"]) for r in rows if r["scenario"] == scenario]
                out.append((scenario, (max(vs) - min(vs)) / (hi - lo)))
    return out


@pytest.mark.parametrize("alliance", ["saas-regional-reseller", "enterprise-global-si", "manufacturer-distributor"])
def test_each_scenario_line_spans_a_useful_share_of_its_plot(alliance: str):
    """An acquisition costing millions does not flatten the other scenarios to a line at zero."""
    a = assessed(alliance)
    spec = charts.scenario_chart(a.ramp.scenarios, "USD").to_dict()
    spans = _panel_spans(spec)
    assert sorted(name for name, _ in spans) == sorted(s.name for s in a.ramp.scenarios)
    flat = [(what, round(share, 2)) for what, share in spans if share < 0.25]
    assert not flat, f"lines spanning under a quarter of their plot: {flat}"


def test_every_alternative_has_a_panel_titled_with_its_outcome():
    a = assessed("saas-regional-reseller")
    spec = charts.scenario_chart(a.ramp.scenarios, "USD").to_dict()
    titles = [p["title"] for p in spec["concat"]]
    assert [t["text"] for t in titles] == [s.name for s in a.ramp.scenarios]
    acquire = next(t for t in titles if t["text"] == "Acquire")
    assert acquire["subtitle"] == "break-even month 35; ends at $232,952"  # the acquired team sells annual contracts too
    assert spec["title"]["subtitle"].endswith("every panel has its own scale")


# --------------------------------------------------------------------------------------------
# legends list only what is drawn


def legend_domains(spec: dict) -> Iterator[tuple[str, str, list[Any]]]:
    for node in nodes(spec):
        for channel, enc in node.get("encoding", {}).items():
            if channel in ("color", "shape", "strokeDash", "fill") and isinstance(enc, dict) and "field" in enc:
                if enc.get("legend", {}) is None:
                    continue
                domain = enc.get("scale", {}).get("domain")
                if isinstance(domain, list):
                    yield channel, enc["field"], domain


@pytest.mark.parametrize("alliance", ["saas-regional-reseller", "enterprise-global-si", "marketplace-referral", "manufacturer-distributor"])
@pytest.mark.parametrize("builder", ["ramp_chart", "scenario_chart", "tornado_chart", "trust_dumbbell", "trust_quadrant", "readiness_chart", "value_waterfall", "health_timeline"])
def test_no_legend_entry_without_a_mark_behind_it(builder: str, alliance: str):
    a = assessed(alliance)
    if builder == "health_timeline" and a.health_timeline is None:
        pytest.skip("no health section")
    spec = BUILDERS[builder](a)[0].to_dict()
    for channel, field, domain in legend_domains(spec):
        missing = [d for d in domain if str(d) not in data_values(spec, field)]
        assert not missing, f"{builder}: the {channel} legend lists {missing}, which the chart does not draw"


def test_a_plan_without_premature_changes_has_no_legend_entry_for_them():
    a = assessed("marketplace-referral")
    plan = a.ramp.plan
    assert a.params.ramp.events
    quiet = ramp_model.run(a.params.ramp.model_copy(update={"events": []}))
    spec = charts.ramp_chart(quiet, None, "USD").to_dict()
    domains = [d for _, f, d in legend_domains(spec) if f == "legend"]
    assert domains and all(d == ["Break-even", "Commitment ends"] for d in domains), domains
    with_events = [d for _, f, d in legend_domains(charts.ramp_chart(plan, None, "USD").to_dict()) if f == "legend"]
    assert with_events and all(d == ["Break-even", "Commitment ends", "Premature change"] for d in with_events), with_events


def test_a_hidden_trust_side_has_no_legend_entry():
    answers = {"keeps_word": 4, "c1_capable": 4}
    data = {
        "respondents": [{"id": f"v{i}", "side": "vendor", "answers": answers} for i in range(3)]
        + [{"id": "p0", "side": "partner", "answers": answers}]
    }
    result = trust.analyse(Trust.model_validate(data, strict=True))
    for chart in (charts.trust_dumbbell(result.gaps), charts.trust_quadrant(result.indices)):
        sides = [d for _, f, d in legend_domains(chart.to_dict()) if f in ("side", "who")]
        assert sides and all(d == ["Vendor's trust in the partner"] for d in sides), sides


def test_readiness_legend_leaves_out_a_status_no_item_has():
    scope = Scope.model_validate({"items": {"value_proposition": "agreed"}}, strict=True)
    result = scoping.analyse(scope)
    spec = charts.readiness_chart(result.groups, result.overall).to_dict()
    assert [d for _, f, d in legend_domains(spec) if f == "status"] == [["agreed", "missing"]]


# --------------------------------------------------------------------------------------------
# dates


def test_every_date_a_chart_shows_has_its_year_in_one_format():
    h = Health.model_validate(
        {
            "alliance_start": "2024-01-01",
            "check_ins": [
                {"date": "2024-03-31", "alliance_manager": "Dana", "sentiment": "neutral", "wins": 2, "wins_crediting_partner": 1, "trust_index": 70},
                {"date": "2025-02-28", "alliance_manager": "Lee", "sentiment": "negative", "events": [{"kind": "policy"}], "trust_index": 60},
            ],
        },
        strict=True,
    )
    spec = instruments.health_timeline(signals.timeline(h), signals.event_table(h)).to_dict()
    formats = set()
    for node in nodes(spec):
        enc = node.get("encoding", {})
        x = enc.get("x", {})
        if x.get("type") == "temporal":
            formats.add(x.get("axis", {}).get("format"))
        for tip in enc.get("tooltip", []) if isinstance(enc.get("tooltip"), list) else []:
            if tip.get("type") == "temporal":
                formats.add(tip.get("format"))
    assert formats == {theme.DATE}
    assert "%Y" in theme.DATE
    assert "31 Mar 2024 to 28 Feb 2025" in spec["description"]


# --------------------------------------------------------------------------------------------
# words


@pytest.mark.parametrize(
    ("n", "word", "plural", "expected"),
    [(1, "month", None, "1 month"), (2, "month", None, "2 months"), (0, "respondent", None, "0 respondents"),
     (1, "person", "people", "1 person"), (3, "person", "people", "3 people"), (1.5, "month", None, "1.5 months"),
     (12000, "answer", None, "12,000 answers")],
)
def test_count_reads_naturally(n, word, plural, expected):
    assert count(n, word, plural) == expected


def test_one_month_before_the_commitment_is_singular():
    a = assessed("saas-regional-reseller")
    be = a.ramp.plan.metrics.break_even_month
    ramp = a.params.ramp.model_copy(update={"commitment_months": be + 1})
    assert charts.payback_title(ramp_model.run(ramp)) == f"Pays back in month {be} — 1 month before the commitment ends"
    ramp = a.params.ramp.model_copy(update={"commitment_months": be - 1})
    assert charts.payback_title(ramp_model.run(ramp)) == f"Pays back in month {be} — 1 month after the commitment ends"


TOOLING = re.compile(r"papermill|parameters cell|notebook|`|\bworkbook (report|package)|JupyterLab|\?params=", re.I)


@pytest.mark.parametrize("path", [ROOT / "notebooks" / "alliance_report.ipynb", *sorted((ROOT / "notebooks" / "apps").glob("*.ipynb"))], ids=lambda p: p.name)
def test_the_pages_speak_to_their_reader_not_their_author(path):
    """The markdown a stakeholder reads on the report and the apps names no tools, nor do the
    areas' headings and introductions the report takes from the registry."""
    from workbook.areas import AREAS

    nb = nbformat.read(path, as_version=4)
    texts = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    if path.name == "alliance_report.ipynb":
        texts += [t for a in AREAS.values() for t in (a.heading, a.intro, *(t for part in a.parts for t in (part.heading, part.intro)))]
    for text in texts:
        found = TOOLING.findall(text)
        assert not found, f"{path.name}: {found} in {text[:120]!r}"


def test_every_report_chart_carries_its_finding_as_text_alternative_and_caption():
    """A screen reader, a printout and the PDF get each chart's finding in words: the image's
    alt text and the caption under it are the chart's description."""
    import re
    from html import unescape

    from tests.conftest import EXAMPLES
    from workbook import load_params, views
    from workbook.areas import AREAS, assess
    from workbook.charts.render import description

    a = assess(load_params(EXAMPLES[0]))
    for key in AREAS:
        charts = [b for b in a.view(key) if not isinstance(b, str)]
        html = views.section(a, key).html
        alts = [unescape(x) for x in re.findall(r'<img class="wb-chart" alt="([^"]*)"', html)]
        captions = [unescape(x) for x in re.findall(r'<figcaption class="wb-chart-description"[^>]*>([^<]*)</figcaption>', html)]
        wanted = [description(c) for c in charts]
        assert alts == wanted and captions == wanted, key
        assert all(w.strip() for w in wanted), key


def test_dates_read_with_their_year_in_one_format():
    import datetime as dt

    from workbook import text

    assert text.date(dt.date(2026, 3, 1)) == "1 Mar 2026"
    assert dt.date(2026, 3, 1).strftime(text.DATE) == "1 Mar 2026"
