"""The flag rules as data (workbook/flag_rules.py) agree with README's table and with the flags
the package raises: every ``Flag(...)`` in the source names a rule of its area, every rule is
raised somewhere, and the examples' flags all follow a rule."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import workbook
from tests.conftest import EXAMPLES, ROOT
from workbook import assess, load_params
from workbook.flag_rules import RULES, readme_table, rule_for

PACKAGE = Path(workbook.__file__).resolve().parent


def raised_in_source() -> list[tuple[str, str, str]]:
    """(module, code, area) of every ``Flag(code, severity, message, area, ...)`` in the package;
    a code built with an f-string is given up to its first placeholder, followed by ``*``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Flag":
                code_arg, area_arg = node.args[0], node.args[3]
                if isinstance(code_arg, ast.Constant):
                    code = str(code_arg.value)
                else:
                    assert isinstance(code_arg, ast.JoinedStr), ast.unparse(code_arg)
                    first = code_arg.values[0]
                    code = (str(first.value) if isinstance(first, ast.Constant) else "") + "*"
                assert isinstance(area_arg, ast.Constant), f"{path.name}: the area of {code} is not written out"
                found.append((path.name, code, str(area_arg.value)))
    return found


def test_readme_shows_the_rules_table_word_for_word():
    assert readme_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_flag_the_source_raises_is_a_rule_of_its_area():
    raised = raised_in_source()
    assert len(raised) >= 30
    for module, code, area in raised:
        probe = code.replace("*", "x")
        assert rule_for(probe, area) is not None, f"{module}: Flag {code!r} in area {area!r} has no rule in workbook/flag_rules.py"


def test_every_rule_is_raised_somewhere():
    raised = raised_in_source()
    for rule in RULES:
        for area in rule.areas:
            assert any(rule.matches(code.replace("*", "x")) and a == area for _, code, a in raised), (rule.code, area)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_examples_flags_follow_the_rules(example):
    flags = assess(load_params(example)).flags
    assert flags
    for f in flags:
        rule = rule_for(f.code, f.area)
        assert rule is not None, (f.code, f.area)
        assert bool(rule.subject) or not f.subject or f.code == "commitment_before_break_even", (f.code, f.subject)
