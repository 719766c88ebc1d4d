"""The trust traffic light is green only when the trust index is known: an assessment that cannot
be scored (one side only, too few respondents, only "don't know") is grey, not "on track"."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import MINIMAL_PARAMS
from workbook import views
from workbook.instruments import TRUST_ITEMS
from workbook.params import load_params
from workbook.summary import assess, summarise


def _file(tmp_path: Path, respondents: list[tuple[str, str, int | None]]) -> Path:
    lines = [MINIMAL_PARAMS, "trust:\n  respondents:\n"]
    for rid, side, answer in respondents:
        shown = "null" if answer is None else str(answer)
        answers = ", ".join(f"{item}: {shown}" for item in TRUST_ITEMS)
        lines.append(f"    - {{id: {rid}, side: {side}, answers: {{{answers}}}}}\n")
    path = tmp_path / "alliance.yaml"
    path.write_text("".join(lines))
    return path


def _light(path: Path) -> tuple[str, float | None, str]:
    params = load_params(path)
    summary = summarise(params, path)
    a = assess(params)
    return summary["areas"]["trust"], summary["trust_index"], str(views.executive_summary(a))


def test_both_sides_answering_well_is_green(tmp_path):
    path = _file(tmp_path, [(f"v{i}", "vendor", 4) for i in range(3)] + [(f"p{i}", "partner", 4) for i in range(3)])
    light, index, html = _light(path)
    assert light == "green" and index is not None


def test_one_side_only_is_not_green(tmp_path):
    path = _file(tmp_path, [(f"v{i}", "vendor", 4) for i in range(5)])
    light, index, html = _light(path)
    assert index is None
    assert light == "unknown"
    assert "unknown &middot; not enough answers to judge" in html
    assert "#8C8C8C" in html.split("<th>Trust</th>")[1].split("</tr>")[0]  # grey, in the trust row


def test_one_side_with_only_dont_know_answers_is_not_green(tmp_path):
    path = _file(tmp_path, [(f"v{i}", "vendor", None) for i in range(4)])
    light, index, _ = _light(path)
    assert (light, index) == ("unknown", None)


def test_both_sides_with_only_dont_know_answers_is_not_green(tmp_path):
    path = _file(tmp_path, [(f"v{i}", "vendor", None) for i in range(3)] + [(f"p{i}", "partner", None) for i in range(3)])
    light, index, _ = _light(path)
    assert (light, index) == ("unknown", None)


def test_a_serious_finding_still_shows_red_when_the_index_is_unknown(tmp_path):
    # the vendor side rates the partner 1 of 5 everywhere: a high flag, whatever the other side says
    path = _file(tmp_path, [(f"v{i}", "vendor", 1) for i in range(3)])
    light, index, _ = _light(path)
    assert (light, index) == ("red", None)
