"""A programme of alliances: many params files, started at different dates, in several
currencies, funded from one budget, combined on one calendar axis.

A programme file is a YAML file whose only top-level key is ``programme``::

    programme:
      name: Channel programme 2026
      currency: USD                 # the reporting currency (ISO 4217)
      rates: {EUR: 1.08}            # 1 EUR is worth 1.08 USD
      budget: {total: 3000000, yearly_cap: 1500000}
      alliances: ["*.yaml"]         # globs relative to this file (default: every *.yaml beside it)

Each alliance is modelled as its own report models it (:func:`workbook.ramp.run` of its
``ramp`` section); its month ``m`` is the calendar month ``m − 1`` months after the month of
its ``alliance.start``, and its amounts are multiplied by its currency's rate. The rules of the
combination (break-even, peak funding need, discounting, committed spend, which alliances to
fund) are in the README's "A programme of alliances". Pure: files in, numbers out.
"""

from __future__ import annotations

import datetime as dt
import glob
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, Field, field_validator

from .currency import DEFAULT as DEFAULT_CURRENCY
from .currency import check_code, round_money
from .errors import ParamsError, Problem
from .params import is_programme_file, line_of, parse_params, read_yaml
from .schema import Params
from .strict import MAX_MONEY, Money, Name, Strict

#: The default programme file of ``workbook programme``.
DEFAULT_PATH = Path("params") / "programme.yaml"
#: Up to this many alliances the choice of which to fund is exact (branch and bound); beyond,
#: the greedy rule (long-run value per unit of committed spend) is used.
EXACT_LIMIT = 25

Rate = Annotated[float, Field(gt=0, le=MAX_MONEY, allow_inf_nan=False)]
Glob = Annotated[str, Field(min_length=1, max_length=400)]


class Budget(Strict):
    """What the programme may commit, in the reporting currency (both optional)."""

    total: Money | None = None
    yearly_cap: Money | None = None


class ProgrammeSpec(Strict):
    """The ``programme`` section of a programme file."""

    name: Name
    currency: str = Field(default=DEFAULT_CURRENCY, description="The reporting currency, an ISO 4217 code.")
    rates: dict[str, Rate] = Field(default_factory=dict, description="{CODE: value of 1 CODE in the reporting currency}.")
    budget: Budget = Field(default_factory=Budget)
    alliances: Annotated[list[Glob], Field(min_length=1)] | None = None

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, code: str) -> str:
        return check_code(code)

    @field_validator("rates")
    @classmethod
    def _rate_codes(cls, rates: dict[str, float]) -> dict[str, float]:
        for code in rates:
            check_code(code)
        return rates


class ProgrammeFile(Strict):
    """A whole programme file: one top-level key, ``programme``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    programme: ProgrammeSpec


@dataclass(frozen=True)
class Member:
    """One alliance of a programme: its file, its validated params and its rate (1 unit of its
    currency in the reporting currency)."""

    path: Path
    params: Params
    rate: float

    @property
    def start(self) -> dt.date:
        assert self.params.alliance.start is not None  # checked when the programme is loaded
        return self.params.alliance.start


@dataclass(frozen=True)
class Programme:
    """A loaded programme file and its alliances, in file-name order."""

    path: Path
    spec: ProgrammeSpec
    members: tuple[Member, ...]


def _alliance_files(path: Path, spec: ProgrammeSpec, data: Any) -> tuple[list[Path], list[Problem]]:
    """The alliance files the programme names (programme files skipped), and the globs that
    match none."""
    base = path.parent
    problems: list[Problem] = []
    found: dict[Path, Path] = {}
    patterns = spec.alliances if spec.alliances is not None else ["*.yaml"]
    for i, pattern in enumerate(patterns):
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        hits = [Path(p) for p in sorted(glob.glob(full, recursive=True))]
        hits = [p for p in hits if p.is_file() and p.resolve() != path.resolve() and not is_programme_file(p)]
        if not hits:
            if spec.alliances is None:
                problems.append(Problem(path, line_of(data, ("programme",)), "programme.alliances", f"no alliance files beside the programme file in {base}; list them under alliances"))
            else:
                loc = ("programme", "alliances", i)
                problems.append(Problem(path, line_of(data, loc), f"programme.alliances[{i}]", f"{pattern!r} matches no alliance file (globs are relative to {base})"))
        for p in hits:
            found.setdefault(p.resolve(), p)
    return list(found.values()), problems


def load_programme(path: str | Path) -> Programme:
    """Read a programme file and every alliance it names.

    Raises
    ------
    ParamsError
        with every problem found, each naming its file and field: the programme file's own
        (unknown key, bad currency or rate, a glob matching no file, a currency without a rate)
        and its alliances' (a file that does not validate, one without ``alliance.start``).
    """
    path = Path(path)
    data: Any = read_yaml(path)
    if data is not None and not isinstance(data, dict):
        raise ParamsError([Problem(path, 1, "(top level)", "expected a mapping with one key, programme")])
    spec: ProgrammeSpec = parse_params(data, path, ProgrammeFile).programme
    section: Any = (data or {}).get("programme") or {}  # the raw section, for line numbers
    files, problems = _alliance_files(path, spec, data)
    members: list[Member] = []
    for file in files:
        try:
            alliance_data = read_yaml(file)
            params: Params = parse_params(alliance_data, file)
        except ParamsError as exc:
            problems += exc.problems
            continue
        if params.alliance.start is None:
            problems.append(
                Problem(
                    file,
                    line_of(alliance_data, ("alliance",)),
                    "alliance.start",
                    f"the programme {path} places every alliance on the calendar: give the date month 1 starts (e.g. start: 2026-01-01)",
                )
            )
            continue
        code = params.alliance.currency
        if code == spec.currency:
            rate = 1.0
        elif code in spec.rates:
            rate = spec.rates[code]
        else:
            loc = ("programme", "rates") if "rates" in section else ("programme",)
            problems.append(
                Problem(
                    path,
                    line_of(data, loc),
                    "programme.rates",
                    f"no rate for {code}, the currency of {file}: add {code}: <what 1 {code} is worth in {spec.currency}> under rates",
                )
            )
            continue
        members.append(Member(file, params, rate))
    own = spec.rates.get(spec.currency)
    if own is not None and own != 1:
        problems.append(Problem(path, line_of(data, ("programme", "rates", spec.currency)), f"programme.rates.{spec.currency}", f"{spec.currency} is the reporting currency: its rate is 1, got {own:g}"))
    if problems:
        raise ParamsError(sorted(problems, key=lambda p: (str(p.path) != str(path), str(p.path), p.line or 0, p.field)))
    return Programme(path, spec, tuple(sorted(members, key=lambda m: str(m.path))))


# --------------------------------------------------------------------------------------------
# The calendar axis


def month_index(day: dt.date) -> int:
    """Months since January of year 0: consecutive calendar months are consecutive numbers."""
    return day.year * 12 + day.month - 1


def month_label(index: int) -> str:
    """A :func:`month_index` as ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_words(label: str | None, none: str = "never") -> str:
    """A ``YYYY-MM`` month in words, "Mar 2027" (``none`` for ``None``)."""
    if label is None:
        return none
    return dt.date.fromisoformat(f"{label}-01").strftime("%b %Y")


def _monthly_discount(annual: float) -> float:
    """The monthly rate equivalent to ``annual`` (as :func:`workbook.ramp.discount_factors`)."""
    return float((1 + annual) ** (1 / 12) - 1)


@dataclass(frozen=True)
class Contribution:
    """One alliance's part of the programme; money in the reporting currency, months as
    :func:`month_index` numbers."""

    member: Member
    first: int  # its month 1 on the calendar axis
    months: int  # its horizon
    net: np.ndarray  # by model month, converted
    revenue: np.ndarray
    committed: np.ndarray  # investment within the commitment, by model month (0 after it)
    cumulative_net_at_end: float
    peak_funding_need: float
    break_even_month: int | None  # calendar (month_index)
    commitment_end: int  # calendar month of the commitment's last month
    commitment_ends_before_break_even: bool
    npv: float  # discounted to the programme's first month
    long_run_npv: float  # likewise
    #: the alliance's simulated cumulative nets (runs × months, converted); ``None`` without ranges
    curves: np.ndarray | None = None

    @property
    def committed_spend(self) -> float:
        return float(self.committed.sum())


@dataclass(frozen=True)
class Choice:
    """Which alliances to fund: their indexes (into the programme's contributions), and how."""

    funded: tuple[int, ...]
    method: str  # "exact" or "greedy"


@dataclass(frozen=True)
class ProgrammeResult:
    """The programme combined; money in ``currency``, months as :func:`month_index` numbers."""

    name: str
    currency: str
    first: int
    net: np.ndarray  # combined, by calendar month from ``first``
    cumulative_net: np.ndarray
    peak_funding_need: float
    peak_funding_month: int | None
    first_break_even_month: int | None
    break_even_month: int | None
    npv: float
    long_run_npv: float
    spend_by_year: dict[int, float]
    budget: Budget
    contributions: tuple[Contribution, ...]
    choice: Choice
    band: Band | None = None

    @property
    def last(self) -> int:
        return self.first + len(self.net) - 1

    @property
    def committed_spend(self) -> float:
        return float(sum(self.spend_by_year.values()))

    @property
    def years_over_cap(self) -> list[int]:
        cap = self.budget.yearly_cap
        return [] if cap is None else [y for y, spend in sorted(self.spend_by_year.items()) if spend > cap + 1e-6]

    @property
    def over_total(self) -> bool:
        return self.budget.total is not None and self.committed_spend > self.budget.total + 1e-6


def _contribution(member: Member, first: int) -> Contribution:
    from .ramp import monte_carlo, run

    r = member.params.ramp
    plan = run(r)
    mc = monte_carlo(r)
    # without ranges every run is the plan: no band (as the alliance's own summary gives no chance)
    simulated = mc.curves if mc.p_break_even_within_commitment is not None else None
    m = plan.metrics
    h = r.horizon_months
    start = month_index(member.start)
    rate = member.rate
    committed = np.array(plan.columns["investment"], dtype=float) * rate
    committed[min(r.commitment_months, h) :] = 0.0
    cumulative = np.array(plan.columns["cumulative_net"], dtype=float) * rate
    to_programme = (1 + _monthly_discount(r.discount_rate)) ** -(start - first)
    be = m.break_even_month
    return Contribution(
        member=member,
        first=start,
        months=h,
        net=np.array(plan.columns["net"], dtype=float) * rate,
        revenue=np.array(plan.columns["revenue"], dtype=float) * rate,
        committed=committed,
        cumulative_net_at_end=float(cumulative[-1]),
        peak_funding_need=float(max(0.0, -cumulative.min())),
        break_even_month=None if be is None else start + be - 1,
        commitment_end=start + r.commitment_months - 1,
        commitment_ends_before_break_even=m.pays_back_after_commitment,
        npv=m.npv * rate * to_programme,
        long_run_npv=m.long_run_npv * rate * to_programme,
        curves=None if simulated is None else np.asarray(simulated, dtype=float) * rate,
    )


@dataclass(frozen=True)
class Band:
    """The Monte Carlo band of the programme's cumulative net, by calendar month from the
    programme's first: P10, P50 and P90 over ``runs`` combined draws, and, for comparison, the sum
    of the alliances' own P10s and P90s (what the band would be if every alliance did equally badly
    or well at once)."""

    runs: int
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    p10_together: np.ndarray
    p90_together: np.ndarray


@dataclass(frozen=True)
class Simulated:
    """One alliance's simulation, ready to add into the programme's draws: its monthly nets by
    draw (runs × its months, converted) and its own P10 and P90 cumulative net by month."""

    monthly: np.ndarray
    p10: np.ndarray
    p90: np.ndarray

    @property
    def runs(self) -> int:
        return int(self.monthly.shape[0])


def simulated(c: Contribution) -> Simulated | None:
    """``c``'s draws as the band adds them up (``None`` when the alliance gives no ranges)."""
    if c.curves is None:
        return None
    return Simulated(np.diff(c.curves, axis=1, prepend=0.0), np.percentile(c.curves, 10, axis=0), np.percentile(c.curves, 90, axis=0))


def combined_band(parts: Sequence[Contribution], first: int, length: int, sims: Sequence[Simulated | None] | None = None) -> Band | None:
    """Combine the alliances' simulations into the programme's band (``None`` when no alliance
    gives uncertainty ranges). Draw *i* of the programme adds up draw *i* of every alliance (an
    alliance with fewer runs repeats its own in turn; one without ranges adds its plan): the
    alliances' draws are independent, because each alliance's simulation draws its own inputs
    from its own ranges with its own seed, and the model has no common factor (a market, a
    shared team) that would move them together. ``sims``: each part's :func:`simulated`, when
    already made (a dashboard recombining subsets makes them once)."""
    if sims is None:
        sims = [simulated(c) for c in parts]
    runs = max((s.runs for s in sims if s is not None), default=0)
    if runs == 0:
        return None
    nets = np.zeros((runs, length))
    low_together, high_together = np.zeros(length), np.zeros(length)
    for c, sim in zip(parts, sims, strict=True):
        at = c.first - first
        if sim is None:
            nets[:, at : at + c.months] += c.net
            mine = np.cumsum(c.net)
            low, high = mine, mine
        else:
            nets[:, at : at + c.months] += sim.monthly if sim.runs == runs else sim.monthly[np.arange(runs) % sim.runs]
            low, high = sim.p10, sim.p90
        # an alliance's cumulative net stays at its last value after its own months
        low_together[at : at + c.months] += low
        high_together[at : at + c.months] += high
        low_together[at + c.months :] += low[-1]
        high_together[at + c.months :] += high[-1]
    cumulative = np.cumsum(nets, axis=1)
    p10, p50, p90 = np.percentile(cumulative, [10, 50, 90], axis=0)
    return Band(runs, p10, p50, p90, low_together, high_together)


@dataclass(frozen=True)
class Prepared:
    """A programme's alliances modelled once (each plan and simulation run, converted and placed
    on the calendar), so that any set of them is combined again in milliseconds
    (:func:`recombine`): what the programme dashboard redraws from as alliances are ticked in
    and out and the budget moves. Months as :func:`month_index` numbers; the calendar runs from
    the earliest start of all the alliances to the last month any of them models."""

    name: str
    currency: str
    budget: Budget
    first: int
    length: int
    contributions: tuple[Contribution, ...]
    sims: tuple[Simulated | None, ...]
    spends: tuple[dict[int, float], ...]


def prepare(programme: Programme) -> Prepared:
    """Model every alliance of ``programme`` once (see :class:`Prepared`)."""
    first = min(month_index(m.start) for m in programme.members)
    parts = tuple(_contribution(m, first) for m in programme.members)
    return Prepared(
        name=programme.spec.name,
        currency=programme.spec.currency,
        budget=programme.spec.budget,
        first=first,
        length=max(c.first - first + c.months for c in parts),
        contributions=parts,
        sims=tuple(simulated(c) for c in parts),
        spends=tuple(_spend_by_year(c) for c in parts),
    )


def recombine(prepared: Prepared, included: Sequence[int] | None = None, budget: Budget | None = None) -> ProgrammeResult:
    """The programme of the alliances ``included`` (indexes into ``prepared.contributions``;
    ``None``: all of them) against ``budget`` (``None``: the programme file's).

    The calendar and the discounting stay the whole programme's: an alliance left out adds
    nothing in any month, so the months run from the earliest start of all the alliances, and
    every alliance's NPV and long-run value is the one the whole programme gives it (discounted
    to the whole programme's first month). The J-curve's figures (peak funding need, both
    break-evens, the cumulative net at the end, the band) are therefore those of a programme file
    naming only the alliances included; months before or after theirs add 0. The result's
    ``contributions`` (and its choice's indexes) are the alliances included, in file order.
    """
    from .ramp import crossings

    keep = list(range(len(prepared.contributions))) if included is None else sorted(set(included))
    parts = tuple(prepared.contributions[i] for i in keep)
    spends = [prepared.spends[i] for i in keep]
    first, length = prepared.first, prepared.length
    net, revenue = np.zeros(length), np.zeros(length)
    spend: dict[int, float] = {}
    for c, by_year in zip(parts, spends, strict=True):
        at = c.first - first
        net[at : at + c.months] += c.net
        revenue[at : at + c.months] += c.revenue
        for year, amount in by_year.items():
            spend[year] = spend.get(year, 0.0) + amount
    cumulative = np.cumsum(net)
    _, first_even, stays = crossings(revenue[None, :], cumulative[None, :])
    deepest = int(np.argmin(cumulative))
    need = float(max(0.0, -cumulative[deepest]))

    def calendar(value: float) -> int | None:
        return None if np.isnan(value) else first + int(value) - 1

    budget = prepared.budget if budget is None else budget
    return ProgrammeResult(
        name=prepared.name,
        currency=prepared.currency,
        first=first,
        net=net,
        cumulative_net=cumulative,
        peak_funding_need=need,
        peak_funding_month=first + deepest if need > 0 else None,
        first_break_even_month=calendar(first_even[0]),
        break_even_month=calendar(stays[0]),
        npv=float(sum(c.npv for c in parts)),
        long_run_npv=float(sum(c.long_run_npv for c in parts)),
        spend_by_year={y: spend[y] for y in sorted(spend)},
        budget=budget,
        contributions=parts,
        choice=choose([c.long_run_npv for c in parts], spends, budget),
        band=combined_band(parts, first, length, [prepared.sims[i] for i in keep]),
    )


def combine(programme: Programme) -> ProgrammeResult:
    """Combine the programme's alliances on one calendar axis (see the module's docstring and
    the README's rules): the combined J-curve, its peak funding need and break-even, the
    discounted values, committed spend by year, and which alliances to fund within the budget.
    The same arithmetic as the dashboard's: :func:`recombine` of every alliance."""
    return recombine(prepare(programme))


# --------------------------------------------------------------------------------------------
# Which alliances to fund


def _spend_by_year(c: Contribution) -> dict[int, float]:
    out: dict[int, float] = {}
    for k, amount in enumerate(c.committed):
        if amount:
            out[(c.first + k) // 12] = out.get((c.first + k) // 12, 0.0) + float(amount)
    return out


def fits(chosen: Sequence[int], spends: Sequence[dict[int, float]], budget: Budget) -> bool:
    """Whether the alliances ``chosen`` (indexes into ``spends``, each its committed spend by
    year) keep within ``budget``: the total, and every calendar year's cap (a cent of slack)."""
    if budget.total is not None and sum(sum(spends[i].values()) for i in chosen) > budget.total + 1e-6:
        return False
    if budget.yearly_cap is not None:
        years: dict[int, float] = {}
        for i in chosen:
            for y, amount in spends[i].items():
                years[y] = years.get(y, 0.0) + amount
        if any(v > budget.yearly_cap + 1e-6 for v in years.values()):
            return False
    return True


def choose(values: Sequence[float], spends: Sequence[dict[int, float]], budget: Budget) -> Choice:
    """The alliances to fund: the set of greatest total long-run value (``values``) whose
    committed spend (``spends``, by year) keeps within the budget's total and yearly cap.

    An alliance whose value is not positive is never funded (it could only lower the total).
    Up to :data:`EXACT_LIMIT` candidates the choice is exact: a depth-first branch and bound over
    fund / do not fund, most valuable first, cutting a branch as soon as it overspends or cannot
    beat the best set found even at its bound — for each limit (the total, each year's cap) what
    the alliances left could add if they could be funded in part, best value per unit of that
    limit first (the fractional knapsack bound); the least of those bounds. Beyond, greedy: candidates in
    order of value per unit of committed spend (spending nothing first), each funded if it still
    fits. Ties keep the earlier alliance (file-name order).
    """
    candidates = [i for i, v in enumerate(values) if v > 0]
    if len(candidates) > EXACT_LIMIT:
        def density(i: int) -> float:
            cost = sum(spends[i].values())
            return float("inf") if cost <= 0 else values[i] / cost

        # running totals, added in the order fits() adds them: the same sums, without a pass
        # over every alliance chosen so far for each candidate
        chosen: list[int] = []
        total = 0.0
        years: dict[int, float] = {}
        for i in sorted(candidates, key=lambda i: (-density(i), i)):
            new_total = total + sum(spends[i].values())
            if budget.total is not None and new_total > budget.total + 1e-6:
                continue
            if budget.yearly_cap is not None and any(years.get(y, 0.0) + a > budget.yearly_cap + 1e-6 for y, a in spends[i].items()):
                continue
            chosen.append(i)
            total = new_total
            for y, a in spends[i].items():
                years[y] = years.get(y, 0.0) + a
        return Choice(tuple(sorted(chosen)), "greedy")
    order = sorted(candidates, key=lambda i: (-values[i], i))
    rank = {i: k for k, i in enumerate(order)}
    rest = [sum(values[i] for i in order[k:]) for k in range(len(order) + 1)]
    # one row per limit: its capacity and each alliance's weight on it (the total; each year's cap)
    limits: list[tuple[float, list[float]]] = []
    if budget.total is not None:
        limits.append((budget.total + 1e-6, [sum(spends[i].values()) if i in rank else 0.0 for i in range(len(values))]))
    if budget.yearly_cap is not None:
        for year in sorted({y for i in candidates for y in spends[i]}):
            limits.append((budget.yearly_cap + 1e-6, [spends[i].get(year, 0.0) if i in rank else 0.0 for i in range(len(values))]))

    def densest_first(weights: list[float]) -> list[int]:
        return sorted(candidates, key=lambda i: (-(values[i] / weights[i]) if weights[i] > 0 else -math.inf, i))

    by_density = [densest_first(w) for _, w in limits]
    best: list[int] = []
    best_value = 0.0

    def bound(k: int, used: list[float]) -> float:
        """The most the alliances from ``order[k]`` on could add: for each limit, as if they
        could be funded in part (the fractional knapsack bound), the least of those."""
        least = rest[k]
        for (cap, w), ranked, spent in zip(limits, by_density, used):
            room, total = cap - spent, 0.0
            for i in ranked:
                if rank[i] < k:
                    continue
                if w[i] <= room:
                    room -= w[i]
                    total += values[i]
                else:
                    total += values[i] * room / w[i]
                    break
            least = min(least, total)
        return least

    def search(k: int, chosen: list[int], value: float, used: list[float]) -> None:
        nonlocal best, best_value
        if value > best_value + 1e-9:
            best, best_value = list(chosen), value
        if k == len(order) or value + bound(k, used) <= best_value + 1e-9:
            return
        i = order[k]
        taken = [u + w[i] for u, (_, w) in zip(used, limits)]
        if all(t <= cap for t, (cap, _) in zip(taken, limits)):
            search(k + 1, [*chosen, i], value + values[i], taken)
        search(k + 1, chosen, value, used)

    search(0, [], 0.0, [0.0] * len(limits))
    return Choice(tuple(sorted(best)), "exact")


def brute_force(values: Sequence[float], spends: Sequence[dict[int, float]], budget: Budget) -> float:
    """The greatest total value of any subset that fits the budget, trying every subset (for
    checking :func:`choose` on small programmes)."""
    best = 0.0
    n = len(values)
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            if fits(subset, spends, budget):
                best = max(best, sum(values[i] for i in subset))
    return best


# --------------------------------------------------------------------------------------------
# The JSON object


def as_json(result: ProgrammeResult) -> dict[str, Any]:
    """The ``workbook programme --json`` object: money rounded to the reporting currency's minor
    unit, months as ``YYYY-MM`` (``None`` where there is none)."""
    code = result.currency

    def money(value: float) -> float | int | None:
        return round_money(value, code)

    def month(index: int | None) -> str | None:
        return None if index is None else month_label(index)

    parts = result.contributions
    funded = set(result.choice.funded)
    best_unconstrained = sum(c.long_run_npv for c in parts if c.long_run_npv > 0)
    kept = sum(parts[i].long_run_npv for i in funded)
    budget = result.budget
    band = result.band
    return {
        "programme": result.name,
        "currency": code,
        "first_month": month_label(result.first),
        "last_month": month_label(result.last),
        "peak_funding_need": money(result.peak_funding_need),
        "peak_funding_month": month(result.peak_funding_month),
        "first_break_even_month": month(result.first_break_even_month),
        "break_even_month": month(result.break_even_month),
        "cumulative_net_at_end": money(float(result.cumulative_net[-1])),
        "npv": money(result.npv),
        "long_run_npv": money(result.long_run_npv),
        "discounted_to": month_label(result.first),
        "committed_spend": money(result.committed_spend),
        "spend_by_year": {str(y): money(v) for y, v in result.spend_by_year.items()},
        "budget_total": None if budget.total is None else money(budget.total),
        "yearly_cap": None if budget.yearly_cap is None else money(budget.yearly_cap),
        "over_budget": result.over_total or bool(result.years_over_cap),
        "over_total_budget": result.over_total,
        "years_over_cap": [str(y) for y in result.years_over_cap],
        "commitment_ends_before_break_even": [str(c.member.path) for c in parts if c.commitment_ends_before_break_even],
        "funded": [str(parts[i].member.path) for i in sorted(funded)],
        "not_funded": [str(c.member.path) for i, c in enumerate(parts) if i not in funded],
        "funding_method": result.choice.method,
        "value_lost_by_cut": money(best_unconstrained - kept),
        "alliances": [
            {
                "file": str(c.member.path),
                "name": c.member.params.alliance.name,
                "currency": c.member.params.alliance.currency,
                "rate": c.member.rate,
                "start": month_label(c.first),
                "months": c.months,
                "end": month_label(c.first + c.months - 1),
                "cumulative_net_at_end": money(c.cumulative_net_at_end),
                "peak_funding_need": money(c.peak_funding_need),
                "break_even_month": month(c.break_even_month),
                "commitment_end": month_label(c.commitment_end),
                "commitment_ends_before_break_even": c.commitment_ends_before_break_even,
                "committed_spend": money(c.committed_spend),
                "npv": money(c.npv),
                "long_run_npv": money(c.long_run_npv),
                "funded": i in funded,
            }
            for i, c in enumerate(parts)
        ],
        "monthly": [
            {"month": month_label(result.first + k), "net": money(float(n)), "cumulative_net": money(float(cum))}
            for k, (n, cum) in enumerate(zip(result.net, result.cumulative_net))
        ],
        "band": None if band is None else {
            "runs": band.runs,
            "independent": True,
            "p10_at_end": money(float(band.p10[-1])),
            "p50_at_end": money(float(band.p50[-1])),
            "p90_at_end": money(float(band.p90[-1])),
            "p10_together_at_end": money(float(band.p10_together[-1])),
            "p90_together_at_end": money(float(band.p90_together[-1])),
            "monthly": [
                {"month": month_label(result.first + k), "p10": money(float(a)), "p50": money(float(b)), "p90": money(float(c))}
                for k, (a, b, c) in enumerate(zip(band.p10, band.p50, band.p90))
            ],
        },
    }


def summarise_programme(path: str | Path) -> dict[str, Any]:
    """:func:`as_json` of the programme file at ``path`` (raises :class:`ParamsError`)."""
    return as_json(combine(load_programme(path)))


__all__ = [
    "DEFAULT_PATH",
    "EXACT_LIMIT",
    "Band",
    "Budget",
    "Choice",
    "Contribution",
    "Member",
    "Prepared",
    "Programme",
    "ProgrammeFile",
    "ProgrammeResult",
    "ProgrammeSpec",
    "as_json",
    "brute_force",
    "choose",
    "combine",
    "combined_band",
    "fits",
    "load_programme",
    "month_index",
    "month_label",
    "month_words",
    "prepare",
    "recombine",
    "simulated",
    "Simulated",
    "summarise_programme",
]
