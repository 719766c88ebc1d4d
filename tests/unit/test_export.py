"""Workshop export: a session becomes the latest assessment in its alliance's own params file.

Merged, not replaced; previewed before written; the old version kept; symlinks, modes and
concurrent edits respected; and the facilitator's board that drives it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from pathlib import Path

import pytest

from workbook import trust as trust_model
from workbook.errors import ParamsError
from workbook.export import (
    HISTORY_FOLDER,
    ExportError,
    FileChangedError,
    params_for_alliance,
    preview_export,
    write_export,
)
from workbook.instruments import SCOPING_ITEMS, TRUST_ITEMS
from workbook.params import load_params
from workbook.store import SQLiteStore, StoreError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "params" / "saas-regional-reseller.yaml"  # names a manager, has notes and a previous assessment
ALLIANCE = "Acme Cloud × Northwind Systems"
TRUST_IDS = list(TRUST_ITEMS)


@pytest.fixture
def store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "w.sqlite")


@pytest.fixture
def params(tmp_path) -> Path:
    folder = tmp_path / "params"
    folder.mkdir()
    for name in ("saas-regional-reseller.yaml", "marketplace-referral.yaml"):
        shutil.copy(ROOT / "params" / name, folder / name)
    return folder / "saas-regional-reseller.yaml"


def run_session(store: SQLiteStore, people: list[tuple[str, int, dict[str, int]]], alliance: str = ALLIANCE, submit: bool = True) -> str:
    """A session where each (side, trust score, checklist answers) person answers every trust statement."""
    code = store.create_session(alliance, admission=False).code
    for side, score, scope in people:
        p = store.join(code, side, "sales")  # type: ignore[arg-type]
        for item in TRUST_IDS:
            store.answer(code, p.id, item, score)
        for item, value in scope.items():
            store.answer(code, p.id, item, value)
        if submit:
            store.submit(code, p.id)
    return code


# a low-trust room: every statement 2 (reverse-scored ones then count 4)
LOW_ROOM = [
    ("vendor", 2, {"mutual_needs": 3, "exclusivity": 2}),
    ("vendor", 2, {"mutual_needs": 3, "exclusivity": 2}),
    ("vendor", 2, {"mutual_needs": 3}),
    ("partner", 2, {"mutual_needs": 3, "exclusivity": 2}),
    ("partner", 2, {"mutual_needs": 2, "exclusivity": 1}),
    ("partner", 2, {"mutual_needs": 3}),
]


def test_answered_items_replace_and_everything_else_is_kept(store, params):
    before = load_params(params)
    code = run_session(store, LOW_ROOM)
    result = write_export(preview_export(store, code, params))
    after = load_params(params)

    items = after.scope.items
    assert items["mutual_needs"].status == "agreed" and items["mutual_needs"].note == "workshop: 5 agreed, 1 draft"
    # the analyst's note stays, the room's split is added to it
    assert items["exclusivity"].status == "draft"
    assert items["exclusivity"].note == "Non-exclusive in the DACH region; workshop: 3 draft, 1 missing"
    # nobody answered these: unchanged, notes included
    assert items["commitment_horizon"] == before.scope.items["commitment_horizon"]
    for key in set(before.scope.items) - {"mutual_needs", "exclusivity"}:
        assert items[key] == before.scope.items[key], key
    assert after.scope.alliance_manager == "Dana Reyes"
    assert after.scope.resources_to_be_confirmed == before.scope.resources_to_be_confirmed
    # the sections the session does not touch, and the analyst's comments
    assert (after.ramp, after.value, after.health, after.alliance) == (before.ramp, before.value, before.health, before.alliance)
    text = params.read_text()
    assert "# A SaaS vendor selling through a regional value-added reseller" in text
    assert "items:                          # agreed | draft | missing" in text
    assert "respondents:                    # each rates the OTHER organisation" in text
    assert "alliance_manager: null" not in text and result.path == params


def test_the_files_own_trust_results_become_previous_and_the_fall_shows(store, params):
    before = load_params(params)
    old = trust_model.analyse(before.trust).indices.set_index("side")
    code = run_session(store, LOW_ROOM)
    session_day = dt.date.fromisoformat(store.get_session(code).created[:10])
    write_export(preview_export(store, code, params))
    after = load_params(params).trust

    assert after.previous.date == before.trust.date
    assert after.previous.vendor_index == pytest.approx(old.loc["vendor", "index"], abs=0.05)
    assert after.previous.partner_index == pytest.approx(old.loc["partner", "index"], abs=0.05)
    assert after.date == session_day and after.min_respondents == before.trust.min_respondents
    assert {r.id for r in after.respondents} == set(store.answers(code))
    assert all(r.answers == {i: 2 for i in TRUST_IDS} for r in after.respondents)
    # the report can now say that trust fell, side by side
    falling = {f.subject for f in trust_model.flags(after) if f.code == "trust_falling"}
    assert falling == {"vendor", "partner"}


def test_the_preview_lists_the_changes_and_writes_nothing(store, params):
    original = params.read_bytes()
    code = run_session(store, LOW_ROOM)
    preview = preview_export(store, code, params)
    assert params.read_bytes() == original
    assert not (params.parent / HISTORY_FOLDER).exists()
    changes = {c.field: c for c in preview.changes}
    assert (changes["scope.items.mutual_needs"].before, changes["scope.items.mutual_needs"].after) == ("draft", "agreed (workshop: 5 agreed, 1 draft)")
    assert "scope.items.value_proposition" not in changes  # not answered
    assert changes["trust.previous"].before == "2025-09-30: vendor 74, partner 66"
    assert changes["trust.previous"].after.startswith("2026-03-31: vendor ")
    assert changes["trust.respondents"].before == "8 (4 vendor, 4 partner)"
    assert changes["trust.respondents"].after == "6 (3 vendor, 3 partner) from the session"
    assert sum(c.field == "trust.respondents (added)" for c in preview.changes) == 6
    assert any("still open" in n for n in preview.notes)
    assert "scope.items.mutual_needs: draft → agreed" in preview.describe()


def test_the_old_version_is_kept_and_no_second_params_file_appears(store, params):
    original = params.read_bytes()
    names = sorted(p.name for p in params.parent.glob("*.yaml"))
    code = run_session(store, LOW_ROOM)
    when = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.timezone.utc)
    first = write_export(preview_export(store, code, params), now=when)
    assert first.history == params.parent / HISTORY_FOLDER / "saas-regional-reseller-20260501T093000Z.yaml"
    assert first.history.read_bytes() == original
    assert sorted(p.name for p in params.parent.glob("*.yaml")) == names  # one file per alliance
    # a second export in the same second never overwrites the first copy
    code2 = run_session(store, [("vendor", 4, {"territory": 3})] * 3)
    exported_once = params.read_bytes()
    second = write_export(preview_export(store, code2, params), now=when)
    assert second.history.name == "saas-regional-reseller-20260501T093000Z-2.yaml"
    assert second.history.read_bytes() == exported_once and first.history.read_bytes() == original
    assert [p for p in params.parent.iterdir() if p.name.startswith(".") and p.name != HISTORY_FOLDER] == []


def test_a_symlink_is_followed_and_the_mode_kept(store, tmp_path, params):
    real = tmp_path / "elsewhere" / "acme.yaml"
    real.parent.mkdir()
    shutil.copy(params, real)
    os.chmod(real, 0o640)
    link = params.parent / "acme.yaml"
    params.unlink()
    link.symlink_to(real)
    code = run_session(store, LOW_ROOM)
    result = write_export(preview_export(store, code, link))
    assert link.is_symlink() and link.resolve() == real and result.target == real
    assert load_params(link).scope.items["mutual_needs"].status == "agreed"
    assert (real.stat().st_mode & 0o777) == 0o640
    assert (result.history.stat().st_mode & 0o777) == 0o640  # the old version is as private as the file
    assert result.history.parent == params.parent / HISTORY_FOLDER


def test_a_file_changed_since_the_preview_is_not_overwritten(store, params):
    code = run_session(store, LOW_ROOM)
    preview = preview_export(store, code, params)
    edited = params.read_text().replace("alliance_manager: Dana Reyes", "alliance_manager: Sam Okafor")
    params.write_text(edited)  # an analyst saves meanwhile
    with pytest.raises(FileChangedError, match="the file changed since you previewed it"):
        write_export(preview)
    assert params.read_text() == edited
    assert not (params.parent / HISTORY_FOLDER).exists()
    # previewed again, the analyst's edit is kept
    write_export(preview_export(store, code, params))
    assert load_params(params).scope.alliance_manager == "Sam Okafor"


def test_the_write_waits_for_a_guided_save_of_the_same_file(store, params):
    from workbook.params import file_lock

    code = run_session(store, LOW_ROOM)
    preview = preview_export(store, code, params)
    done = threading.Event()
    writer = threading.Thread(target=lambda: (write_export(preview), done.set()))
    with file_lock(params):  # a guided notebook's save in progress
        writer.start()
        assert not done.wait(0.5)
        assert not (params.parent / HISTORY_FOLDER).exists()
    writer.join(timeout=20)
    assert done.is_set() and load_params(params).scope.items["mutual_needs"].status == "agreed"


def test_exporting_the_same_session_again_keeps_the_first_previous(store, params):
    code = run_session(store, LOW_ROOM)
    write_export(preview_export(store, code, params))
    first = load_params(params).trust
    p = store.join(code, "partner")
    store.answer(code, p.id, TRUST_IDS[0], 5)
    store.submit(code, p.id)
    again = preview_export(store, code, params)
    assert "trust.previous" not in {c.field for c in again.changes}
    write_export(again)
    second = load_params(params)
    assert second.trust.previous == first.previous and len(second.trust.respondents) == 7
    assert second.scope.items["mutual_needs"].note == "workshop: 5 agreed, 1 draft"  # replaced, not appended
    assert params.read_text().count("# Workshop session ") == 1
    # nothing new: nothing to write
    unchanged = preview_export(store, code, params)
    assert unchanged.unchanged
    with pytest.raises(ExportError, match="already holds these answers"):
        write_export(unchanged)


def test_a_file_without_scope_or_trust_gets_them(store, tmp_path):
    from tests.conftest import MINIMAL_PARAMS

    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL_PARAMS)
    code = run_session(store, LOW_ROOM, alliance="Test alliance")
    preview = preview_export(store, code, path)
    assert "trust.previous" not in {c.field for c in preview.changes}
    write_export(preview)
    params = load_params(path)
    assert params.scope.items["mutual_needs"].status == "agreed" and params.trust.previous is None
    assert list(params.scope.items) == [k for k in SCOPING_ITEMS if k in ("mutual_needs", "exclusivity")]


def test_nothing_submitted_exports_nothing(store, params):
    original = params.read_bytes()
    code = run_session(store, LOW_ROOM, submit=False)
    with pytest.raises(StoreError, match="nothing to export"):
        preview_export(store, code, params)
    assert params.read_bytes() == original


def test_an_invalid_params_file_is_named_and_left_alone(store, params):
    broken = params.read_text().replace("partner_margin: 0.25", "partner_margin: 25")
    params.write_text(broken)
    code = run_session(store, LOW_ROOM)
    with pytest.raises(ParamsError) as exc:
        preview_export(store, code, params)
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "partner_margin: 25" in x)) + 1
    assert f"{params}:{line}: ramp.partner_margin" in str(exc.value)
    assert params.read_text() == broken


def test_the_alliances_file_is_found_by_its_name(params):
    files = sorted(params.parent.glob("*.yaml"))
    assert params_for_alliance(ALLIANCE, files) == params
    assert params_for_alliance("  acme cloud ×   northwind systems ", files) == params  # typed on the board
    assert params_for_alliance("Acme Cloud", files) is None
    shutil.copy(params, params.parent / "copy.yaml")  # two files naming it: the facilitator chooses
    assert params_for_alliance(ALLIANCE, sorted(params.parent.glob("*.yaml"))) is None


# --------------------------------------------------------------------------------------------
# The facilitator's board


@pytest.fixture
def board_env(monkeypatch, params):
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(params.parent))
    monkeypatch.delenv("WORKBOOK_EXPORT_DIR", raising=False)
    monkeypatch.delenv("WORKBOOK_ROLE", raising=False)
    return params


def test_the_board_refuses_to_export_outside_the_facilitators_kernel(store, board_env):
    from workbook.ui.facilitator import FacilitatorApp

    params = board_env
    original = params.read_bytes()
    run_session(store, LOW_ROOM)
    app = FacilitatorApp(store)
    assert app.base_in.value == str(params)  # the session's alliance picks its file
    for button in (app.preview_btn, app.export_btn, app.render_btn):
        button.disabled = False
        button.click()
        assert "Only the facilitator" in app.export_out.value
    assert params.read_bytes() == original and not (params.parent / HISTORY_FOLDER).exists()


def test_the_board_previews_then_writes(store, board_env, monkeypatch):
    from workbook.ui.facilitator import FacilitatorApp

    params = board_env
    monkeypatch.setenv("WORKBOOK_ROLE", "facilitator")
    original = params.read_bytes()
    run_session(store, LOW_ROOM)
    app = FacilitatorApp(store)
    assert app.export_btn.disabled
    app.export_btn.disabled = False
    app.export_btn.click()  # writing without a preview is refused
    assert "Preview the export first" in app.export_out.value and params.read_bytes() == original

    assert app.mode_in.value == "add"  # the file holds respondents: Add unless the facilitator says Replace
    app.mode_in.value = "replace"  # this test takes the room's checklist, which only Replace does
    app.preview_btn.click()
    shown = app.export_out.value
    assert "<table" in shown and "scope.items.mutual_needs" in shown and "agreed (workshop: 5 agreed, 1 draft)" in shown
    assert params.read_bytes() == original
    if app.confirm_in.layout.display == "":  # the preview warned: write anyway, as the facilitator may
        assert app.export_btn.disabled
        app.confirm_in.value = True
    assert not app.export_btn.disabled
    app.export_btn.click()
    assert "Written" in app.export_out.value and "earlier version is kept" in app.export_out.value
    assert load_params(params).scope.items["mutual_needs"].status == "agreed"
    assert len(list((params.parent / HISTORY_FOLDER).iterdir())) == 1
    assert app.export_btn.disabled and not app.render_btn.disabled  # one write per preview


def test_the_board_refuses_a_stale_preview_and_a_file_it_cannot_match(store, board_env):
    from workbook.ui.facilitator import FacilitatorApp

    params = board_env
    run_session(store, LOW_ROOM)
    app = FacilitatorApp(store)
    app.allow_export = True  # as a notebook that builds the board itself may say
    app.mode_in.value = "replace"
    app.preview_btn.click()
    app.confirm_in.value = True  # whatever the preview warned of: the facilitator writes anyway
    params.write_text(params.read_text() + "# edited meanwhile\n")
    app.export_btn.click()
    assert "the file changed since you previewed it" in app.export_out.value
    assert params.read_text().endswith("# edited meanwhile\n") and app.export_btn.disabled

    code = run_session(store, LOW_ROOM, alliance="<b>Unknown</b> × Nobody")
    app._reload_sessions(select=code)
    assert app.base_in.value is None
    assert "&lt;b&gt;Unknown&lt;/b&gt;" in app.export_out.value and "choose the alliance" in app.export_out.value
    app.preview_btn.click()
    assert "Choose the alliance" in app.export_out.value
