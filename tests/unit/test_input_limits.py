"""Input limits: only finite numbers in documented ranges, and files that cannot hang, flood or
crash the reader — each refused with a message naming the file (and the field where there is one).

The one-problem-per-file cases live in ``tests/data/bad/`` (31 onwards); this file covers what a
YAML file cannot express (a FIFO, a device, 50 MB) and properties over every number of a file.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MINIMAL_PARAMS, PARAMS, ROOT, workbook_cmd
from workbook import views
from workbook.errors import ParamsError
from workbook.instruments import TRUST_ITEMS
from workbook.params import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    _format_loc,
    plain,
    load_params,
    parse_params,
    read_yaml,
)
from workbook.strict import MAX_COUNT, MAX_DEALS_PER_MONTH, MAX_MONEY, MAX_MONTHS, MAX_NAME, MIN_MONEY
from workbook.summary import assess, summarise

BAD = ROOT / "tests" / "data" / "bad"
#: The example with every section and both alternative routes (direct, acquire).
RICHEST = PARAMS / "saas-regional-reseller.yaml"


def _problems(data: Any, path: Path = Path("t.yaml")) -> list[Any]:
    with pytest.raises(ParamsError) as info:
        parse_params(data, path)
    return info.value.problems


# --------------------------------------------------------------------------------------------
# Every number of a file: finite, in range


def _number_paths(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _number_paths(v, (*loc, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _number_paths(v, (*loc, i))]
    return [loc] if isinstance(node, (int, float)) and not isinstance(node, bool) else []


def _one_per_field(paths: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One path per field of the schema (the first list entry stands for the others)."""
    seen, out = set(), []
    for p in paths:
        key = tuple(0 if isinstance(x, int) else x for x in p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _with(data: Any, loc: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    node = out
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value
    return out


EXAMPLE = read_yaml(RICHEST)  # round-trip data: problems carry their lines
NUMBER_FIELDS = _one_per_field(_number_paths(EXAMPLE))


def test_the_richest_example_has_numbers_in_every_section():
    sections = {p[0] for p in NUMBER_FIELDS}
    assert {"ramp", "value", "health", "trust"} <= sections
    assert {p[:3] for p in NUMBER_FIELDS} >= {("ramp", "scenarios", "direct"), ("ramp", "scenarios", "acquire")}
    assert len(NUMBER_FIELDS) > 50


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1e300, 10**30, -1], ids=str)
def test_every_number_in_a_file_refuses_infinity_overflow_and_negatives_naming_its_field(value):
    accepted = []
    for loc in NUMBER_FIELDS:
        try:
            parse_params(_with(EXAMPLE, loc, value), RICHEST)
        except ParamsError as exc:
            field = _format_loc(loc)  # or the range it is one end of: "range must be ordered"
            assert any(field == p.field or field.startswith(f"{p.field}[") for p in exc.problems), [str(p) for p in exc.problems]
            assert all(p.line is not None for p in exc.problems), [str(p) for p in exc.problems]
        else:
            accepted.append(_format_loc(loc))
    assert accepted == []


def test_a_speck_anywhere_in_a_file_is_refused_or_keeps_the_summary_finite():
    """5e-324 (the smallest float) in any field: no division by it may overflow."""
    base = _with(EXAMPLE, ("ramp", "simulation"), {"runs": 10, "seed": 7})
    for loc in NUMBER_FIELDS:
        try:
            params = parse_params(_with(base, loc, 5e-324), RICHEST)
        except ParamsError:
            continue
        json.dumps(summarise(params), allow_nan=False)  # raises on NaN or Infinity


def _maxed(money: float, deals: float, revenue: float) -> dict[str, Any]:
    """A plan with every input at its maximum: 400 investment lines, both routes, every cost."""
    h = MAX_MONTHS
    return {
        "schema": 1,
        "alliance": {"name": "N" * MAX_NAME, "vendor": "V", "partner": "P", "type": "reseller"},
        "ramp": {
            "horizon_months": h,
            "commitment_months": h,
            "sales_cycle_months": 0,
            "steady_deals_per_month": deals,
            "avg_deal_value": money,
            "partner_margin": 0.0,
            "gross_margin": 1.0,
            "discount_rate": 0.0,
            "investment": [{"name": f"line {i}", "monthly_cost": money, "start_month": 1, "end_month": h} for i in range(200)]
            + [{"name": f"once {i}", "one_off": money, "month": 1} for i in range(200)],
            "uncertainty": {"avg_deal_value": [0, money, money], "steady_deals_per_month": [0, deals, deals], "sales_cycle_months": [0, 0, h]},
            "simulation": {"runs": 20, "seed": 2**32 - 1},
            "target_revenue": {h: money},
            "scenarios": {
                "invest_late_months": h - 1,
                "premature_change_month": h,
                "direct": {"monthly_cost": money, "hiring_months": 0, "ramp_months": 0, "steady_deals_per_month": deals},
                "acquire": {"price": money, "month": h, "integration_months": 0, "monthly_cost": money, "steady_deals_per_month": deals},
            },
        },
        "value": {
            "quotes_per_year": MAX_COUNT,
            "hours_per_quote": 1000,
            "loaded_cost_per_hour": money,
            "design_advice_hours_per_year": MAX_COUNT,
            "credit_checks_per_year": MAX_COUNT,
            "cost_per_credit_check": money,
            "revenue_via_partner_per_year": revenue,
            "dso_days_partner_carries": 365,
            "cost_of_capital": 1,
            "bad_debt_rate_avoided": 1,
            "other_costs": [{"name": f"cost {i}", "cost_per_year": money} for i in range(100)],
        },
        "health": {
            "alliance_start": "2000-01-01",
            "check_ins": [{"date": "2019-12-31", "alliance_manager": "A", "sentiment": "negative", "wins": MAX_COUNT, "wins_crediting_partner": MAX_COUNT}],
        },
    }


@pytest.mark.parametrize(
    "money, revenue", [(MAX_MONEY, MIN_MONEY), (MAX_MONEY, MAX_MONEY), (MIN_MONEY, MIN_MONEY)], ids=["max-speck", "max-max", "min-min"]
)
def test_the_model_stays_finite_with_every_input_at_its_maximum(money, revenue):
    params = parse_params(_maxed(money, MAX_DEALS_PER_MONTH, revenue), Path("maxed.yaml"))
    summary = summarise(params, "maxed.yaml")
    json.dumps(summary, allow_nan=False)
    a = assess(params)
    shown = "".join(str(f(a)) for f in (views.executive_summary, views.area_sections))
    for word in ("inf", "nan", "NaN", "Infinity"):
        assert word not in shown.replace("info", ""), word


def test_the_seed_is_a_32_bit_unsigned_number():
    base = plain(read_yaml(RICHEST))
    for seed, ok in ((0, True), (2**32 - 1, True), (2**32, False), (-1, False)):
        data = _with(base, ("ramp", "simulation"), {"runs": 10, "seed": seed})
        if ok:
            json.dumps(summarise(parse_params(data, RICHEST)), allow_nan=False)
        else:
            assert [p.field for p in _problems(data)] == ["ramp.simulation.seed"]


def test_names_up_to_the_limit_are_accepted_and_longer_ones_refused():
    base = plain(read_yaml(RICHEST))
    for field in ("name", "vendor", "partner"):
        load = parse_params(_with(base, ("alliance", field), "é" * MAX_NAME), RICHEST)
        assert getattr(load.alliance, field) == "é" * MAX_NAME
        (problem,) = _problems(_with(base, ("alliance", field), "x" * 10_000))
        assert problem.field == f"alliance.{field}"
        assert problem.message.startswith(f"is 10,000 characters long; at most {MAX_NAME} are allowed")
        assert len(problem.message) < 200  # the name itself is cut short in the message


def test_workbook_check_refuses_a_10000_character_name_with_exit_2(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(MINIMAL_PARAMS.replace("name: Test alliance", "name: " + "n" * 10_000))
    result = workbook_cmd("check", str(path))
    assert result.returncode == 2
    assert f"{path}:2: alliance.name: is 10,000 characters long; at most {MAX_NAME} are allowed" in result.stderr


# --------------------------------------------------------------------------------------------
# Files that could hang, flood or crash the reader


# A child process reads the file, so that a regression hangs the child, not the test run; the
# bound is a hang guard only (the refusals take well under a millisecond, see the report).
READ = textwrap.dedent(
    """
    import sys, time
    from workbook.params import load_params
    from workbook.errors import ParamsError
    start = time.perf_counter()
    try:
        load_params(sys.argv[1])
    except ParamsError as exc:
        print(f"{time.perf_counter() - start:.6f}")
        print(exc)
        sys.exit(2)
    print("accepted")
    """
)


def _read_in_child(path: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True, text=True, env=env, timeout=20)
    assert result.returncode == 2, result.stdout + result.stderr
    seconds, message = result.stdout.split("\n", 1)
    return float(seconds), message.strip()


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.write(MINIMAL_PARAMS.encode())
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NUL bytes after the params
    seconds, message = _read_in_child(path)
    assert message == f"{path}: (file): the file is 50.0 MB; params files are limited to 1.0 MB"


def test_a_symlink_to_dev_zero_is_refused(tmp_path):
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    seconds, message = _read_in_child(path)
    assert message == f"{path}: (file): not a regular file (a character device); a params file must be a plain YAML file"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    seconds, message = _read_in_child(path)
    assert message == f"{path}: (file): not a regular file (a named pipe); a params file must be a plain YAML file"


def test_the_alias_bomb_is_refused_before_it_expands():
    path = BAD / "45_alias_bomb.yaml"
    assert path.stat().st_size < 3000
    seconds, message = _read_in_child(path)
    assert f"makes the file hold more than {MAX_NODES:,} values" in message


def test_a_folder_is_refused(tmp_path):
    (problem,) = _file_problems(tmp_path)
    assert problem.message.startswith("not a regular file (a folder)")


def _file_problems(path: Path) -> list[Any]:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return info.value.problems


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_text(MINIMAL_PARAMS)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    assert load_params(link).alliance.name == "Test alliance"


def test_workbook_check_refuses_a_fifo_with_exit_2(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    result = workbook_cmd("check", str(path), timeout=60)
    assert result.returncode == 2
    assert f"{path}: (file): not a regular file (a named pipe)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_at_the_size_limit_is_read_and_one_byte_more_is_refused(tmp_path):
    path = tmp_path / "padded.yaml"
    padding = "# " + "x" * 97 + "\n"  # 100 bytes a line
    body = MINIMAL_PARAMS + padding * ((MAX_FILE_BYTES - len(MINIMAL_PARAMS)) // len(padding))
    body += "#" * (MAX_FILE_BYTES - len(body) - 1) + "\n"
    path.write_text(body)
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_params(path).alliance.name == "Test alliance"
    path.write_text(body + "\n")
    (problem,) = _file_problems(path)
    assert problem.field == "(file)" and "params files are limited to 1.0 MB" in problem.message


def test_the_largest_realistic_file_is_far_inside_the_limits(tmp_path):
    """60 respondents answering every trust item, 20 years of monthly check-ins, 50 cost lines."""
    items = list(TRUST_ITEMS)
    lines = [MINIMAL_PARAMS.replace("horizon_months: 24", "horizon_months: 240")]
    lines.append("  investment:\n")
    lines += [f"    - {{name: Resource line {i}, monthly_cost: 12000, start_month: 1, end_month: 240}}\n" for i in range(50)]
    lines.append("trust:\n  respondents:\n")
    for i in range(60):
        answers = ", ".join(f"{item}: {1 + (i + j) % 5}" for j, item in enumerate(items))
        lines.append(f"    - {{id: r{i}, side: {'vendor' if i % 2 else 'partner'}, role: Channel sales manager, answers: {{{answers}}}}}\n")
    lines.append("health:\n  alliance_start: 2020-01-01\n  check_ins:\n")
    for m in range(240):
        lines.append(
            f"    - {{date: {2020 + m // 12}-{1 + m % 12:02d}-28, alliance_manager: Dana Example, sentiment: neutral, wins: 3,"
            f" wins_crediting_partner: 2, note: monthly review with the partner's channel team}}\n"
        )
    path = tmp_path / "large.yaml"
    path.write_text("".join(lines))
    params = load_params(path)
    assert len(params.trust.respondents) == 60 and len(params.health.check_ins) == 240
    assert path.stat().st_size * 5 < MAX_FILE_BYTES
    assert _values(plain(read_yaml(path))) * 5 < MAX_NODES


def _values(node: Any) -> int:
    """Values as the reader counts them: every key, scalar, list and mapping."""
    if isinstance(node, dict):
        return 1 + sum(1 + _values(v) for v in node.values())
    if isinstance(node, list):
        return 1 + sum(_values(v) for v in node)
    return 1


# --------------------------------------------------------------------------------------------
# Aliases: allowed within the limits (tools write them), never an endless or exploding structure


def test_aliases_written_by_a_tool_are_read_like_the_values_they_stand_for(tmp_path):
    import yaml  # PyYAML writes a repeated object once, with an anchor, and then as aliases

    answers = {"trust_discussed": 4, "shows_trust": 3}
    respondents = [{"id": f"v{i}", "side": "vendor", "answers": answers} for i in range(3)]
    path = tmp_path / "aliases.yaml"
    path.write_text(MINIMAL_PARAMS + yaml.safe_dump({"trust": {"respondents": respondents}}))
    assert "*id001" in path.read_text()
    assert [r.answers for r in load_params(path).trust.respondents] == [answers] * 3


def test_nesting_is_limited_through_aliases_too(tmp_path):
    deep = "[" * (MAX_DEPTH - 3) + "1" + "]" * (MAX_DEPTH - 3)
    path = tmp_path / "deep.yaml"
    path.write_text(f"a: &a {deep}\nb: &b [*a]\nc: [*b, *b]\nd: [[*b]]\n" + MINIMAL_PARAMS)
    (problem,) = _file_problems(path)
    assert (problem.line, problem.field) == (4, "d[0][0]")
    assert f"nests more than {MAX_DEPTH} levels deep" in problem.message
