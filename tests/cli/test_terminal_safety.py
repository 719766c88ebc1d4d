"""Nothing from a file steers the terminal: the real console script, run on hostile names.

`check` refuses names holding control characters (escape sequences, bidirectional overrides)
with the file, line and field; everything the CLI prints escapes control characters wherever
they come from (here: a file name), and `summary --json` stays valid JSON with them escaped.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import workbook_cmd
from workbook.cli import json_line
from workbook.text import is_control, terminal

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "params" / "saas-regional-reseller.yaml"


def _raw_controls(text: str) -> list[str]:
    return [ch for ch in text if ch != "\n" and is_control(ch)]


def test_check_refuses_an_escape_sequence_in_a_name_and_prints_it_escaped(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  name: "))
    lines[at] = '  name: "Acme\\e]0;pwned\\a\\e[2J"\n'
    bad = tmp_path / "hostile.yaml"
    bad.write_text("".join(lines), encoding="utf-8")
    before = bad.read_bytes()

    for command in (("check",), ("summary",), ("summary", "--json")):
        result = workbook_cmd(*command, str(bad))
        assert result.returncode == 2, command
        assert f"hostile.yaml:{at + 1}: alliance.name: holds a control character (U+001B, U+0007)" in result.stderr
        assert _raw_controls(result.stdout + result.stderr) == []
    assert bad.read_bytes() == before


def test_a_multi_line_note_is_still_fine(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    good = tmp_path / "notes.yaml"
    # an event's note written as a quoted string with a line break and a tab: two lines of text
    noted, n = re.subn(r"note: [^}\n]*", lambda _: 'note: "first line\\n\\tsecond line"', text, count=1)
    assert n == 1
    good.write_text(noted, encoding="utf-8")
    result = workbook_cmd("check", str(good))
    assert result.returncode == 0, result.stderr


def test_a_hostile_file_name_is_printed_escaped(tmp_path: Path) -> None:
    name = tmp_path / "alliance\x1b[31m\u202e.yaml"
    shutil.copy(EXAMPLE, name)
    ok = workbook_cmd("check", str(name))
    assert ok.returncode == 0, ok.stderr
    assert "alliance\\x1b[31m\\u202e.yaml: ok" in ok.stdout
    assert _raw_controls(ok.stdout) == []

    missing = workbook_cmd("check", str(tmp_path / "gone\x1b[2J.yaml"))
    assert missing.returncode == 2
    assert "gone\\x1b[2J.yaml" in missing.stderr
    assert _raw_controls(missing.stderr) == []


def test_json_line_is_the_same_json_with_nothing_raw() -> None:
    data = {"alliance": "A\u202eB\x85C\x7f", "n": [1, 2.5, None], "ok": "Zürich × 東京"}
    line = json_line(data)
    assert json.loads(line) == data
    assert _raw_controls(line) == []
    assert "Zürich × 東京" in line  # readable text is not escaped


def test_terminal_keeps_line_breaks_and_readable_text() -> None:
    assert terminal("a\nb") == "a\nb"
    assert terminal("Zürich\tx\r\x1b") == "Zürich\\tx\\r\\x1b"
