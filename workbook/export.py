"""Export a workshop session into its alliance's params file, as a new assessment of that alliance.

The export updates the alliance's own params file in place — one file, one alliance name, one
row in the portfolio — in two explicit steps:

1. :func:`preview_export` merges the session's submitted answers into the file's YAML and
   returns an :class:`ExportPreview`: the new text (validated like any params file) and the
   list of changes, for a person to read. Nothing is written.
2. :func:`write_export` writes exactly that text, after copying the old version into the
   history folder (``params/.history/<file>-<UTC time>.yaml``, which ``params/*.yaml`` does not
   match). It refuses if the file changed since the preview.

Merge rules
-----------
* ``scope``: an item the room answered gets the room's status (the median answer, rounded
  down) and a note with the split (``workshop: 3 agreed, 1 draft``), which replaces the note of
  an earlier workshop; the analyst's own note, weight and comments are kept. Items nobody
  answered, the named alliance manager and the resources to confirm are left as they are.
* ``trust``, in one of two modes (:data:`ExportMode`):

  - ``replace`` (the default): the session's respondents replace the file's, dated the day of
    the session; the file's own indices (vendor and partner, computed as the report computes
    them) become ``trust.previous``, and the ``previous`` they replace moves to the end of
    ``trust.history``, so the report can show trust over every assessment. Exporting the same
    session again replaces its respondents and keeps the ``previous`` of the first export.
  - ``add``: the room's respondents join the file's current assessment (a second room of the
    same assessment). A participant already in the file (the same random id, from an earlier
    export of this session) is updated, not added twice, so adding the same session again
    changes nothing. The assessment keeps the later of its date and the session's day;
    ``previous`` and ``history`` are left as they are. The scope section is left as it is: the
    room's checklist cannot be combined with the earlier room's, whose answers the file does
    not keep (it keeps their median and split), so Add says so and changes no item.

  Everything else (``min_respondents``, comments) is kept.
* A section the session has no answers for is left untouched.

Before anything is written the preview warns (:attr:`ExportPreview.warnings`) when a side of
the resulting assessment would have fewer respondents with trust answers than
``trust.min_respondents`` (its figures are then hidden in the report), and when Replace would
leave the file with fewer respondents than it has. Writing still works after a warning.

Writing holds the same lock as the guided notebooks' saves (:func:`workbook.params.file_lock`)
and replaces the file with :func:`workbook.files.atomic_replace`: a symlink is followed (the
target is replaced, the link stays), the file's mode is kept, and readers see the old file or the
new one, never half of one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .errors import WorkbookError
from .instruments import SCOPING_ITEMS, TRUST_ITEMS
from .store import SCOPE_VALUES, AnswerSource, SessionStore, StoreError, self_item
from .text import count

#: The folder, next to the params files, that keeps every version an export replaced.
HISTORY_FOLDER = ".history"
#: The first line of a file a workshop was exported into (replaced by the next export).
HEADER_PREFIX = "# Workshop session "
_WORKSHOP_NOTE = re.compile(r"(?:^|;\s*)workshop: [^;]*$")

#: How an export treats the file's trust assessment: ``replace`` it with the room's, or ``add``
#: the room's respondents to it (see the module docstring).
ExportMode = Literal["replace", "add"]
EXPORT_MODES: tuple[ExportMode, ...] = ("replace", "add")
#: Add warns when the session is more than this many days (about a quarter) from the file's
#: assessment: rooms that far apart are more likely two assessments than one.
ADD_WITHIN_DAYS = 92


class ExportError(WorkbookError):
    """An export that was refused; ``str(exc)`` is fit to show the facilitator."""


class FileChangedError(ExportError):
    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path}: the file changed since you previewed it; preview the export again.")


# --------------------------------------------------------------------------------------------
# Finding the alliance's file


# --------------------------------------------------------------------------------------------
# The session's answers as params sections (workbook.export merges them into a params file)


def trust_block(store: AnswerSource, code: str, date: dt.date | None = None, submitted_only: bool = True) -> dict[str, Any] | None:
    """The session's trust answers as a params ``trust`` section (``None`` if nobody answered one).

    Only admitted participants count (see :mod:`workbook.store`, "Admission"); with
    ``submitted_only`` (the default) only those who submitted.
    Respondent ids are the participants' random ids, so names never reach the params file.
    A participant's ratings of their own company become ``self_answers`` (the mirror).
    """
    answers = store.answers(code)
    respondents = []
    for p in store.participants(code):
        if p.standing != "admitted" or (submitted_only and not p.submitted):
            continue
        given = answers.get(p.id, {})
        mine = {item: v for item, v in given.items() if item in TRUST_ITEMS}
        own = {item: v for key, v in given.items() if (item := self_item(key)) is not None}
        if not any(v is not None for v in (*mine.values(), *own.values())):
            continue
        ordered = {i: mine[i] for i in TRUST_ITEMS if i in mine}
        entry: dict[str, Any] = {"id": p.id, "side": p.side}
        if p.role:
            entry["role"] = p.role
        entry["answers"] = ordered
        if any(v is not None for v in own.values()):
            entry["self_answers"] = {i: own[i] for i in TRUST_ITEMS if i in own}
        respondents.append(entry)
    if not respondents:
        return None
    return {"date": (date or dt.date.today()).isoformat(), "respondents": respondents}


def scope_block(store: AnswerSource, code: str, submitted_only: bool = True) -> dict[str, Any] | None:
    """The session's scoping answers as a params ``scope`` section.

    Each item's status is the median of the participants' answers, rounded down (a split room
    counts as the less ready status); the note records the spread. Items nobody answered are
    left out, which the readiness score counts as missing. Only admitted participants count.
    """
    answers = store.answers(code)
    submitted = {p.id for p in store.participants(code) if p.standing == "admitted" and (p.submitted or not submitted_only)}
    items: dict[str, Any] = {}
    for item in SCOPING_ITEMS:
        values = sorted(v for pid, a in answers.items() if pid in submitted for i, v in a.items() if i == item and v is not None)
        if not values:
            continue
        median = values[(len(values) - 1) // 2]
        spread = ", ".join(f"{values.count(k)} {SCOPE_VALUES[k]}" for k in sorted(SCOPE_VALUES, reverse=True) if values.count(k))
        items[item] = {"status": SCOPE_VALUES[median], "note": f"workshop: {spread}"}
    if not items:
        return None
    return {"items": items}



def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def alliance_name(path: Path) -> str | None:
    """``alliance.name`` of a params file, or ``None`` if the file cannot be read as one."""
    from .params import read_yaml

    try:
        data = read_yaml(path)
        name = data["alliance"]["name"]
    except (WorkbookError, KeyError, TypeError):
        return None
    return str(name) if name is not None else None


def company_names_of(path: Path) -> tuple[str, str] | None:
    """``alliance.vendor`` and ``alliance.partner`` of a params file (plain text, escape to
    show), or ``None`` if the file cannot be read as one."""
    from .params import read_yaml

    try:
        alliance = read_yaml(path)["alliance"]
        vendor, partner = alliance["vendor"], alliance["partner"]
    except (WorkbookError, KeyError, TypeError):
        return None
    return (str(vendor), str(partner)) if vendor is not None and partner is not None else None


def params_for_alliance(alliance: str, files: Iterable[Path]) -> Path | None:
    """The one file of ``files`` whose ``alliance.name`` is ``alliance`` (case and spacing
    aside); ``None`` when no file, or more than one, names it."""
    wanted = _fold(alliance)
    found = [p for p in files if (name := alliance_name(Path(p))) is not None and _fold(name) == wanted]
    return Path(found[0]) if len(found) == 1 else None


# --------------------------------------------------------------------------------------------
# Preview


@dataclass(frozen=True)
class Change:
    """One change the export makes: a dotted field and its value before and after, in words."""

    field: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.field}: {self.before or '(none)'} → {self.after or '(none)'}"


@dataclass(frozen=True)
class ExportPreview:
    """What :func:`write_export` will write, and why.

    Attributes
    ----------
    code : the session.
    path : the params file as chosen (a symlink stays a symlink).
    target : the file that is replaced (``path`` with symlinks followed).
    text : the new content, already validated.
    digest : SHA-256 of ``target``'s content when previewed; writing refuses if it differs.
    changes : every change, in file order (scope, then trust).
    notes : things the facilitator should know (answers left out, a name that differs, ...).
    version : the session's version when previewed (see :meth:`SessionStore.version`).
    mode : ``replace`` or ``add`` (see :data:`ExportMode`).
    warnings : what the facilitator should weigh before writing: a side that would fall below
        the anonymity floor, a Replace that leaves fewer respondents than the file has.
    """

    code: str
    path: Path
    target: Path
    text: str
    digest: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    version: tuple[Any, ...] = field(default=())
    mode: ExportMode = "replace"
    warnings: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        return not self.changes

    def describe(self) -> str:
        """The preview as plain text, one change a line."""
        how = "added to" if self.mode == "add" else "into"
        lines = [f"Export of session {self.code} {how} {self.path}:"]
        lines += [f"  {c}" for c in self.changes] or ["  nothing changes: the file already holds these answers"]
        lines += [f"Warning: {w}" for w in self.warnings]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    target: Path
    history: Path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dump(doc: Any) -> str:
    from .params import dump

    return dump(doc, explicit_null=True)


def _flow(mapping: dict[str, Any]) -> CommentedMap:
    out = CommentedMap(mapping)
    out.fa.set_flow_style()
    return out


def _status_of(entry: Any) -> str:
    if isinstance(entry, dict):
        return str(entry.get("status", ""))
    return "" if entry is None else str(entry)


def _merge_scope(doc: CommentedMap, block: dict[str, Any]) -> list[Change]:
    """Merge the session's checklist into ``doc['scope']`` in place; the changes made."""
    changes: list[Change] = []
    scope = doc.get("scope")
    if not isinstance(scope, CommentedMap):
        scope = doc["scope"] = CommentedMap()
    if not isinstance(scope.get("items"), CommentedMap):
        scope["items"] = CommentedMap(scope.get("items") or {})
    items: CommentedMap = scope["items"]
    order = list(SCOPING_ITEMS)
    for key, answer in block["items"].items():
        status, workshop_note = answer["status"], answer["note"]
        old = items.get(key)
        before = _status_of(old)
        if isinstance(old, CommentedMap):
            note = _WORKSHOP_NOTE.sub("", str(old.get("note", ""))).strip()
            old["status"] = status
            old["note"] = DoubleQuotedScalarString(f"{note}; {workshop_note}" if note else workshop_note)
        elif key in items:
            items[key] = _flow({"status": status, "note": DoubleQuotedScalarString(workshop_note)})
        else:  # not listed yet (counted as missing): placed in the bank's order
            later = [i for i, k in enumerate(items) if k in SCOPING_ITEMS and order.index(k) > order.index(key)]
            items.insert(later[0] if later else len(items), key, _flow({"status": status, "note": DoubleQuotedScalarString(workshop_note)}))
        if before != status:
            changes.append(Change(f"scope.items.{key}", before or "missing (not listed)", f"{status} ({workshop_note})"))
    return changes


def _indices(trust_section: Any) -> tuple[dt.date | None, float | None, float | None]:
    """The date and the vendor and partner indices of a trust section, as its report shows them."""
    from . import trust as trust_model
    from .params import plain
    from .schema import Trust

    t = Trust.model_validate(plain(trust_section))
    result = trust_model.analyse(t)
    by_side = result.indices.set_index("side")

    def side(name: str) -> float | None:
        raw: Any = by_side.at[name, "index"]
        value = float(raw)
        return None if value != value else round(value, 1)  # NaN: hidden (too few respondents)

    return t.date, side("vendor"), side("partner")


def _describe_previous(prev: Any) -> str:
    if not isinstance(prev, dict):
        return ""
    parts = [str(prev.get("date"))]
    for side in ("vendor", "partner"):
        value = prev.get(f"{side}_index")
        parts.append(f"{side} {value:g}" if isinstance(value, (int, float)) else f"{side} hidden")
    return f"{parts[0]}: {parts[1]}, {parts[2]}"


def _who(respondents: Sequence[Any]) -> str:
    sides = [str(r.get("side")) for r in respondents if isinstance(r, dict)]
    return f"{len(sides)} ({sides.count('vendor')} vendor, {sides.count('partner')} partner)"


def _entry(r: dict[str, Any]) -> CommentedMap:
    """A respondent of :func:`trust_block` as the params file writes it (answers on one line)."""
    entry = CommentedMap((k, v) for k, v in r.items() if k not in ("answers", "self_answers"))
    entry["answers"] = _flow(r["answers"])
    if r.get("self_answers"):
        entry["self_answers"] = _flow(r["self_answers"])
    return entry


def _added(r: dict[str, Any], field_name: str = "trust.respondents (added)") -> Change:
    answered = sum(v is not None for v in r["answers"].values())
    own = sum(v is not None for v in r.get("self_answers", {}).values())
    role = f", {r['role']}" if r.get("role") else ""
    mirror = f" and {own} about their own company" if own else ""
    return Change(field_name, "", f"{r['id']} ({r['side']}{role}): {answered} answer{'s' if answered != 1 else ''}{mirror}")


def _set_date(trust: CommentedMap, new_date: dt.date, changes: list[Change]) -> None:
    old_date_value = trust.get("date")
    if str(old_date_value) != str(new_date):
        changes.append(Change("trust.date", "" if old_date_value is None else str(old_date_value), str(new_date)))
    if "date" in trust:
        trust["date"] = new_date
    else:  # first, as in the examples
        trust.insert(0, "date", new_date)


def _set_respondents(trust: CommentedMap, respondents: list[Any]) -> None:
    """Replace ``trust.respondents`` by ``respondents``, keeping the comment on the key's line."""
    old_seq = trust.get("respondents")
    if isinstance(old_seq, CommentedSeq):  # keep the comment on the key line, not the old items'
        old_seq.ca.items.clear()
        del old_seq[:]
        old_seq.extend(respondents)
    else:
        seq = CommentedSeq()
        seq.extend(respondents)
        trust["respondents"] = seq


def _move_to_history(trust: CommentedMap, earlier: Any, changes: list[Change]) -> None:
    """Append the result ``earlier`` (the ``previous`` an export replaces) to ``trust.history``."""
    if not isinstance(earlier, dict):
        return
    history = trust.get("history")
    if not isinstance(history, CommentedSeq):
        history = CommentedSeq(history or [])
        keys = list(trust)
        at = keys.index("previous") + 1 if "previous" in keys else len(keys)
        trust.insert(at, "history", history)
    before = len(history)
    history.append(_flow(dict(earlier)))
    changes.append(
        Change("trust.history", f"{before} earlier result{'s' if before != 1 else ''}", f"{before + 1}: adds {_describe_previous(earlier)}")
    )


def _merge_trust(doc: CommentedMap, block: dict[str, Any], session_ids: set[str], notes: list[str], warnings: list[str]) -> list[Change]:
    """Replace ``doc['trust']``'s assessment by the session's, in place; the changes made."""
    changes: list[Change] = []
    new_date = dt.date.fromisoformat(block["date"])
    trust = doc.get("trust")
    old_respondents = list(trust.get("respondents") or []) if isinstance(trust, dict) else []
    if not isinstance(trust, CommentedMap):
        trust = doc["trust"] = CommentedMap()
    same_session = any(isinstance(r, dict) and str(r.get("id")) in session_ids for r in old_respondents)

    # the file's own assessment becomes the previous one, and the previous one joins the history
    old_previous = trust.get("previous")
    if old_respondents and not same_session:
        old_date, vendor, partner = _indices(trust)
        if old_date is None:
            notes.append("trust.previous is left as it was: the file's trust section has no date, so its results cannot be dated.")
        elif old_date >= new_date:
            notes.append(f"trust.previous is left as it was: the file's assessment ({old_date}) is not older than this session ({new_date}).")
        elif vendor is None and partner is None:
            notes.append("trust.previous is left as it was: both sides of the file's assessment had too few respondents to show an index.")
        else:
            previous = _flow({"date": old_date, "vendor_index": vendor, "partner_index": partner})
            changes.append(Change("trust.previous", _describe_previous(old_previous), _describe_previous(previous)))
            trust["previous"] = previous
            _move_to_history(trust, old_previous, changes)
    elif same_session:
        notes.append("The file already holds an export of this session: its respondents are replaced and trust.previous is kept.")

    _set_date(trust, new_date, changes)
    _set_respondents(trust, [_entry(r) for r in block["respondents"]])
    changes.append(Change("trust.respondents", _who(old_respondents) if old_respondents else "", f"{_who(block['respondents'])} from the session"))
    old_ids = {str(r.get("id")) for r in old_respondents if isinstance(r, dict)}
    changes += [_added(r) for r in block["respondents"] if r["id"] not in old_ids]
    if len(block["respondents"]) < len(old_respondents):
        warnings.append(
            f"This export replaces {_who(old_respondents).replace(' (', ' respondents (', 1)} with the room's {_who(block['respondents'])}: "
            "the file would have fewer respondents than it has now. To keep the file's respondents and add the room's to them, choose Add."
        )
    return changes


def _add_trust(
    doc: CommentedMap, block: dict[str, Any], notes: list[str], warnings: list[str], removed: frozenset[str] = frozenset()
) -> list[Change]:
    """Add the session's respondents to ``doc['trust']``'s assessment, in place; the changes made.

    A respondent whose id the file already has is updated in place; the date becomes the later
    of the file's and the session's; ``previous`` and ``history`` are not touched.
    """
    changes: list[Change] = []
    session_date = dt.date.fromisoformat(block["date"])
    trust = doc.get("trust")
    old_respondents = list(trust.get("respondents") or []) if isinstance(trust, dict) else []
    if not isinstance(trust, CommentedMap):
        trust = doc["trust"] = CommentedMap()
    if not old_respondents:
        notes.append("The file has no trust respondents yet: adding the room's gives the same assessment as replacing.")
    file_date = trust.get("date")
    old_date = file_date if isinstance(file_date, dt.date) else None
    new_date = max(old_date, session_date) if old_date is not None else session_date
    _set_date(trust, new_date, changes)
    if old_date is not None and abs((session_date - old_date).days) > ADD_WITHIN_DAYS:
        warnings.append(
            f"The file's assessment is dated {old_date}, {abs((session_date - old_date).days)} days from this session ({session_date}): "
            "Add treats both rooms as one assessment. If this room is a new assessment, choose Replace."
        )
    if old_date is not None:
        notes.append(
            f"Add keeps the file's assessment, dated the later of its date ({old_date}) and the session's ({session_date}); "
            "trust.previous and trust.history are left as they are."
        )

    # a participant of this session the facilitator removed after an earlier export leaves the file
    dropped = [r for r in old_respondents if isinstance(r, dict) and str(r.get("id")) in removed]
    kept = [r for r in old_respondents if not (isinstance(r, dict) and str(r.get("id")) in removed)]
    position = {str(r.get("id")): i for i, r in enumerate(kept) if isinstance(r, dict)}
    merged: list[Any] = list(kept)
    added: list[dict[str, Any]] = []
    updated: list[str] = []
    for r in block["respondents"]:
        if r["id"] in position:
            i = position[r["id"]]
            if _plain_entry(merged[i]) != _plain_entry(r):
                merged[i] = _entry(r)
                updated.append(r["id"])
        else:
            merged.append(_entry(r))
            added.append(r)
    if added or updated or dropped:
        _set_respondents(trust, merged)
        what = ", ".join(
            x
            for x in (
                f"{len(added)} added" if added else "",
                f"{len(updated)} updated" if updated else "",
                f"{len(dropped)} removed by the facilitator" if dropped else "",
            )
            if x
        )
        changes.append(Change("trust.respondents", _who(old_respondents) if old_respondents else "", f"{_who(merged)} ({what} from the session)"))
        changes += [_added(r) for r in added]
        changes += [Change("trust.respondents (updated)", "", f"{rid}: answers from this session's latest submission") for rid in updated]
        changes += [Change("trust.respondents (removed)", str(r.get("id")), "") for r in dropped]
    elif old_respondents:
        notes.append("Every respondent of the room is already in the file with the same answers.")
    return changes


def _plain_entry(entry: Any) -> Any:
    """A respondent as plain data, to compare the file's with the session's."""
    from .params import plain

    return plain(entry)


def _side_counts(doc: CommentedMap) -> dict[str, int]:
    """Respondents per side of ``doc['trust']`` with at least one trust answer (rule 2's ``n``)."""
    trust = doc.get("trust")
    counts = {"vendor": 0, "partner": 0}
    for r in (trust.get("respondents") or []) if isinstance(trust, dict) else []:
        if not isinstance(r, dict) or r.get("side") not in counts:
            continue
        answers = r.get("answers") or {}
        if isinstance(answers, dict) and any(v is not None for v in answers.values()):
            counts[str(r["side"])] += 1
    return counts


def _floor_warnings(doc: CommentedMap) -> list[str]:
    """A warning for each side of the merged assessment below ``trust.min_respondents``."""
    from .schema import ANONYMITY_FLOOR

    trust = doc.get("trust")
    floor = trust.get("min_respondents", ANONYMITY_FLOOR) if isinstance(trust, dict) else ANONYMITY_FLOOR
    floor = floor if isinstance(floor, int) else ANONYMITY_FLOOR
    out = []
    for side, n in _side_counts(doc).items():
        if n < floor:
            people = "no respondents" if n == 0 else f"{n} respondent{'s' if n != 1 else ''}"
            out.append(
                f"The {side} side would have {people} with trust answers, fewer than the {floor} the file asks for "
                f"(trust.min_respondents): its trust figures will be hidden in the report."
            )
    return out


def _header(code: str, date: dt.date, history: str, mode: ExportMode = "replace") -> str:
    what = "trust answers added to the assessment here" if mode == "add" else "exported here (trust and scope answers)"
    return f"{HEADER_PREFIX}{code} of {date} {what}; earlier versions are in {history}/\n"


def _with_header(text: str, header: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith(HEADER_PREFIX):
        lines.pop(0)
    return header + "".join(lines)


def preview_export(
    store: SessionStore, code: str, path: str | Path, history_dir: str | Path | None = None, mode: ExportMode = "replace"
) -> ExportPreview:
    """Merge the session's submitted answers into the params file at ``path``; write nothing.

    ``mode`` is ``replace`` (the room's assessment replaces the file's) or ``add`` (the room's
    respondents join the file's assessment); see the module docstring.

    Raises
    ------
    StoreError
        if the session is unknown or nobody has submitted answers.
    ParamsError
        if the params file cannot be read, or the merged file would not validate (each problem
        names the file, the line and the field).
    ExportError
        if ``mode`` is neither ``replace`` nor ``add``.
    """
    from .params import check_text, parse_params, parse_yaml_text, read_text

    if mode not in EXPORT_MODES:
        raise ExportError(f"Unknown export mode {mode!r}: choose replace or add.")
    path = Path(path)
    session = store.get_session(code)
    code = session.code
    version = tuple(store.version(code))
    target = path.resolve()
    raw = read_text(path)  # ParamsError naming the file when it is missing, not a file or not UTF-8
    doc = parse_yaml_text(raw, path)
    parse_params(doc, path)  # the file as it is must be valid before anything is merged into it
    session_date = dt.date.fromisoformat(session.created[:10])
    trust = trust_block(store, code, date=session_date)
    scope = scope_block(store, code)
    if trust is None and scope is None:
        raise StoreError("Nobody has submitted answers yet: there is nothing to export.")

    notes: list[str] = []
    name = str(doc["alliance"]["name"])
    if _fold(name) != _fold(session.alliance):
        notes.append(f"The session is for “{session.alliance}” but this file is for “{name}”: check it is the right file.")
    participants = store.participants(code)
    waiting = sum(not p.submitted for p in participants if p.standing == "admitted")
    if waiting:
        notes.append(f"{waiting} participant{'s' if waiting != 1 else ''} joined but did not submit: their answers are left out.")
    unadmitted = sum(p.standing == "waiting" for p in participants)
    if unadmitted:
        notes.append(
            f"{unadmitted} participant{'s are' if unadmitted != 1 else ' is'} still waiting to be admitted: "
            "their answers are left out until you admit them on the board."
        )
    removed = sum(p.standing == "removed" for p in participants)
    if removed:
        notes.append(f"{removed} removed participant{'s are' if removed != 1 else ' is'} left out.")
    if session.is_open:
        notes.append("The session is still open: answers given after the export are not in the file.")

    changes: list[Change] = []
    warnings: list[str] = []
    if scope is not None and mode == "add":
        notes.append(
            f"Add leaves the scope section as it is: the room answered {count(len(scope['items']), 'checklist item')}, but the file keeps "
            "only the earlier room's status and split, not its answers, so the two rooms cannot be combined into one median. "
            "To take this room's checklist, choose Replace."
        )
    elif scope is not None:
        changes += _merge_scope(doc, scope)
        unchanged = len(scope["items"]) - sum(c.field.startswith("scope.items.") for c in changes)
        if unchanged:
            notes.append(
                f"{unchanged} checklist item{'s' if unchanged != 1 else ''} the room answered "
                + ("keep their" if unchanged != 1 else "keeps its") + " status (the note records the room's split)."
            )
    else:
        notes.append("Nobody answered the scoping checklist: the scope section is left as it was.")
    if trust is not None:
        if mode == "add":
            changes += _add_trust(doc, trust, notes, warnings, frozenset(p.id for p in participants if p.standing == "removed"))
        else:
            changes += _merge_trust(doc, trust, {p.id for p in participants}, notes, warnings)
        warnings += _floor_warnings(doc)
    else:
        notes.append("Nobody answered the trust statements: the trust section is left as it was.")

    history = Path(history_dir) if history_dir is not None else path.parent / HISTORY_FOLDER
    shown = os.path.relpath(history, path.parent) if history.is_absolute() == path.parent.is_absolute() else str(history)
    text = _with_header(_dump(doc), _header(code, session_date, shown if not shown.startswith("..") else str(history), mode))
    check_text(text, path)  # the merged file must validate; ParamsError names the field
    if _strip_header(text) == _strip_header(raw):
        changes = []
    return ExportPreview(
        code=code,
        path=path,
        target=target,
        text=text,
        digest=_digest(raw.encode("utf-8")),
        changes=tuple(changes),
        notes=tuple(notes),
        version=version,
        mode=mode,
        warnings=tuple(warnings),
    )


def _strip_header(text: str) -> str:
    return _with_header(text, "")


# --------------------------------------------------------------------------------------------
# Writing


def _keep_copy(history: Path, stem: str, data: bytes, mode: int, when: dt.datetime) -> Path:
    """Write ``data`` to a new file ``history/<stem>-<UTC time>.yaml``, never over an existing one."""
    history.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}-", suffix=".tmp", dir=history)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        for n in range(1, 1000):
            copy = history / (f"{stem}-{stamp}.yaml" if n == 1 else f"{stem}-{stamp}-{n}.yaml")
            try:
                os.link(tmp, copy)  # fails if the name is taken: an earlier copy is never replaced
                return copy
            except FileExistsError:
                continue
        raise ExportError(f"{history}: too many copies of {stem} made at {stamp}")
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_export(preview: ExportPreview, history_dir: str | Path | None = None, now: dt.datetime | None = None) -> ExportResult:
    """Write what :func:`preview_export` showed into the params file, keeping the old version.

    The old content is copied into ``history_dir`` (default ``.history`` next to the file) first;
    then the file (a symlink's target) is replaced atomically with the same permission bits.

    Raises
    ------
    FileChangedError
        if the file's content is not what it was when previewed (nothing is written).
    ExportError
        if the preview changes nothing.
    """
    from .files import atomic_replace
    from .params import check_text, file_lock

    if preview.path.resolve() != preview.target:
        raise FileChangedError(preview.path)
    if preview.unchanged:
        raise ExportError(f"{preview.path}: the file already holds these answers; nothing to write.")
    check_text(preview.text, preview.path)  # validated again just before the replace
    history = Path(history_dir) if history_dir is not None else preview.path.parent / HISTORY_FOLDER
    when = now or dt.datetime.now(dt.timezone.utc)
    with file_lock(preview.path) as target:  # one writer at a time, with the guided notebooks' saves
        raw = target.read_bytes()
        if _digest(raw) != preview.digest:
            raise FileChangedError(preview.path)
        copy = _keep_copy(history, preview.path.stem, raw, stat.S_IMODE(target.stat().st_mode), when)
        atomic_replace(target, preview.text)
    return ExportResult(path=preview.path, target=target, history=copy)


def export_session(
    store: SessionStore, code: str, path: str | Path, history_dir: str | Path | None = None, mode: ExportMode = "replace"
) -> ExportResult:
    """Preview and write in one go (for scripts); see :func:`preview_export` and :func:`write_export`."""
    preview = preview_export(store, code, path, history_dir, mode)
    return write_export(preview, history_dir)


__all__ = [
    "ADD_WITHIN_DAYS",
    "EXPORT_MODES",
    "Change",
    "ExportMode",
    "ExportError",
    "ExportPreview",
    "ExportResult",
    "FileChangedError",
    "HISTORY_FOLDER",
    "alliance_name",
    "company_names_of",
    "export_session",
    "params_for_alliance",
    "preview_export",
    "write_export",
]
