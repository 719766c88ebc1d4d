"""Params files on disk: reading one (with line numbers in every problem), and editing one
section of it without losing anything.

**Reading.** Loading keeps line numbers (ruamel.yaml's round-trip loader) so every problem is
reported as ``file:line: field.path: message``. Unknown keys are errors with a "did you mean"
hint, and duplicate keys are errors, so a typo never silently falls back to a default. The
models themselves are in :mod:`workbook.schema`.

**Editing.** Saving edits back into a params file without losing the analyst's comments, layout, or
anyone else's edits.

The guided notebooks edit one section at a time (a checklist, trust answers, ramp sliders).
:func:`save_section` merges the new values into the round-trip YAML document, so keys that did
not change keep their comments, order and flow style; the result is validated *before* it
replaces the file, and the file is replaced atomically — an edit can never leave a broken or
half-written params file behind.

Saves are safe when several people (or notebooks) edit the same file:

- **One writer at a time.** :func:`file_lock` takes an exclusive lock on the file; the save
  re-reads the file under the lock and merges into what is there *now*, so an edit of another
  section saved in the meantime is kept.
- **No silent overwrite.** A caller that passes the text it loaded (``loaded=``) gets a
  three-way merge: its own changes are applied to the latest file, someone else's changes to
  other fields are kept, and when both changed the same field the save is refused with
  :class:`~workbook.errors.EditConflict` ("the file changed since you opened it").
- **The file stays what it was.** :func:`atomic_replace` follows a symlink (the target is
  updated, the link stays a link) and keeps the file's permission bits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import errno
import io
import os
import re
import stat
import time
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.tag import Tag
from ruamel.yaml.util import create_timestamp, timestamp_regexp

from .errors import EditConflict, ParamsError, Problem, WorkbookError
from .files import atomic_replace
from .schema import SCHEMA_VERSION, Params, SavedScenario, late_actuals, late_months, plain_number, same_name, whole
from .strict import MAX_MONTHS
from .strict import LocatedErrors as _LocatedErrors

# --------------------------------------------------------------------------------------------
# Loading with line numbers


#: The largest params file read, in bytes. The four examples are 8–9 KB; a large alliance (60
#: respondents answering every trust item, 20 years of monthly check-ins, 50 cost lines) is
#: 75 KB, and even 500 respondents make 290 KB.
MAX_FILE_BYTES = 1024 * 1024
#: The deepest nesting read (the schema itself needs six levels: trust.respondents[0].answers.x).
MAX_DEPTH = 20
#: The most values (numbers, texts, keys, lists and mappings, an alias counted as what it stands
#: for) a file may hold. The large alliance above holds 6,800, the one with 500 respondents
#: 30,000. The limit also bounds the reading time: ruamel's pure-Python parser takes 20–50 µs a
#: value, so a file is read, or refused, within a few seconds at worst.
MAX_NODES = 50_000
#: The longest number literal read (Python refuses integers of more than 4,300 digits anyway).
MAX_NUMBER_CHARS = 100

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"


class _Refused(MarkedYAMLError):
    """Something a params file may not contain, found while composing (before anything is built)."""

    def __init__(self, field: str, message: str, mark: Any):
        super().__init__(problem=message, problem_mark=mark)
        self.field = field
        self.message = message


class _GuardedComposer(Composer):
    """ruamel's composer with the params file's limits, checked as each node is read.

    An alias (``*name``) stands for a copy of what its anchor (``&name``) names, and a few lines
    of aliases of aliases expand into billions of values (the "billion laughs"). Each node's
    expanded size and depth are counted as it is composed — an alias adds the size of what it
    names — and the file is refused as soon as it would expand past :data:`MAX_NODES` values or
    :data:`MAX_DEPTH` levels, before anything is expanded. An alias inside the node it names (an
    endless structure) and merge keys (``<<``) are refused too; an impossible date (30 February)
    is read as text, so that the date field says where it is.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._path: list[Any] = []
        self._size: dict[int, int] = {}  # id(node) -> values it expands to (complete nodes only)
        self._depth: dict[int, int] = {}  # id(node) -> levels it expands to
        self._total = 0

    def _field(self, extra: tuple[Any, ...] = ()) -> str:
        return _format_loc((*self._path, *extra)) if (self._path or extra) else "(top level)"

    def _count(self, size: int, depth: int, mark: Any, what: str) -> None:
        self._total += size
        if self._total > MAX_NODES:
            raise _Refused(self._field(), f"{what} makes the file hold more than {MAX_NODES:,} values; params files need far fewer", mark)
        if len(self._path) + depth - 1 > MAX_DEPTH:
            raise _Refused(self._field(), f"{what} nests more than {MAX_DEPTH} levels deep; params files need only a few levels", mark)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        step: list[Any] = []
        if isinstance(parent, SequenceNode):
            step = [index]
        elif isinstance(parent, MappingNode) and index is not None:
            step = [index.value if isinstance(index, ScalarNode) else "?"]
        self._path.extend(step)
        if isinstance(event, AliasEvent):
            named = self.anchors.get(event.anchor)
            if named is not None:
                if id(named) not in self._size:
                    raise _Refused(
                        self._field(), f"the alias *{event.anchor} is inside the &{event.anchor} it names (an endless structure)", event.start_mark
                    )
                self._count(self._size[id(named)], self._depth[id(named)], event.start_mark, f"the alias *{event.anchor}")
            node = super().compose_node(parent, index)  # the named node itself (ruamel shares it)
        else:
            if len(self._path) > MAX_DEPTH:
                raise _Refused(
                    self._field(), f"nested more than {MAX_DEPTH} levels deep; params files need only a few levels", event.start_mark
                )
            node = super().compose_node(parent, index)
            if isinstance(node, ScalarNode):
                self._check_scalar(node, is_key=isinstance(parent, MappingNode) and index is None)
                children: list[Any] = []
            elif isinstance(node, MappingNode):
                children = [x for pair in node.value for x in pair]
            else:
                children = list(node.value)
            self._size[id(node)] = 1 + sum(self._size[id(c)] for c in children)
            self._depth[id(node)] = 1 + max((self._depth[id(c)] for c in children), default=0)
            self._count(1, 1, node.start_mark, "this value")
        del self._path[len(self._path) - len(step) :]
        return node

    def _check_scalar(self, node: Any, is_key: bool) -> None:
        tag = str(node.tag)
        field = self._field((node.value,) if is_key else ())
        if is_key and tag == _MERGE_TAG:
            raise _Refused(
                self._field(("<<",)),
                "merge keys (<<) are not supported in params files; write the keys out in full",
                node.start_mark,
            )
        if tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            raise _Refused(field, f"a number written with {len(node.value)} characters is too large to read", node.start_mark)
        if tag == _TIMESTAMP_TAG:
            match = timestamp_regexp.match(node.value)
            try:
                if match is None:
                    raise ValueError(node.value)
                create_timestamp(**match.groupdict())
            except (ValueError, OverflowError):
                # read as the text it is: a date field then says it is not a date, where it is
                node.tag = Tag(suffix=_STR_TAG)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True  # so saving edits back keeps the analyst's quoting
    yaml.Composer = _GuardedComposer
    return yaml


def read_text(path: str | Path) -> str:
    """The text of a params file, refusing what could hang or exhaust the reader.

    The file must be a regular file (a symlink to one is fine): a FIFO, a device such as
    ``/dev/zero`` or a folder is refused without reading it. It is opened non-blocking, so
    opening a FIFO with no writer returns at once, and read only up to :data:`MAX_FILE_BYTES`.

    Raises
    ------
    ParamsError
        naming the file (field ``(file)``) when it is missing, not a regular file, too large,
        unreadable or not UTF-8.
    """
    path = Path(path)
    data = read_bounded(path, MAX_FILE_BYTES, "params files")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParamsError([Problem(path, line, "(file)", f"not UTF-8 text (byte {data[exc.start]:#04x}); save the file as UTF-8")]) from None


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file at ``path`` (:func:`open_regular`), refused unread when its
    size is over ``limit`` bytes, and never more than that read (it may grow meanwhile). Raises
    :class:`ParamsError` naming the file, field ``(file)``; ``what`` names such files in the
    size message ("params files are limited to 1.0 MB")."""

    def refuse(message: str) -> ParamsError:
        return ParamsError([Problem(path, None, "(file)", message)])

    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise refuse(f"the file is {_size(size)}; {what} are limited to {_size(limit)}")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise refuse(f"the file is over {_size(limit)}; {what} are limited to that")
    return data


def open_regular(path: str | Path, shown: str | Path | None = None) -> int:
    """A read-only descriptor of the regular file at ``path`` (a symlink to one is fine).

    It is opened non-blocking, so a FIFO with no writer cannot hang the caller, and anything but
    a regular file (a FIFO, a device such as ``/dev/zero``, a folder) is refused before a byte is
    read. Raises :class:`ParamsError` naming ``shown`` (default ``path``), field ``(file)``.
    """

    def refuse(message: str) -> ParamsError:
        return ParamsError([Problem(Path(shown if shown is not None else path), None, "(file)", message)])

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise refuse("no such file") from None
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise refuse(f"not a regular file ({_file_kind(mode)}); a params file must be a plain YAML file")
    return fd


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((word for test, word in kinds if test(mode)), "not a regular file")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def read_yaml(path: Path) -> Any:
    """Parse a params file with the round-trip loader (keeps comments and line numbers).

    Refuses, naming the file and where possible the line and field: what :func:`read_text`
    refuses, invalid YAML, duplicate keys, anchors and aliases, merge keys, nesting deeper than
    :data:`MAX_DEPTH`, impossible dates and overlong numbers.
    """
    path = Path(path)
    return parse_yaml_text(read_text(path), path)


def parse_yaml_text(text: str, path: Path) -> Any:
    """Parse params ``text`` (read from ``path``, which errors name) as :func:`read_yaml` does."""
    if len(text) > MAX_FILE_BYTES:
        raise ParamsError([Problem(path, None, "(file)", f"the text is over {_size(MAX_FILE_BYTES)}; params files are limited to that")])
    try:
        return _yaml().load(text)
    except _Refused as exc:
        raise ParamsError([Problem(path, exc.problem_mark.line + 1, exc.field, exc.message)]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        if "duplicate key" in reason:
            key = re.search(r'duplicate key "?([^"]+)"?', reason)
            field = _dotted_path_at(text, line, key.group(1)) if key else "(yaml)"
            message = "duplicate key: it is given twice in the same section; keep one"
            raise ParamsError([Problem(path, line, field, message)]) from None
        raise ParamsError([Problem(path, line, "(yaml)", f"invalid YAML: {reason}")]) from None
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        raise ParamsError([Problem(path, line, "(yaml)", f"invalid YAML: {exc.reason} (character {exc.character!r})")]) from None
    except (YAMLError, ValueError, OverflowError, RecursionError) as exc:
        # a last guard: whatever else the parser cannot take is still a message, not a traceback
        reason = " ".join(str(exc).split())[:200]
        raise ParamsError([Problem(path, None, "(yaml)", f"invalid YAML: {reason}")]) from None


def _dotted_path_at(text: str, line: int | None, key: str) -> str:
    """The dotted path of block-style ``key`` on ``line``, from the indentation of the lines above."""
    if line is None:
        return key
    lines = text.splitlines()[:line]
    indent = len(lines[-1]) - len(lines[-1].lstrip())
    parts = [key]
    for raw in reversed(lines[:-1]):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        level = len(raw) - len(raw.lstrip())
        if level < indent and stripped.endswith(":") and not stripped.startswith("-"):
            parts.insert(0, stripped[:-1])
            indent = level
    return ".".join(parts)


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest node of ``loc`` that exists in the loaded YAML."""
    node, line = data, None
    for part in loc:
        if isinstance(node, CommentedMap):
            key = part
            if key not in node and isinstance(part, str) and part.isdigit() and int(part) in node:
                key = int(part)
            if key not in node:
                break
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    if line is None and isinstance(data, CommentedMap):
        line = data.lc.line + 1
    return line


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns the last element of ``loc`` (for did-you-mean hints)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _field_by_name(current, part)
            if field is None:
                return None
            current = _unwrap(field.annotation, None)
            continue
        current = _unwrap(current, part)
    current = _unwrap(current, None)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_by_name(model: type[BaseModel], name: Any) -> Any:
    for fname, field in model.model_fields.items():
        if name in (fname, field.alias):
            return field
    return None


def _unwrap(tp: Any, part: Any) -> Any:
    """Strip Optional/Annotated and step into list or dict items."""
    for _ in range(5):
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is Annotated:
            tp = args[0]
        elif origin in (typing.Union, types.UnionType):
            non_none = [a for a in args if a is not type(None)]
            tp = non_none[0] if len(non_none) == 1 else tp
            if len(non_none) != 1:
                return tp
        elif origin is list and isinstance(part, int):
            return args[0]
        elif origin is dict and part is not None:
            return args[1]
        else:
            return tp
    return tp


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int) and out and not out.endswith("target_revenue"):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


#: What one entry of a list is called, for "at least one ... is needed".
_ENTRY_WORDS = {"respondents": "respondent", "check_ins": "check-in"}
_ENTRY_ADVICE = {
    "respondents": "leave the trust section out until someone has answered",
    "check_ins": "leave the health section out until the first check-in",
}


def shown_value(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so a huge input never floods a message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _message(err: ErrorDetails, root: type[BaseModel]) -> str:
    kind = err["type"]
    loc = err["loc"]
    got = shown_value(err.get("input"))
    if kind == "extra_forbidden":
        owner = _model_at(root, loc)
        known = _field_names(owner) if owner else []
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        msg = "unknown key"
        if hint:
            msg += f" (did you mean '{hint[0]}'?)"
        elif known:
            msg += f"; allowed keys: {', '.join(known)}"
        return msg
    if kind == "missing":
        return "required field is missing"
    if kind in ("too_short", "too_long") and isinstance(err.get("input"), list):
        items = err["input"]
        if "uncertainty" in loc:
            return f"a range needs exactly 3 numbers [low, most likely, high], got {len(items)}: {shown_value(items)}"
        field = str(loc[-1]) if loc else ""
        entry = _ENTRY_WORDS.get(field, "entry")
        least = err.get("ctx", {}).get("min_length", 1)
        if kind == "too_short" and least == 1:
            advice = _ENTRY_ADVICE.get(field)
            return f"at least one {entry} is needed, got none" + (f"; {advice}" if advice else "")
        return f"{len(items)} entries given; {err['msg'][0].lower() + err['msg'][1:]}"
    if kind == "string_too_long":
        most = err.get("ctx", {}).get("max_length")
        return f"is {len(str(err.get('input'))):,} characters long; at most {most} are allowed, got {got}"
    if kind == "finite_number":
        return f"must be a finite number, got {got} (a number too large to hold, such as 1e400, or .inf/.nan)"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        bound = err.get("ctx", {})
        field = str(loc[-1]) if loc else ""
        if kind == "less_than_equal" and bound.get("le") == 1 and ("margin" in field or "rate" in field or field == "severity"):
            return f"must be a share between 0 and 1 (20 % is written 0.20), got {got}"
        words = {"less_than_equal": "at most", "greater_than_equal": "at least", "less_than": "below", "greater_than": "above"}
        limit = next(iter(bound.values()), "?")
        if limit == 0 and kind == "greater_than_equal":
            return f"must not be negative, got {got}"
        shown_limit = plain_number(limit) if isinstance(limit, (int, float)) else limit
        return f"must be {words[kind]} {shown_limit}, got {got}"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", err["ctx"]["expected"]) if "ctx" in err else []
        hint = difflib.get_close_matches(str(err.get("input")), allowed, n=1, cutoff=0.6)
        if loc and loc[-1] == "schema":
            return f"schema version {got} is not supported; this workbook reads schema: {SCHEMA_VERSION}"
        msg = f"must be one of: {', '.join(allowed)}; got {got}"
        return msg + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        what = "a whole number" if kind.startswith("int") else "a number"
        if isinstance(err.get("input"), str):
            return f"expected {what}, got the text {got} (write digits only, without quotes or units)"
        return f"expected {what}, got {got}"
    if kind == "value_error":
        return str(err["ctx"]["error"]) if "ctx" in err else str(err["msg"])
    msg = err["msg"]
    if "input" in err and not isinstance(err["input"], (dict, list)):
        msg += f", got {got}"
    return msg[0].lower() + msg[1:] if msg else msg


def problems_from_validation(path: Path, data: Any, exc: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """Turn a pydantic ValidationError into located problems, one per error."""
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))  # drop union tags
        ctx_error = err.get("ctx", {}).get("error")
        if isinstance(ctx_error, _LocatedErrors):
            for sub, message in ctx_error.problems:
                full = loc + sub
                problems.append(Problem(path, line_of(data, full), _format_loc(full), message))
            continue
        problems.append(Problem(path, line_of(data, loc), _format_loc(loc), _message(err, root)))
    return sorted(problems, key=lambda p: (p.line or 0, p.field))


def parse_params(data: Any, path: Path, model: type[BaseModel] | None = None) -> Any:
    """Validate already-loaded YAML ``data`` against ``model`` (the full params model by default)."""
    root = model or Params
    if data is None:
        raise ParamsError([Problem(path, None, "(file)", "the file is empty")])
    if not isinstance(data, dict):
        raise ParamsError([Problem(path, 1, "(top level)", "expected a mapping of sections (schema, alliance, ramp, ...)")])
    try:
        return root.model_validate(plain(data), strict=True)
    except ValidationError as exc:
        problems = problems_from_validation(path, data, exc, root)
        seen = {(p.line, p.field) for p in problems}
        extra = [p for p in _horizon_problems(path, data) if (p.line, p.field) not in seen]
        raise ParamsError(sorted(problems + extra, key=lambda p: (p.line or 0, p.field))) from None


def check_text(text: str, path: Path) -> Params:
    """Validate the whole new text of the params file at ``path`` before it is written: the
    same reading limits and schema as :func:`load_params` (ParamsError names line and field)."""
    params: Params = parse_params(parse_yaml_text(text, path), path)
    return params


def _horizon_problems(path: Path, data: Any) -> list[Problem]:
    """Months after the horizon, found on the raw data: the model's own check only runs once
    every ramp field is valid, and a user should see all problems in one go."""
    ramp = data.get("ramp") if isinstance(data, dict) else None
    if not isinstance(ramp, dict):
        return []
    h = ramp.get("horizon_months")
    if not whole(h) or not 1 <= h <= MAX_MONTHS:
        return []
    found = [
        Problem(path, line_of(data, ("ramp", *loc)), _format_loc(("ramp", *loc)), message) for loc, message in late_months(ramp, h)
    ]
    actuals = data.get("actuals")
    if isinstance(actuals, dict):
        found += [
            Problem(path, line_of(data, ("actuals", *loc)), _format_loc(("actuals", *loc)), message)
            for loc, message in late_actuals(actuals, h)
        ]
    return found


#: A params file already validated by whoever asked for this load (:func:`preload`): its
#: resolved path, the SHA-256 of the bytes validated, and the model as JSON.
_preloaded: tuple[Path, str, str] | None = None


def preload(path: str | Path, sha256: str, model_json: str) -> None:
    """Say that the next :func:`load_params` of ``path`` may take ``model_json`` (a
    :class:`Params` dumped as JSON) instead of parsing the file again — if the file still holds
    the bytes whose SHA-256 is ``sha256``. The batch validates every file before it renders it;
    this spares the report kernel parsing the YAML a second time (a tenth of a second a report).
    Used once: the load after it reads the file as always."""
    global _preloaded
    _preloaded = (Path(path).resolve(), sha256, model_json)


def _take_preloaded(path: Path) -> Params | None:
    global _preloaded
    given, _preloaded = _preloaded, None
    if given is None or given[0] != path.resolve():
        return None
    import hashlib

    try:
        data = read_bounded(path, MAX_FILE_BYTES, "params files")
    except ParamsError:
        return None  # load_params says what is wrong with it
    if hashlib.sha256(data).hexdigest() != given[1]:
        return None  # changed since it was validated: read as it is now
    return Params.model_validate_json(given[2])


def load_params(path: str | Path) -> Params:
    """Read and validate one params file (or take the model :func:`preload` gave for it).

    Raises
    ------
    ParamsError
        with every problem found, each naming the file, the line and the field.
    """
    path = Path(path)
    known = _take_preloaded(path)
    if known is not None:
        return known
    data = read_yaml(path)
    params: Params = parse_params(data, path)
    return params


#: How much of a file :func:`is_programme_file` reads to find its first top-level key.
_FIRST_KEY_BYTES = 64 * 1024
_FIRST_KEY = re.compile(r"""^(?:"programme"|'programme'|programme)\s*:(?:\s|$)""")


def is_programme_file(path: str | Path) -> bool:
    """Whether the file at ``path`` is a programme file (:mod:`workbook.programme`) rather than
    an alliance's params file: its first top-level key is ``programme``.

    Read cheaply, without parsing the YAML: the first line that is not blank, a comment or a
    document marker (``---``, ``%YAML``) is looked at, and only the first 64 KB of the file are
    read. A file that cannot be opened (missing, a folder, a FIFO) is not a programme file, so
    whoever loads it next says why it cannot be read.
    """
    try:
        fd = open_regular(path)
    except ParamsError:
        return False
    try:
        with os.fdopen(os.dup(fd), "rb") as fh:
            head = fh.read(_FIRST_KEY_BYTES)
    except OSError:
        return False
    finally:
        os.close(fd)
    for raw in head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#") or line.startswith(("---", "%")):
            continue
        return _FIRST_KEY.match(line) is not None
    return False


def plain(data: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, for strict validation."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, str):
        return str(data)  # ruamel's quoted-string subclasses as plain str
    return data


# --------------------------------------------------------------------------------------------
# Editing a section

#: How long a save waits for another save of the same file to finish, in seconds.
LOCK_TIMEOUT = 30.0


@contextlib.contextmanager
def file_lock(path: str | Path, timeout: float | None = None) -> Iterator[Path]:
    """Hold an exclusive lock on the params file at ``path`` (its target, if a symlink).

    The lock is ``flock`` on the file itself, so no lock file is left lying about. Because a save
    replaces the file (a new inode), a writer that was waiting checks, once it holds the lock,
    that the path still names the file it locked, and otherwise locks the new one. Yields the
    target's path.

    Raises
    ------
    ParamsError
        when the file is missing or not a regular file, or another save holds the lock for
        longer than ``timeout`` seconds (default :data:`LOCK_TIMEOUT`).
    """
    import fcntl

    target = Path(os.path.realpath(path))

    def refuse(message: str) -> ParamsError:
        return ParamsError([Problem(Path(path), None, "(file)", message)])

    deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
    while True:
        fd = open_regular(target, shown=path)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() > deadline:
                        raise refuse("another save of this file is still in progress; try again in a moment") from None
                    time.sleep(0.01)
            try:
                current = os.stat(target)
            except FileNotFoundError:
                current = None
            held = os.fstat(fd)
            if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # replaced while we waited: lock the file that is there now
    try:
        yield target
    finally:
        os.close(fd)  # releases the lock


# --------------------------------------------------------------------------------------------
# Merging an edited section into the file


def _merge(target: Any, new: Any) -> Any:
    """Merge plain ``new`` into round-trip ``target`` in place where both are mappings."""
    if isinstance(target, CommentedMap) and isinstance(new, dict):
        for key in [k for k in target if k not in new]:
            del target[key]
        for key, value in new.items():
            if key in target and isinstance(target[key], (CommentedMap, CommentedSeq)):
                target[key] = _merge(target[key], value)
            elif key not in target or target[key] != value:
                target[key] = value
        return target
    if isinstance(target, CommentedSeq) and isinstance(new, list) and len(target) <= len(new):
        # entries in place (keeping their comments and flow style), new ones appended
        for i, value in enumerate(new):
            if i >= len(target):
                target.append(value)
            elif isinstance(target[i], (CommentedMap, CommentedSeq)):
                target[i] = _merge(target[i], value)
            elif target[i] != value:
                target[i] = value
        return target
    return new


def _unshare(node: Any, seen: set[int]) -> None:
    """Give every repeat of an aliased mapping or list its own plain copy, in place.

    A file may use YAML aliases (``*name``), and so may a tool that wrote it (PyYAML writes
    ``&id001``/``*id001`` for a repeated object). The loaded document then holds *one* object in
    several places, and merging an edit into it in place would change every place at once.
    """
    items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
    for key, value in items:
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                node[key] = plain(value)  # fresh containers all the way down
            else:
                seen.add(id(value))
                _unshare(value, seen)


_ABSENT = object()


def _three_way(base: Any, current: Any, mine: Any, loc: tuple[Any, ...], clashes: list[tuple[Any, ...]]) -> Any:
    """Apply the change from ``base`` to ``mine`` onto ``current``, field by field.

    A field only I changed takes my value; a field only they changed keeps theirs; a field both
    changed, differently, is a clash (its location is appended to ``clashes``). Mappings merge
    key by key; anything else (a number, a text, a whole list) is one field.
    """
    if mine == base:
        return current
    if current == base or current == mine:
        return mine
    if all(isinstance(x, dict) for x in (base, current, mine)):
        out = {}
        for key in [*current, *(k for k in mine if k not in current)]:
            value = _three_way(base.get(key, _ABSENT), current.get(key, _ABSENT), mine.get(key, _ABSENT), (*loc, key), clashes)
            if value is not _ABSENT:
                out[key] = value
        return out
    clashes.append(loc)
    return current


class _NullRepresenter(RoundTripRepresenter):
    """Writes ``None`` as ``null``. A subclass: ``add_representer`` is a class method, and calling
    it on ruamel's own representer would change every later dump in the process."""


_NullRepresenter.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))


def dump(doc: Any, explicit_null: bool = False) -> str:
    """``doc`` as YAML in the examples' layout. ``explicit_null`` writes ``null`` for ``None``
    (ruamel's round trip otherwise writes nothing after the colon)."""
    buf = io.StringIO()
    yaml = _yaml()
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout the examples use
    yaml.width = 4096  # never fold a long flow mapping onto a second line
    if explicit_null:
        yaml.Representer = _NullRepresenter
    yaml.dump(doc, buf)
    return buf.getvalue()


def save_section(path: str | Path, section: str, values: dict[str, Any], *, loaded: str | None = None) -> Any:
    """Replace ``section`` of the params file at ``path`` with ``values`` (plain data).

    Unchanged keys keep their comments. The file is locked, re-read and merged into as it is
    now, validated, then replaced atomically (a symlink's target, with its permission bits).
    Returns the validated params model of the new file.

    Parameters
    ----------
    loaded : the file's text as the caller read it before editing. When given, only the
        fields the caller changed are written: another writer's changes to other fields of the
        section, saved since, are kept.

    Raises
    ------
    EditConflict
        (a :class:`ParamsError`) when ``loaded`` is given and someone else changed a field this
        edit changes too since it was loaded; nothing is written.
    ParamsError
        if the edited file would not validate; the file on disk is then left as it was.
    """
    path = Path(path)
    with file_lock(path) as target:
        text = read_text(target)
        doc = parse_yaml_text(text, path)
        if not isinstance(doc, CommentedMap):
            parse_params(doc, path)  # says what is wrong with the file as a whole
        if loaded is not None:
            base = plain(parse_yaml_text(loaded, path))
            base_section = base.get(section, _ABSENT) if isinstance(base, dict) else _ABSENT
            current_section = plain(doc[section]) if section in doc else _ABSENT
            clashes: list[tuple[Any, ...]] = []
            merged = _three_way(base_section, current_section, values, (section,), clashes)
            if clashes:
                raise EditConflict(
                    [
                        Problem(
                            path,
                            line_of(doc, loc),
                            ".".join(str(p) for p in loc),
                            "the file changed since you opened it: someone else saved a different value here; "
                            "reload the file and make your edit again",
                        )
                        for loc in clashes
                    ]
                )
            values = merged if isinstance(merged, dict) else values
        _unshare(doc, {id(doc)})
        if section in doc and isinstance(doc[section], CommentedMap):
            _merge(doc[section], values)
        else:
            doc[section] = values
        new_text = keep_other_sections(text, dump(doc, explicit_null=True), path, section)
        params = parse_params(parse_yaml_text(new_text, path), path)
        if new_text != text:
            atomic_replace(target, new_text)
    return params


class ScenarioExists(WorkbookError):
    """:func:`save_scenario` refused: the file holds a saved scenario of that name already
    (``name``, as the file writes it). Saving again with ``replace=True`` overwrites it."""

    def __init__(self, path: Path, name: str):
        self.path, self.name = path, name
        super().__init__(f"{path.name} already holds a saved scenario called {name!r}")


def save_scenario(path: str | Path, scenario: SavedScenario, *, replace: bool = False) -> Params:
    """Keep a what-if in the params file at ``path`` as a saved scenario (``ramp.scenarios.saved``).

    The entry holds the scenario's name and the inputs it gives (one line, in flow style, like
    an investment line). It is added at the end of the list, or, with ``replace``, takes the
    place of the entry of the same name (case and spacing aside, :func:`~workbook.schema.same_name`).
    The write is :func:`save_section`'s, with the text read here as ``loaded``: locked, merged into
    the file as it is then, validated before anything is written, every other section byte for
    byte. Returns the validated params of the new file.

    Raises
    ------
    ScenarioExists
        when a saved scenario of that name is in the file and ``replace`` is not set; nothing
        is written.
    ParamsError
        when the file does not validate as it is, or would not with the scenario (more than
        :data:`~workbook.schema.MAX_SAVED_SCENARIOS`, a month past the horizon), or
        :class:`~workbook.errors.EditConflict` when someone else saved a scenario in between.
    """
    path = Path(path)
    text = read_text(path)
    doc = parse_yaml_text(text, path)
    parse_params(doc, path)  # the file as it is must be sound before anything is added to it
    ramp = plain(doc["ramp"])
    scenarios = ramp.get("scenarios") or {}
    saved = list(scenarios.get("saved") or [])
    entry = CommentedMap(scenario.model_dump(exclude_none=True))
    entry.fa.set_flow_style()
    if isinstance(entry.get("change"), dict):
        entry["change"] = CommentedMap(entry["change"])
        entry["change"].fa.set_flow_style()
    at = next((i for i, e in enumerate(saved) if isinstance(e, dict) and same_name(str(e.get("name", "")), scenario.name)), None)
    if at is not None and not replace:
        raise ScenarioExists(path, str(saved[at]["name"]))
    if at is None:
        saved.append(entry)
    else:
        saved[at] = entry
    ramp["scenarios"] = {**scenarios, "saved": saved}
    params: Params = save_section(path, "ramp", ramp, loaded=text)
    return params


# --------------------------------------------------------------------------------------------
# Replacing whole sections, byte for byte around them

#: The most problems an importer lists; the rest are counted ("… and 12 more problems").
MAX_PROBLEMS = 50


def capped(problems: list[Problem], limit: int = MAX_PROBLEMS) -> tuple[list[Problem], int]:
    """The first ``limit`` of ``problems`` and how many more there are (0 when none are left
    out): an export with thousands of bad rows is reported in a screenful, not thousands."""
    return problems[:limit], max(0, len(problems) - limit)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> list[str]:
    """``text`` cut into lines, each with its own line break (``\\n``, ``\\r\\n`` or ``\\r``, the
    breaks YAML knows), so that joining them gives ``text`` back exactly."""
    out: list[str] = []
    start = 0
    for m in _LINE_BREAK.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def section_text(section: str, values: Any, newline: str = "\n") -> str:
    """The YAML text of a top-level ``section`` holding ``values`` (plain data; a
    ``CommentedMap`` with flow style stays on one line), in the examples' layout, ``null``
    written out, each line ended by ``newline``."""
    text = dump({section: values}, explicit_null=True)
    return text.replace("\n", newline) if newline != "\n" else text


def splice_sections(text: str, path: Path, sections: dict[str, Any]) -> str:
    """``text`` (a params file's) with each top-level section of ``sections`` replaced by the
    given values, and every other byte as it was.

    A section's block runs from its key's line up to the next top-level key (comment lines and
    blank lines at the very start of a line just before that key stay with it, as they usually
    introduce it); a section the file does not have is appended at the end. A comment on the
    key's own line (``actuals:   # from the CRM``) is kept; comments inside the old block go
    with it. The new text keeps the file's line breaks (``\\r\\n`` when it uses them).

    Raises
    ------
    ParamsError
        when ``text`` is not a mapping of sections, or the result would not read back as exactly
        the old file with those sections replaced (nothing is then written by the callers).
    """
    doc = parse_yaml_text(text, path)
    if not isinstance(doc, CommentedMap):
        parse_params(doc, path)  # says what is wrong with the file as a whole
        raise ParamsError([Problem(path, 1, "(top level)", "expected a mapping of sections (schema, alliance, ramp, ...)")])
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = _lines(text)
    keys = list(doc)
    starts = [doc.lc.key(k)[0] for k in keys]
    out = text
    # splice from the last block to the first, so the line numbers of earlier blocks hold
    spans: list[tuple[int, int, str]] = []
    appended: list[str] = []
    for section, values in sections.items():
        if section not in doc:
            appended.append(section_text(section, values, newline))
            continue
        i = keys.index(section)
        first = starts[i]
        end = starts[i + 1] if i + 1 < len(keys) else len(lines)
        while end - 1 > first and (not lines[end - 1].strip() or lines[end - 1].startswith(("#", "---", "..."))):
            end -= 1  # a comment or a blank line at the margin introduces the next section (or a document marker ends this one)
        new = section_text(section, values, newline)
        key_line = lines[first]
        own = re.match(r"^(\S[^#\r\n]*:)([ \t]+#[^\r\n]*)(\r\n|\r|\n)?$", key_line)
        if own is not None and own.group(1).rstrip(":").strip().strip("'\"") == section:
            # keep the comment on the key's line: "actuals:    # the months as they happened"
            head, _, body = new.partition(newline)
            new = own.group(1) + own.group(2) + newline + body if head == f"{section}:" else new
        spans.append((first, end, new))
    pieces = list(lines)
    for first, end, new in sorted(spans, reverse=True):
        pieces[first:end] = [new]
    out = "".join(pieces)
    if appended:
        if out and not out.endswith(("\n", "\r")):
            out += newline
        out += "".join(appended)
    _check_splice(text, out, path, sections)
    return out


def _blocks(text: str, doc: CommentedMap) -> dict[str, tuple[int, int]]:
    """Each top-level section's lines in ``text`` (read as ``doc``): from its key's line up to the
    next key, less the comment and blank lines just before that key (they introduce it), as
    :func:`splice_sections` cuts them."""
    lines = _lines(text)
    keys = list(doc)
    starts = [doc.lc.key(k)[0] for k in keys]
    out: dict[str, tuple[int, int]] = {}
    for i, key in enumerate(keys):
        first = starts[i]
        end = starts[i + 1] if i + 1 < len(keys) else len(lines)
        while end - 1 > first and (not lines[end - 1].strip() or lines[end - 1].startswith(("#", "---", "..."))):
            end -= 1
        out[str(key)] = (first, end)
    return out


def keep_other_sections(old: str, new: str, path: Path, section: str) -> str:
    """``new`` (the whole file as ruamel writes it back after an edit of ``section``) with every
    other section's lines taken from ``old`` as they were: ruamel's round trip can reword what it
    did not change (``key: null`` becomes ``key:``), and an edit of one section must leave the
    rest of the file byte for byte. Falls back to ``new`` when the two do not line up section
    for section (the edit added or removed another section)."""
    old_doc, new_doc = parse_yaml_text(old, path), parse_yaml_text(new, path)
    if not (isinstance(old_doc, CommentedMap) and isinstance(new_doc, CommentedMap)):
        return new
    if [k for k in old_doc if k != section] != [k for k in new_doc if k != section]:
        return new
    if plain({k: v for k, v in old_doc.items() if k != section}) != plain({k: v for k, v in new_doc.items() if k != section}):
        return new
    old_lines, new_lines = _lines(old), _lines(new)
    old_blocks, new_blocks = _blocks(old, old_doc), _blocks(new, new_doc)
    pieces: list[str] = []
    cursor = 0
    for key, (first, end) in new_blocks.items():
        pieces.extend(new_lines[cursor:first])  # what lies between blocks (comments, blanks) as written now
        if key == section:
            pieces.extend(new_lines[first:end])
        else:
            a, b = old_blocks[key]
            block = old_lines[a:b]
            if block and not block[-1].endswith(("\n", "\r")):
                block[-1] += "\r\n" if "\r\n" in old else "\n"
            pieces.extend(block)
        cursor = end
    pieces.extend(new_lines[cursor:])
    out = "".join(pieces)
    try:
        if plain(parse_yaml_text(out, path)) != plain(new_doc):
            return new
    except ParamsError:
        return new
    return out


def _check_splice(old: str, new: str, path: Path, sections: dict[str, Any]) -> None:
    """Refuse a spliced text that does not read back as the old file with ``sections``
    replaced: every other section the same data, each replaced one exactly its values."""
    before = plain(parse_yaml_text(old, path))
    after = plain(parse_yaml_text(new, path))
    expected = {**before, **{k: plain(v) for k, v in sections.items()}}
    if after != expected or list(after) != list(expected):
        raise ParamsError(
            [
                Problem(
                    path,
                    None,
                    "(file)",
                    f"could not replace the {' and '.join(sections)} section(s) without changing the rest of the file; "
                    "nothing was written (is a section's text indented in an unusual way?)",
                )
            ]
        )


def write_sections(path: str | Path, sections: dict[str, Any], *, dry_run: bool = False) -> tuple[Params, bool]:
    """Replace the top-level ``sections`` of the params file at ``path`` with the given values
    (plain data), leaving every other byte of the file as it was (:func:`splice_sections`).

    The file is locked (:func:`file_lock`), re-read, spliced, validated as a whole, and only then
    replaced atomically (:func:`~workbook.files.atomic_replace`); when the new text is the old
    one, or ``dry_run`` is set, nothing is written. Returns the validated params of the new text
    and whether it differs from the file.

    Raises
    ------
    ParamsError
        when the file or the new text does not validate; the file is then left as it was.
    """
    path = Path(path)
    with file_lock(path) as target:
        text = read_text(target)
        new_text = splice_sections(text, path, sections)
        params = check_text(new_text, path)
        changed = new_text != text
        if changed and not dry_run:
            atomic_replace(target, new_text)
    return params, changed


def section_data(params: Any, section: str) -> dict[str, Any]:
    """A section of a validated model as plain YAML-ready data (aliases, no unset defaults)."""
    model: BaseModel = getattr(params, section)
    return model.model_dump(mode="python", by_alias=True, exclude_unset=True)


# --------------------------------------------------------------------------------------------
# Actuals from a CSV export

#: The largest actuals CSV read, in bytes (20 years of months is about 2 KB).
MAX_CSV_BYTES = 1024 * 1024


#: The most columns an actuals CSV's first line may name (it has seven at most): a header of
#: thousands of columns is refused at once, in one message.
MAX_CSV_COLUMNS = 64


def column_key(name: str) -> str:
    """A CSV column's name as the importers compare it: trimmed, in any case, a run of spaces,
    hyphens or underscores read as one ``_`` ("Deals Closed" and "deals_closed" are the same)."""
    return re.sub(r"[\s_\-]+", "_", name.strip()).strip("_").casefold()


_YEAR_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def calendar_month(cell: str, start: dt.date | None) -> int | str:
    """The plan month of a calendar month written ``YYYY-MM`` (month 1 is the calendar month of
    ``start``), or what is wrong with it: no start, not a month, or before the start."""
    m = _YEAR_MONTH.fullmatch(cell)
    if m is None:
        return f"expected a month number or a calendar month written YYYY-MM, got {shown_value(cell)}"
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return f"{shown_value(cell)} is not a calendar month (YYYY-MM, the month 01 to 12)"
    if start is None:
        return f"a calendar month ({cell}) needs alliance.start in the params file to say which month is month 1; or write the plan month number"
    number = (year - start.year) * 12 + month - start.month + 1
    if number < 1:
        return f"{cell} is before the alliance's start ({start.isoformat()}, month 1)"
    return number


def read_actuals_csv(path: str | Path, horizon_months: int | None = None, start: dt.date | None = None) -> list[dict[str, Any]]:
    """The months of an actuals CSV (a CRM or ledger export), validated row by row.

    The first line names the columns, as the fields of ``actuals.months`` are named, in any case
    and spacing (``Deals Closed`` is ``deals_closed``): ``month``, ``investment``,
    ``deals_closed`` and ``vendor_revenue`` are required; ``deals_sourced``,
    ``partner_sourced_revenue`` and ``influenced_revenue`` are optional (a column may be left
    out, a cell left empty). Numbers are plain digits (``12000`` or ``12000.50``: no thousands
    separators, currency signs, underscores or digits other than 0–9); months run 1, 2, 3, ...
    in order, up to ``horizon_months``; with ``start`` (``alliance.start``) a month may also be
    written as its calendar month, ``2026-02``. Blank lines are skipped; a UTF-8 byte-order mark
    (as spreadsheets write) is fine.

    Returns the months as plain data (optional fields only where given), ready for
    ``write_sections(..., {"actuals": ...})``.

    Raises
    ------
    ParamsError
        with every problem: ``file.csv:ROW: column: message`` per bad cell (ROW the line number
        in the file), ``file.csv:1: column: ...`` for a missing or unknown column, and
        ``file.csv: (file): ...`` for a file that cannot be read as CSV.
    """
    import csv

    from .schema import ActualMonth

    fields = ActualMonth.model_fields
    required = tuple(name for name, f in fields.items() if f.is_required())
    known = tuple(fields)
    path = Path(path)

    def refuse(message: str, line: int | None = None, field: str = "(file)") -> ParamsError:
        return ParamsError([Problem(path, line, field, message)])

    data = read_bounded(path, MAX_CSV_BYTES, "actuals CSVs (a line per month)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise refuse(f"not UTF-8 text (byte {data[exc.start]:#04x}); export the CSV as UTF-8", line) from None
    if "\x00" in text:
        raise refuse("not a CSV file (it holds binary data)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    except csv.Error as exc:
        raise refuse(f"not a readable CSV file: {exc}", reader.line_num) from None
    if header is None:
        raise refuse("the file is empty; the first line names the columns: " + ", ".join(required))
    header_line = reader.line_num
    if len(header) > MAX_CSV_COLUMNS:
        raise refuse(
            f"the first line names {len(header):,} columns; an actuals CSV has at most {len(known)} ({', '.join(known)})", header_line
        )
    columns = [column_key(c) for c in header]
    if not set(columns) & set(known):
        shown = shown_value(",".join(c.strip() for c in header))
        hint = "; its values are separated by ';': export the CSV with commas" if ";" in header[0] else ""
        raise refuse(f"not an actuals CSV: its first line names none of the columns {', '.join(required)} (got {shown}){hint}", header_line)
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, name in enumerate(columns):
        if name in seen:
            problems.append(Problem(path, header_line, shown_value(name)[1:-1], "this column is given twice; keep one"))
        elif name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) if len(name) <= 40 else []
            column = shown_value(header[i].strip())[1:-1] if name else f"(column {i + 1})"
            message = "unknown column" + (f" (did you mean '{close[0]}'?)" if close else f"; the columns are {', '.join(known)}")
            problems.append(Problem(path, header_line, column, message))
        seen.add(name)
    missing = [name for name in required if name not in seen]
    for name in missing:
        problems.append(Problem(path, header_line, name, f"missing column; the first line must name {', '.join(required)}"))
    if problems:
        raise ParamsError(problems)

    months: list[dict[str, Any]] = []
    next_month = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(path, reader.line_num, "(row)", f"not readable as CSV: {exc}"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            problems.append(Problem(path, line, "(row)", f"expected {len(columns)} values (one per column), got {len(row)}"))
            next_month += 1  # taken as the next month, so the rows after it are checked against theirs
            continue
        values: dict[str, Any] = {}
        bad = False
        for name, cell in zip(columns, row):
            cell = cell.strip()
            if cell == "":
                if name in required:
                    problems.append(Problem(path, line, name, "a value is required"))
                    bad = True
                continue
            number: int | float | str
            if name == "month" and "-" in cell[1:]:
                number = calendar_month(cell, start)
            else:
                number = _csv_number(cell, whole_number=name == "month")
            if isinstance(number, str):
                problems.append(Problem(path, line, name, number))
                bad = True
                continue
            values[name] = number
        try:  # the cells that are numbers are checked too, so a row lists all that is wrong with it
            ActualMonth.model_validate(values, strict=True)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "(row)"
                if bad and (err["type"] == "missing" or field not in values):
                    continue  # already said: the cell is empty or not a number
                problems.append(Problem(path, line, field, _message(err, ActualMonth)))
                bad = True
        month = values.get("month")
        if isinstance(month, int):  # the months run on from a bad row's month, when it has one
            if month != next_month:
                problems.append(Problem(path, line, "month", f"months must run 1, 2, 3, ... in order without gaps: expected month {next_month}, got {month}"))
                bad = True
            elif horizon_months is not None and month > horizon_months:
                problems.append(Problem(path, line, "month", f"month {month} is after the plan's horizon ({horizon_months} months)"))
                bad = True
            next_month = month + 1
        else:
            next_month += 1
        if not bad:
            months.append(values)
    if problems:
        raise ParamsError(problems)
    if not months:
        raise refuse("no months: the file has a header line but no rows")
    return months


#: A number in plain digits: an optional sign, ASCII digits 0-9 with an optional decimal point,
#: an optional exponent ("1e3").
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _csv_number(cell: str, *, whole_number: bool) -> int | float | str:
    """The number in a CSV cell (a whole number as an ``int``), or what is wrong with it."""
    if _PLAIN_NUMBER.fullmatch(cell) is None:
        # float() also reads "10_000", "１２" (full-width digits), "nan" and "infinity": none is a
        # plain number an export should hold
        return f"expected a number, got {shown_value(cell)} (write digits only, without thousands separators, currency signs or units)"
    value = float(cell)
    if not (value == value and abs(value) != float("inf")):
        return f"must be a finite number, got {shown_value(cell)}"
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    if whole_number:
        return f"expected a whole number, got {shown_value(cell)}"
    return value


def import_actuals(params_path: str | Path, csv_path: str | Path, source: str | None = None) -> Params:
    """Write the months of the actuals CSV at ``csv_path`` into the params file at
    ``params_path`` as its ``actuals`` section, atomically, every other byte of the file kept
    (:func:`write_sections`).

    ``source`` (default: the CSV's file name) says where the figures come from. The whole CSV
    is validated first (:func:`read_actuals_csv`), against the params file's horizon; on any
    problem nothing is written. Returns the validated params of the new file.

    Raises
    ------
    ParamsError
        for a bad params file or a bad CSV (every problem, located).
    """
    params = load_params(params_path)
    months = read_actuals_csv(csv_path, params.ramp.horizon_months, params.start)
    name = source_name(csv_path, source)
    saved, _ = write_sections(params_path, {"actuals": {"source": name, "months": flow_rows(months)}})
    return saved


def source_name(export: str | Path, source: str | None) -> str:
    """What an import records as its section's ``source``: ``source`` when given, else the
    export's file name. A file name longer than a ``source`` may be is a problem of the export
    (named, so the message points at the file to rename), not of the params file.

    Raises
    ------
    ParamsError
        naming ``export`` (field ``(file)``), or ``--source``, when the name is too long or
        holds a control character.
    """
    from .strict import MAX_NAME

    if source is not None:
        if not 1 <= len(source) <= MAX_NAME:
            raise ParamsError([Problem(Path(export), None, "--source", f"is {len(source)} characters long; a source is 1 to {MAX_NAME} characters")])
        return source
    from .text import codepoint, control_characters

    name = Path(export).name
    controls = control_characters(name)
    if controls:
        raise ParamsError(
            [
                Problem(
                    Path(export),
                    None,
                    "(file)",
                    f"the file's name holds a control character ({codepoint(controls[0])}) and is kept as the section's source, "
                    "which must be plain text: rename the file, or give --source",
                )
            ]
        )
    if len(name) > MAX_NAME:
        raise ParamsError(
            [
                Problem(
                    Path(export),
                    None,
                    "(file)",
                    f"the file's name is {len(name)} characters long and is kept as the section's source, which holds at most "
                    f"{MAX_NAME}: rename the file, or give --source",
                )
            ]
        )
    return name


def flow_rows(rows: list[dict[str, Any]]) -> list[Any]:
    """``rows`` as YAML flow mappings, one line each (``- {month: 1, investment: 9000, ...}``)."""
    out = []
    for row in rows:
        flow = CommentedMap(row)
        flow.fa.set_flow_style()
        out.append(flow)
    return out
