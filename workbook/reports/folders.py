"""What is in a reports folder, and which files may render into it: the finished reports (read
back from each folder's ``summary.json``), the portfolio index over them, and the plan of a
batch (which files load, which are unchanged, which two name the same alliance).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from ..currency import check_code
from ..errors import ParamsError, Problem
from ..files import owner_tag
from ..outcomes import Outcome
from ..params import check_text, read_text
from ..schema import Params
from ..summary import Summary
from .freshness import digest, is_fresh, render_key


# --------------------------------------------------------------------------------------------
# What is in a report folder


def folder_summary(folder: Path) -> Summary | None:
    """The summary in a report folder, read through the contract's model (:meth:`Summary.kept`:
    a folder an older version wrote is still read); ``None`` when there is none of that shape
    (hand-edited, from another program, unreadable)."""
    try:
        data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Summary.kept(data, slug=folder.name)


def reports_in(out_dir: str | Path) -> list[Outcome]:
    """Every finished report in ``out_dir``, from each report folder's ``summary.json``,
    sorted by alliance name. Folders without a summary of the contract's shape (and hidden ones)
    are skipped: they are not listed rather than breaking the page."""
    out_dir = Path(out_dir)
    rows = []
    for folder in out_dir.iterdir() if out_dir.is_dir() else ():
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        summary = folder_summary(folder)
        try:
            rendered = dt.datetime.fromtimestamp((folder / "report.html").stat().st_mtime)
        except OSError:
            continue
        if summary is None:
            continue
        source = Path(summary.file) if summary.file else folder
        rows.append(Outcome(params_path=source, slug=folder.name, ok=True, summary=summary, rendered=rendered))
    rows.sort(key=lambda o: (o.summary.alliance.casefold() if o.summary else "", str(o.slug)))
    return rows


def write_portfolio_index(out_dir: str | Path, failures: Sequence[Outcome] = ()) -> Path:
    """Write ``out_dir/index.html`` over every report in ``out_dir`` (see :func:`reports_in`),
    followed by ``failures`` (files that failed in the latest run). Returns its path."""
    from .portfolio_page import write_index

    out_dir = Path(out_dir)
    return write_index(reports_in(out_dir) + list(failures), out_dir, tmp_prefix=f".index.html.{owner_tag()}.")


def folder_taken(out_dir: Path, path: Path, params: Params) -> str | None:
    """Why ``path`` must not render into its folder: it holds the report of another alliance
    from another params file (an earlier run, a name giving the same folder)."""
    folder = out_dir / params.slug
    summary = folder_summary(folder)
    if summary is None:
        return None
    other, source = summary.alliance, summary.file
    if other == params.alliance.name or source == str(path):
        return None
    return (f"alliance.name: {params.alliance.name!r} gives the report folder {folder}, which holds the report of "
            f"{other!r} (from {source}): rename one alliance, or remove that folder")


def superseded_by(out_dir: Path) -> Callable[[Outcome], None]:
    """A function that removes the other report folders of a just-finished report's alliance (the
    name gave another folder before, e.g. under an older slug rule): the report just written
    replaces them. The folders are read once, so a batch of many reports stays quick."""
    folders: dict[str, list[str]] = {}
    for row in reports_in(out_dir):
        if row.summary is not None:
            folders.setdefault(row.summary.alliance, []).append(str(row.slug))

    def drop(outcome: Outcome) -> None:
        if outcome.summary is None:
            return
        for slug in folders.pop(outcome.summary.alliance, ()):
            if slug != outcome.slug:
                shutil.rmtree(out_dir / slug, ignore_errors=True)

    return drop


# --------------------------------------------------------------------------------------------
# Two files, one alliance


def _name_line(path: Path) -> int | None:
    from ..params import line_of, read_yaml

    try:
        return line_of(read_yaml(path), ("alliance", "name"))
    except ParamsError:
        return None


def name_clashes(names: Mapping[Path, tuple[str, str]]) -> list[Problem]:
    """Problems of files that name the same alliance, or whose names give the same report
    folder: one problem per file, each naming the other file(s). ``names`` gives each file's
    alliance name and report folder (:attr:`Params.slug`). Files are compared by their resolved
    path, so one file given twice is no clash."""
    by_path: dict[Path, tuple[Path, str]] = {}
    by_slug: dict[str, list[tuple[Path, str]]] = {}
    for path, (name, slug) in names.items():
        if Path(path).resolve() not in by_path:
            by_path[Path(path).resolve()] = (Path(path), name)
            by_slug.setdefault(slug, []).append((Path(path), name))
    problems = []
    for slug, group in by_slug.items():
        if len(group) < 2:
            continue
        lines = {p: _name_line(p) for p, _ in group}

        def where(p: Path) -> str:
            return f"{p}:{lines[p]}" if lines[p] is not None else str(p)

        for path, name in group:
            others = [(p, o) for p, o in group if p != path]
            if all(o == name for _, o in others):
                message = (f"{name!r} is also the alliance named in "
                           f"{', '.join(where(p) for p, _ in others)}: give each alliance its own name, or remove one file")
            else:
                listed = ", ".join(f"{o!r} in {where(p)}" for p, o in others)
                message = f"{name!r} gives the same report folder '{slug}' as {listed}: rename one alliance"
            problems.append(Problem(path, lines[path], "alliance.name", message))
    return problems


@dataclass
class Plan:
    """The files of a batch: ``paths`` in the order given (each once), the models of those to
    render, the outcomes of those that did not load, and those whose report is up to date
    (``unchanged``: made from the same bytes by the same package and notebook; not loaded again)."""

    paths: list[Path]
    loaded: dict[Path, Params]
    invalid: dict[Path, Outcome]
    unchanged: dict[Path, Outcome] = field(default_factory=dict)
    #: the digest of the bytes each loaded file was read from: a worker given the same bytes
    #: renders the plan's validated params instead of reading the file a second time
    digests: dict[Path, str] = field(default_factory=dict)


def plan_batch(
    paths: Sequence[str | Path],
    out_dir: str | Path | None = None,
    pdf: bool = False,
    force: bool = False,
    xlsx: bool = False,
    to_load: Callable[[int], None] | None = None,
) -> Plan:
    """Load every file of a batch; raise :class:`ParamsError` if two name the same alliance (or
    the same report folder), before anything is rendered. A file that does not load is not an
    error here: it fails alone, with its reason, when the batch runs.

    Given ``out_dir``, a file whose report there is up to date (:func:`workbook.reports.freshness.is_fresh`:
    same file bytes, package and report notebook, a PDF if ``pdf``, a spreadsheet if ``xlsx``) is not even loaded: it
    was valid when its report was made, and nothing it depends on has changed. ``force`` renders
    every file.

    ``to_load`` is called with the number of files left to load once the unchanged ones are
    known, before any is read (the batch starts its workers then, while the files load).
    """
    given: dict[Path, Path] = {}  # resolved path -> the path as given, for messages
    for p in paths:
        given.setdefault(Path(p).resolve(), Path(p))
    made = {} if out_dir is None or force else {row.params_path: row for row in reports_in(out_dir)}
    loaded: dict[Path, Params] = {}
    invalid: dict[Path, Outcome] = {}
    unchanged: dict[Path, Outcome] = {}
    digests: dict[Path, str] = {}
    for p in given:
        row = made.get(p)
        if row is not None and out_dir is not None:
            try:
                if is_fresh(Path(out_dir) / str(row.slug), render_key(p.read_bytes(), pdf, xlsx)):
                    unchanged[p] = Outcome(params_path=p, slug=row.slug, ok=True, summary=row.summary, rendered=row.rendered, unchanged=True)
            except OSError:
                pass  # unreadable now: loading it says why
    if to_load is not None:
        to_load(len(given) - len(unchanged))
    for p, shown in given.items():
        if p in unchanged:
            continue
        try:
            text = read_text(shown)  # load_params, keeping the digest of what was read
            loaded[p] = check_text(text, shown)
            digests[p] = digest(text.encode("utf-8"))
        except ParamsError as exc:
            invalid[p] = Outcome(params_path=p, reason=str(exc))
    names = {given[p]: (params.alliance.name, params.slug) for p, params in loaded.items()}
    names |= {given[p]: (o.summary.alliance, str(o.slug)) for p, o in unchanged.items() if o.summary is not None}
    problems = name_clashes(names)
    if problems:
        raise ParamsError(problems)
    return Plan(list(given), loaded, invalid, unchanged, digests)

