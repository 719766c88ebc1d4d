"""The five areas of an alliance, in one registry that every page reads.

An area is one part of the workbook's judgement of an alliance — the scope checklist, trust, the
money machine, the partner's non-sales value, the health check-ins. Its entry in :data:`AREAS`
says everything the rest of the package needs:

- ``key``, ``label`` (the executive summary's row) and ``fill_in`` (what a guided form fills in);
- ``run``: how to assess it — the domain module's result for a params file (``None`` when the
  file has no data for it) and the flags it raises, given the plan's break-even month;
- ``known``: whether its result can be judged (a trust assessment with too few answers cannot);
- ``view``: how to show it, typed on the :class:`Assessment` — its one renderer in
  :mod:`workbook.views`, giving charts and escaped HTML pieces in reading order, drawn as SVG in
  reports and guided notebooks and as live widgets in the apps.

The executive summary, ``summary --json``, the area lights and the guided notebooks go through
this registry. A new area is its schema section (:mod:`workbook.schema`), its domain module, a
renderer in :mod:`workbook.views` and an entry here; the report notebook
(``notebooks/alliance_report.ipynb``) still has a heading and a ``*_section`` call per area, and
the facilitator's board draws trust and scope itself, so those change too (README, "Where things
live").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from .flags import Area as AreaKey
from .flags import Flag, one_per_subject, top_actions
from .schema import Params
from .signals import HealthResult

if TYPE_CHECKING:
    import pandas as pd

    from . import actuals, ramp, scoping, trust, value
    from .views import Block


@dataclass(frozen=True)
class AreaDef:
    """One area of the registry (see the module's docstring)."""

    key: AreaKey
    label: str
    fill_in: str
    run: Callable[[Params, int | None], tuple[Any, list[Flag]]]
    view: Callable[[Assessment], list[Block]]
    known: Callable[[Any], bool] = field(default=lambda _result: True)


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
    return HealthResult(found, signals.event_table(h), credit), signals.flags(h, break_even, params.months, params.actuals, code)


def _view(name: str) -> Callable[[Assessment], list[Block]]:
    """The renderer ``name`` of :mod:`workbook.views`, imported when first drawn: reading the
    registry (labels, keys) loads neither pandas nor the chart stack."""

    def view(a: Assessment) -> list[Block]:
        from . import views

        renderer: Callable[[Assessment], list[Block]] = getattr(views, name)
        return renderer(a)

    view.__name__ = name
    return view


#: The areas in the order the report and the summary show them.
AREAS: dict[str, AreaDef] = {
    a.key: a
    for a in (
        AreaDef("scope", "Scope and resources", "scoping checklist", _run_scope, _view("scope_view")),
        AreaDef(
            "trust",
            "Trust",
            "trust assessment",
            _run_trust,
            _view("trust_view"),
            known=lambda t: t.trust_index is not None,
        ),
        AreaDef("ramp", "Money machine", "revenue ramp", _run_ramp, _view("ramp_view")),
        AreaDef("value", "Partner's non-sales value", "partner's non-sales value", _run_value, _view("value_view")),
        AreaDef("health", "Health signals", "health check-ins", _run_health, _view("health_view")),
    )
}
