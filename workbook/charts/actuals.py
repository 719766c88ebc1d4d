"""The plan against actual: the cumulative net as it happened, over the plan and its band, with
the re-forecast as a dashed continuation (the months it takes from the pipeline shaded); and the
partner-sourced against the influenced revenue, month by month."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..actuals import ActualsResult, Attribution, attribution_sentence, break_even_words, fit_sentence, month_span, pipeline_sentence, versus_plan
from ..currency import DEFAULT as DEFAULT_CURRENCY
from ..currency import currency
from ..months import NUMBERED, MonthNames
from ..ramp import MonteCarlo, RampResult
from .theme import BAD, MONEY, MONEY_EXACT, NEUTRAL, PARTNER, VENDOR, described, in_currency, layered, month_axis, month_tooltip, with_when

PLAN = "Plan"
ACTUAL = "Actual"
REFORECAST = "Re-forecast"
SERIES = [PLAN, ACTUAL, REFORECAST]


def actuals_title(tracked: ActualsResult, names: MonthNames = NUMBERED) -> str:
    """The finding, e.g. "Behind plan through month 12: re-forecast break-even month 18 (plan:
    month 8)", or "...: the alliance has already broken even, in month 6 (plan: month 5)" (each
    month "Dec 2026 (month 12)" when the months have dates)."""
    plan_be = tracked.plan_break_even_month
    forecast = break_even_words(tracked, names)
    versus = versus_plan(plan_be, names, " (the plan does not break even)")
    words = tracked.words
    return f"{words[:1].upper()}{words[1:]} through {names.long(tracked.through_month)}: {forecast}{versus}"


def actuals_table(plan: RampResult, tracked: ActualsResult) -> pd.DataFrame:
    """The long table the chart draws: month, series (plan, actual, re-forecast), cumulative_net.
    The re-forecast starts at the last actual month, so it continues the actual line."""
    m = tracked.through_month
    p = plan.monthly
    f = tracked.reforecast
    ahead = f[f["month"] >= m]
    return pd.concat(
        [
            pd.DataFrame({"month": p["month"], "series": PLAN, "cumulative_net": p["cumulative_net"]}),
            pd.DataFrame({"month": tracked.monthly["month"], "series": ACTUAL, "cumulative_net": tracked.monthly["cumulative_net"]}),
            pd.DataFrame({"month": ahead["month"], "series": REFORECAST, "cumulative_net": ahead["cumulative_net"]}),
        ],
        ignore_index=True,
    )


def actuals_chart(
    plan: RampResult, tracked: ActualsResult, bands: MonteCarlo | None = None, code: str = DEFAULT_CURRENCY, names: MonthNames = NUMBERED
) -> alt.LayerChart:
    """The cumulative net: the plan (grey), its P10–P90 band when ``bands`` is given (pass it
    only when the file has uncertainty ranges), the actual months (solid, with points) and the
    re-forecast from the last actual month to the horizon (dashed); amounts in currency ``code``,
    months worded by ``names``."""
    data = with_when(actuals_table(plan, tracked), names)
    months = int(plan.monthly["month"].max())
    x = alt.X("month:Q", axis=month_axis(names, months), scale=alt.Scale(domain=[1, months], nice=False))
    y = alt.Y("cumulative_net:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY))
    colour = alt.Color("series:N", scale=alt.Scale(domain=SERIES, range=[NEUTRAL, "#000000", BAD]), legend=alt.Legend(title=None))
    dash = alt.StrokeDash("series:N", scale=alt.Scale(domain=SERIES, range=[[1, 0], [1, 0], [6, 4]]), legend=None)
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        month_tooltip(names),
        alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT),
    ]
    layers: list[alt.Chart | alt.LayerChart] = []
    if bands is not None:
        layers.append(
            alt.Chart(with_when(bands.bands, names))
            .mark_area(opacity=0.2, color=VENDOR)
            .encode(
                x=x,
                y=alt.Y("p10:Q"),
                y2=alt.Y2("p90:Q"),
                tooltip=[month_tooltip(names), alt.Tooltip("p10:Q", title="P10", format=MONEY_EXACT),
                         alt.Tooltip("p90:Q", title="P90", format=MONEY_EXACT)],
            )
        )
    f = tracked.pipeline
    if f is not None and f.used:
        # the months the re-forecast takes from the pipeline, shaded half a month either side
        span = month_span(f.first_month, f.last_month, names)
        layers.append(
            alt.Chart(pd.DataFrame({"start": [f.first_month - 0.5], "end": [f.last_month + 0.5], "what": [f"{span}: from the pipeline"]}))
            .mark_rect(opacity=0.12, color=PARTNER)
            .encode(x=alt.X("start:Q"), x2=alt.X2("end:Q"), tooltip=[alt.Tooltip("what:N", title="Re-forecast")])
        )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=NEUTRAL).encode(y=alt.Y("y:Q"))
    lines = alt.Chart(data).mark_line(strokeWidth=2.5).encode(x=x, y=y, color=colour, strokeDash=dash, tooltip=tooltip)
    points = (
        alt.Chart(data[data["series"] == ACTUAL])
        .mark_point(filled=True, size=36)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    now = (
        alt.Chart(pd.DataFrame({"month": [tracked.through_month], "label": [f"Actuals to {names.long(tracked.through_month)}"]}))
        .mark_rule(strokeDash=[2, 2], color="#000000")
        .encode(x=alt.X("month:Q"), tooltip=[alt.Tooltip("label:N", title="What")])
    )
    money = currency(code)
    subtitle = (
        f"Actual cumulative net {money(tracked.actual_cumulative_net)} against the plan's {money(tracked.plan_cumulative_net)}; "
        f"re-forecast at {names.long(months)}: {money(tracked.reforecast_cumulative_net_at_horizon)}"
    )
    title = actuals_title(tracked, names)
    chart = layered(
        *layers,
        zero,
        lines,
        points,
        now,
        height=280,
        title=alt.TitleParams(title, subtitle=subtitle + (" (band: P10–P90 of the simulation)" if bands is not None else "")),
    )
    pipeline = pipeline_sentence(tracked, code, names)
    words = (
        f"{title}. {subtitle}. {fit_sentence(tracked, names)}; the dashed line continues the actuals from "
        f"{names.long(tracked.through_month)} that way." + (f" {pipeline} (shaded)." if f is not None and f.used else f" {pipeline}." if pipeline else "")
    )
    return described(in_currency(chart, code), words)


SOURCED = "Partner-sourced"
INFLUENCED = "Influenced"


def attribution_table(monthly: pd.DataFrame) -> pd.DataFrame:
    """The long table :func:`attribution_chart` draws: month, kind (partner-sourced or
    influenced), revenue; the recorded months that give either figure (the other counts 0)."""
    given = monthly.dropna(subset=["partner_sourced_revenue", "influenced_revenue"], how="all").fillna({"partner_sourced_revenue": 0.0, "influenced_revenue": 0.0})
    return pd.concat(
        [
            pd.DataFrame({"month": given["month"], "kind": SOURCED, "revenue": given["partner_sourced_revenue"]}),
            pd.DataFrame({"month": given["month"], "kind": INFLUENCED, "revenue": given["influenced_revenue"]}),
        ],
        ignore_index=True,
    )


def attribution_chart(monthly: pd.DataFrame, share: Attribution, code: str = DEFAULT_CURRENCY, names: MonthNames = NUMBERED) -> alt.Chart:
    """Revenue the partner sourced and revenue it influenced, stacked by recorded month (the
    months giving either; ``monthly`` is :attr:`ActualsResult.monthly`); the title gives the
    sourced share over them (``share``, :func:`workbook.actuals.attribution`)."""
    data = with_when(attribution_table(monthly), names)
    months = int(monthly["month"].max())
    title = f"Partner-sourced: {share.share:.0%} of the revenue the partner sourced or influenced"
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title="Month" if not names.known else None, axis=alt.Axis(labelExpr=names.axis_label_expr() or "datum.value", labelAngle=-45 if names.known else 0)),
            y=alt.Y("revenue:Q", stack="zero", title=f"Revenue ({code})", axis=alt.Axis(format=MONEY)),
            color=alt.Color("kind:N", scale=alt.Scale(domain=[SOURCED, INFLUENCED], range=[PARTNER, NEUTRAL]), legend=alt.Legend(title=None)),
            order=alt.Order("kind:N", sort="descending"),
            tooltip=[alt.Tooltip("kind:N", title="Revenue"), month_tooltip(names), alt.Tooltip("revenue:Q", title="Amount", format=MONEY_EXACT)],
        )
        .properties(title=title, height=180, width=alt.Step(max(12, min(40, 480 // max(months, 1)))))
    )
    return described(in_currency(chart, code), f"{title}. {attribution_sentence(share, code, names)}.")
