"""The five areas of an alliance, in one registry that every page reads.

An area is one part of the workbook's judgement of an alliance — the scope checklist, trust, the
money machine, the partner's non-sales value, the health check-ins. Its entry in :data:`AREAS`
says everything the rest of the package needs:

- ``key``, ``label`` (the executive summary's row) and ``fill_in`` (what a guided form fills in);
- ``heading`` and ``intro``: its section of the report, a heading and a paragraph saying what
  the section shows and how to read it; ``parts``: the sub-sections the report shows after it
  under headings of their own (the money machine's scenarios and sensitivity);
- ``run``: how to assess it — the domain module's result for a params file (``None`` when the
  file has no data for it) and the flags it raises, given the plan's break-even month;
- ``known``: whether its result can be judged (a trust assessment with too few answers cannot);
- ``view``: how to show it, typed on the :class:`Assessment` — its one renderer in
  :mod:`workbook.views`, giving charts and escaped HTML pieces in reading order, drawn as SVG in
  reports and guided notebooks and as live widgets in the apps;
- ``live`` (trust and scope): its headline and charts from its params section alone, for a page
  that has a room's answers and no params file — the facilitator's board (:func:`live`). The
  charts are those its ``view`` draws in the report.

The report (``notebooks/alliance_report.ipynb``: one call, :func:`workbook.views.area_sections`),
the executive summary, ``summary --json``, the area lights, the guided notebooks, the
facilitator's board and the alliance dashboard's panels all go through this registry. A new area
is its schema section (:mod:`workbook.schema`), its domain module, its renderer in
:mod:`workbook.views` and its entry here — nothing else (README, "Where things live";
``tests/unit/test_area_registry.py`` fails when another module does an area's work by hand).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from .flags import Area as AreaKey
from .flags import Flag, one_per_subject, top_actions
from .schema import Params

if TYPE_CHECKING:
    import pandas as pd

    from .signals import HealthResult

    from . import actuals, ramp, scoping, trust, value
    from .schema import Scope, Trust
    from .views import Block, Live


@dataclass(frozen=True)
class Part:
    """A part of an area that the report shows after the area's own picture, under a heading of
    its own (``h3``) and an introduction: ``view`` draws it as blocks in reading order."""

    heading: str
    intro: str
    view: Callable[[Assessment], list[Block]]


@dataclass(frozen=True)
class AreaDef:
    """One area of the registry (see the module's docstring)."""

    key: AreaKey
    label: str
    fill_in: str
    heading: str
    intro: str
    run: Callable[[Params, int | None], tuple[Any, list[Flag]]]
    view: Callable[[Assessment], list[Block]]
    known: Callable[[Any], bool] = field(default=lambda _result: True)
    parts: tuple[Part, ...] = ()
    live: Callable[[Any], Live] | None = None


@dataclass(frozen=True)
class Section:
    """One section of the report: a heading (``level`` 2 for an area, 3 for one of its parts),
    the introduction under it and the picture (blocks in reading order)."""

    key: str
    heading: str
    intro: str
    blocks: list[Block]
    level: int = 2


@dataclass(frozen=True)
class Assessment:
    """The areas' results for one alliance (``None`` where the params file has no data for an
    area; absent for an area that was not assessed) and their flags, one per subject, most
    severe first."""

    params: Params
    results: Mapping[str, Any]
    flags: list[Flag]
    #: Results of parts of an area that are no area of their own, by key: the actuals
    #: (:data:`ACTUALS`), a part of the money machine assessed with it.
    parts: Mapping[str, Any] = field(default_factory=dict)

    # the areas' results, typed
    @property
    def ramp(self) -> ramp.RampAnalysis:
        return cast("ramp.RampAnalysis", self.results["ramp"])

    @property
    def actuals(self) -> actuals.ActualsResult | None:
        """The plan against the file's actuals (part of the money machine's area); ``None``
        without actuals or when the money machine was not assessed."""
        return cast("actuals.ActualsResult | None", self.parts.get(ACTUALS))

    @property
    def scoping(self) -> scoping.ScopingResult | None:
        return cast("scoping.ScopingResult | None", self.results["scope"])

    @property
    def trust(self) -> trust.TrustResult | None:
        return cast("trust.TrustResult | None", self.results["trust"])

    @property
    def value(self) -> value.ValueResult | None:
        return cast("value.ValueResult | None", self.results["value"])

    @property
    def health(self) -> HealthResult | None:
        return cast("HealthResult | None", self.results["health"])

    @property
    def health_timeline(self) -> pd.DataFrame | None:
        return None if self.health is None else self.health.timeline

    @property
    def health_events(self) -> pd.DataFrame | None:
        return None if self.health is None else self.health.events

    @property
    def figures(self) -> dict[str, Any]:
        """The headline figures of ``summary --json`` (rounded as the contract says)."""
        t = self.trust
        return {
            "readiness_score": None if self.scoping is None else round(float(self.scoping.overall), 1),
            "trust_index": None if t is None or t.trust_index is None else round(t.trust_index, 1),
            "max_perception_gap": None if t is None or t.max_perception_gap is None else round(t.max_perception_gap, 2),
            # the mirror: how far a side rates itself above how the other side sees it, at most
            "max_self_other_gap": None if t is None or t.max_self_other_gap is None else round(t.max_self_other_gap, 2),
        }

    def label(self, key: str) -> str:
        """The area's name for readers ("Money machine")."""
        return AREAS[key].label

    def view(self, key: str) -> list[Block]:
        """Area ``key``'s picture: its one renderer's charts and escaped HTML, in reading order."""
        return AREAS[key].view(self)

    def sections(self) -> list[Section]:
        """The report's sections of the areas assessed, in the registry's order: each area's
        heading, introduction and picture, then each of its parts'."""
        out = []
        for area in AREAS.values():
            if area.key not in self.results:
                continue
            out.append(Section(area.key, area.heading, area.intro, area.view(self)))
            out += [Section(area.key, part.heading, part.intro, part.view(self), level=3) for part in area.parts]
        return out

    def area_flags(self, key: str) -> list[Flag]:
        return [f for f in self.flags if f.area == key]

    def area_status(self) -> dict[str, str]:
        """Traffic light per area: ``red`` (a high flag), ``amber`` (a medium one), ``green``,
        ``unknown`` where the data cannot tell (a trust assessment whose index cannot be computed:
        one side only, too few respondents, or only "don't know" answers), or ``none`` where the
        params file has no data for that area. Never green on an unknown."""
        out = {}
        for area in AREAS.values():
            result = self.results.get(area.key)
            severities = {f.severity for f in self.flags if f.area == area.key}
            if result is None:
                out[area.key] = "none"
            elif "high" in severities:
                out[area.key] = "red"
            elif "medium" in severities:
                out[area.key] = "amber"
            elif not area.known(result):
                out[area.key] = "unknown"
            else:
                out[area.key] = "green"
        return out

    def top_actions(self, n: int = 3) -> list[Flag]:
        """The ``n`` most important things to do: the flags by severity, then size (how far
        past its threshold), one per distinct action (:func:`workbook.flags.top_actions`)."""
        return top_actions(self.flags, n)


def assess(params: Params, only: Collection[str] | None = None) -> Assessment:
    """Run the areas of the registry for one alliance — all of them, or those named in ``only``
    (a guided form redraws one area on every edit and needs no simulation for the others).

    The money machine runs first: the other areas compare their findings with its break-even
    month, which is the plan's own when the money machine is not among ``only``."""
    keys = [k for k in AREAS if only is None or k in only]
    results: dict[str, Any] = {}
    parts: dict[str, Any] = {}
    flags: list[Flag] = []
    if "ramp" in keys:
        results["ramp"], flags = AREAS["ramp"].run(params, None)
        parts[ACTUALS], found = _run_actuals(params, cast("ramp.RampAnalysis", results["ramp"]))
        flags += found
        break_even = cast("ramp.RampAnalysis", results["ramp"]).plan.metrics.break_even_month
    else:
        from .ramp import run

        break_even = run(params.ramp).metrics.break_even_month
    for key in keys:
        if key != "ramp":
            results[key], found = AREAS[key].run(params, break_even)
            flags += found
    return Assessment(params, results, one_per_subject(flags), parts)


# --------------------------------------------------------------------------------------------
# How each area is assessed


def _run_ramp(params: Params, _break_even: int | None) -> tuple[ramp.RampAnalysis, list[Flag]]:
    from . import ramp

    analysis = ramp.analyse(params)
    return analysis, ramp.flags(analysis, params.months)


#: The key of the actuals' result in :attr:`Assessment.results`: a part of the money machine's
#: area (its flags are the ramp's), not an area of its own.
ACTUALS = "actuals"


def _run_actuals(params: Params, analysis: ramp.RampAnalysis) -> tuple[actuals.ActualsResult | None, list[Flag]]:
    from . import actuals

    result = actuals.track(params, analysis.plan, analysis.monte_carlo)
    return result, actuals.flags(result, params.alliance.currency, params.months)


def _run_scope(params: Params, break_even: int | None) -> tuple[scoping.ScopingResult | None, list[Flag]]:
    from . import scoping

    if params.scope is None:
        return None, []
    r = params.ramp
    return scoping.analyse(params.scope), scoping.flags(
        params.scope, r.commitment_months, break_even, horizon_months=r.horizon_months, months=params.months
    )


def _run_trust(params: Params, _break_even: int | None) -> tuple[trust.TrustResult | None, list[Flag]]:
    from . import trust

    if params.trust is None:
        return None, []
    result = trust.analyse(params.trust)
    return result, trust.flags(result)


def _run_value(params: Params, _break_even: int | None) -> tuple[value.ValueResult | None, list[Flag]]:
    from . import value

    if params.value is None:
        return None, []
    code = params.alliance.currency
    result = value.analyse(params.value, params.ramp.partner_margin, code)
    return result, value.flags(result, code=code)


def _run_health(params: Params, break_even: int | None) -> tuple[HealthResult | None, list[Flag]]:
    from . import signals

    if params.health is None:
        return None, []
    h, code = params.health, params.alliance.currency
    found = signals.timeline(h)
    credit = signals.credit_of(found, params.actuals, code, params.months)
    return signals.HealthResult(found, signals.event_table(h), credit), signals.flags(h, break_even, params.months, params.actuals, code)


def _view(name: str) -> Callable[[Assessment], list[Block]]:
    """The renderer ``name`` of :mod:`workbook.views`, imported when first drawn: reading the
    registry (labels, keys) loads neither pandas nor the chart stack."""

    def view(a: Assessment) -> list[Block]:
        from . import views

        renderer: Callable[[Assessment], list[Block]] = getattr(views, name)
        return renderer(a)

    view.__name__ = name
    return view


def _live_scope(section: Scope) -> Live:
    from . import scoping, views

    return views.scope_live(scoping.analyse(section))


def _live_trust(section: Trust) -> Live:
    from . import trust, views

    return views.trust_live(trust.analyse(section))


def live(key: str, section: Any) -> Live:
    """Area ``key``'s headline and charts from its params section alone (a :class:`Trust` or
    :class:`Scope` model), as a live page draws them: the facilitator's board, whose room's
    answers have no params file around them. Its domain module analyses the section and its
    renderer in :mod:`workbook.views` draws the charts its report view draws. Raises
    ``ValueError`` for an area that draws nothing live."""
    area = AREAS[key]
    if area.live is None:
        raise ValueError(f"the {area.label} area has no live picture; those that do: {', '.join(k for k, a in AREAS.items() if a.live)}")
    return area.live(section)


#: The areas in the order the report and the summary show them.
AREAS: dict[str, AreaDef] = {
    a.key: a
    for a in (
        AreaDef(
            "scope",
            "Scope and resources",
            "scoping checklist",
            heading="Scope: is the alliance designed to run?",
            intro=(
                "A partnership needs its scope agreed in detail, its resources named and committed for long "
                "enough, and those resources organised and kept in place. The checklist scores each item agreed "
                "(1), draft (½) or missing (0)."
            ),
            run=_run_scope,
            view=_view("scope_view"),
            live=_live_scope,
        ),
        AreaDef(
            "trust",
            "Trust",
            "trust assessment",
            heading="Trust: competence and intentions, seen from both sides",
            intro=(
                "People from both companies rated the other side on twelve principles and on its competence. Where "
                "one side trusts the other far more than it is trusted back — an asymmetry — is where the "
                "conversation should start."
            ),
            run=_run_trust,
            view=_view("trust_view"),
            known=lambda t: t.trust_index is not None,
            live=_live_trust,
        ),
        AreaDef(
            "ramp",
            "Money machine",
            "revenue ramp",
            heading="The money machine",
            intro=(
                "When does the partnership pay back, and how deep does the investment hole get first? The top "
                "panel shows what goes in each month and what comes back; the bottom panel is the cumulative net — "
                "the J-curve — with, when the params file gives uncertainty ranges, the range of outcomes the "
                "simulation found."
            ),
            run=_run_ramp,
            view=_view("ramp_view"),
            parts=(
                Part(
                    "What could change the outcome",
                    "The same plan under pressure: investing late, under-investing, a premature change of people "
                    "or resources — and the two routes a company weighs against partnering, building its own team "
                    "or buying one.",
                    _view("scenarios_view"),
                ),
                Part("Which assumption matters most", "Each bar moves one input by 20 % either way and leaves the rest as planned.", _view("sensitivity_view")),
            ),
        ),
        AreaDef(
            "value",
            "Partner's non-sales value",
            "partner's non-sales value",
            heading="The partner's value beyond sales",
            intro=(
                "What would it cost to serve the partner's customers directly — quoting, design advice, credit "
                "checks, carrying slower payments, bad debt — set against the margin the partner earns?"
            ),
            run=_run_value,
            view=_view("value_view"),
        ),
        AreaDef(
            "health",
            "Health signals",
            "health check-ins",
            heading="Health signals",
            intro=(
                "Check-ins record changes of ownership, structure, people, policy, environment, resources and "
                "responsibility, the mood of the narrative and whether wins credit the partner. The rules below "
                "raise flags early."
            ),
            run=_run_health,
            view=_view("health_view"),
        ),
    )
}
