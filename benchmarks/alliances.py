"""Alliances for the benchmarks: copies of the examples in params/, each under a name of its own
(two files naming the same alliance are refused, as they should be)."""

from __future__ import annotations

import re
from pathlib import Path

from workbook.params import is_programme_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "params").glob("*.yaml") if not is_programme_file(p))
NAME = re.compile(r"^(  name: )(.+)$", re.M)  # the alliance's name: the first two-space `name:` line


def copies(folder: Path, n: int, renamed: bool = True) -> list[Path]:
    """``n`` params files in ``folder``: the examples in turn, the k-th alliance named
    '<name> 000k' (``renamed=False`` keeps the names: only for at most one copy of each)."""
    if not renamed and n > len(EXAMPLES):
        raise ValueError(f"{n} files under the examples' own names would name alliances twice")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        source = EXAMPLES[i % len(EXAMPLES)]
        text = source.read_text(encoding="utf-8")
        if renamed:
            text, found = NAME.subn(lambda m: f"{m.group(1)}{m.group(2)} {i:04d}", text, count=1)
            assert found == 1, source
        path = folder / f"{i:04d}-{source.name}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
