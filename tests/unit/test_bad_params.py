"""The corpus of bad params files in ``tests/data/bad/``: each one must be rejected, naming the file,
the line and the field, with a message an analyst can act on.

The test is data-driven: every corpus file states its own expectations in header comments, one
line per expected problem::

    # expect: line=17 field=ramp.partner_margin message="share between 0 and 1"

``line`` is a 1-based line number or ``none`` (a problem with no place, e.g. an empty file);
``field`` is the exact dotted field path; ``message`` is a fragment the message must contain.
Values are shell-quoted (``shlex``), so quote any value containing spaces. A file must report
exactly the problems it lists: no fewer, and no extra ones.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbook.errors import ParamsError, Problem
from workbook.params import load_params

BAD_DIR = Path(__file__).resolve().parents[1] / "data" / "bad"
CORPUS = sorted(BAD_DIR.glob("*.yaml"))


@dataclass(frozen=True)
class Expect:
    line: int | None
    field: str
    message: str

    def matches(self, problem: Problem) -> bool:
        return problem.line == self.line and problem.field == self.field and self.message in problem.message


def parse_expectations(path: Path) -> list[Expect]:
    """The ``# expect:`` header lines of one corpus file."""
    expects = []
    for raw in path.read_bytes().decode("utf-8", errors="replace").splitlines():  # a case may not be UTF-8
        text = raw.strip()
        if not text.startswith("#"):
            break  # the header ends at the first non-comment line
        body = text.lstrip("#").strip()
        if not body.startswith("expect:"):
            continue
        pairs = dict(token.split("=", 1) for token in shlex.split(body[len("expect:"):]))
        assert set(pairs) == {"line", "field", "message"}, f"{path.name}: bad expect header {raw!r}"
        line = None if pairs["line"].lower() == "none" else int(pairs["line"])
        expects.append(Expect(line, pairs["field"], pairs["message"]))
    return expects


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return info.value.problems


def test_corpus_is_big_enough_and_every_file_states_its_expectation():
    assert len(CORPUS) >= 18
    for path in CORPUS:
        assert parse_expectations(path), f"{path.name} has no '# expect:' header"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_file_is_rejected_with_file_line_field_and_message(path: Path):
    expects = parse_expectations(path)
    problems = _problems(path)
    shown = "\n".join(str(p) for p in problems)

    for problem in problems:
        assert problem.path == path, f"problem names the wrong file:\n{shown}"
    for expect in expects:
        assert any(expect.matches(p) for p in problems), f"expected {expect} among:\n{shown}"
    assert len(problems) == len(expects), f"expected exactly {len(expects)} problem(s), got:\n{shown}"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_every_problem_prints_as_file_line_field_message(path: Path):
    for problem in _problems(path):
        where = f"{path}:{problem.line}" if problem.line is not None else f"{path}"
        assert str(problem) == f"{where}: {problem.field}: {problem.message}"
        assert problem.message.strip() and "\n" not in problem.message
        assert "Traceback" not in problem.message


def test_several_problems_are_all_reported_one_per_line_sorted_by_line():
    path = BAD_DIR / "28_several_problems.yaml"
    expects = parse_expectations(path)
    assert len(expects) >= 5

    with pytest.raises(ParamsError) as info:
        load_params(path)
    err = info.value
    lines = str(err).splitlines()

    # every problem is reported, each on its own line of the error text
    assert len(err.problems) == len(expects)
    assert lines == [str(p) for p in err.problems]
    for expect in expects:
        assert sum(expect.matches(p) for p in err.problems) == 1, expect
    # sorted by line
    numbers = [p.line for p in err.problems]
    assert numbers == sorted(numbers)
    assert numbers == [e.line for e in expects]
    for text, expect in zip(lines, expects):
        assert text.startswith(f"{path}:{expect.line}: {expect.field}: ")


def test_horizon_problems_are_reported_together_with_field_problems(tmp_path: Path):
    text = (BAD_DIR / "13_event_after_horizon.yaml").read_text(encoding="utf-8")
    text = text.replace("avg_deal_value: 40000", "avg_deal_value: 40k")
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    fields = {p.field for p in _problems(path)}
    assert fields == {"ramp.avg_deal_value", "ramp.events[0].month"}
