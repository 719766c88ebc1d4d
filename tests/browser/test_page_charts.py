"""The script that draws a report's charts in the reader's browser, in Chromium: every chart
drawn from its spec, a broken one named in place, hostile words kept as words, nothing fetched."""

from __future__ import annotations

import pytest

from tests.conftest import open_report, outside_requests
from workbook.charts.render import message_chart, page_figure_html
from workbook.reports.page_charts import with_page_charts

pytestmark = pytest.mark.browser

HOSTILE = "Acme </script><script>document.title = 'owned'</script><img src=x onerror=\"document.title='owned'\">"


def test_the_page_draws_each_chart_and_names_the_one_it_cannot(browser, tmp_path):
    good = page_figure_html(message_chart(HOSTILE).properties(description=HOSTILE, width=400))
    broken = page_figure_html({"mark": "no-such-mark", "data": {"values": [{}]}, "description": "A broken chart"})
    html = tmp_path / "report.html"
    html.write_text(with_page_charts(f"<html><head><title>report</title></head><body>{good}{broken}</body></html>"), encoding="utf-8")

    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        open_report(page, html)
        images = page.locator("img.wb-chart")
        assert images.count() == 1  # the broken chart's image gave way to its message
        drawn = images.first
        assert drawn.is_visible() and drawn.evaluate("img => img.naturalWidth") >= 400
        assert drawn.get_attribute("src").startswith("data:image/svg+xml")
        assert drawn.get_attribute("alt") == HOSTILE  # the words, as words
        assert page.locator(".wb-status-error").inner_text().startswith("This chart could not be drawn:")
        assert page.title() == "report" and errors == []  # nothing in the words ran
        assert outside_requests(requests) == []
    finally:
        page.close()


def test_without_javascript_each_chart_says_why_it_is_missing_and_keeps_its_finding(new_context, tmp_path):
    chart = page_figure_html(message_chart("Pays back in month 29").properties(description="Pays back in month 29"))
    html = tmp_path / "report.html"
    html.write_text(with_page_charts(f"<html><body>{chart}</body></html>"), encoding="utf-8")
    page = new_context(java_script_enabled=False).new_page()
    page.goto(html.as_uri())
    assert page.locator(".wb-chart-noscript").is_visible()
    assert "not running here" in page.locator(".wb-chart-noscript").inner_text()
    assert page.locator("figcaption").inner_text() == "Pays back in month 29"
    assert not page.locator("img.wb-chart").is_visible()  # no broken image in its place
