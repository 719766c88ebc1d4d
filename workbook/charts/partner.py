"""Both sides' money machines side by side: the vendor's and the partner's cumulative net."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..currency import DEFAULT as DEFAULT_CURRENCY
from ..currency import currency
from ..ramp import PartnerResult, RampResult, payback_sentence
from .theme import GOOD, MONEY, MONEY_EXACT, NEUTRAL, PARTNER, VENDOR, described, hconcat, in_currency, layered

MONTH_AXIS = alt.Axis(title="Month", tickMinStep=1, format="d")


def two_sides_title(vendor: int | None, partner: int | None, horizon: int) -> str:
    """The finding: which side pays back first, and when."""
    if vendor is None and partner is None:
        return f"Neither side pays back within {horizon} months"
    if vendor == partner:
        return f"Both sides pay back in month {vendor}"
    if partner is None or (vendor is not None and vendor < partner):
        first, later, other = "The vendor", partner, "the partner"
        at = vendor
    else:
        first, later, other = "The partner", vendor, "the vendor"
        at = partner
    rest = f"{other} in month {later}" if later is not None else f"{other} not within {horizon} months"
    return f"{first} pays back first, in month {at}; {rest}"


def _panel(
    df: pd.DataFrame, side: str, colour: str, break_even: int | None, code: str, horizon: int, bands: pd.DataFrame | None = None
) -> alt.LayerChart:
    money = currency(code)
    x = alt.X("month:Q", axis=MONTH_AXIS, scale=alt.Scale(domain=[0.5, horizon + 0.5], nice=False))
    y = alt.Y("cumulative_net:Q", title=f"Cumulative net ({code})", axis=alt.Axis(format=MONEY, tickCount=5))
    line = (
        alt.Chart(df)
        .mark_line(strokeWidth=3, color=colour)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("month:Q", title="Month"), alt.Tooltip("cumulative_net:Q", title="Cumulative net", format=MONEY_EXACT)])
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=NEUTRAL).encode(y=alt.Y("y:Q"))
    layers: list[alt.Chart | alt.LayerChart] = [zero]
    if bands is not None:
        band = bands[["month", "p10", "p90"]].rename(columns={"p10": "cumulative_net", "p90": "high"})
        layers.append(
            alt.Chart(band)
            .mark_area(opacity=0.18, color=colour)
            .encode(
                x=x,
                y=y,
                y2=alt.Y2("high:Q"),
                tooltip=[alt.Tooltip("month:Q", title="Month"), alt.Tooltip("cumulative_net:Q", title="P10", format=MONEY_EXACT),
                         alt.Tooltip("high:Q", title="P90", format=MONEY_EXACT)],
            )
        )
    layers.append(line)
    if break_even is not None:
        mark = pd.DataFrame({"month": [break_even], "label": [f"Break-even, month {break_even}"]})
        layers.append(alt.Chart(mark).mark_rule(strokeDash=[5, 3], size=2, color=GOOD).encode(x=alt.X("month:Q")))
        layers.append(
            alt.Chart(mark)
            .mark_text(align="left", dx=4, dy=4, baseline="top", fontSize=11, color=GOOD)
            .encode(x=alt.X("month:Q"), y=alt.value(4), text=alt.Text("label:N"))
        )
    cum = df["cumulative_net"]
    subtitle = f"deepest {money(max(0.0, -float(cum.min())))}; at month {horizon}: {money(float(cum.iloc[-1]))}"
    return layered(*layers, width=300, height=200, title=alt.TitleParams(side, subtitle=subtitle, fontSize=13))


def two_sides_chart(
    vendor: RampResult,
    partner: PartnerResult,
    vendor_name: str = "Vendor",
    partner_name: str = "Partner",
    code: str = DEFAULT_CURRENCY,
    bands: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> alt.HConcatChart:
    """The vendor's J-curve (its cumulative net, left) and the partner's (right), each with its
    break-even month marked, amounts in currency ``code``. Each panel has its own vertical scale
    (a partner's money machine is often a fraction of the vendor's); the titles give both
    break-even months in words, which stay comparable whatever the scales. ``bands`` (the
    vendor's and the partner's P10–P90 of the simulation, when the file has ranges) shade each
    side's band."""
    h = vendor.metrics.horizon_months
    be_vendor, be_partner = vendor.metrics.break_even_month, partner.break_even_month
    title = two_sides_title(be_vendor, be_partner, h)
    vendor_band, partner_band = bands if bands is not None else (None, None)
    left = _panel(vendor.monthly[["month", "cumulative_net"]], f"{vendor_name} (vendor)", VENDOR, be_vendor, code, h, vendor_band)
    right = _panel(partner.monthly[["month", "cumulative_net"]], f"{partner_name} (partner)", PARTNER, be_partner, code, h, partner_band)
    chart = hconcat(
        left,
        right,
        spacing=36,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        title=alt.TitleParams(
            title,
            subtitle="Each side's cumulative net: what it earned from the alliance less what it spent on it"
            + ("; shaded: P10–P90 of the simulation" if bands is not None else ""),
        ),
    )
    words = f"{title}. In words: {payback_sentence(be_vendor, be_partner, h)}"
    if bands is not None:
        words += " The shaded bands are the middle 80 % of the simulated outcomes for each side."
    return described(in_currency(chart, code), words)
