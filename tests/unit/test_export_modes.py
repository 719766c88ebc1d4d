"""Workshop export modes: Replace (the room's assessment replaces the file's, the file's result
moves into trust.previous and the one before into trust.history) and Add (the room's respondents
join the file's assessment); and the preview's warnings before anything is written.

Every respondent here answers each trust statement the same way (reverse-scored statements the
mirror value, so every statement scores the same), so a side's index is worked out by hand:
rule 4, ``(score − 1) / 4 × 100`` — 4 is 75, 3 is 50, 2 is 25 — and a side mixing people
is the mean of their scores (rules 2–3: every respondent's component score is their score).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_PARAMS
from workbook import trust as trust_model
from workbook.export import ADD_WITHIN_DAYS, ExportError, ExportPreview, preview_export, write_export
from workbook.instruments import TRUST
from workbook.params import load_params
from workbook.store import SQLiteStore, StoreError

ALLIANCE = "Test alliance"


def answers(score: int) -> dict[str, int]:
    """Every trust statement answered so that it scores ``score`` (reverse-scored ones ``6 − score``)."""
    return {item.id: (6 - score if item.reverse else score) for item in TRUST.items}


def flow(d: dict[str, int]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"


def params_text(date: dt.date, people: list[tuple[str, str, int]], earlier: str = "") -> str:
    """MINIMAL_PARAMS with a checklist and a trust section: (id, side, score) per respondent."""
    rows = "".join(f"    - {{id: {pid}, side: {side}, answers: {flow(answers(score))}}}\n" for pid, side, score in people)
    return (
        MINIMAL_PARAMS
        + "scope:\n  items:\n    mutual_needs: {status: draft, note: analyst's note}\n"
        + f"trust:\n  date: {date.isoformat()}\n{earlier}  respondents:\n{rows}"
    )


#: the file's assessment: 4 a side, vendor 4 (index 75), partner 3 (index 50)
FILE_PEOPLE = [(f"v{i}", "vendor", 4) for i in range(4)] + [(f"p{i}", "partner", 3) for i in range(4)]
#: the room: 3 vendor and 1 partner, every statement scoring 2 (index 25)
ROOM = [("vendor", 2)] * 3 + [("partner", 2)]


@pytest.fixture
def store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "w.sqlite")


def run_room(store: SQLiteStore, people: list[tuple[str, int]], scope: dict[str, int] | None = None) -> tuple[str, dt.date]:
    code = store.create_session(ALLIANCE, admission=False).code
    for side, score in people:
        p = store.join(code, side, "")  # type: ignore[arg-type]
        for item, value in {**answers(score), **(scope or {"mutual_needs": 3})}.items():
            store.answer(code, p.id, item, value)
        store.submit(code, p.id)
    return code, dt.date.fromisoformat(store.get_session(code).created[:10])


def write_file(tmp_path: Path, date: dt.date, earlier: str = "", people: list[tuple[str, str, int]] = FILE_PEOPLE) -> Path:
    path = tmp_path / "alliance.yaml"
    path.write_text(params_text(date, people, earlier), encoding="utf-8")
    return path


def side_index(trust, side: str) -> float:
    return float(trust_model.analyse(trust).indices.set_index("side").at[side, "index"])


# --------------------------------------------------------------------------------------------
# Add


def test_add_joins_the_rooms_respondents_to_the_files_assessment(store, tmp_path):
    code, day = run_room(store, ROOM)
    path = write_file(tmp_path, day - dt.timedelta(days=10), "  previous: {date: 2025-01-31, vendor_index: 70, partner_index: 45}\n")
    before = load_params(path)
    preview = preview_export(store, code, path, mode="add")
    assert preview.mode == "add" and preview.warnings == ()  # 7 vendor, 5 partner: both sides above the floor
    write_export(preview)
    after = load_params(path)

    ids = [r.id for r in after.trust.respondents]
    assert ids[:8] == [r.id for r in before.trust.respondents]  # the file's first, in their order
    assert set(ids[8:]) == set(store.answers(code)) and len(ids) == 12
    assert after.trust.date == day  # the later of the file's date and the session's
    assert after.trust.previous == before.trust.previous and after.trust.history == []
    # by hand: vendor (4 × 4 + 3 × 2) / 7 = 22/7 → (22/7 − 1) / 4 × 100 = 53.57; partner (4 × 3 + 2) / 5 = 2.8 → 45
    assert side_index(after.trust, "vendor") == pytest.approx(53.571, abs=0.001)
    assert side_index(after.trust, "partner") == pytest.approx(45.0)
    # the checklist is left as it is, and the preview says why
    assert after.scope == before.scope
    assert not any(c.field.startswith("scope") for c in preview.changes)
    assert any("Add leaves the scope section as it is" in n for n in preview.notes)
    changes = {c.field: c.after for c in preview.changes}
    assert changes["trust.respondents"] == "12 (7 vendor, 5 partner) (4 added from the session)"


def test_adding_the_same_session_again_changes_nothing_and_updates_a_participant_not_duplicates(store, tmp_path):
    code, day = run_room(store, ROOM)
    path = write_file(tmp_path, day - dt.timedelta(days=3))
    write_export(preview_export(store, code, path, mode="add"))
    once = path.read_text()
    again = preview_export(store, code, path, mode="add")
    assert again.unchanged and again.text.split("\n", 1)[1] == once.split("\n", 1)[1]
    with pytest.raises(ExportError, match="already holds these answers"):
        write_export(again)

    # a participant changes one answer (the session still open) and a late one joins
    first = store.participants(code)[0].id
    item = TRUST.items[0]
    store.answer(code, first, item.id, 5)
    late = store.join(code, "partner", "")
    for i, v in answers(4).items():
        store.answer(code, late.id, i, v)
    store.submit(code, late.id)
    third = preview_export(store, code, path, mode="add")
    fields = [c.field for c in third.changes]
    assert fields.count("trust.respondents (updated)") == 1 and fields.count("trust.respondents (added)") == 1
    write_export(third)
    trust = load_params(path).trust
    ids = [r.id for r in trust.respondents]
    assert len(ids) == len(set(ids)) == 8 + 5
    assert next(r for r in trust.respondents if r.id == first).answers[item.id] == 5


def test_add_into_a_file_without_trust_is_the_rooms_assessment(store, tmp_path):
    code, day = run_room(store, [("vendor", 3)] * 3 + [("partner", 3)] * 3)
    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL_PARAMS)
    preview = preview_export(store, code, path, mode="add")
    assert any("no trust respondents yet" in n for n in preview.notes)
    write_export(preview)
    trust = load_params(path).trust
    assert len(trust.respondents) == 6 and trust.date == day and trust.previous is None
    assert side_index(trust, "vendor") == pytest.approx(50.0) and side_index(trust, "partner") == pytest.approx(50.0)


def test_add_warns_when_the_files_assessment_is_long_before_the_room(store, tmp_path):
    code, day = run_room(store, ROOM)
    old = day - dt.timedelta(days=ADD_WITHIN_DAYS + 1)
    path = write_file(tmp_path, old)
    preview = preview_export(store, code, path, mode="add")
    assert [w for w in preview.warnings if "days from this session" in w] == [
        f"The file's assessment is dated {old}, {ADD_WITHIN_DAYS + 1} days from this session ({day}): "
        "Add treats both rooms as one assessment. If this room is a new assessment, choose Replace."
    ]
    near = write_file(tmp_path, day - dt.timedelta(days=ADD_WITHIN_DAYS))
    assert preview_export(store, code, near, mode="add").warnings == ()


def test_an_unknown_mode_is_refused(store, tmp_path):
    code, day = run_room(store, ROOM)
    path = write_file(tmp_path, day - dt.timedelta(days=3))
    with pytest.raises(ExportError, match="Unknown export mode 'merge'"):
        preview_export(store, code, path, mode="merge")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Replace: the history grows


def test_replace_moves_previous_into_the_history_and_the_files_result_into_previous(store, tmp_path):
    code, day = run_room(store, [("vendor", 2)] * 4 + [("partner", 2)] * 4)
    file_day = day - dt.timedelta(days=30)
    earlier = "  previous: {date: 2025-01-31, vendor_index: 70, partner_index: 45}\n  history:\n    - {date: 2024-01-31, vendor_index: 60, partner_index: 40}\n"
    path = write_file(tmp_path, file_day, earlier)
    preview = preview_export(store, code, path)
    assert preview.warnings == ()
    changes = {c.field: c for c in preview.changes}
    assert (changes["trust.history"].before, changes["trust.history"].after) == ("1 earlier result", "2: adds 2025-01-31: vendor 70, partner 45")
    assert changes["trust.previous"].after == f"{file_day}: vendor 75, partner 50"
    write_export(preview)
    trust = load_params(path).trust

    assert [(h.date, h.vendor_index, h.partner_index) for h in trust.history] == [
        (dt.date(2024, 1, 31), 60, 40),
        (dt.date(2025, 1, 31), 70, 45),
    ]
    # the file's own result, by hand: vendor all 4 → 75, partner all 3 → 50
    assert (trust.previous.date, trust.previous.vendor_index, trust.previous.partner_index) == (file_day, 75, 50)
    assert trust.date == day and side_index(trust, "vendor") == pytest.approx(25.0)
    # the trend over four assessments, oldest first; trust_falling compares with previous only
    history = trust_model.analyse(trust).history
    assert history[history["side"] == "vendor"]["index"].tolist() == pytest.approx([60, 70, 75, 25])
    assert history[history["side"] == "partner"]["index"].tolist() == pytest.approx([40, 45, 50, 25])
    falling = {f.subject: f.message for f in trust_model.flags(trust) if f.code == "trust_falling"}
    assert falling["vendor"].endswith("fell from 75 to 25 on the survey's trust index since the last assessment.")
    assert falling["partner"].endswith("fell from 50 to 25 on the survey's trust index since the last assessment.")


def test_replace_into_a_file_without_previous_starts_no_history(store, tmp_path):
    code, day = run_room(store, [("vendor", 2)] * 4 + [("partner", 2)] * 4)
    path = write_file(tmp_path, day - dt.timedelta(days=30))
    preview = preview_export(store, code, path)
    assert "trust.history" not in {c.field for c in preview.changes}
    write_export(preview)
    trust = load_params(path).trust
    assert trust.history == [] and (trust.previous.vendor_index, trust.previous.partner_index) == (75, 50)
    assert "history:" not in path.read_text()


# --------------------------------------------------------------------------------------------
# Warnings


def test_replace_warns_of_thinning_and_of_a_side_below_the_floor_and_still_writes(store, tmp_path):
    code, day = run_room(store, ROOM)
    path = write_file(tmp_path, day - dt.timedelta(days=30))
    before = path.read_bytes()
    preview = preview_export(store, code, path)
    assert path.read_bytes() == before  # warned before anything is written
    assert preview.warnings == (
        "This export replaces 8 respondents (4 vendor, 4 partner) with the room's 4 (3 vendor, 1 partner): the file would "
        "have fewer respondents than it has now. To keep the file's respondents and add the room's to them, choose Add.",
        "The partner side would have 1 respondent with trust answers, fewer than the 3 the file asks for "
        "(trust.min_respondents): its trust figures will be hidden in the report.",
    )
    assert "Warning: This export replaces 8 respondents" in preview.describe()
    write_export(preview)  # the facilitator decides
    trust = load_params(path).trust
    assert len(trust.respondents) == 4
    assert {f.subject for f in trust_model.flags(trust) if f.code == "trust_suppressed"} == {"partner"}
    # the same room added instead: 5 partner respondents, no warning
    (tmp_path / "other").mkdir()
    other = write_file(tmp_path / "other", day - dt.timedelta(days=30))
    assert preview_export(store, code, other, mode="add").warnings == ()


def test_the_floor_follows_the_files_min_respondents_and_counts_only_trust_answers(store, tmp_path):
    code, day = run_room(store, [("vendor", 3)] * 4 + [("partner", 3)] * 3)
    silent = store.join(code, "partner", "")  # answers the checklist only: not a trust respondent
    store.answer(code, silent.id, "mutual_needs", 2)
    store.submit(code, silent.id)
    path = tmp_path / "strict.yaml"
    path.write_text(MINIMAL_PARAMS + "trust:\n  min_respondents: 4\n  respondents:\n    - {id: x, side: vendor}\n")
    warnings = preview_export(store, code, path).warnings
    assert warnings == (
        "The partner side would have 3 respondents with trust answers, fewer than the 4 the file asks for "
        "(trust.min_respondents): its trust figures will be hidden in the report.",
    )


def test_the_board_chooses_the_mode_and_shows_the_warnings_escaped(store, tmp_path, monkeypatch):
    from workbook.ui.facilitator import FacilitatorApp, preview_html

    folder = tmp_path / "params"
    folder.mkdir()
    code, day = run_room(store, ROOM)
    path = write_file(folder, day - dt.timedelta(days=30))
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(folder))
    monkeypatch.delenv("WORKBOOK_EXPORT_DIR", raising=False)
    monkeypatch.setenv("WORKBOOK_ROLE", "facilitator")
    app = FacilitatorApp(store)
    # the file holds respondents: the board adds the room to them unless told otherwise
    assert app.base_in.value == str(path) and app.mode_in.value == "add"
    app.mode_in.value = "replace"
    app.preview_btn.click()
    shown = app.export_out.value
    assert 'class="wb-export-warnings"' in shown and "replaces 8 respondents (4 vendor, 4 partner)" in shown
    assert "the room&#x27;s 4" in shown  # escaped
    # a warned preview is written only once the facilitator says they read the warnings
    assert app.export_btn.disabled and app.confirm_in.layout.display == ""
    with pytest.raises(StoreError, match="Read the warnings"):
        app._export()
    assert len(load_params(path).trust.respondents) == 8  # nothing was written
    app.confirm_in.value = True
    assert not app.export_btn.disabled

    app.mode_in.value = "add"  # another mode: the preview is dropped, writing needs a new one
    assert app.export_out.value == "" and app.export_btn.disabled
    app.preview_btn.click()
    assert "Adding session" in app.export_out.value and "wb-export-warnings" not in app.export_out.value
    app.export_btn.click()
    assert "Written" in app.export_out.value
    assert len(load_params(path).trust.respondents) == 12

    html = preview_html(ExportPreview(code="C", path=path, target=path, text="", digest="", changes=(), warnings=("<script>x</script>",)))
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
