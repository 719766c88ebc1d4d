"""Bilateral trust: how far each side trusts the other, principle by principle.

Each respondent rates the *other* organisation on the items of ``workbook/instruments/trust.yaml``
from 1 to 5. Scoring, in order:

1. "Don't know" (null or omitted) is left out, never scored as zero. Reverse-scored items
   count as ``6 − x``.
2. A respondent's score on a principle is the mean of the items of it they answered; a side's
   mean is the mean of its respondents' scores, its spread the sample standard deviation
   across them, ``n`` the respondents who answered at least one item.
3. Components weigh equally. Within a component every principle of the twelve weighs the same,
   however many items of the component it has, and so does every item of the component that
   belongs to no principle (the four core competence items). A respondent's component score is
   the mean, over these units they answered, of their mean on the unit's items: competence is
   the mean of principle 3's delivery item and the four core competence items, a fifth each;
   intentions the mean over principles 1–12 of their intentions items. A side's component mean
   is the mean of its respondents' component scores.
4. Index (0–100) = ``(mean − 1) / 4 × 100``. A side's trust index is the mean of its
   competence and intentions indices. The *vendor* index is the vendor side's trust in the
   partner; the *partner* index the partner side's trust in the vendor. The combined index is
   the mean of the two side indices, so the bigger delegation does not outweigh the other.
5. Asymmetry = vendor index − partner index (sign kept: positive means the vendor trusts the
   partner more than the partner trusts the vendor). Per principle, the asymmetry (kept in the
   ``gap`` column) is ``mean_vendor − mean_partner`` and ``abs_gap`` its size: the vendor's
   trust in the partner against the partner's trust in the vendor on that principle.
6. Anonymity: where fewer than ``trust.min_respondents`` (default 3) respondents of a side
   answered (a principle, a component, anything), those figures are hidden as NaN and marked
   ``suppressed``; asymmetries involving them are NaN too.
7. Cronbach's alpha per component (competence, intentions), per side and pooled:
   ``α = k/(k−1) · (1 − Σ var_item / var_total)`` over the component's k items. It uses the
   respondents who answered at least 80 % of the component's items, a "don't know" taking that
   respondent's own mean on the items they did answer; it is shown only from
   :data:`ALPHA_MIN_RESPONDENTS` (10) such respondents — below that one person can swing it
   anywhere, even below zero — and otherwise reads "too few answers".
8. The mirror (optional ``self_answers``: respondents rating their *own* organisation on the
   same items, scored as in 1–2). Per principle and side A, the self-view is A's mean rating of
   itself and the seen-view B's mean rating of A (B's row of the principle table); the
   self-other gap is ``self − seen`` (sign kept: positive means A rates itself above how B
   sees it). Each mean follows rule 6 (fewer than ``min_respondents`` of a side: hidden, and
   the gap is NaN). A gap of at least :data:`BLIND_SPOT` (1 point) is a blind spot; from
   :data:`WIDE_BLIND_SPOT` (2 points) a high one. Files without self answers score exactly as
   before; the mirror is then empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from .flags import Flag, past
from .instruments import TRUST, TRUST_ITEMS, Component
from .schema import Trust
from .text import count

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SIDES: tuple[str, str] = ("vendor", "partner")
COMPONENTS: tuple[Component, Component] = ("competence", "intentions")

#: A principle whose side mean is below this (1–5 scale) is flagged; below ``VERY_LOW_PRINCIPLE`` high.
LOW_PRINCIPLE = 3.0
VERY_LOW_PRINCIPLE = 2.0
#: A perception gap of at least this many points (1–5 scale) is flagged; from ``VERY_WIDE_GAP`` high.
WIDE_GAP = 1.0
VERY_WIDE_GAP = 2.0
#: A side rating itself at least this many points (1–5 scale) above how the other side rates it
#: on a principle has a blind spot there (flagged); from ``WIDE_BLIND_SPOT`` high.
BLIND_SPOT = 1.0
WIDE_BLIND_SPOT = 2.0
#: Competence and intentions indices this far apart (0–100) on a side are flagged.
MISMATCH_POINTS = 20.0
#: A side index that fell this far (0–100) since the previous assessment is flagged.
FALL_POINTS = 10.0
#: Alpha is shown only from this many respondents who answered enough of a component ...
ALPHA_MIN_RESPONDENTS = 10
#: ... that is, at least this share of its items.
ALPHA_MIN_ANSWERED = 0.8

_OTHER = {"vendor": "partner", "partner": "vendor"}

SCORE_COLUMNS = ["respondent", "side", "item", "principle", "component", "answer", "score"]
PRINCIPLE_COLUMNS = ["principle", "label", "side", "mean", "sd", "n", "suppressed"]
ALPHA_COLUMNS = ["group", "component", "k", "n_used", "alpha", "reading"]
HISTORY_COLUMNS = ["date", "side", "index", "current"]
MIRROR_COLUMNS = ["principle", "label", "side", "self_mean", "self_sd", "self_n", "seen_mean", "seen_sd", "seen_n", "gap"]

#: Numbers, one per respondent (or item).
FloatArray = npt.NDArray[np.float64]


def to_index(mean: float) -> float:
    """A 1–5 mean as a 0–100 index: ``(mean − 1) / 4 × 100`` (NaN stays NaN)."""
    return (mean - 1.0) / 4.0 * 100.0


@dataclass(frozen=True)
class TrustResult:
    """The scored assessment.

    scores : one row per answered item (respondent, side, item, principle, component, answer, score).
    principles : long table, one row per principle × side: ``principle`` (key "1"–"12" or
        "competence"), ``label``, ``side``, ``mean`` and ``sd`` (1–5), ``n``, ``suppressed``.
    gaps : one row per principle: vendor/partner mean and n, ``gap`` (the asymmetry, vendor −
        partner, signed) and ``abs_gap`` (points on the 1–5 scale; NaN where a side is
        suppressed or missing).
    indices : one row per side (``vendor``, ``partner``, ``combined``): ``index``,
        ``competence``, ``intentions`` (0–100), ``n``, ``suppressed``.
    alpha : Cronbach's alpha per group (vendor, partner, all) × component, with ``k`` items,
        ``n_used`` respondents and a plain-words ``reading``; NaN where there are too few.
    trust_index : the combined index (0–100), ``None`` when a side is missing or suppressed.
    asymmetry : vendor index − partner index (points, signed), ``None`` likewise.
    max_perception_gap : the widest absolute gap (1–5 points), ``None`` when no gap can be shown.
    min_respondents : the suppression threshold used.
    mirror : the self-other gaps (rule 8), one row per principle × side whose self-view it is:
        ``self_mean``/``self_sd``/``self_n`` (the side rating itself), ``seen_mean``/``seen_sd``/
        ``seen_n`` (the other side rating it) and ``gap`` (self − seen, signed; NaN where either
        is hidden). Empty when nobody gave self answers.
    max_self_other_gap : the largest ``gap`` of the mirror (signed: how far a side rates itself
        above how it is seen at most), ``None`` when no gap can be shown.
    history : each side's index (0–100) over the assessments, oldest first, two rows (``vendor``,
        ``partner``) an assessment: ``date`` (timestamp), ``side``, ``index`` (NaN where the side
        was hidden) and ``current`` (True for this assessment). The earlier results are
        ``trust.history`` then ``trust.previous`` as written; this assessment comes last, and
        only when ``trust.date`` dates it.
    """

    scores: pd.DataFrame
    principles: pd.DataFrame
    gaps: pd.DataFrame
    indices: pd.DataFrame
    alpha: pd.DataFrame
    trust_index: float | None
    asymmetry: float | None
    max_perception_gap: float | None
    min_respondents: int
    previous_vendor_index: float | None = None
    previous_partner_index: float | None = None
    mirror: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MIRROR_COLUMNS))
    max_self_other_gap: float | None = None
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HISTORY_COLUMNS))

    @property
    def has_mirror(self) -> bool:
        """Whether anyone rated their own organisation."""
        return len(self.mirror) > 0


@dataclass(frozen=True)
class _MirrorRow:
    """A row of :attr:`TrustResult.mirror`."""

    principle: str
    label: str
    side: str
    self_mean: float
    self_n: int
    seen_mean: float
    seen_n: int
    gap: float


@dataclass(frozen=True)
class _PrincipleRow:
    """A row of :attr:`TrustResult.principles`."""

    principle: str
    label: str
    side: str
    mean: float
    sd: float
    n: int
    suppressed: bool


@dataclass(frozen=True)
class _GapRow:
    """The columns of :attr:`TrustResult.gaps` the findings read."""

    principle: str
    label: str
    vendor_mean: float
    partner_mean: float
    gap: float
    abs_gap: float


@dataclass(frozen=True)
class _IndexRow:
    """A row of :attr:`TrustResult.indices`."""

    side: str
    index: float
    competence: float
    intentions: float
    n: int
    suppressed: bool


_Row = TypeVar("_Row", bound="DataclassInstance")


def _rows(frame: pd.DataFrame, kind: type[_Row]) -> list[_Row]:
    """``frame``'s rows as ``kind`` (a dataclass whose fields name some of its columns)."""
    names = [f.name for f in fields(kind)]
    return [kind(*values) for values in frame[names].itertuples(index=False, name=None)]


def score_table(trust: Trust, own: bool = False) -> pd.DataFrame:
    """One row per answered item, with reverse-scored items already turned round (``6 − x``).

    ``own``: the respondents' ratings of their own organisation (``self_answers``) instead; the
    ``side`` column is still the respondent's side (here the side being rated)."""
    top = TRUST.scale.max + TRUST.scale.min
    rows = []
    for r in trust.respondents:
        for item_id, answer in (r.self_answers if own else r.answers).items():
            if answer is None:
                continue
            item = TRUST_ITEMS[item_id]
            score = float(top - answer if item.reverse else answer)
            rows.append((r.id, r.side, item_id, item.principle_key, item.component, answer, score))
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


@dataclass(frozen=True)
class _Answers:
    """The scores as a respondents × items matrix: respondents in id order (the order every
    mean over respondents adds them in), items as the score table names them, NaN where a
    respondent did not answer."""

    sides: npt.NDArray[np.str_]  # per respondent
    principles: list[str]  # per item
    components: list[str]  # per item
    items: list[str]
    matrix: FloatArray

    @classmethod
    def of(cls, scores: pd.DataFrame) -> _Answers:
        respondents = sorted(set(scores["respondent"].tolist()))
        rows = {rid: i for i, rid in enumerate(respondents)}
        columns: dict[str, int] = {}
        sides = [""] * len(respondents)
        principles: list[str] = []
        components: list[str] = []
        found = []
        for rid, side, item, principle, component, score in zip(
            *(scores[name].tolist() for name in ("respondent", "side", "item", "principle", "component", "score"))
        ):
            if item not in columns:
                columns[item] = len(columns)
                principles.append(principle)
                components.append(component)
            sides[rows[rid]] = side
            found.append((rows[rid], columns[item], score))
        matrix = np.full((len(respondents), len(columns)), np.nan)
        if found:
            i, j, values = zip(*found)
            matrix[list(i), list(j)] = values
        return cls(np.array(sides, dtype=str), principles, components, list(columns), matrix)

    def of_side(self, side: str) -> npt.NDArray[np.bool_]:
        mine: npt.NDArray[np.bool_] = self.sides == side
        return mine

    def items_of(self, principle: str | None = None, component: str | None = None) -> npt.NDArray[np.bool_]:
        """Which items (columns) belong to ``principle`` and ``component`` (either, both, or all)."""
        return np.array(
            [(principle is None or p == principle) and (component is None or c == component) for p, c in zip(self.principles, self.components)],
            dtype=bool,
        )

    def mean_of(self, items: npt.NDArray[np.bool_]) -> FloatArray:
        """Each respondent's mean on ``items``, NaN for one who answered none of them."""
        return _row_means(self.matrix[:, items])


def _row_means(values: FloatArray) -> FloatArray:
    """The mean of each row's numbers, leaving out NaN; NaN for a row with none."""
    answered = ~np.isnan(values)
    counts = answered.sum(axis=1)
    sums = np.where(answered, values, 0.0).sum(axis=1)
    out: FloatArray = np.divide(sums, counts, out=np.full(len(counts), np.nan), where=counts > 0)
    return out


def _side_stats(per_respondent: FloatArray, minimum: int) -> tuple[float, float, int, bool]:
    """Mean, sd, n and suppressed flag of respondent-level scores of one side (NaN: no score)."""
    values = per_respondent[~np.isnan(per_respondent)]
    n = len(values)
    if n < minimum:
        return math.nan, math.nan, n, True
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    return float(values.mean()), sd, n, False


def _principle_table(answers: _Answers, minimum: int) -> pd.DataFrame:
    rows = []
    for key in TRUST.principle_keys:
        per_respondent = answers.mean_of(answers.items_of(principle=key))
        for side in SIDES:
            mean, sd, n, suppressed = _side_stats(per_respondent[answers.of_side(side)], minimum)
            rows.append((key, TRUST.principle_label(key), side, mean, sd, n, suppressed))
    return pd.DataFrame(rows, columns=PRINCIPLE_COLUMNS)


def principle_table(scores: pd.DataFrame, minimum: int = 3) -> pd.DataFrame:
    """Per principle and side: mean, sd (1–5), n and the suppression marker (see :class:`TrustResult`)."""
    return _principle_table(_Answers.of(scores), minimum)


def gap_table(principles: pd.DataFrame) -> pd.DataFrame:
    """Per principle: both sides' means and n, the signed gap (vendor − partner) and its size."""
    keys = TRUST.principle_keys
    out = pd.DataFrame({"principle": keys, "label": [TRUST.principle_label(k) for k in keys]})
    rows = {(p, s): i for i, (p, s) in enumerate(zip(principles["principle"].tolist(), principles["side"].tolist()))}
    for side in SIDES:
        at = [rows[(k, side)] for k in keys]
        out[f"{side}_mean"] = principles["mean"].to_numpy(dtype=float)[at]
        out[f"{side}_sd"] = principles["sd"].to_numpy(dtype=float)[at]
        out[f"{side}_n"] = principles["n"].to_numpy(dtype=int)[at]
    out["gap"] = out["vendor_mean"] - out["partner_mean"]
    out["abs_gap"] = out["gap"].abs()
    return out


#: The "principle" key of the statements that belong to no principle of the twelve (the four core
#: competence statements): each such statement weighs as much as a whole principle in its component.
NO_PRINCIPLE = "competence"


def _component_units(answers: _Answers, comp: Component) -> list[npt.NDArray[np.bool_]]:
    """The items of component ``comp`` in its equally weighted units (rule 3): one unit per
    principle of the twelve with items of ``comp`` (its items together), and one unit per
    statement of ``comp`` that belongs to no principle."""
    keys = sorted({p for p, c in zip(answers.principles, answers.components) if c == comp and p != NO_PRINCIPLE})
    units = [answers.items_of(principle=key, component=comp) for key in keys]
    for j, (p, c) in enumerate(zip(answers.principles, answers.components)):
        if c == comp and p == NO_PRINCIPLE:
            unit = np.zeros(len(answers.items), dtype=bool)
            unit[j] = True
            units.append(unit)
    return units


def _component_scores(answers: _Answers) -> dict[Component, FloatArray]:
    """Per component, each respondent's score (1–5; NaN for one who answered none of its items):
    the mean over the component's units (:func:`_component_units`) the respondent answered of
    their mean on the unit's items."""
    out: dict[Component, FloatArray] = {}
    for comp in COMPONENTS:
        by_unit = [answers.mean_of(unit) for unit in _component_units(answers, comp)]
        out[comp] = _row_means(np.column_stack(by_unit)) if by_unit else np.full(len(answers.sides), np.nan)
    return out


def component_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent and component: ``side`` and ``score`` (1–5), the mean over the
    component's principles of the respondent's mean on that principle's items of the component."""
    answers = _Answers.of(scores)
    respondents = sorted(set(scores["respondent"].tolist()))
    rows = [
        {"respondent": rid, "side": side, "component": comp, "score": float(values[i])}
        for i, (rid, side) in enumerate(zip(respondents, answers.sides.tolist()))
        for comp, values in _component_scores(answers).items()
        if not math.isnan(values[i])
    ]
    return pd.DataFrame(rows, columns=["respondent", "side", "component", "score"])


def _index_table(answers: _Answers, minimum: int) -> pd.DataFrame:
    comps = _component_scores(answers)
    rows: list[_IndexRow] = []
    for side in SIDES:
        mine = answers.of_side(side)
        n = int(mine.sum())
        suppressed = n < minimum
        index: dict[Component, float] = {}
        for comp in COMPONENTS:
            mean, _, _, hidden = _side_stats(comps[comp][mine], minimum)
            index[comp] = math.nan if suppressed or hidden else to_index(mean)
        overall = (index["competence"] + index["intentions"]) / 2  # NaN if either is
        rows.append(_IndexRow(side, overall, index["competence"], index["intentions"], n, suppressed))
    v, p = rows
    rows.append(
        _IndexRow(
            "combined",
            (v.index + p.index) / 2,  # NaN if either is
            (v.competence + p.competence) / 2,
            (v.intentions + p.intentions) / 2,
            v.n + p.n,
            v.suppressed or p.suppressed,
        )
    )
    return pd.DataFrame(rows)


def index_table(scores: pd.DataFrame, minimum: int = 3) -> pd.DataFrame:
    """Trust indices (0–100) per side — overall, competence, intentions — and combined.

    Overall is the mean of the competence and intentions indices (see the module docstring).
    """
    return _index_table(_Answers.of(scores), minimum)


def cronbach_alpha(matrix: npt.ArrayLike) -> float:
    """Cronbach's alpha of a respondents × items matrix with no gaps.

    ``α = k/(k−1) · (1 − Σ var_item / var_total)`` (domain notes §4.7); NaN with fewer than
    3 respondents or 2 items, or when the totals do not vary.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] < 3 or m.shape[1] < 2:
        return math.nan
    k = m.shape[1]
    total_var = m.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return math.nan
    return float(k / (k - 1) * (1 - m.var(axis=0, ddof=1).sum() / total_var))


def alpha_reading(alpha: float, n_used: int) -> str:
    """What an alpha means for the reader, in plain words."""
    if math.isnan(alpha):
        if n_used >= ALPHA_MIN_RESPONDENTS:
            return "not computable: everyone answered alike"
        return f"too few answers ({n_used} of the {ALPHA_MIN_RESPONDENTS} respondents needed)"
    if alpha >= 0.8:
        return "consistent: the statements measure one thing"
    if alpha >= 0.7:
        return "acceptable: the statements mostly agree"
    if alpha >= 0.0:
        return "weak: the statements disagree, so read the principles one by one"
    return "the statements pull against each other: check that people read the reversed ones right"


def _alpha_table(answers: _Answers) -> pd.DataFrame:
    column = {item: j for j, item in enumerate(answers.items)}
    rows = []
    for group in (*SIDES, "all"):
        members = np.ones(len(answers.sides), dtype=bool) if group == "all" else answers.of_side(group)
        for comp in COMPONENTS:
            items = [i.id for i in TRUST.items if i.component == comp]
            answered_any = ~np.isnan(answers.matrix[:, answers.items_of(component=comp)]).all(axis=1)
            wide = np.full((int((members & answered_any).sum()), len(items)), np.nan)
            for j, item in enumerate(items):
                if item in column:
                    wide[:, j] = answers.matrix[members & answered_any, column[item]]
            enough = (~np.isnan(wide)).sum(axis=1) >= ALPHA_MIN_ANSWERED * len(items)
            used = wide[enough]
            filled = np.where(np.isnan(used), _row_means(used)[:, None], used)  # a don't-know takes the respondent's own mean
            n_used = len(filled)
            alpha = cronbach_alpha(filled) if n_used >= ALPHA_MIN_RESPONDENTS else math.nan
            rows.append((group, comp, len(items), n_used, alpha, alpha_reading(alpha, n_used)))
    return pd.DataFrame(rows, columns=ALPHA_COLUMNS)


def alpha_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Cronbach's alpha per group (vendor, partner, all) and component (rules in the module docstring)."""
    return _alpha_table(_Answers.of(scores))


def mirror_table(principles: pd.DataFrame, self_principles: pd.DataFrame) -> pd.DataFrame:
    """The self-other gaps (rule 8 of the module docstring): per principle and side, the side's
    view of itself (from ``self_principles``, :func:`principle_table` of the self answers) against
    the other side's view of it (from ``principles``, the ratings of the other organisation)."""
    def lookup(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float, int]]:
        return {
            (p, side): (float(m), float(sd), int(n))
            for p, side, m, sd, n in zip(*(frame[c].tolist() for c in ("principle", "side", "mean", "sd", "n")))
        }

    seen, own = lookup(principles), lookup(self_principles)
    rows = []
    for key in TRUST.principle_keys:
        for side in SIDES:
            s_mean, s_sd, s_n = own[(key, side)]
            o_mean, o_sd, o_n = seen[(key, _OTHER[side])]  # the other side's rating of this side
            rows.append((key, TRUST.principle_label(key), side, s_mean, s_sd, s_n, o_mean, o_sd, o_n, s_mean - o_mean))
    return pd.DataFrame(rows, columns=MIRROR_COLUMNS)


def _none_if_nan(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _history(trust: Trust, indices: pd.DataFrame) -> pd.DataFrame:
    """:attr:`TrustResult.history`: the earlier results as written, then this assessment's
    ``indices`` when ``trust.date`` dates it."""
    rows: list[tuple[pd.Timestamp, str, float, bool]] = []
    for earlier in trust.earlier:
        for side, value in zip(SIDES, (earlier.vendor_index, earlier.partner_index)):
            rows.append((pd.Timestamp(earlier.date), side, math.nan if value is None else float(value), False))
    if trust.date is not None:
        now = dict(zip(indices["side"].tolist(), indices["index"].tolist()))
        rows += [(pd.Timestamp(trust.date), side, float(now[side]), True) for side in SIDES]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS).astype({"index": float, "current": bool})


def analyse(trust: Trust) -> TrustResult:
    """Score a bilateral trust assessment (see the module docstring for every rule)."""
    minimum = trust.min_respondents
    scores = score_table(trust)
    answers = _Answers.of(scores)
    principles = _principle_table(answers, minimum)
    gaps = gap_table(principles)
    indices = _index_table(answers, minimum)
    by_side = dict(zip(indices["side"].tolist(), indices["index"].tolist()))
    sizes = gaps["abs_gap"].to_numpy(dtype=float)
    gap_max = float(sizes[~np.isnan(sizes)].max()) if not np.isnan(sizes).all() else math.nan
    previous = trust.latest_earlier
    own = score_table(trust, own=True)
    if len(own):
        mirror = mirror_table(principles, _principle_table(_Answers.of(own), minimum))
        self_gaps = mirror["gap"].to_numpy(dtype=float)
        self_max = float(self_gaps[~np.isnan(self_gaps)].max()) if not np.isnan(self_gaps).all() else math.nan
    else:
        mirror, self_max = pd.DataFrame(columns=MIRROR_COLUMNS), math.nan
    return TrustResult(
        scores=scores,
        principles=principles,
        gaps=gaps,
        indices=indices,
        alpha=_alpha_table(answers),
        trust_index=_none_if_nan(by_side["combined"]),
        asymmetry=_none_if_nan(by_side["vendor"] - by_side["partner"]),
        max_perception_gap=_none_if_nan(gap_max),
        min_respondents=minimum,
        previous_vendor_index=previous.vendor_index if previous else None,
        previous_partner_index=previous.partner_index if previous else None,
        mirror=mirror,
        max_self_other_gap=_none_if_nan(self_max),
        history=_history(trust, indices),
    )


def widest_gap(result: TrustResult) -> tuple[str, float] | None:
    """The principle label with the widest asymmetry and its size (points), or ``None``."""
    gaps = [row for row in _rows(result.gaps, _GapRow) if not math.isnan(row.abs_gap)]
    if not gaps:
        return None
    widest = max(gaps, key=lambda row: row.abs_gap)  # the first of equals, in principle order
    return widest.label, float(widest.abs_gap)


def _who(side: str) -> str:
    return f"{side.capitalize()} respondents' trust in the {_OTHER[side]}"


def flags(trust: Trust | TrustResult) -> list[Flag]:
    """Trust findings (area ``trust``).

    Codes (the subject in brackets; one flag each): ``low_trust_principle`` [side:principle] (a
    side's mean below 3; high below 2), ``wide_perception_gap`` [principle] (the two sides'
    trust in each other on a principle ≥ 1 point apart — an asymmetry; high from 2),
    ``competence_intentions_mismatch`` [side] (indices ≥ 20 points apart),
    ``trust_falling`` [side] (index ≥ 10 points below the previous assessment),
    ``trust_suppressed`` [side] (too few respondents to show), ``blind_spot`` [side:principle] (a
    side rating itself ≥ 1 point above how the other side rates it; high from 2).
    """
    result = trust if isinstance(trust, TrustResult) else analyse(trust)
    out: list[Flag] = []
    for row in _rows(result.principles, _PrincipleRow):
        if not row.suppressed and row.mean < LOW_PRINCIPLE:
            out.append(
                Flag(
                    "low_trust_principle",
                    "high" if row.mean < VERY_LOW_PRINCIPLE else "medium",
                    f"{_who(row.side)} is low on {row.label}: {row.mean:.1f} of 5 (n = {row.n}).",
                    "trust",
                    f"Ask the {row.side} side what the {_OTHER[row.side]} would have to do differently on this, and agree one visible step.",
                    subject=f"{row.side}:{row.principle}",
                    size=past(row.mean, LOW_PRINCIPLE),
                )
            )
    for gap in _rows(result.gaps, _GapRow):
        if gap.abs_gap >= WIDE_GAP:  # False for NaN: a suppressed side shows no gap
            more = "vendor" if gap.gap > 0 else "partner"
            out.append(
                Flag(
                    "wide_perception_gap",
                    "high" if gap.abs_gap >= VERY_WIDE_GAP else "medium",
                    f"Trust is asymmetric on {gap.label}: the vendor side rates the partner {gap.vendor_mean:.1f} of 5, "
                    f"the partner side rates the vendor {gap.partner_mean:.1f}; the {more} trusts more than it is trusted.",
                    "trust",
                    "Put this principle on the next joint agenda and hear each side's examples before deciding anything.",
                    subject=gap.principle,
                    size=past(gap.abs_gap, WIDE_GAP),
                )
            )
    for m in _rows(result.mirror, _MirrorRow):
        # rounded before comparing, so a gap worked out by hand as exactly 2 (4.6 − 2.6) is 2 here too
        apart = round(m.gap, 9)
        if apart >= BLIND_SPOT:  # False for NaN: a hidden view shows no gap
            other = _OTHER[m.side]
            out.append(
                Flag(
                    "blind_spot",
                    "high" if apart >= WIDE_BLIND_SPOT else "medium",
                    f"Blind spot on {m.label}: the {m.side} side rates itself {m.self_mean:.1f} of 5 (n = {m.self_n}), "
                    f"the {other} side rates the {m.side} {m.seen_mean:.1f} (n = {m.seen_n}): {m.gap:.1f} points apart.",
                    "trust",
                    f"Ask the {other} side for concrete examples on this principle and let the {m.side} side listen before it explains.",
                    subject=f"{m.side}:{m.principle}",
                    size=past(m.gap, BLIND_SPOT),
                )
            )
    indices = {row.side: row for row in _rows(result.indices, _IndexRow)}
    for side in SIDES:
        index = indices[side]
        if index.suppressed:
            continue
        diff = index.competence - index.intentions
        if not math.isnan(diff) and abs(diff) >= MISMATCH_POINTS:
            by_component = {"competence": index.competence, "intentions": index.intentions}
            more, less = ("competence", "intentions") if diff > 0 else ("intentions", "competence")
            out.append(
                Flag(
                    "competence_intentions_mismatch",
                    "medium",
                    f"{_who(side)} rests on its {more} ({by_component[more]:.0f}) far more than its {less} ({by_component[less]:.0f}).",
                    "trust",
                    "Work on the weaker component explicitly: "
                    + ("show intentions through open communication and shared credit." if less == "intentions" else "show competence through delivery and skills."),
                    subject=side,
                    size=past(abs(diff), MISMATCH_POINTS),
                )
            )
    previous = {"vendor": result.previous_vendor_index, "partner": result.previous_partner_index}
    for side in SIDES:
        before, after = previous[side], indices[side].index
        if before is not None and not math.isnan(after) and before - after >= FALL_POINTS:
            out.append(
                Flag(
                    "trust_falling",
                    "high",
                    f"{_who(side)} fell from {before:.0f} to {after:.0f} on the survey's trust index since the last assessment.",
                    "trust",
                    "Find the change behind the fall (people, resources, policy) and address it with the other side now.",
                    subject=side,
                    size=past(before - after, FALL_POINTS),
                )
            )
        if indices[side].suppressed:
            out.append(
                Flag(
                    "trust_suppressed",
                    "low",
                    f"Only {count(indices[side].n, side + ' respondent')} answered; their figures are hidden to keep answers anonymous.",
                    "trust",
                    f"Ask at least {result.min_respondents} people on the {side} side to take part.",
                    subject=side,
                )
            )
    return out


__all__ = [
    "ALPHA_MIN_RESPONDENTS",
    "BLIND_SPOT",
    "WIDE_BLIND_SPOT",
    "mirror_table",
    "TrustResult",
    "alpha_reading",
    "alpha_table",
    "component_scores",
    "analyse",
    "cronbach_alpha",
    "flags",
    "gap_table",
    "index_table",
    "principle_table",
    "score_table",
    "to_index",
    "widest_gap",
]
