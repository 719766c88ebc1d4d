"""The params file: one YAML file per alliance, validated by a strict pydantic schema.

Loading keeps line numbers (ruamel.yaml's round-trip loader) so every problem is reported as
``file:line: field.path: message``. Unknown keys are errors with a "did you mean" hint, and
duplicate keys are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import check_code
from .errors import ParamsError, Problem

from .sections import Health, Scope, Trust, Value
from .strict import LocatedErrors as _LocatedErrors
from .strict import Strict

SCHEMA_VERSION = 1

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Months = NonNegativeInt
Money = NonNegativeFloat

AllianceType = Literal["reseller", "referral", "technology", "co-sell", "oem", "services"]
EventKind = Literal["people_change", "resource_withdrawal", "responsibility_move", "cynicism"]


class Alliance(Strict):
    name: str = Field(min_length=1, description="Shown in reports; any text, escaped on display.")
    vendor: str = Field(min_length=1)
    partner: str = Field(min_length=1)
    type: AllianceType
    currency: str = Field(default=DEFAULT_CURRENCY, description="ISO 4217 code of every amount in the file.")

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, code: str) -> str:
        return check_code(code)


class InvestmentLine(Strict):
    """A recurring resource (``monthly_cost`` from ``start_month`` to ``end_month``, inclusive)
    or a one-off (``one_off`` paid in ``month``). Months are 1-based."""

    name: str = Field(min_length=1)
    monthly_cost: Money | None = None
    start_month: Annotated[int, Field(ge=1)] | None = None
    end_month: Annotated[int, Field(ge=1)] | None = None
    one_off: Money | None = None
    month: Annotated[int, Field(ge=1)] | None = None

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

    month: Annotated[int, Field(ge=1)]
    kind: EventKind
    severity: Share = 0.5
    note: str = ""


Triangular = Annotated[list[float], Field(min_length=3, max_length=3)]

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
        return v

    def ranges(self) -> dict[str, Triangular]:
        """The ranges given, as written."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Simulation(Strict):
    """The Monte Carlo's settings: ``runs`` draws (500 gives a chance of break-even to within
    about ±2 percentage points), from the random ``seed`` (same seed, same figures)."""

    runs: Annotated[int, Field(ge=10, le=20000)] = 500
    seed: int = 7


class DirectRoute(Strict):
    """Build a direct sales team instead: the vendor keeps the whole deal value but pays for it."""

    monthly_cost: Money
    hiring_months: Months = 4
    ramp_months: Months = 12
    steady_deals_per_month: NonNegativeFloat
    sales_cycle_months: Months | None = None  # defaults to the partner's sales cycle


class AcquireRoute(Strict):
    """Acquire a company that already sells: a price up front, integration, then its deal flow."""

    price: Money
    month: Annotated[int, Field(ge=1)] = 1
    integration_months: Months = 6
    monthly_cost: Money = 0.0
    steady_deals_per_month: NonNegativeFloat


class Scenarios(Strict):
    invest_late_months: Annotated[int, Field(ge=1)] = 6
    under_invest_pct: Annotated[float, Field(gt=0, lt=100)] = 30.0
    premature_change_month: Annotated[int, Field(ge=1)] | None = None  # default: half the commitment
    premature_change_kind: EventKind = "people_change"
    premature_change_severity: Share = 0.6
    direct: DirectRoute | None = None
    acquire: AcquireRoute | None = None


class Ramp(Strict):
    horizon_months: Annotated[int, Field(ge=1, le=240)]
    commitment_months: Annotated[int, Field(ge=1, le=240)]
    enablement_months: Months = 0
    sales_cycle_months: Months
    ramp_months: Months = 0
    steady_deals_per_month: NonNegativeFloat
    avg_deal_value: Money
    partner_margin: Share
    gross_margin: Share
    discount_rate: Share = 0.10
    investment: list[InvestmentLine] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    simulation: Simulation = Field(default_factory=Simulation)
    target_revenue: dict[Annotated[int, Field(ge=1)], Money] = Field(default_factory=dict)
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
        h = self.horizon_months
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, line in enumerate(self.investment):
            for key in ("start_month", "end_month", "month"):
                value = getattr(line, key)
                if value is not None and value > h:
                    problems.append((("investment", i, key), f"month {value} is after the horizon ({h} months)"))
        for i, event in enumerate(self.events):
            if event.month > h:
                problems.append((("events", i, "month"), f"month {event.month} is after the horizon ({h} months)"))
        for month in self.target_revenue:
            if month > h:
                problems.append((("target_revenue", month), f"month {month} is after the horizon ({h} months)"))
        if problems:
            raise _LocatedErrors(problems)
        return self


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


def slugify(text: str) -> str:
    """A file-system-safe folder name for an alliance: lower case ASCII, words joined by ``-``."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "alliance"


# --------------------------------------------------------------------------------------------
# Loading with line numbers


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True  # so saving edits back keeps the analyst's quoting
    return yaml


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with the round-trip loader (keeps comments and line numbers)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError([Problem(path, None, "(file)", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError([Problem(path, None, "(file)", f"cannot read the file: {exc}")]) from None
    try:
        return _yaml().load(text)
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


def _message(err: dict[str, Any], root: type[BaseModel]) -> str:
    kind = err["type"]
    loc = err["loc"]
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
        got = err["input"]
        return f"a range needs exactly 3 numbers [low, most likely, high], got {len(got)}: {got}"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        bound = err.get("ctx", {})
        field = str(loc[-1]) if loc else ""
        if kind == "less_than_equal" and bound.get("le") == 1 and ("margin" in field or "rate" in field or field == "severity"):
            return f"must be a share between 0 and 1 (20 % is written 0.20), got {err.get('input')!r}"
        words = {"less_than_equal": "at most", "greater_than_equal": "at least", "less_than": "below", "greater_than": "above"}
        limit = next(iter(bound.values()), "?")
        if limit == 0 and kind == "greater_than_equal":
            return f"must not be negative, got {err.get('input')!r}"
        return f"must be {words[kind]} {limit}, got {err.get('input')!r}"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", err["ctx"]["expected"]) if "ctx" in err else []
        hint = difflib.get_close_matches(str(err.get("input")), allowed, n=1, cutoff=0.6)
        if loc and loc[-1] == "schema":
            return f"schema version {err.get('input')!r} is not supported; this workbook reads schema: {SCHEMA_VERSION}"
        msg = f"must be one of: {', '.join(allowed)}; got {err.get('input')!r}"
        return msg + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        what = "a whole number" if kind.startswith("int") else "a number"
        got = err.get("input")
        if isinstance(got, str):
            return f"expected {what}, got the text {got!r} (write digits only, without quotes or units)"
        return f"expected {what}, got {got!r}"
    if kind == "value_error":
        return str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
    msg = err["msg"]
    if "input" in err and not isinstance(err["input"], (dict, list)):
        msg += f", got {err['input']!r}"
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
    if not isinstance(h, int) or isinstance(h, bool) or not 1 <= h <= 240:
        return []
    found: list[Problem] = []

    def late(loc: tuple[Any, ...], value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and value > h:
            found.append(Problem(path, _line_of(data, loc), _format_loc(loc), f"month {value} is after the horizon ({h} months)"))

    for key in ("investment", "events"):
        items = ramp.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    for k in ("start_month", "end_month", "month"):
                        late(("ramp", key, i, k), item.get(k))
    targets = ramp.get("target_revenue")
    if isinstance(targets, dict):
        for month in targets:
            if isinstance(month, int) and month > h:
                found.append(Problem(path, _line_of(data, ("ramp", "target_revenue", month)), _format_loc(("ramp", "target_revenue", month)), f"month {month} is after the horizon ({h} months)"))
    return found


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
