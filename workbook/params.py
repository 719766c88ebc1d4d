"""The params file: one YAML file per alliance, validated by a strict pydantic schema.

Loading keeps line numbers (ruamel.yaml's round-trip loader) so every problem is reported as
``file:line: field.path: message``. Unknown keys are errors with a "did you mean" hint, and
duplicate keys are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.tag import Tag
from ruamel.yaml.util import create_timestamp, timestamp_regexp

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import check_code
from .errors import ParamsError, Problem

from .sections import Health, Scope, Trust, Value
from .strict import MAX_DEALS_PER_MONTH, MAX_MONEY, MAX_MONTHS, DealsPerMonth, Money, Month, Months, Name, Number, Share, Strict
from .strict import LocatedErrors as _LocatedErrors

SCHEMA_VERSION = 1


def plain_number(x: float) -> str:
    """A bound as people write it: ``1,000,000,000,000,000`` rather than ``1e+15``."""
    if float(x).is_integer() and abs(x) < 1e18:
        return f"{int(x):,}"
    return f"{x:g}"

AllianceType = Literal["reseller", "referral", "technology", "co-sell", "oem", "services"]
EventKind = Literal["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]


class Alliance(Strict):
    name: Name = Field(description="Shown in reports; any text, escaped on display.")
    vendor: Name
    partner: Name
    type: AllianceType
    currency: str = Field(default=DEFAULT_CURRENCY, description="ISO 4217 code of every amount in the file.")

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, code: str) -> str:
        return check_code(code)


class InvestmentLine(Strict):
    """A recurring resource (``monthly_cost`` from ``start_month`` to ``end_month``, inclusive)
    or a one-off (``one_off`` paid in ``month``). Months are 1-based."""

    name: Name
    monthly_cost: Money | None = None
    start_month: Month | None = None
    end_month: Month | None = None
    one_off: Money | None = None
    month: Month | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> InvestmentLine:
        recurring = (self.monthly_cost, self.start_month, self.end_month)
        once = (self.one_off, self.month)
        if self.is_recurring:
            if any(v is not None for v in once):
                raise ValueError("give either monthly_cost/start_month/end_month or one_off/month, not both")
            if any(v is None for v in recurring):
                raise ValueError("a recurring line needs monthly_cost, start_month and end_month")
            assert self.start_month is not None and self.end_month is not None
            if self.start_month > self.end_month:
                raise ValueError(f"start_month ({self.start_month}) is after end_month ({self.end_month})")
        elif any(v is None for v in once):
            raise ValueError("a line needs monthly_cost/start_month/end_month (recurring) or one_off/month")
        return self

    @property
    def is_recurring(self) -> bool:
        return self.monthly_cost is not None or self.start_month is not None or self.end_month is not None


class Event(Strict):
    """A premature change at ``month``; ``severity`` 0–1 scales its effect (see ``workbook.ramp``)."""

    month: Month
    kind: EventKind
    severity: Share = 0.5
    note: str = ""


Triangular = Annotated[list[Number], Field(min_length=3, max_length=3)]

#: The ramp inputs that may carry an uncertainty range, and whether each is a share (0–1).
RANGED_INPUTS: dict[str, bool] = {
    "sales_cycle_months": False,
    "enablement_months": False,
    "ramp_months": False,
    "steady_deals_per_month": False,
    "avg_deal_value": False,
    "partner_margin": True,
    "gross_margin": True,
}

#: The largest value a range may reach, by input (the input's own maximum).
RANGE_MAXIMA: dict[str, float] = {
    "sales_cycle_months": MAX_MONTHS,
    "enablement_months": MAX_MONTHS,
    "ramp_months": MAX_MONTHS,
    "steady_deals_per_month": MAX_DEALS_PER_MONTH,
    "avg_deal_value": MAX_MONEY,
    "partner_margin": 1.0,
    "gross_margin": 1.0,
}


class Uncertainty(Strict):
    """Triangular ``[low, most likely, high]`` ranges on the key ramp inputs.

    The ranges are read relative to the plan (:meth:`Ramp.triangles`): the simulation's most
    likely value is always the plan's own, and the written distances below and above the
    most likely value are kept around it. A plan edited after its ranges were written
    therefore moves its ranges with it, and the plan and its simulation never describe two
    different alliances.
    """

    sales_cycle_months: Triangular | None = None
    enablement_months: Triangular | None = None
    ramp_months: Triangular | None = None
    steady_deals_per_month: Triangular | None = None
    avg_deal_value: Triangular | None = None
    partner_margin: Triangular | None = None
    gross_margin: Triangular | None = None

    @field_validator("*")
    @classmethod
    def _ordered(cls, v: Triangular | None, info: Any) -> Triangular | None:
        if v is not None:
            if not all(a <= b for a, b in zip(v, v[1:])):
                shown = ", ".join(f"{x:g}" for x in v)
                raise ValueError(f"range must be ordered low <= most likely <= high, got [{shown}]")
            if v[0] < 0:
                raise ValueError(f"range must not go below 0, got low = {v[0]:g}")
            if RANGED_INPUTS.get(info.field_name) and v[-1] > 1:
                raise ValueError(f"a share's range must stay between 0 and 1 (20 % is written 0.20), got high = {v[-1]:g}")
            top = RANGE_MAXIMA[info.field_name]
            if v[-1] > top:
                raise ValueError(f"range must not go above {plain_number(top)}, got high = {v[-1]:g}")
        return v

    def ranges(self) -> dict[str, Triangular]:
        """The ranges given, as written."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Simulation(Strict):
    """The Monte Carlo's settings: ``runs`` draws (500 gives a chance of break-even to within
    about ±2 percentage points), from the random ``seed`` (same seed, same figures)."""

    runs: Annotated[int, Field(ge=10, le=20000)] = 500
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 7


class DirectRoute(Strict):
    """Build a direct sales team instead: the vendor keeps the whole deal value but pays for it."""

    monthly_cost: Money
    hiring_months: Months = 4
    ramp_months: Months = 12
    steady_deals_per_month: DealsPerMonth
    sales_cycle_months: Months | None = None  # defaults to the partner's sales cycle


class AcquireRoute(Strict):
    """Acquire a company that already sells: a price up front, integration, then its deal flow."""

    price: Money
    month: Month = 1
    integration_months: Months = 6
    monthly_cost: Money = 0.0
    steady_deals_per_month: DealsPerMonth


class Scenarios(Strict):
    invest_late_months: Annotated[int, Field(ge=1, le=MAX_MONTHS)] = 6
    under_invest_pct: Annotated[float, Field(gt=0, lt=100, allow_inf_nan=False)] = 30.0
    premature_change_month: Month | None = None  # default: half the commitment
    premature_change_kind: EventKind = "people_change"
    premature_change_severity: Share = 0.6
    direct: DirectRoute | None = None
    acquire: AcquireRoute | None = None


class Ramp(Strict):
    horizon_months: Annotated[int, Field(ge=1, le=MAX_MONTHS)]
    commitment_months: Annotated[int, Field(ge=1, le=MAX_MONTHS)]
    enablement_months: Months = 0
    sales_cycle_months: Months
    ramp_months: Months = 0
    steady_deals_per_month: DealsPerMonth
    avg_deal_value: Money
    partner_margin: Share
    gross_margin: Share
    discount_rate: Share = 0.10
    investment: list[InvestmentLine] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    simulation: Simulation = Field(default_factory=Simulation)
    target_revenue: dict[Month, Money] = Field(default_factory=dict)
    scenarios: Scenarios = Field(default_factory=Scenarios)

    def triangles(self) -> dict[str, tuple[float, float, float]]:
        """Each ranged input as the simulation draws it: ``(low, most likely, high)``.

        The most likely value is the plan's; low and high keep the written range's distances
        from its most likely value — ``low = plan − (mode − low_written)``, ``high = plan +
        (high_written − mode)`` — cut at 0 (and at 1 for shares). When the written most likely
        value is the plan's, as it normally is, that is the range as written.
        """
        out = {}
        for name, (low, mode, high) in self.uncertainty.ranges().items():
            plan = float(getattr(self, name))
            top = 1.0 if RANGED_INPUTS[name] else math.inf
            out[name] = (max(0.0, plan - (mode - low)), plan, min(top, plan + (high - mode)))
        return out

    def moved_ranges(self) -> dict[str, tuple[float, float]]:
        """The ranges whose written most likely value is not the plan's: name -> (written, plan)."""
        return {
            name: (v[1], float(getattr(self, name)))
            for name, v in self.uncertainty.ranges().items()
            if abs(v[1] - float(getattr(self, name))) > 1e-9
        }

    @model_validator(mode="after")
    def _inside_horizon(self) -> Ramp:
        problems = late_months(self.model_dump(exclude_unset=True), self.horizon_months)
        if problems:
            raise _LocatedErrors(problems)
        return self


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def late_months(ramp: dict[str, Any], h: int) -> list[tuple[tuple[Any, ...], str]]:
    """The months of ``ramp`` (plain data, as written or dumped) that fall after the horizon ``h``:
    investment and event months, target months, and the scenarios' months (the premature change,
    the acquisition, and the late start). Locations are relative to the ramp section."""
    found: list[tuple[tuple[Any, ...], str]] = []

    def late(loc: tuple[Any, ...], value: Any) -> None:
        if _whole(value) and value > h:
            found.append((loc, f"month {value} is after the horizon ({h} months)"))

    for key in ("investment", "events"):
        items = ramp.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    for k in ("start_month", "end_month", "month"):
                        late((key, i, k), item.get(k))
    targets = ramp.get("target_revenue")
    if isinstance(targets, dict):
        for month in targets:
            late(("target_revenue", month), month)
    scenarios = ramp.get("scenarios")
    if isinstance(scenarios, dict):
        late(("scenarios", "premature_change_month"), scenarios.get("premature_change_month"))
        acquire = scenarios.get("acquire")
        if isinstance(acquire, dict):
            late(("scenarios", "acquire", "month"), acquire.get("month"))
        delay = scenarios.get("invest_late_months")
        if _whole(delay) and delay >= h:
            found.append(
                (("scenarios", "invest_late_months"), f"a plan started {delay} months late begins after the horizon ({h} months)")
            )
    return found


class Params(Strict):
    """A whole params file."""

    schema_: Literal[1] = Field(alias="schema", default=1)
    alliance: Alliance
    ramp: Ramp
    scope: Scope | None = None
    trust: Trust | None = None
    value: Value | None = None
    health: Health | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def slug(self) -> str:
        return slugify(self.alliance.name)


#: Longest report folder name (characters); the temporary folders add about 40 to it.
SLUG_MAX = 64


def slugify(text: str) -> str:
    """The report folder name of an alliance: never empty, at most ``SLUG_MAX`` characters of
    lower-case ASCII letters, digits and ``-``.

    Text is transliterated (python-slugify with text-unidecode: ``东方电子`` gives
    ``dong-fang-dian-zi``). A name that leaves nothing (emoji only) gets ``alliance-`` and a
    short hash of the name; a name too long for the cap keeps its first words and the hash, so
    two long names sharing their beginning still get two folders.
    """
    import hashlib

    from slugify import slugify as transliterate

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    slug = transliterate(text)
    if not slug:
        return f"alliance-{digest}"
    if len(slug) <= SLUG_MAX:
        return slug
    return f"{transliterate(text, max_length=SLUG_MAX - len(digest) - 1, word_boundary=True)}-{digest}"


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


class _GuardedComposer(Composer):  # type: ignore[misc]
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

    def refuse(message: str) -> ParamsError:
        return ParamsError([Problem(path, None, "(file)", message)])

    fd = open_regular(path)
    try:
        info = os.fstat(fd)
        if info.st_size > MAX_FILE_BYTES:
            raise refuse(f"the file is {_size(info.st_size)}; params files are limited to {_size(MAX_FILE_BYTES)}")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise refuse(f"the file is over {_size(MAX_FILE_BYTES)}; params files are limited to that")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParamsError([Problem(path, line, "(file)", f"not UTF-8 text (byte {data[exc.start]:#04x}); save the file as UTF-8")]) from None


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


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
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


def _shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so a huge input never floods a message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _message(err: dict[str, Any], root: type[BaseModel]) -> str:
    kind = err["type"]
    loc = err["loc"]
    got = _shown(err.get("input"))
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
            return f"a range needs exactly 3 numbers [low, most likely, high], got {len(items)}: {_shown(items)}"
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
        return str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
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
                problems.append(Problem(path, _line_of(data, full), _format_loc(full), message))
            continue
        problems.append(Problem(path, _line_of(data, loc), _format_loc(loc), _message(err, root)))
    return sorted(problems, key=lambda p: (p.line or 0, p.field))


def parse_params(data: Any, path: Path, model: type[BaseModel] | None = None) -> Any:
    """Validate already-loaded YAML ``data`` against ``model`` (the full params model by default)."""
    root = model or Params
    if data is None:
        raise ParamsError([Problem(path, None, "(file)", "the file is empty")])
    if not isinstance(data, dict):
        raise ParamsError([Problem(path, 1, "(top level)", "expected a mapping of sections (schema, alliance, ramp, ...)")])
    try:
        return root.model_validate(_plain(data), strict=True)
    except ValidationError as exc:
        problems = problems_from_validation(path, data, exc, root)
        seen = {(p.line, p.field) for p in problems}
        extra = [p for p in _horizon_problems(path, data) if (p.line, p.field) not in seen]
        raise ParamsError(sorted(problems + extra, key=lambda p: (p.line or 0, p.field))) from None


def _horizon_problems(path: Path, data: Any) -> list[Problem]:
    """Months after the horizon, found on the raw data: the model's own check only runs once
    every ramp field is valid, and a user should see all problems in one go."""
    ramp = data.get("ramp") if isinstance(data, dict) else None
    if not isinstance(ramp, dict):
        return []
    h = ramp.get("horizon_months")
    if not _whole(h) or not 1 <= h <= MAX_MONTHS:
        return []
    return [
        Problem(path, _line_of(data, ("ramp", *loc)), _format_loc(("ramp", *loc)), message) for loc, message in late_months(ramp, h)
    ]


def load_params(path: str | Path) -> Any:
    """Read and validate one params file.

    Raises
    ------
    ParamsError
        with every problem found, each naming the file, the line and the field.
    """
    path = Path(path)
    data = read_yaml(path)
    return parse_params(data, path)


def _plain(data: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, for strict validation."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, str):
        return str(data)  # ruamel's quoted-string subclasses as plain str
    return data
