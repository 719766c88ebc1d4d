"""The five guided forms, one per area of a params file: the scoping checklist, the trust
assessment, the revenue ramp, the partner's non-sales value and the health check-ins."""

from __future__ import annotations

import copy
import datetime as dt
import typing
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from .. import text, views
from ..instruments import SCOPING, TRUST
from ..text import count
from ..errors import Problem
from ..schema import EventKind
from .common import message
from .editors import Column, FieldGroup, RowTable
from .guided_form import GuidedForm, label_html, number_box, share_hint, shown_number, typed_number

# --------------------------------------------------------------------------------------------
# scope


class ScopeForm(GuidedForm):
    """The scoping checklist: each item agreed / draft / missing, by group; the alliance
    manager; resources still to be confirmed. The chart is readiness by group."""

    section = "scope"
    intro = (
        "Go through the checklist with both companies in the room. Mark an item agreed only when "
        "both sides have signed up to it; draft means it is written down but not yet agreed."
    )

    def _build(self) -> list[W.Widget]:
        items = self._raw.get("items") or {}
        self.status_buttons: dict[str, W.ToggleButtons] = {}
        pages = []
        for group in SCOPING.groups:
            rows = []
            for item in (i for i in SCOPING.items if i.group == group.id):
                entry = items.get(item.id)
                status = entry if isinstance(entry, str) else (entry or {}).get("status", "missing")
                toggle = W.ToggleButtons(
                    options=["agreed", "draft", "missing"], value=status, style={"button_width": "72px"}
                )
                toggle.add_class(f"wb-item-{item.id}")
                self.status_buttons[item.id] = toggle
                rows.append(W.HBox([label_html(item.wording), toggle]))
            pages.append(W.VBox(rows))
        self.checklist = W.Accordion(children=pages, titles=tuple(g.label for g in SCOPING.groups))
        self.manager = W.Text(
            continuous_update=False,  # one redraw per edit, not per keystroke
            value=self._raw.get("alliance_manager") or "",
            description="Alliance manager",
            placeholder="name of the person (leave empty if nobody is named yet)",
            style={"description_width": "150px"},
            layout=W.Layout(width="560px"),
        )
        self.to_confirm = W.Textarea(
            continuous_update=False,  # one redraw per edit, not per keystroke
            value="\n".join(self._raw.get("resources_to_be_confirmed") or []),
            description="To be confirmed",
            placeholder="one resource per line, e.g. Partner presales engineer",
            style={"description_width": "150px"},
            layout=W.Layout(width="560px", height="80px"),
        )
        self._watch([*self.status_buttons.values(), self.manager, self.to_confirm])
        return [self.checklist, self.with_note("alliance_manager", self.manager), self.with_note("resources_to_be_confirmed", self.to_confirm)]

    def _collect(self) -> dict[str, Any]:
        data = copy.deepcopy(self._raw)
        items = dict(data.get("items") or {})
        for item_id, toggle in self.status_buttons.items():
            old = items.get(item_id)
            if isinstance(old, dict):
                items[item_id] = {**old, "status": toggle.value}
            elif old is not None or toggle.value != "missing":  # an item left out counts as missing
                items[item_id] = toggle.value
        if items or "items" in data:
            data["items"] = items
        manager = self.manager.value.strip() or None
        if manager is not None or "alliance_manager" in data:
            data["alliance_manager"] = manager
        to_confirm = [line.strip() for line in self.to_confirm.value.splitlines() if line.strip()]
        if to_confirm or "resources_to_be_confirmed" in data:
            data["resources_to_be_confirmed"] = to_confirm
        return data

    def _after_save(self) -> None:
        """Show the file as saved (with what others saved since in other fields)."""
        items = self._raw.get("items") or {}
        self._loading = True
        try:
            for item_id, toggle in self.status_buttons.items():
                entry = items.get(item_id)
                toggle.value = entry if isinstance(entry, str) else (entry or {}).get("status", "missing")
            self.manager.value = self._raw.get("alliance_manager") or ""
            self.to_confirm.value = "\n".join(self._raw.get("resources_to_be_confirmed") or [])
        finally:
            self._loading = False


# --------------------------------------------------------------------------------------------
# trust

DONT_KNOW = 0  # the toggle's value for "don't know" (stored as null / left out)


class TrustForm(GuidedForm):
    """One respondent at a time: pick one (or add or remove one), give their side and role, and
    rate the other organisation on every statement 1–5 or "don't know" — and, with *Rating* on
    their own organisation, the self-rating (``self_answers``, the mirror). The charts are each
    side's trust in the other by principle (the asymmetries) and the competence/intentions
    quadrant. A respondent added here and left without any rating is refused on save."""

    section = "trust"
    intro = (
        "Each respondent rates the other organisation on every statement, from 1 (strongly disagree) "
        "to 5 (strongly agree). Use \"don't know\" rather than guessing: it is left out of the scores. "
        "Switch Rating to their own organisation to record how they see their own company (the self-rating)."
    )

    def _build(self) -> list[W.Widget]:
        self._rows: list[dict[str, Any]] = copy.deepcopy(self._raw.get("respondents") or [])
        self.respondent = W.Dropdown(description="Respondent", style={"description_width": "110px"}, layout=W.Layout(width="360px"))
        self.add_button = W.Button(description="Add a respondent", icon="plus", layout=W.Layout(width="auto"))
        self.add_button.on_click(self.guard(self._add))
        self.respondent_id = W.Text(continuous_update=False, description="Id", style={"description_width": "110px"}, layout=W.Layout(width="360px"))
        self.respondent_id.add_class("wb-respondent-id")
        self.respondent.add_class("wb-respondent")
        self.add_button.add_class("wb-add-respondent")
        self.remove_button = W.Button(description="Remove this respondent", icon="trash", layout=W.Layout(width="auto"))
        self.remove_button.add_class("wb-remove-respondent")
        self.remove_button.on_click(self.guard(self._remove))
        self.side = W.ToggleButtons(options=["vendor", "partner"], description="Side", style={"description_width": "110px"})
        # which statements the buttons below answer: about the other organisation, or the self-rating
        self.rating = W.ToggleButtons(options=[("The other organisation", "answers"), ("Their own organisation (self-rating)", "self_answers")],
                                      value="answers", description="Rating", style={"description_width": "110px", "button_width": "auto"},
                                      tooltips=["how this person rates the other company", "the mirror: how this person rates their own company"])
        self.rating.add_class("wb-rating")
        self.role = W.Text(continuous_update=False, description="Role", placeholder="e.g. sales, presales, management", style={"description_width": "110px"}, layout=W.Layout(width="360px"))
        labels = [(str(n), n) for n in range(TRUST.scale.min, TRUST.scale.max + 1)] + [("don't know", DONT_KNOW)]
        tips = [TRUST.scale.labels.get(n, "") for n in range(TRUST.scale.min, TRUST.scale.max + 1)] + ["leave this statement out"]
        self.answer_buttons: dict[str, W.ToggleButtons] = {}
        rows = []
        for item in TRUST.items:
            # each button as wide as its label ("don't know" in full), at least 44px (GUIDED_CSS)
            toggle = W.ToggleButtons(options=labels, value=DONT_KNOW, tooltips=tips, style={"button_width": "auto"})
            toggle.add_class(f"wb-answer-{item.id}")
            toggle.add_class("wb-answers")
            self.answer_buttons[item.id] = toggle
            rows.append(W.HBox([label_html(item.wording, "480px"), toggle]))
        if not self._rows:
            self._rows.append(self._new_row())
        self._refresh_choices(0)
        self._show_row()
        self.respondent.observe(self.guard(self._pick), names="value")
        self.rating.observe(self.guard(self._pick), names="value")
        self._watch([self.respondent_id], self._id_changed)
        self._watch([self.side, self.role], self._details_changed)
        for item_id, toggle in self.answer_buttons.items():
            toggle.observe(self.guard(self._answer_handler(item_id)), names="value")
        self._added: list[dict[str, Any]] = []  # respondents added in this form (refused on save until answered)
        picker = self.with_note("respondents", W.HBox([self.respondent, self.add_button, self.remove_button]))
        return [picker, self.respondent_id, self.side, self.role, self.rating, W.VBox(rows)]

    # respondents

    def _new_row(self) -> dict[str, Any]:
        taken = {r.get("id") for r in self._rows}
        n = len(self._rows) + 1
        while f"respondent-{n}" in taken:
            n += 1
        return {"id": f"respondent-{n}", "side": "vendor"}

    @property
    def current(self) -> dict[str, Any]:
        """The respondent being edited (raw data, edited in place)."""
        row: dict[str, Any] = self._rows[self.respondent.value]
        return row

    def _refresh_choices(self, index: int) -> None:
        self._loading = True
        try:
            # one message to the browser with the new options and the selection: sent apart, the
            # browser's dropdown can fall back to the first option in between and send that back,
            # and the form would then edit another respondent than the one shown as added
            with self.respondent.hold_sync():
                self.respondent.options = [(f"{r.get('id', '?')} ({r.get('side', '?')})", i) for i, r in enumerate(self._rows)]
                self.respondent.value = index
        finally:
            self._loading = False

    def _show_row(self) -> None:
        """Load the current respondent into the widgets without triggering edits."""
        row = self.current
        answers = row.get(self.rating.value) or {}
        self._loading = True
        try:
            self.respondent_id.value = str(row.get("id", ""))
            self.side.value = row.get("side") if row.get("side") in ("vendor", "partner") else "vendor"
            self.role.value = str(row.get("role") or "")
            for item_id, toggle in self.answer_buttons.items():
                a = answers.get(item_id)
                toggle.value = a if isinstance(a, int) and TRUST.scale.min <= a <= TRUST.scale.max else DONT_KNOW
        finally:
            self._loading = False

    def select(self, respondent_id: str) -> None:
        """Edit the respondent with this id."""
        index = next(i for i, r in enumerate(self._rows) if r.get("id") == respondent_id)
        self.respondent.value = index

    def _pick(self, change: dict[str, Any]) -> None:
        if not self._loading and change["new"] is not None:
            self._show_row()

    def _add(self, _button: Any = None) -> None:
        row = self._new_row()
        self._added.append(row)
        self._rows.append(row)
        self._refresh_choices(len(self._rows) - 1)
        self._show_row()
        self.redraw()

    def _remove(self, _button: Any = None) -> None:
        """Drop the respondent shown (from the form; *Save* removes it from the file)."""
        if len(self._rows) == 1:
            self.notes["respondents"].value = '<span class="wb-note-error">The assessment needs at least one respondent.</span>'
            return
        index = self.respondent.value
        del self._rows[index]
        self._refresh_choices(min(index, len(self._rows) - 1))
        self._show_row()
        self.redraw()

    def _refusals(self) -> list[Problem]:
        """A respondent added here with no rating at all is not saved: it would count towards
        nobody's figures and look like a person who answered."""
        problems = []
        for i, row in enumerate(self._rows):
            answered = [a for key in ("answers", "self_answers") for a in (row.get(key) or {}).values() if a is not None]
            if not answered and any(row is added for added in self._added):
                problems.append(self._problem(
                    f"respondents[{i}]",
                    f"{row.get('id') or 'the new respondent'} has no answers yet: rate at least one statement, or remove the respondent",
                ))
        return problems
    def _id_changed(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        self.current["id"] = change["new"].strip()
        self._refresh_choices(self.respondent.value)
        self.redraw()

    def _details_changed(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        row = self.current
        row["side"] = self.side.value
        role = self.role.value.strip()
        if role or "role" in row:
            row["role"] = role
        self._refresh_choices(self.respondent.value)
        self.redraw()

    def _answer_handler(self, item_id: str) -> Callable[[dict[str, Any]], None]:
        def changed(change: dict[str, Any]) -> None:
            if self._loading:
                return
            row = self.current
            which = self.rating.value
            answer = None if change["new"] == DONT_KNOW else int(change["new"])
            answers = row.get(which)
            if answer is None and (not answers or item_id not in answers):
                return  # "don't know" and never answered: nothing to write
            row[which] = {**(answers or {}), item_id: answer}
            self.redraw()

        return changed

    def _collect(self) -> dict[str, Any]:
        data = copy.deepcopy(self._raw)
        data["respondents"] = copy.deepcopy(self._rows)
        return data

    def _after_save(self) -> None:
        index = self.respondent.value
        self._added = []
        self._rows = copy.deepcopy(self._raw.get("respondents") or [])
        self._refresh_choices(min(index, len(self._rows) - 1))
        self._show_row()


# --------------------------------------------------------------------------------------------
# ramp


#: an investment line's fields by how it is paid, in the table's columns: cost, from, to
_PAID = {"recurring": ("monthly_cost", "start_month", "end_month"), "one_off": ("one_off", "month", None)}
_COLUMNS = ("cost", "from", "to")


def _investment_row(entry: dict[str, Any]) -> dict[str, Any]:
    """An investment line as its table row: how it is paid (``kind``), and its amount and months
    in the shared columns (a one-off's amount and month in the cost and from columns)."""
    once = any(k in entry for k in ("one_off", "month")) and not any(k in entry for k in _PAID["recurring"])
    kind = "one_off" if once else "recurring"
    row = {k: v for k, v in entry.items() if k not in (*_PAID["recurring"], *_PAID["one_off"])}
    for column, key in zip(_COLUMNS, _PAID[kind]):
        if key is not None and key in entry:
            row[column] = entry[key]
    return {**row, "kind": kind}


def _investment_entry(row: dict[str, Any]) -> dict[str, Any]:
    """A table row as the investment line the file holds: only the fields of how it is paid."""
    entry = {k: v for k, v in row.items() if k not in ("kind", *_COLUMNS)}
    for column, key in zip(_COLUMNS, _PAID[row.get("kind", "recurring")]):
        if key is not None and column in row:
            entry[key] = row[column]
    return entry


class RampForm(GuidedForm):
    """Sliders for the money machine's key inputs; the chart is the J-curve with its headline
    figures (first revenue, break-even, peak funding need)."""

    section = "ramp"
    intro = (
        "Move the sliders to see when the partnership starts earning and when it pays back. "
        "Watch the commitment: resources withdrawn before break-even leave only the cost."
    )

    #: field -> (label, integer?, min, max, step) of its slider; the slider's max grows to fit the
    #: value; a label's ``{currency}`` is the file's currency code
    FIELDS: dict[str, tuple[str, bool, float, float, float]] = {
        "sales_cycle_months": ("Sales cycle (months)", True, 0, 24, 1),
        "enablement_months": ("Enablement (months)", True, 0, 24, 1),
        "ramp_months": ("Ramp to full speed (months)", True, 0, 48, 1),
        "steady_deals_per_month": ("Deals per month at full speed", False, 0, 20, 0.1),
        "avg_deal_value": ("Average deal value ({currency})", False, 0, 500_000, 1000),
        "partner_margin": ("Partner margin (share, 0.25 = 25 %)", False, 0, 1, 0.01),
        "gross_margin": ("Gross margin (share, 0.75 = 75 %)", False, 0, 1, 0.01),
        "commitment_months": ("Resources committed (months)", True, 1, 240, 1),
        "annual_churn": ("Contracts lost a year (share, 0.1 = 10 %)", False, 0, 1, 0.01),
        "annual_expansion": ("Growth of kept contracts a year (share)", False, 0, 1, 0.01),
    }
    SHARES = ("partner_margin", "gross_margin", "annual_churn", "annual_expansion")
    #: the inputs that only mean something for annual contracts (shown only then)
    RECURRING = ("annual_churn", "annual_expansion")
    #: how deals are paid, as the selector names them
    KINDS = (("One-off deals", "one_off"), ("Annual contracts, billed monthly", "annual_recurring"))

    def _build(self) -> list[W.Widget]:
        """Each input is a slider (no editable readout: it would clamp what is typed) beside a
        box that shows its value and takes a typed one; the box is what the form reads."""
        self.sliders: dict[str, W.IntSlider | W.FloatSlider] = {}
        self.inputs: dict[str, W.Text] = {}
        self._syncing = False
        r = self.params.ramp
        self.kind = W.ToggleButtons(options=list(self.KINDS), value=r.deal_value_kind, description="Deals are",
                                    style={"description_width": "250px", "button_width": "auto"})
        self.kind.observe(self.guard(self._kind_changed), names="value")
        rows: list[W.Widget] = [self.with_note("deal_value_kind", self.kind)]
        self.rows: dict[str, W.HBox] = {}
        for key, (label, whole, lo, hi, step) in self.FIELDS.items():
            current = getattr(r, key)
            top = hi if current <= hi else current * 2
            common = {"description": label.format(currency=self.params.alliance.currency), "continuous_update": False,
                      "readout": False, "style": {"description_width": "250px"}, "layout": W.Layout(width="470px")}
            if whole:
                slider: W.IntSlider | W.FloatSlider = W.IntSlider(value=int(current), min=int(lo), max=int(top), step=int(step), **common)
            else:
                slider = W.FloatSlider(value=float(current), min=lo, max=top, step=step, **common)
            self.sliders[key] = slider
            raw = self._raw.get(key, current)
            self.inputs[key] = number_box(raw, width="100px")
            slider.observe(self.guard(self._slider_moved(key)), names="value")
            self.inputs[key].observe(self.guard(self._typed(key)), names="value")
            self.rows[key] = self.with_note(key, W.HBox([slider, self.inputs[key]]))
            rows.append(self.rows[key])
        self._show_kind()
        return [*rows, *self._build_tables()]

    # the tables under the sliders: investment, premature changes, targets, scenarios

    EVENT_KINDS = tuple((kind.replace("_", " "), kind) for kind in typing.get_args(EventKind))

    def _build_tables(self) -> list[W.Widget]:
        code = self.params.alliance.currency
        recurring = lambda row: row.get("kind") == "recurring"  # noqa: E731
        self.investment = RowTable(
            self, "investment", [
                Column("name", "What", "text", "220px"),
                Column("kind", "Paid", "choice", "110px", (("monthly", "recurring"), ("once", "one_off"))),
                Column("cost", f"Amount ({code})", width="120px"),
                Column("from", "From / in month", width="110px"),
                Column("to", "To month", width="90px", shown=recurring),
            ],
            self._raw.get("investment") or [], self._new_line, "Add an investment line",
            help="People, programmes and one-off costs of the alliance: paid monthly from a month to a month "
                 "(inclusive; the amount is a month's cost), or once in a month. Months are 1-based.",
            to_row=_investment_row, to_entry=_investment_entry, reshape=("kind",),
        )
        self.events = RowTable(
            self, "events", [
                Column("month", "Month", width="80px"),
                Column("kind", "Change", "choice", "170px", self.EVENT_KINDS),
                Column("severity", "Severity (0–1)", "share", "110px"),
                Column("note", "Note", "text", "220px"),
            ],
            self._raw.get("events") or [], lambda rows: {"month": min(self.params.ramp.commitment_months, self.params.ramp.horizon_months), "kind": "people_change"},
            "Add a premature change",
            help="A change before the alliance pays back (people, resources, responsibility, cynicism); severity 0–1 "
                 "scales its effect, empty = 0.5.",
        )
        self.targets = RowTable(
            self, "target_revenue", [
                Column("month", "By month", width="90px"),
                Column("amount", f"Cumulative vendor revenue ({code})", width="200px"),
            ],
            [{"month": m, "amount": a} for m, a in (self._raw.get("target_revenue") or {}).items()],
            self._new_target, "Add a target",
            help="The business plan's cumulative vendor revenue by a month; the report sets the model's against it (the plan gap).",
        )
        scenarios = self._raw.get("scenarios") or {}
        self.scenarios = FieldGroup(
            self, "scenarios", "Scenario settings", [
                Column("invest_late_months", "Invest late by (months)"),
                Column("under_invest_pct", "Under-invest by (%)"),
                Column("premature_change_month", "Premature change in month"),
                Column("premature_change_kind", "Premature change", "choice", options=(("default: people change", ""), *self.EVENT_KINDS)),
                Column("premature_change_severity", "Its severity (0–1)", "share"),
            ],
            scenarios, help="The what-ifs the report compares with the plan; an empty box keeps the default it shows.",
            placeholders={"invest_late_months": "default 6", "under_invest_pct": "default 30",
                          "premature_change_month": "default: half the commitment", "premature_change_severity": "default 0.6"},
        )
        self.direct = FieldGroup(
            self, "scenarios.direct", "Instead: a direct sales team", [
                Column("monthly_cost", f"Its cost a month ({code})"),
                Column("hiring_months", "Hiring (months)"),
                Column("ramp_months", "Ramp to full speed (months)"),
                Column("steady_deals_per_month", "Deals per month at full speed"),
                Column("sales_cycle_months", "Sales cycle (months)"),
            ],
            scenarios.get("direct"), optional=True, add_label="Add the direct-sales route", remove_label="Remove the direct-sales route",
            placeholders={"hiring_months": "default 4", "ramp_months": "default 12", "sales_cycle_months": "default: the partner's"},
        )
        self.acquire = FieldGroup(
            self, "scenarios.acquire", "Instead: acquire a company that sells", [
                Column("price", f"Price ({code})"),
                Column("month", "Bought in month"),
                Column("integration_months", "Integration (months)"),
                Column("monthly_cost", f"Running cost a month ({code})"),
                Column("steady_deals_per_month", "Deals per month once integrated"),
            ],
            scenarios.get("acquire"), optional=True, add_label="Add the acquisition route", remove_label="Remove the acquisition route",
            placeholders={"month": "default 1", "integration_months": "default 6", "monthly_cost": "default 0"},
        )
        # folded under the sliders, so that the J-curve stays in sight of the sliders; a section
        # with a problem opens by itself (see _show_notes)
        self.tables = W.Accordion(
            children=[self.investment.widget, self.events.widget, self.targets.widget,
                      W.VBox([self.scenarios.widget, self.direct.widget, self.acquire.widget])],
            titles=("Investment lines", "Premature changes", "Targets", "Scenarios"),
        )
        self.tables.add_class("wb-ramp-tables")
        return [self.tables]

    #: the note keys each fold of :attr:`tables` holds, by prefix
    FOLDS = ("investment", "events", "target_revenue", "scenarios")

    def _show_notes(self, problems: list[Problem]) -> None:
        super()._show_notes(problems)
        if self.tables.selected_index is not None:
            return
        wrong = [k for k, note in self.notes.items() if "wb-note-error" in note.value]
        fold = next((i for k in wrong for i, prefix in enumerate(self.FOLDS) if k.startswith(prefix)), None)
        if fold is not None:
            self.tables.selected_index = fold

    def _new_line(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"name": f"Line {len(rows) + 1}", "monthly_cost": 0, "start_month": 1, "end_month": self.params.ramp.commitment_months}

    def _new_target(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        months = [int(r["month"]) for r in rows if isinstance(r.get("month"), int)]
        # a year after the last target, within the horizon, on a month without one
        free = [m for m in range(min(max(months, default=0) + 12, self.params.ramp.horizon_months), 0, -1) if m not in months]
        return {"month": free[0]} if free else {}

    def _target_months(self) -> dict[int, int]:
        """Target month -> its row, for the rows whose month is a whole number."""
        return {r["month"]: i for i, r in enumerate(self.targets.rows) if isinstance(r.get("month"), int) and not isinstance(r.get("month"), bool)}

    def _form_problems(self) -> list[Problem]:
        problems, seen = [], dict[Any, int]()
        for i, row in enumerate(self.targets.rows):
            month = row.get("month")
            if not isinstance(month, int) or isinstance(month, bool) or month < 1:
                problems.append(self._problem(f"target_revenue[{i}]", f"the month must be a whole number from 1, got {shown_number(month) or 'nothing'}"))
            elif month in seen:
                problems.append(self._problem(f"target_revenue[{i}]", f"month {month} has a target already (row {seen[month] + 1}): one target a month"))
            else:
                seen[month] = i
            if "amount" not in row:
                problems.append(self._problem(f"target_revenue[{i}]", "give the cumulative vendor revenue expected by that month"))
        return problems

    def _field_key(self, field: str) -> str | None:
        """``ramp.target_revenue.12`` (the schema names a target by its month) -> its row's note."""
        rel = super()._field_key(field)
        if rel is not None and rel.startswith("target_revenue."):
            month = rel.split(".")[1]
            row = self._target_months().get(int(month)) if month.isdigit() else None
            return f"target_revenue[{row}]" if row is not None else "target_revenue"
        return rel

    def _show_kind(self) -> None:
        """Churn and expansion only for annual contracts; the deal value reads as what it is."""
        recurring = self.kind.value == "annual_recurring"
        for key in self.RECURRING:
            self.rows[key].layout.display = None if recurring else "none"
        label = "Annual contract value ({currency})" if recurring else self.FIELDS["avg_deal_value"][0]
        self.sliders["avg_deal_value"].description = label.format(currency=self.params.alliance.currency)

    def _kind_changed(self, change: dict[str, Any]) -> None:
        self._show_kind()
        self._changed()

    def _slider_moved(self, key: str) -> Callable[[dict[str, Any]], None]:
        def moved(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            self._syncing = True
            try:
                self.inputs[key].value = shown_number(change["new"])
            finally:
                self._syncing = False
            self._changed()

        return moved

    def _typed(self, key: str) -> Callable[[dict[str, Any]], None]:
        def typed(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            x = typed_number(change["new"], share=key in self.SHARES)
            slider = self.sliders[key]
            if isinstance(x, (int, float)) and x >= slider.min and (not self.FIELDS[key][1] or float(x).is_integer()):
                self._syncing = True
                try:
                    if x > slider.max and (key not in self.SHARES):
                        slider.max = x * 2 if isinstance(slider, W.FloatSlider) else int(x) * 2
                    if x <= slider.max:
                        slider.value = x
                    if change["new"] != shown_number(x):
                        self.inputs[key].value = shown_number(x)  # "25%" reads back as 0.25
                finally:
                    self._syncing = False
            self._changed()

        return typed

    def _hint(self, key: str) -> str:
        return share_hint(self.inputs[key].value) if key in self.SHARES else ""

    def _collect(self) -> dict[str, Any]:
        data = copy.deepcopy(self._raw)
        if "deal_value_kind" in data or self.kind.value != self.params.ramp.deal_value_kind:
            data["deal_value_kind"] = self.kind.value
        recurring = self.kind.value == "annual_recurring"
        if not recurring:  # churn and expansion mean nothing for one-off deals: they go, with churn's range
            uncertainty = data.get("uncertainty")
            if isinstance(uncertainty, dict):
                uncertainty.pop("annual_churn", None)
        for key, box in self.inputs.items():
            x = typed_number(box.value, share=key in self.SHARES)
            if key in self.RECURRING and not recurring:
                data.pop(key, None)
                continue
            if key in data or x != getattr(self.params.ramp, key):  # a default left out stays out
                data[key] = x
        for key, entries in (("investment", self.investment.entries), ("events", self.events.entries)):
            if entries or key in data:
                data[key] = entries
        targets = {r["month"]: r.get("amount") for r in self.targets.rows if isinstance(r.get("month"), int)}
        if targets or "target_revenue" in data:
            data["target_revenue"] = targets
        scenarios = self.scenarios.values or {}
        for key, group in (("direct", self.direct), ("acquire", self.acquire)):
            if group.values is None:
                scenarios.pop(key, None)
            else:
                scenarios[key] = group.values
        if scenarios or "scenarios" in data:
            data["scenarios"] = scenarios
        return data

    def _after_save(self) -> None:
        """Show the file as saved (with what others saved since in other fields)."""
        self._syncing = True
        try:
            self.kind.value = self._raw.get("deal_value_kind", self.params.ramp.deal_value_kind)
            self._show_kind()
            for key, box in self.inputs.items():
                value = self._raw.get(key, getattr(self.params.ramp, key))
                box.value = shown_number(value)
                slider = self.sliders[key]
                slider.max = max(slider.max, value)
                slider.value = value
        finally:
            self._syncing = False
        self._loading = True
        try:
            self.investment.load(self._raw.get("investment") or [])
            self.events.load(self._raw.get("events") or [])
            self.targets.load([{"month": m, "amount": a} for m, a in (self._raw.get("target_revenue") or {}).items()])
            scenarios = self._raw.get("scenarios") or {}
            self.scenarios.load(scenarios)
            self.direct.load(scenarios.get("direct"))
            self.acquire.load(scenarios.get("acquire"))
        finally:
            self._loading = False


# --------------------------------------------------------------------------------------------
# value


class ValueForm(GuidedForm):
    """Number fields for what serving the partner's customers directly would cost; the chart
    is a waterfall of those costs against the margin paid to the partner."""

    section = "value"
    intro = (
        "What does the partner do besides selling? Put a yearly figure on the quotes, advice, credit "
        "checks and payment terms it carries, and compare them with the margin it keeps."
    )

    #: field -> label (all yearly figures; shares are written 0.08 for 8 %; ``{currency}`` is the
    #: file's currency code)
    FIELDS: dict[str, str] = {
        "quotes_per_year": "Quotes per year",
        "hours_per_quote": "Hours per quote",
        "loaded_cost_per_hour": "Loaded cost per hour ({currency})",
        "design_advice_hours_per_year": "Design advice hours per year",
        "credit_checks_per_year": "Credit checks per year",
        "cost_per_credit_check": "Cost per credit check ({currency})",
        "revenue_via_partner_per_year": "Revenue via the partner per year ({currency})",
        "dso_days_partner_carries": "Days of payment the partner carries",
        "cost_of_capital": "Cost of capital (share, 0.08 = 8 %)",
        "bad_debt_rate_avoided": "Bad debt avoided (share of revenue)",
    }
    MARGIN = "margin_paid_to_partner_per_year"
    SHARES = ("cost_of_capital", "bad_debt_rate_avoided")

    def _build(self) -> list[W.Widget]:
        style = {"description_width": "300px"}
        self.fields: dict[str, W.Text] = {}
        code = self.params.alliance.currency
        rows = []
        for key, label in self.FIELDS.items():
            self.fields[key] = number_box(self._raw.get(key, 0), description=label.format(currency=code), width="460px", style=style)
            rows.append(self.with_note(key, self.fields[key]))
        margin = self._raw.get(self.MARGIN)
        self.margin = W.Text(
            value="" if margin is None else shown_number(margin),
            description=f"Margin paid to the partner per year ({code})",
            placeholder="empty = computed",
            continuous_update=False,
            style=style,
            layout=W.Layout(width="460px"),
        )
        rows.append(self.with_note(self.MARGIN, self.margin))
        self._watch([*self.fields.values(), self.margin])
        others = self._raw.get("other_costs") or []
        note = (
            [W.HTML(f"<p>{count(len(others), 'other cost line')} in the file {'is' if len(others) == 1 else 'are'} kept as {'it is' if len(others) == 1 else 'they are'}.</p>")] if others else []
        )
        return [*rows, *note]

    def _hint(self, key: str) -> str:
        return share_hint(self.fields[key].value) if key in self.SHARES else ""

    def _collect(self) -> dict[str, Any]:
        data = copy.deepcopy(self._raw)
        for key, field in self.fields.items():
            x = typed_number(field.value, share=key in self.SHARES)
            if key in data or x != 0:  # 0 is the default: do not add it to the file
                data[key] = x
        if not self.margin.value.strip():
            data.pop(self.MARGIN, None)
        else:
            data[self.MARGIN] = typed_number(self.margin.value)  # text that is no number: the schema explains
        return data

    def _after_save(self) -> None:
        """Show the file as saved (with what others saved since in other fields)."""
        self._loading = True
        try:
            for key, field in self.fields.items():
                field.value = shown_number(self._raw.get(key, 0))
            margin = self._raw.get(self.MARGIN)
            self.margin.value = "" if margin is None else shown_number(margin)
        finally:
            self._loading = False


# --------------------------------------------------------------------------------------------
# health


class HealthForm(GuidedForm):
    """Add a check-in: date, alliance manager in post, the narrative's sentiment, changes
    noticed since the last one, wins, how many the partner took part in and how many of those
    credited it. The chart is the
    health timeline including the check-in being added."""

    section = "health"
    intro = (
        "Record what changed since the last check-in. Changes of people, resources or responsibility "
        "before the alliance pays back are the early warnings this page is for."
    )
    KINDS = ["ownership", "structure", "personnel", "policy", "environment", "resources", "responsibility"]

    def _build(self) -> list[W.Widget]:
        style = {"description_width": "200px"}
        layout = W.Layout(width="560px")
        start = self._raw.get("alliance_start") or self.params.start  # alliance.start dates month 1 when health does not
        self.alliance_start = W.DatePicker(
            value=start if isinstance(start, dt.date) else dt.date.today().replace(day=1),
            description="Alliance start (month 1)",
            style=style,
            layout=W.Layout(width="380px"),
        )
        self.date = W.DatePicker(description="Check-in date", style=style, layout=W.Layout(width="380px"))
        self.manager = W.Text(continuous_update=False, description="Alliance manager in post", placeholder="empty: the post is vacant", style=style, layout=layout)
        self.sentiment = W.ToggleButtons(options=["positive", "neutral", "negative"], value="neutral", description="Narrative", style=style)
        self.events = W.SelectMultiple(options=self.KINDS, value=(), description="Changes noticed", rows=len(self.KINDS), style=style, layout=layout)
        self.event_note = W.Text(continuous_update=False, description="What changed", placeholder="a few words for the changes selected", style=style, layout=layout)
        self.wins = number_box(0, description="Wins since last check-in", width="300px", style=style)
        self.wins_partner = number_box(0, description="…the partner took part in", width="300px", style=style)
        self.wins_credit = number_box(0, description="…of those, crediting it", width="300px", style=style)
        self.note = W.Text(continuous_update=False, description="Note", style=style, layout=layout)
        self.history = W.HTML()
        self._reset_draft()
        self.wins.observe(self._partner_wins_follow, names="value")
        self._watch([self.alliance_start, self.date, self.manager, self.sentiment, self.events, self.event_note, self.wins, self.wins_partner, self.wins_credit, self.note])
        heading = W.HTML("<h3>Add a check-in</h3>")
        counts = [self.with_note(key, box) for key, box in
                  (("wins", self.wins), ("wins_with_partner", self.wins_partner), ("wins_crediting_partner", self.wins_credit))]
        return [self.alliance_start, self.history, heading, self.date, self.manager, self.sentiment, self.events, self.event_note, *counts, self.note]

    def _field_key(self, field: str) -> str | None:
        """A problem with the check-in being added (``health.check_ins[n].wins``) -> ``wins``."""
        draft = f"health.check_ins[{len(self._raw.get('check_ins') or [])}]."
        return field[len(draft):] if field.startswith(draft) else None

    def _reset_draft(self) -> None:
        """A fresh check-in: the day after the last one (or today), the last manager, no events."""
        check_ins = self._raw.get("check_ins") or []
        last = check_ins[-1] if check_ins else {}
        last_date = last.get("date")
        today = dt.date.today()
        when = max(today, last_date + dt.timedelta(days=1)) if isinstance(last_date, dt.date) else today
        self._loading = True
        try:
            self.date.value = when
            self.manager.value = str(last.get("alliance_manager") or "")
            self.sentiment.value = "neutral"
            self.events.value = ()
            self.event_note.value = ""
            self.wins.value = "0"
            self.wins_partner.value = "0"
            self.wins_credit.value = "0"
            self.note.value = ""
        finally:
            self._loading = False
        shown = [
            {"Date": text.date(c["date"]) if isinstance(c.get("date"), dt.date) else str(c.get("date")), "Alliance manager": c.get("alliance_manager") or "(vacant)", "Narrative": c.get("sentiment"),
             "Changes": ", ".join(str(e.get("kind")).replace("_", " ") for e in c.get("events") or []) or "—",
             "Wins": c.get("wins", 0), "With the partner": c.get("wins_with_partner", c.get("wins", 0)),
             "Crediting the partner": c.get("wins_crediting_partner", 0)}
            for c in check_ins
        ]
        if shown:
            import pandas as pd

            self.history.value = "<h3>Check-ins so far</h3>" + views.table(pd.DataFrame(shown)).html
        else:
            self.history.value = "<p>No check-ins recorded yet.</p>"

    def _partner_wins_follow(self, change: dict[str, Any]) -> None:
        """Until the user says otherwise, the partner took part in every win."""
        if self.wins_partner.value == change["old"]:
            self.wins_partner.value = change["new"]

    @property
    def draft(self) -> dict[str, Any]:
        """The check-in being added, as plain data."""
        entry: dict[str, Any] = {
            "date": self.date.value,
            "alliance_manager": self.manager.value.strip() or None,
            "sentiment": self.sentiment.value,
        }
        note = self.event_note.value.strip()
        if self.events.value:
            entry["events"] = [{"kind": k, "note": note} if note else {"kind": k} for k in self.events.value]
        entry["wins"] = typed_number(self.wins.value)
        entry["wins_with_partner"] = typed_number(self.wins_partner.value)
        entry["wins_crediting_partner"] = typed_number(self.wins_credit.value)
        if self.note.value.strip():
            entry["note"] = self.note.value.strip()
        return entry

    def _collect(self) -> dict[str, Any]:
        data = copy.deepcopy(self._raw)
        if "alliance_start" in self._raw or self.alliance_start.value != self.params.alliance.start:
            data["alliance_start"] = self.alliance_start.value  # alliance.start already says it otherwise
        data["check_ins"] = [*(data.get("check_ins") or []), self.draft]
        return data

    def _after_save(self) -> None:
        self._reset_draft()

    def redraw(self) -> None:
        super().redraw()
        if self.status.value == message("info", "Changes not saved yet."):
            self.status.value = message("info", "The chart includes the check-in being added; save to record it.")


