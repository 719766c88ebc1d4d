"""Charts of the instruments: trust dumbbell and quadrant, scoping readiness, the partner's
non-sales value as a waterfall, and the health timeline.

Every builder takes the tidy tables of the domain modules and returns an Altair chart whose
title states the finding. Text from params files (names, notes) travels only as data —
tooltips and axis labels that Vega renders as text — never as markup.
"""

from __future__ import annotations

import math
import textwrap

import altair as alt
import pandas as pd

from ..currency import DEFAULT as DEFAULT_CURRENCY
from ..currency import currency
from ..instruments import TRUST
from ..scoping import LOW_GROUP
from ..signals import CHECK_IN_TRUST, MIN_CREDIT_SHARE, AttributedCredit, PartnerCredit, partner_credit
from ..text import count
from ..trust import BLIND_SPOT, MISMATCH_POINTS, WIDE_GAP
from .theme import (
    BAD,
    DATE,
    GOOD,
    MONEY,
    MONEY_EXACT,
    NEUTRAL,
    PALETTE,
    PARTNER,
    VENDOR,
    described,
    in_currency,
    layered,
    present_scale,
    vconcat,
)

SIDE_LABELS = {"vendor": "Vendor's trust in the partner", "partner": "Partner's trust in the vendor"}
SIDE_COLOURS = [VENDOR, PARTNER]
SIDE_SHAPE_LIST = ["circle", "diamond"]
STATUS_ORDER = ["agreed", "draft", "missing"]
STATUS_COLOURS = [GOOD, PALETTE["yellow"], BAD]


# --------------------------------------------------------------------------------------------
# trust


def trust_dumbbell_title(gaps: pd.DataFrame) -> str:
    """E.g. "Widest asymmetry: Enlightened self-interest (2.3 points)": the principle on which the
    vendor's trust in the partner and the partner's trust in the vendor are furthest apart."""
    shown = gaps.dropna(subset=["abs_gap"])
    if shown.empty:
        return "No asymmetry to show: too few respondents on a side"
    row = shown.iloc[int(shown["abs_gap"].to_numpy().argmax())]
    return f"Widest asymmetry: {row['label']} ({row['abs_gap']:.1f} points)"


def _connector(lines: pd.DataFrame, y: alt.Y, ends: tuple[str, str], marked: str, gap_title: str) -> alt.Chart:
    """The line joining two means (1–5) of each principle: vermillion and thicker where the
    boolean column ``marked`` is true; its tooltip names the principle and the gap (``gap_text``)."""
    line: alt.Chart = (
        alt.Chart(lines)
        .mark_rule()
        .encode(
            y=y,
            x=alt.X(f"{ends[0]}:Q", scale=alt.Scale(domain=[1, 5]), title="Mean score (1 = strongly disagree, 5 = strongly agree)"),
            x2=alt.X2(f"{ends[1]}:Q"),
            color=alt.condition(f"datum.{marked}", alt.value(BAD), alt.value(NEUTRAL)),
            strokeWidth=alt.condition(f"datum.{marked}", alt.value(4), alt.value(2)),
            tooltip=[alt.Tooltip("label:N", title="Principle"), alt.Tooltip("gap_text:N", title=gap_title)],
        )
    )
    return line


def trust_dumbbell(gaps: pd.DataFrame) -> alt.LayerChart:
    """Each principle's mean (1–5) for both sides joined by a line; gaps of 1 point or more in
    vermillion and thicker.

    ``gaps`` is :attr:`workbook.trust.TrustResult.gaps`. Suppressed means are left out.
    """
    order = [TRUST.principle_label(k) for k in TRUST.principle_keys]
    points = pd.concat(
        [
            pd.DataFrame(
                {
                    "label": gaps["label"],
                    "side": SIDE_LABELS[side],
                    "mean": gaps[f"{side}_mean"],
                    "sd": gaps[f"{side}_sd"],
                    "n": gaps[f"{side}_n"],
                }
            )
            for side in ("vendor", "partner")
        ],
        ignore_index=True,
    ).dropna(subset=["mean"])
    lines = gaps.dropna(subset=["abs_gap"]).assign(
        wide=lambda d: d["abs_gap"] >= WIDE_GAP,
        gap_text=lambda d: d["gap"].map(lambda g: f"{g:+.1f}"),
    )[["label", "vendor_mean", "partner_mean", "abs_gap", "gap_text", "wide"]]
    y = alt.Y("label:N", sort=order, title=None)
    x_scale = alt.Scale(domain=[1, 5])
    connector = _connector(lines, y, ("vendor_mean", "partner_mean"), "wide", "Asymmetry (vendor − partner)")
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, size=110, opacity=1)
        .encode(
            y=y,
            x=alt.X("mean:Q", scale=x_scale),
            # a side hidden for anonymity has no entry in the legend
            color=alt.Color("side:N", scale=present_scale(list(SIDE_LABELS.values()), SIDE_COLOURS, points["side"]), legend=alt.Legend(title=None)),
            shape=alt.Shape("side:N", scale=present_scale(list(SIDE_LABELS.values()), SIDE_SHAPE_LIST, points["side"]), legend=None),
            tooltip=[
                alt.Tooltip("label:N", title="Principle"),
                alt.Tooltip("side:N", title="Who"),
                alt.Tooltip("mean:Q", title="Mean", format=".2f"),
                alt.Tooltip("sd:Q", title="Spread (sd)", format=".2f"),
                alt.Tooltip("n:Q", title="Respondents"),
            ],
        )
    )
    chart = layered(connector, dots, title=trust_dumbbell_title(gaps), height=alt.Step(24))
    title = trust_dumbbell_title(gaps)
    wide = lines[lines["wide"]]
    words = f"{title}."
    if len(lines):
        words += f" {count(len(wide), 'principle')} of {len(lines)} compared differ by {WIDE_GAP:g} point or more between the two sides."
    return described(chart, words)


def trust_quadrant_title(indices: pd.DataFrame) -> str:
    """Names the side whose competence and intentions indices are furthest apart."""
    sides = indices[indices["side"].isin(["vendor", "partner"])].dropna(subset=["competence", "intentions"])
    if sides.empty:
        return "Competence and intentions: not enough answers to show yet"
    diff = (sides["competence"] - sides["intentions"]).abs()
    row = sides.iloc[int(diff.to_numpy().argmax())]
    other = "vendor" if row["side"] == "partner" else "partner"
    if abs(row["competence"] - row["intentions"]) < MISMATCH_POINTS:
        if len(sides) == 1:  # the other side is hidden (too few answers): say nothing of it
            return f"The {row['side']}'s trust in the {other}'s competence and intentions move together ({other}'s view hidden: too few answers)"
        return "Trust in competence and in intentions move together on both sides"
    more, less = ("competence", "intentions") if row["competence"] > row["intentions"] else ("intentions", "competence")
    return (
        f"The {row['side']} trusts the {other}'s {more} ({row[more]:.0f}) far more than its {less} ({row[less]:.0f})"
    )


def trust_quadrant(indices: pd.DataFrame) -> alt.LayerChart:
    """Each side's trust in the other: competence (x) against intentions (y), both 0–100, with
    the midlines at 50 splitting the four quadrants. ``indices`` is ``TrustResult.indices``."""
    pts = indices[indices["side"].isin(["vendor", "partner"])].dropna(subset=["competence", "intentions"]).copy()
    pts["who"] = pts["side"].map(SIDE_LABELS)
    scale = alt.Scale(domain=[0, 100])
    mid = pd.DataFrame({"v": [50.0]})
    quadrants = pd.DataFrame(
        {
            "x": [2, 98, 2, 98],
            "y": [98, 98, 2, 2],
            "text": ["Good intentions, doubtful ability", "Trusted", "Little trust", "Able, but intentions doubted"],
            "align": ["left", "right", "left", "right"],
        }
    )
    vline = alt.Chart(mid).mark_rule(color=NEUTRAL, strokeDash=[4, 3]).encode(x=alt.X("v:Q", scale=scale))
    hline = alt.Chart(mid).mark_rule(color=NEUTRAL, strokeDash=[4, 3]).encode(y=alt.Y("v:Q", scale=scale))
    corner_text = [
        alt.Chart(quadrants[quadrants["align"] == a])
        .mark_text(align=a, baseline="middle", color=NEUTRAL, fontSize=11)
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), text=alt.Text("text:N"))
        for a in ("left", "right")
    ]
    dots = (
        alt.Chart(pts)
        .mark_point(filled=True, size=220, opacity=1)
        .encode(
            x=alt.X("competence:Q", scale=scale, title="Trust in competence (0–100)"),
            y=alt.Y("intentions:Q", scale=scale, title="Trust in intentions (0–100)"),
            color=alt.Color("who:N", scale=present_scale(list(SIDE_LABELS.values()), SIDE_COLOURS, pts["who"]), legend=alt.Legend(title=None)),
            shape=alt.Shape("who:N", scale=present_scale(list(SIDE_LABELS.values()), SIDE_SHAPE_LIST, pts["who"]), legend=None),
            tooltip=[
                alt.Tooltip("who:N", title="Who"),
                alt.Tooltip("competence:Q", title="Competence", format=".0f"),
                alt.Tooltip("intentions:Q", title="Intentions", format=".0f"),
                alt.Tooltip("n:Q", title="Respondents"),
            ],
        )
    )
    # the square is 360 px wide: a long finding wraps rather than running past the chart's edge
    lines = textwrap.wrap(trust_quadrant_title(indices), 48)
    chart = layered(vline, hline, *corner_text, dots, title=lines if len(lines) > 1 else lines[0], width=360, height=360)
    where = "; ".join(f"{r.who}: competence {r.competence:.0f}, intentions {r.intentions:.0f} of 100" for r in pts.itertuples())
    return described(chart, f"{trust_quadrant_title(indices)}." + (f" {where}." if where else ""))


def trust_history_title(history: pd.DataFrame) -> str:
    """How each side's trust index moved from its first shown assessment to its last, e.g.
    "Vendor's trust in the partner fell from 74 to 58; partner's trust in the vendor rose from 60
    to 66 (3 assessments)". ``history`` is :attr:`workbook.trust.TrustResult.history`."""
    parts: list[str] = []
    for side, label in SIDE_LABELS.items():
        shown = history[(history["side"] == side)].dropna(subset=["index"])
        who = label if not parts else label[:1].lower() + label[1:]
        if len(shown) < 2:
            parts.append(f"{who}: {'one assessment' if len(shown) else 'no assessment'} shown")
            continue
        first, last = round(float(shown["index"].iloc[0])), round(float(shown["index"].iloc[-1]))
        verb = "fell" if last < first else "rose" if last > first else "held"
        parts.append(f"{who} {verb} from {first} to {last}" if verb != "held" else f"{who} held at {last}")
    return "; ".join(parts) + f" ({count(history['date'].nunique(), 'assessment')})"


def trust_history(history: pd.DataFrame) -> alt.LayerChart:
    """Each side's survey trust index (0–100, y) at each assessment (x, dated), one line a side;
    a side hidden at an assessment (too few respondents) has no point there. ``history`` is
    :attr:`workbook.trust.TrustResult.history`."""
    pts = history.dropna(subset=["index"]).copy()
    pts["who"] = pts["side"].map(SIDE_LABELS)
    pts["assessment"] = pts["current"].map({True: "this assessment", False: "earlier"})
    colour = alt.Color("who:N", scale=present_scale(list(SIDE_LABELS.values()), SIDE_COLOURS, pts["who"]), legend=alt.Legend(title=None, orient="bottom"))
    days = sorted(pd.Timestamp(d) for d in history["date"].unique())
    # a tick on each assessment while they fit; more than six, the axis picks its own
    ticks = [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in days] if len(days) <= 6 else alt.Undefined
    x = alt.X("date:T", title="Assessment", axis=alt.Axis(format=DATE, labelAngle=0, values=ticks, tickCount=6))
    y = alt.Y("index:Q", scale=alt.Scale(domain=[0, 100]), title="Trust index (0–100)")
    base = alt.Chart(pts).encode(x=x, y=y, color=colour)
    lines = base.mark_line(strokeWidth=2)
    dots = base.mark_point(filled=True, size=70, opacity=1).encode(
        shape=alt.Shape("who:N", scale=present_scale(list(SIDE_LABELS.values()), SIDE_SHAPE_LIST, pts["who"]), legend=None),
        tooltip=[
            alt.Tooltip("who:N", title="Whose trust"),
            alt.Tooltip("date:T", title="Assessment", format=DATE),
            alt.Tooltip("index:Q", title="Index", format=".0f"),
            alt.Tooltip("assessment:N", title="Which"),
        ],
    )
    title = trust_history_title(history)
    lines_of_title = textwrap.wrap(title, 60)
    chart = layered(lines, dots, title=lines_of_title if len(lines_of_title) > 1 else title, width=360, height=160)
    where = "; ".join(f"{who} {index:.0f} on {_date(pd.Timestamp(day))}" for who, index, day in zip(pts["who"], pts["index"], pts["date"]))
    return described(chart, f"{title}." + (f" {where}." if where else ""))


#: Who gives a view in the mirror chart: colour and shape follow the respondents' side.
MIRROR_WHO = {"vendor": "Vendor respondents", "partner": "Partner respondents"}
_OTHER_SIDE = {"vendor": "partner", "partner": "vendor"}


def trust_mirror_title(mirror: pd.DataFrame) -> str:
    """Names the largest blind spot (a side rating itself at least 1 point above how the other
    side sees it), says there is none, or why there is nothing to compare yet."""
    shown = mirror.dropna(subset=["gap"])
    if shown.empty:
        return "The mirror: not enough self-ratings and ratings by the other side to compare yet"
    row = shown.iloc[int(shown["gap"].to_numpy().argmax())]
    if round(float(row["gap"]), 9) < BLIND_SPOT:
        return (
            f"No blind spot: no side rates itself {BLIND_SPOT:g} point or more above how the other side sees it "
            f"(largest gap {row['gap']:+.1f} points, the {row['side']} on {row['label']})"
        )
    return (
        f"Largest blind spot: the {row['side']} on {row['label']} — it rates itself "
        f"{row['gap']:.1f} points above how the {_OTHER_SIDE[str(row['side'])]} sees it"
    )


def _mirror_panel(mirror: pd.DataFrame, side: str, order: list[str]) -> alt.LayerChart:
    """One side's mirror: per principle, its own view of itself and the other side's view of it."""
    rows = mirror[mirror["side"] == side]
    other = _OTHER_SIDE[side]
    views = [(MIRROR_WHO[side], f"How the {side} sees itself", "self"), (MIRROR_WHO[other], f"How the {other} sees the {side}", "seen")]
    points = pd.concat(
        [
            pd.DataFrame({"label": rows["label"], "who": who, "view": view, "mean": rows[f"{key}_mean"], "n": rows[f"{key}_n"]})
            for who, view, key in views
        ],
        ignore_index=True,
    ).dropna(subset=["mean"])
    lines = rows.dropna(subset=["gap"]).assign(
        blind=lambda d: d["gap"].round(9) >= BLIND_SPOT,
        gap_text=lambda d: d["gap"].map(lambda g: f"{g:+.1f}"),
    )[["label", "self_mean", "seen_mean", "gap_text", "blind"]]
    y = alt.Y("label:N", sort=order, title=None, scale=alt.Scale(domain=order), axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(domain=[1, 5])
    connector = _connector(lines, y, ("self_mean", "seen_mean"), "blind", f"Self-view − {other}'s view")
    who = list(MIRROR_WHO.values())
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, size=110, opacity=1)
        .encode(
            y=y,
            x=alt.X("mean:Q", scale=x_scale),
            color=alt.Color("who:N", scale=alt.Scale(domain=who, range=SIDE_COLOURS), legend=alt.Legend(title=None)),
            shape=alt.Shape("who:N", scale=alt.Scale(domain=who, range=SIDE_SHAPE_LIST), legend=None),
            tooltip=[
                alt.Tooltip("label:N", title="Principle"),
                alt.Tooltip("view:N", title="View"),
                alt.Tooltip("mean:Q", title="Mean", format=".2f"),
                alt.Tooltip("n:Q", title="Respondents"),
            ],
        )
    )
    return layered(connector, dots, title=f"The {side}: how it sees itself and how the {other} sees it", height=alt.Step(20))


def trust_mirror(mirror: pd.DataFrame) -> alt.VConcatChart:
    """The mirror, one panel per side: on each principle, the side's rating of itself against
    the other side's rating of it (1–5), joined by a line; a blind spot (self-view at least
    :data:`~workbook.trust.BLIND_SPOT` above) in vermillion and thicker. Colour and shape say whose
    view a dot is (vendor respondents blue circles, partner respondents orange diamonds).

    ``mirror`` is :attr:`workbook.trust.TrustResult.mirror`; hidden views are left out.
    """
    order = [TRUST.principle_label(k) for k in TRUST.principle_keys]
    title = trust_mirror_title(mirror)
    chart = vconcat(
        _mirror_panel(mirror, "vendor", order),
        _mirror_panel(mirror, "partner", order),
        spacing=28,
        title=alt.TitleParams(textwrap.wrap(title, 80), offset=12),
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="shared", shape="shared")),
    )
    shown = mirror.dropna(subset=["gap"])
    blind = shown[shown["gap"].round(9) >= BLIND_SPOT]
    words = f"{title}."
    if len(shown):
        words += (
            f" {count(len(blind), 'principle-and-side pair')} of {len(shown)} compared show a side rating itself "
            f"{BLIND_SPOT:g} point or more above how the other side sees it."
        )
    return described(chart, words)


# --------------------------------------------------------------------------------------------
# scoping


def readiness_title(groups: pd.DataFrame, overall: float | None = None) -> str:
    """E.g. "Readiness 62 of 100 — weakest: Resources and commitment (25)"."""
    shown = groups.dropna(subset=["readiness"])
    head = f"Readiness {overall:.0f} of 100" if overall is not None and not math.isnan(overall) else "Readiness by group"
    if shown.empty:
        return head
    weakest = shown.iloc[int(shown["readiness"].to_numpy().argmin())]
    if weakest["readiness"] >= LOW_GROUP:
        return f"{head} — no group below {LOW_GROUP:.0f}"
    return f"{head} — weakest: {weakest['group_label']} ({weakest['readiness']:.0f})"


def readiness_chart(groups: pd.DataFrame, overall: float | None = None) -> alt.LayerChart:
    """Share of each group's weight agreed / draft / missing (stacked bars) with the group's
    readiness (0–100) printed at the end. ``groups`` is ``ScopingResult.groups``."""
    order = list(groups["group_label"])
    long = groups.melt(id_vars=["group_label", "readiness"], value_vars=STATUS_ORDER, var_name="status", value_name="share")
    long["status_order"] = long["status"].map(STATUS_ORDER.index)
    y = alt.Y("group_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("share:Q", stack="zero", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", title="Share of the group's weight")),
            color=alt.Color("status:N", scale=present_scale(STATUS_ORDER, STATUS_COLOURS, long.loc[long["share"] > 0, "status"]), legend=alt.Legend(title=None)),
            order=alt.Order("status_order:Q"),
            tooltip=[
                alt.Tooltip("group_label:N", title="Group"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("share:Q", title="Share of weight", format=".0%"),
                alt.Tooltip("readiness:Q", title="Readiness", format=".0f"),
            ],
        )
    )
    scores = groups[["group_label", "readiness"]].assign(text=lambda d: d["readiness"].map(lambda r: "" if math.isnan(r) else f"{r:.0f}"))
    labels = alt.Chart(scores).mark_text(align="left", dx=6, fontSize=12).encode(y=y, x=alt.XValue(640), text=alt.Text("text:N"))
    chart = layered(bars, labels, title=readiness_title(groups, overall), height=alt.Step(28))
    scored = "; ".join(f"{label} {score:.0f}" for label, score in zip(groups["group_label"], groups["readiness"]) if not math.isnan(score))
    return described(chart, f"{readiness_title(groups, overall)}." + (f" Readiness by group, of 100: {scored}." if scored else ""))


# --------------------------------------------------------------------------------------------
# value


def value_title(breakdown: pd.DataFrame, code: str = DEFAULT_CURRENCY) -> str:
    """Compares the total direct cost with the margin, rounded, in currency ``code``."""
    direct = float(breakdown.loc[breakdown["kind"] == "direct_cost", "amount"].sum())
    margin = float(breakdown.loc[breakdown["kind"] == "margin", "amount"].sum())
    money = currency(code).short
    if direct > margin:
        return f"Going direct would cost {money(direct)} a year, more than the {money(margin)} margin it saves"
    return f"Going direct would cost {money(direct)} a year, less than the {money(margin)} margin it saves"


def _unique_labels(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def value_waterfall(breakdown: pd.DataFrame, code: str = DEFAULT_CURRENCY) -> alt.LayerChart:
    """The direct-cost items stacked up one after another to their total, next to the margin
    paid to the partner. ``breakdown`` is :func:`workbook.value.breakdown`'s table; amounts
    in currency ``code``."""
    costs = breakdown[breakdown["kind"] == "direct_cost"]
    end = costs["amount"].cumsum()
    steps = pd.DataFrame(
        {
            "label": costs["label"],
            "start": end - costs["amount"],
            "end": end,
            "amount": costs["amount"],
            "basis": costs["basis"],
            "kind": "Work the partner does today",
        }
    )
    total = float(costs["amount"].sum())
    margin = float(breakdown.loc[breakdown["kind"] == "margin", "amount"].sum())
    totals = pd.DataFrame(
        [
            {"label": "Total cost of going direct", "start": 0.0, "end": total, "amount": total, "basis": "sum of the above", "kind": "Total"},
            {
                "label": "Margin paid to the partner",
                "start": 0.0,
                "end": margin,
                "amount": margin,
                "basis": ", ".join(breakdown.loc[breakdown["kind"] == "margin", "basis"]),
                "kind": "Margin saved by going direct",
            },
        ]
    )
    df = pd.concat([steps, totals], ignore_index=True)
    df["label"] = _unique_labels(list(df["label"]))  # same-named items (params text) stay separate bars
    df["position"] = range(len(df))  # sort by a number, so params text stays in the data only
    kinds = ["Work the partner does today", "Total", "Margin saved by going direct"]
    kind_colours = [PARTNER, BAD if total > margin else NEUTRAL, VENDOR]
    x = alt.X("label:N", sort=alt.EncodingSortField(field="position", op="min"), title=None, axis=alt.Axis(labelAngle=-35, labelLimit=220))
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("start:Q", title=f"Per year ({code})", axis=alt.Axis(format=MONEY)),
            y2=alt.Y2("end:Q"),
            color=alt.Color("kind:N", scale=present_scale(kinds, kind_colours, df["kind"]), legend=alt.Legend(title=None)),
            tooltip=[
                alt.Tooltip("label:N", title="Item"),
                alt.Tooltip("amount:Q", title="Per year", format=MONEY_EXACT),
                alt.Tooltip("basis:N", title="How"),
            ],
        )
    )
    margin_rule = alt.Chart(pd.DataFrame({"margin": [margin]})).mark_rule(color=VENDOR, strokeDash=[5, 3], size=2).encode(y=alt.Y("margin:Q"))
    chart = layered(bars, margin_rule, title=value_title(breakdown, code), width=alt.Step(56))
    words = f"{value_title(breakdown, code)}."
    if len(costs):
        biggest = costs.iloc[int(costs["amount"].to_numpy().argmax())]
        words += f" The largest item is {biggest['label']} at {currency(code)(float(biggest['amount']))} a year."
    return described(in_currency(chart, code), words)


# --------------------------------------------------------------------------------------------
# health


def health_title(timeline: pd.DataFrame, credit: PartnerCredit | AttributedCredit | None = None) -> str:
    """The trust trend and partner credit: ``credit`` when given (:func:`workbook.signals.credit_of`,
    which falls back on the actuals), else the share of the check-ins' wins that credited the partner."""
    parts = []
    trust = timeline["trust_index"].dropna()
    if len(trust) >= 2:
        first, last = float(trust.iloc[0]), float(trust.iloc[-1])
        verb = "fell" if last < first else "rose" if last > first else "held"
        what = CHECK_IN_TRUST[:1].upper() + CHECK_IN_TRUST[1:]
        parts.append(f"{what} {verb} from {first:.0f} to {last:.0f}" if verb != "held" else f"{what} held at {last:.0f}")
    credit = credit if credit is not None else partner_credit(timeline)
    if credit is not None:
        parts.append(credit.words())
    changes = int(timeline["manager_changed"].sum())
    if changes:
        parts.append(count(changes, "alliance-manager change"))
    return "; ".join(parts) if parts else "Health check-ins"


def health_timeline(
    timeline: pd.DataFrame, events: pd.DataFrame, credit: PartnerCredit | AttributedCredit | None = None
) -> alt.VConcatChart:
    """Four panels on one date axis: the narrative's sentiment at each check-in, the change
    events and alliance-manager handovers and vacancies (notes and names as tooltips), the
    check-in trust score (0–100, typed at each check-in; not the trust survey's index), and the share of the partner's wins that credited it against the 50 % line.

    ``timeline`` and ``events`` are :func:`workbook.signals.timeline` and
    :func:`workbook.signals.event_table`; ``credit`` is partner credit as the title gives it
    (:func:`workbook.signals.credit_of`; the check-ins' own without it).
    """
    t = timeline.copy()
    start, stop = t["date"].min(), t["date"].max()
    pad = pd.Timedelta(days=20)
    x_scale = alt.Scale(domain=[(start - pad).isoformat(), (stop + pad).isoformat()])
    months = (stop.year - start.year) * 12 + stop.month - start.month + 1
    # ticks on the first of a month (every month, or every few for a long record), all dated alike
    ticks = alt.TimeIntervalStep(interval="month", step=max(1, math.ceil(months / 7)))
    x = alt.X("date:T", scale=x_scale, title=None, axis=alt.Axis(format=DATE, tickCount=ticks, labelOverlap=True))
    manager = "alliance manager"
    kinds = [manager, "ownership", "structure", "personnel", "policy", "environment", "resources", "responsibility"]
    kind_colours = [PALETTE[k] for k in ("black", "purple", "blue", "orange", "sky", "green", "vermillion", "grey")]
    changes = t[t["manager_changed"] | t["alliance_manager"].isna()].assign(
        kind=manager, note=lambda d: d["alliance_manager"].map(lambda name: "post vacant" if name is None else f"handed to {name}")
    )
    marks = pd.concat([events[["date", "month", "kind", "note"]], changes[["date", "month", "kind", "note"]]], ignore_index=True)
    event_marks = (
        alt.Chart(marks)
        .mark_point(filled=True, size=120, opacity=1)
        .encode(
            x=x,
            y=alt.Y("kind:N", sort=kinds, title=None, scale=alt.Scale(domain=kinds)),
            color=alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=kind_colours), legend=None),
            shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds), legend=None),
            tooltip=[
                alt.Tooltip("date:T", title="Check-in", format=DATE),
                alt.Tooltip("month:Q", title="Month"),
                alt.Tooltip("kind:N", title="Change"),
                alt.Tooltip("note:N", title="Note"),
            ],
        )
        .properties(title="Changes reported at check-ins", height=alt.Step(18))
    )
    narrative = (
        alt.Chart(t)
        .mark_square(size=180, opacity=1)
        .encode(
            x=x,
            color=alt.Color(
                "sentiment:N",
                scale=present_scale(["positive", "neutral", "negative"], [GOOD, NEUTRAL, BAD], t["sentiment"]),
                legend=alt.Legend(title="Narrative", orient="right"),
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Check-in", format=DATE),
                alt.Tooltip("month:Q", title="Month"),
                alt.Tooltip("sentiment:N", title="Narrative"),
                alt.Tooltip("alliance_manager:N", title="Alliance manager"),
            ],
        )
        .properties(title="Internal narrative", height=24)
    )
    trust = (
        alt.Chart(t.dropna(subset=["trust_index"]))
        .mark_line(point=True, color=VENDOR)
        .encode(
            x=x,
            y=alt.Y("trust_index:Q", scale=alt.Scale(domain=[0, 100]), title="Score (0–100)"),
            tooltip=[alt.Tooltip("date:T", title="Check-in", format=DATE), alt.Tooltip("trust_index:Q", title="Check-in trust score", format=".0f")],
        )
        .properties(title="Check-in trust score (typed at each check-in, not the survey's index)", height=120)
    )
    credit_df = t.dropna(subset=["credit_share"]).assign(
        below=lambda d: d["credit_share"] < MIN_CREDIT_SHARE
    )
    credit_bars = (
        alt.Chart(credit_df)
        .mark_bar(size=14)
        .encode(
            x=x,
            y=alt.Y("credit_share:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title="Share crediting it"),
            color=alt.condition("datum.below", alt.value(BAD), alt.value(GOOD)),
            tooltip=[
                alt.Tooltip("date:T", title="Check-in", format=DATE),
                alt.Tooltip("wins:Q", title="Wins"),
                alt.Tooltip("wins_with_partner:Q", title="With the partner"),
                alt.Tooltip("wins_crediting_partner:Q", title="Crediting the partner"),
                alt.Tooltip("credit_share:Q", title="Share", format=".0%"),
            ],
        )
    )
    half = alt.Chart(pd.DataFrame({"y": [MIN_CREDIT_SHARE]})).mark_rule(color=NEUTRAL, strokeDash=[4, 3]).encode(y=alt.Y("y:Q"))
    credit_panel = layered(credit_bars, half, title="The partner's wins crediting it, at each check-in", height=120)
    panels: list[alt.Chart | alt.LayerChart] = [narrative, event_marks] if len(marks) else [narrative]
    panels += [trust, credit_panel]
    chart = vconcat(
        *panels,
        spacing=24,
        title=alt.TitleParams(health_title(timeline, credit), subtitle="" if len(marks) else "No changes reported at check-ins", offset=16),
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent", shape="independent")),
    )
    words = (
        f"{health_title(timeline, credit)}. {count(len(t), 'check-in')} from {_date(start)} to {_date(stop)}; "
        + (f"{count(len(marks), 'change')} reported." if len(marks) else "no changes reported.")
    )
    return described(chart, words)


def _date(day: pd.Timestamp) -> str:
    """A date as every chart shows it (:data:`DATE`): "3 Mar 2025"."""
    return f"{day.day} {day.strftime('%b %Y')}"


__all__ = [
    "health_timeline",
    "health_title",
    "readiness_chart",
    "readiness_title",
    "trust_dumbbell",
    "trust_dumbbell_title",
    "trust_history",
    "trust_history_title",
    "trust_mirror",
    "trust_mirror_title",
    "trust_quadrant",
    "trust_quadrant_title",
    "value_title",
    "value_waterfall",
]
