"""Money is shown in the params file's currency (``alliance.currency``, ISO 4217, default USD):
report sections, chart axes and titles, flag messages, the portfolio and the dashboards."""

from __future__ import annotations

import base64
import re

import pytest
import vl_convert

from tests.conftest import MINIMAL_PARAMS, PARAMS
from workbook import assess, load_params, summarise, views
from workbook.charts import ramp_chart, scenario_chart, tornado_chart, value_waterfall
from workbook.currency import currency


def test_amounts_are_formatted_with_the_currencys_symbol():
    assert currency("USD")(1234.5) == "$1,235"
    assert currency("EUR")(-1234.5) == "−\u2060€1,235"  # a word joiner keeps the sign on the amount's line
    assert currency("GBP")(0) == "£0"
    assert currency("CHF")(1200) == "CHF 1,200"  # a symbol made of letters gets a space
    assert currency("EUR").short(1_520_000) == "€1.5M" and currency("EUR").short(-779_400) == "−€779k"
    assert currency("JPY")(None) == "—"


def test_the_currency_defaults_to_usd_and_is_checked(tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text(MINIMAL_PARAMS)
    assert load_params(plain).alliance.currency == "USD"
    with pytest.raises(ValueError, match="did you mean 'GBP'"):
        currency("GPB")


@pytest.fixture(scope="module")
def euro_file(tmp_path_factory):
    text = (PARAMS / "saas-regional-reseller.yaml").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("eur") / "eur.yaml"
    path.write_text(text.replace("  type: reseller\n", "  type: reseller\n  currency: EUR\n", 1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def in_euros(euro_file):
    params = load_params(euro_file)
    return params, assess(params)


def _visible_text(html: str) -> str:
    """The HTML with every inline SVG chart decoded, so chart text is searchable too."""
    svgs = [base64.b64decode(m).decode("utf-8") for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)]
    return html + "".join(svgs)


def test_every_report_section_speaks_euros(in_euros):
    params, a = in_euros
    html = "".join(
        f(a).html
        for f in (views.executive_summary, views.area_sections)
    )
    text = _visible_text(html)
    assert "$" not in text
    assert "€" in text and "Per month (EUR)" in text and "Cumulative net (EUR)" in text
    assert re.search(r"€\d", text)  # chart axis labels and tables carry the symbol


def test_charts_carry_the_currencys_number_locale(in_euros):
    params, a = in_euros
    for chart in (
        ramp_chart(a.ramp.plan, a.ramp.monte_carlo, "EUR"),
        scenario_chart(a.ramp.scenarios, "EUR"),
        tornado_chart(a.ramp.sensitivity, code="EUR"),
        value_waterfall(a.value.breakdown, "EUR"),
    ):
        spec = chart.to_dict()
        assert spec["config"]["locale"]["number"]["currency"] == ["€", ""]
        svg = vl_convert.vegalite_to_svg(spec)
        assert "€" in svg and "$" not in svg


def test_flag_messages_and_the_summary_use_the_currency(in_euros):
    params, a = in_euros
    gap = next(f for f in a.flags if f.code == "business_plan_gap")
    assert "€" in gap.message and "$" not in gap.message
    assert all("$" not in f.message for f in a.flags)
    assert summarise(params, assessment=a)["currency"] == "EUR"


def test_the_portfolio_index_shows_each_alliances_own_currency(in_euros, tmp_path):
    from workbook.reports.portfolio_page import render_index
    from workbook.outcomes import Outcome
    from workbook.summary import summary_of

    params, a = in_euros
    usd = load_params(PARAMS / "marketplace-referral.yaml")
    outcomes = [
        Outcome(params_path=tmp_path / "eur.yaml", ok=True, slug="eur", summary=summary_of(params, assessment=a)),
        Outcome(params_path=PARAMS / "marketplace-referral.yaml", ok=True, slug="usd", summary=summary_of(usd)),
    ]
    html = render_index(outcomes)
    assert views.money(a.ramp.plan.metrics.peak_funding_need, "EUR") in html
    assert views.money(summarise(usd)["peak_funding_need"], "USD") in html


def test_the_dashboards_show_the_alliances_currency(euro_file, monkeypatch, tmp_path):
    from workbook.ui import dashboards

    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(euro_file.parent))
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path / "reports"))  # where the dashboard keeps summaries
    portfolio = dashboards.portfolio_app()
    # the table is drawn by the page's own script from the HTML the widget carries
    table = next(w.html for w in portfolio.children if "<table" in getattr(w, "html", ""))
    assert "€" in table and "$" not in table
    app = dashboards.AllianceApp(euro_file.name)
    assert "€" in app.metrics.value and "$" not in app.metrics.value
    assert app.chart.chart.to_dict()["config"]["locale"]["number"]["currency"] == ["€", ""]
    app.sales_cycle.value = 8  # a what-if redraw keeps the currency
    assert "€" in app.metrics.value and app.chart.chart.to_dict()["config"]["locale"]["number"]["currency"] == ["€", ""]


def test_the_guided_forms_name_the_currency_of_their_money_fields(euro_file):
    from workbook.ui import guided

    value = guided.ValueForm(euro_file)
    assert value.fields["loaded_cost_per_hour"].description == "Loaded cost per hour (EUR)"
    assert value.margin.description == "Margin paid to the partner per year (EUR)"
    ramp_form = guided.RampForm(euro_file)
    deal = "Annual contract value" if ramp_form.params.ramp.deal_value_kind == "annual_recurring" else "Average deal value"
    assert ramp_form.sliders["avg_deal_value"].description == f"{deal} (EUR)"
    for section in ("ramp", "value"):  # the overview's charts are inline SVG: their text is searchable
        shown = guided.overview(load_params(euro_file), section).html
        assert "€" in shown and "$" not in shown


def _summary_params(tmp_path, text):
    path = tmp_path / "chf.yaml"
    path.write_text(text)
    return load_params(path)


def test_the_executive_summary_keeps_a_letter_symbol_as_written(tmp_path):
    # the sentence's first letter is raised, nothing else lowered: "CHF", not "chf"
    a = assess(_summary_params(tmp_path, MINIMAL_PARAMS.replace("type: reseller}", "type: reseller, currency: CHF}")))
    html = views.executive_summary(a).html
    assert "peak funding need CHF " in html and "chf" not in html
    assert html.startswith("<p>Break-even month")
