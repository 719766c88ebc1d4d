"""The ramp's inputs, described once: what each is called, its unit, whether it is a share, its
largest value, the range its sliders cover, whether it may carry an uncertainty range, and
which direction is better.

Every place that shows or varies an input takes its description from :data:`RAMP_INPUTS`: the
schema's ranges (:data:`workbook.schema.RANGED_INPUTS`, :data:`~workbook.schema.RANGE_MAXIMA`),
the simulation's worst and best cases and the tornado (:mod:`workbook.ramp`), the guided ramp
form (:mod:`workbook.ui.forms`) and the alliance dashboard's what-if sliders
(:mod:`workbook.ui.dashboards`). ``tests/unit/test_inputs.py`` checks that they agree with it
and with the schema's own bounds.

A new ramp input: its field in :class:`workbook.schema.Ramp`, its use in :mod:`workbook.ramp`,
and its line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .strict import MAX_DEALS_PER_MONTH, MAX_MONEY, MAX_MONTHS

#: The dashboard's investment level: a multiple of every investment line's cost.
MAX_INVESTMENT_LEVEL = 2.0


@dataclass(frozen=True)
class RampInput:
    """One input of the ramp.

    key : its name in ``ramp:`` (``investment_level`` and ``start_delay_months`` are the
        what-if's own: a multiple of the investment lines, and months the plan starts late).
    label : what it is called everywhere ("Sales cycle").
    unit : ``months``, ``deals a month``, ``money`` (the alliance's currency), ``share`` (0–1)
        or ``multiple`` (1 = as planned).
    maximum : the largest value a params file may give (the schema's bound).
    slider : ``(low, high, step)`` of the sliders that set it (a value beyond ``high`` widens
        the slider to fit).
    rangeable : it may carry an uncertainty range (``ramp.uncertainty``).
    higher_is_better : whether a larger value makes the outcome better (``None``: neither).
    in_tornado : the tornado moves it by ±20 %.
    """

    key: str
    label: str
    unit: str
    maximum: float
    slider: tuple[float, float, float]
    rangeable: bool = False
    higher_is_better: bool | None = None
    in_tornado: bool = False

    @property
    def whole(self) -> bool:
        """Counted in whole numbers (months)."""
        return self.unit == "months"

    @property
    def share(self) -> bool:
        return self.unit == "share"

    def caption(self, currency: str = "") -> str:
        """The label with its unit, as a form or a slider shows it: "Sales cycle (months)",
        "Average deal value (EUR)", "Partner margin (share, 0.25 = 25 %)"."""
        unit = {
            "money": currency or "money",
            "share": "share, 0.25 = 25 %",
            "multiple": "1 = as planned",
            "deals a month": "at full speed",
        }.get(self.unit, self.unit)
        return f"{self.label} ({unit})"


RAMP_INPUTS: dict[str, RampInput] = {
    i.key: i
    for i in (
        RampInput("sales_cycle_months", "Sales cycle", "months", MAX_MONTHS, (0, 24, 1), True, False, True),
        RampInput("enablement_months", "Enablement", "months", MAX_MONTHS, (0, 24, 1), True, False, True),
        RampInput("ramp_months", "Ramp to full speed", "months", MAX_MONTHS, (0, 48, 1), True, False, True),
        RampInput("steady_deals_per_month", "Deals per month", "deals a month", MAX_DEALS_PER_MONTH, (0, 20, 0.1), True, True, True),
        RampInput("avg_deal_value", "Average deal value", "money", MAX_MONEY, (0, 500_000, 1000), True, True, True),
        RampInput("partner_margin", "Partner margin", "share", 1.0, (0, 1, 0.01), True, False, True),
        RampInput("gross_margin", "Gross margin", "share", 1.0, (0, 1, 0.01), True, True, True),
        RampInput("commitment_months", "Resources committed", "months", MAX_MONTHS, (1, 240, 1)),
        RampInput("annual_churn", "Annual churn", "share", 1.0, (0, 1, 0.01), True, False, True),
        RampInput("annual_expansion", "Annual expansion", "share", 10.0, (0, 1, 0.01), higher_is_better=True),
        RampInput("investment_level", "Investment level", "multiple", MAX_INVESTMENT_LEVEL, (0.3, 1.5, 0.05), higher_is_better=None, in_tornado=True),
        RampInput("start_delay_months", "Start delay", "months", MAX_MONTHS, (0, 18, 1), higher_is_better=False),
    )
}


def ranged() -> dict[str, RampInput]:
    """The inputs that may carry an uncertainty range, in the table's order."""
    return {k: i for k, i in RAMP_INPUTS.items() if i.rangeable}


__all__ = ["MAX_INVESTMENT_LEVEL", "RAMP_INPUTS", "RampInput", "ranged"]
