"""Every flag rule as data: its code, the areas that raise it, what it is about, when it is raised
and how severe it is, with the thresholds taken from the constants the rules use.

The domain modules raise the flags (:class:`workbook.flags.Flag`); this table describes them for
readers. README's table of flags is :func:`readme_table` word for word, and
``tests/unit/test_flag_rules.py`` checks both ways: that README shows this table, and that every
flag the model raises (over the examples and generated plans) is a rule here, of one of its areas.
A threshold is stated once, as a named constant of its domain module, and read from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import actuals, ramp, scoping, signals, trust


@dataclass(frozen=True)
class FlagRule:
    """One rule: ``code`` (a ``*`` at the end stands for any ending, ``fragile_to_<scenario>``),
    the ``areas`` that raise it, its ``subject`` (what one flag of it is about, when the rule can
    fire more than once), when it is ``raised``, and its ``severity`` (in words)."""

    areas: tuple[str, ...]
    code: str
    raised: str
    severity: str
    subject: str = ""

    def matches(self, code: str) -> bool:
        return code.startswith(self.code[:-1]) if self.code.endswith("*") else code == self.code


def _pct(share: float) -> str:
    return f"{share * 100:g} %"


def _n(value: float) -> str:
    return f"{value:g}"


RULES: tuple[FlagRule, ...] = (
    FlagRule(("ramp",), "no_break_even", "no break-even that stays within the horizon (the cumulative net ends below 0)", "high"),
    FlagRule(
        ("ramp",),
        "falls_back_below_zero",
        "the cumulative net reaches 0 (`first_break_even_month`) and then falls below it again",
        "high when it ends below 0; medium when it later stays above",
    ),
    FlagRule(("ramp", "scope"), "commitment_before_break_even", "break-even after `commitment_months`", "high"),
    FlagRule(
        ("ramp",),
        "low_chance_of_break_even",
        f"with uncertainty ranges: under {_pct(ramp.LOW_CHANCE)} of runs break even within the commitment",
        f"medium; high under {_pct(ramp.VERY_LOW_CHANCE)}",
    ),
    FlagRule(("ramp",), "business_plan_gap", "modelled vendor revenue short of the last target", "medium"),
    FlagRule(
        ("ramp",),
        "resources_end_before_break_even",
        "a recurring line ends before break-even (and before the horizon) and effort falls when it ends",
        "medium",
        "line",
    ),
    FlagRule(
        ("ramp",),
        "fragile_to_*",
        "the plan pays back within the commitment but invest-late, under-invest or the premature change would not",
        "low",
    ),
    FlagRule(
        ("ramp",),
        "one_sided_payback",
        f"with `partner_economics`: the two sides' break-even months more than {ramp.PAYBACK_GAP_MONTHS} months apart, "
        "or one side paying back within the horizon and the other not",
        "medium",
    ),
    FlagRule(
        ("ramp",),
        "off_track",
        f"with `actuals`: cumulative vendor revenue at the last actual month below {_pct(1 - actuals.TOLERANCE)} of the plan's",
        "medium; high when the actual cumulative net is also below the simulation's P10",
    ),
    FlagRule(
        ("ramp",),
        "over_budget",
        f"with `actuals`: cumulative investment at the last actual month above {_pct(1 + actuals.TOLERANCE)} of the plan's "
        f"(size: how far past {_pct(1 + actuals.TOLERANCE)}; 1 when the plan spent nothing yet)",
        f"medium; high from {_pct(actuals.OVER_BUDGET_HIGH)}",
    ),
    FlagRule(
        ("ramp",),
        "commitment_before_break_even",
        "with `actuals`: the re-forecast breaks even after `commitment_months`, or not within the horizon "
        "(the message says it is the re-forecast, or that the actuals broke even late)",
        "high",
        "`re-forecast`",
    ),
    FlagRule(("scope",), "no_alliance_manager", "no manager named", "high"),
    FlagRule(("scope",), "resources_to_be_confirmed", "resources still to confirm", "medium"),
    FlagRule(("scope",), "low_readiness", f"a group under {_n(scoping.LOW_GROUP)}", f"medium; high under {_n(scoping.VERY_LOW_GROUP)}", "group"),
    FlagRule(
        ("trust",),
        "low_trust_principle",
        f"a side's mean under {_n(trust.LOW_PRINCIPLE)}",
        f"medium; high under {_n(trust.VERY_LOW_PRINCIPLE)}",
        "side:principle",
    ),
    FlagRule(
        ("trust",),
        "wide_perception_gap",
        f"asymmetry of {_n(trust.WIDE_GAP)} point or more",
        f"medium; high from {_n(trust.VERY_WIDE_GAP)}",
        "principle",
    ),
    FlagRule(
        ("trust",),
        "blind_spot",
        f"with `self_answers`: a side rates itself {_n(trust.BLIND_SPOT)} point or more above how the other side rates it",
        f"medium; high from {_n(trust.WIDE_BLIND_SPOT)}",
        "side:principle",
    ),
    FlagRule(("trust",), "competence_intentions_mismatch", f"the two indices {_n(trust.MISMATCH_POINTS)} points or more apart", "medium", "side"),
    FlagRule(
        ("trust",),
        "trust_falling",
        f"index {_n(trust.FALL_POINTS)} points or more below the latest earlier result (`trust.previous`, else the last of `trust.history`)",
        "high",
        "side",
    ),
    FlagRule(("trust",), "trust_suppressed", "fewer respondents than `min_respondents`", "low", "side"),
    FlagRule(("value",), "non_sales_value_exceeds_margin", "yearly direct cost above the margin", "medium"),
    FlagRule(
        ("health",),
        "alliance_manager_turnover",
        f"{signals.MANAGER_CHANGES} or more manager changes within {signals.WINDOW_DAYS} days",
        "high",
    ),
    FlagRule(("health",), "alliance_manager_vacant", "no manager at the latest check-in", "high"),
    FlagRule(("health",), "resources_cut_before_break_even", "a `resources` change before break-even (or with none)", "high"),
    FlagRule(
        ("health",),
        "change_reported",
        "any other change: personnel, responsibility (high before break-even, medium after), resources after break-even, "
        "ownership, structure, policy (medium), environment (low)",
        "as listed",
        "kind",
    ),
    FlagRule(("health",), "falling_trust", f"latest check-in trust score {_n(signals.TRUST_DROP_POINTS)} or more below the one before", "high"),
    FlagRule(("health",), "negative_narrative", f"the {signals.NEGATIVE_RUN} latest check-ins negative", "high"),
    FlagRule(
        ("health",),
        "partner_not_credited",
        f"under {_pct(signals.MIN_CREDIT_SHARE)} of the partner's wins in the {signals.WINDOW_DAYS} days to the latest check-in "
        f"credited it (without wins at the check-ins: a sourced share under {_pct(signals.MIN_CREDIT_SHARE)} over the "
        f"actuals' last {signals.CREDIT_MONTHS} months)",
        "medium",
    ),
)


def rule_for(code: str, area: str) -> FlagRule | None:
    """The rule a flag of ``code`` raised in ``area`` follows (``None``: no such rule)."""
    return next((r for r in RULES if r.matches(code) and area in r.areas), None)


def readme_table() -> str:
    """README's table of flags, one row per rule, in the table's order."""
    lines = ["| area | code (subject) | raised when | severity |", "|---|---|---|---|"]
    for r in RULES:
        code = f"`{r.code.replace('*', '<scenario>')}`" + (f" ({r.subject})" if r.subject else "")
        lines.append(f"| {', '.join(r.areas)} | {code} | {r.raised} | {r.severity} |")
    return "\n".join(lines)


__all__ = ["RULES", "FlagRule", "readme_table", "rule_for"]
