"""Admission to a workshop session: anyone with the link can join, but only the participants the
facilitator admits count — in the counts line, the revealed results and the export. A removed
participant never counts again; an old store migrates with everyone counting as before.

The attack these tests replay: one real vendor person and two participants invented by someone
with the room's link, who submit answers they know (every statement 3). With everyone counting,
the vendor side reaches the floor of three and shows, and the real person's means are the shown
mean × 3 minus the two known answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import MINIMAL_PARAMS
from workbook import trust as trust_model
from workbook.export import preview_export, scope_block, trust_block, write_export
from workbook.apps.guard import kernel_role_env
from workbook.instruments import TRUST, TRUST_ITEMS
from workbook.params import load_params
from workbook.schema import Trust
from workbook.store import (
    _MIGRATIONS,
    ParticipantRemoved,
    SQLiteStore,
    StoreError,
    device_hint,
)
from workbook.ui.facilitator import FacilitatorApp
from workbook.ui.workshop import REMOVED_TEXT, WorkshopApp
from workbook.kernel_env import VISITOR_ADDRESS_ENV

TRUST_IDS = list(TRUST_ITEMS)


@pytest.fixture
def store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "w.sqlite")


def answers(score: int) -> dict[str, int]:
    """Every trust statement answered so that it scores ``score`` (reverse-scored ones ``6 − score``)."""
    return {item.id: (6 - score if item.reverse else score) for item in TRUST.items}


def submit(store: SQLiteStore, code: str, side: str, score: int, role: str = "", device: str = "") -> str:
    p = store.join(code, side, role, device=device)  # type: ignore[arg-type]
    for item, value in answers(score).items():
        store.answer(code, p.id, item, value)
    store.answer(code, p.id, "mutual_needs", 3 if score >= 3 else 1)
    store.submit(code, p.id)
    return p.id


def shown_sides(view, code: str) -> dict[str, int]:
    """Respondents per side in the trust block of ``view`` (what the board and the export take)."""
    block = trust_block(view, code)
    have = {"vendor": 0, "partner": 0}
    for r in (block or {}).get("respondents", []):
        have[r["side"]] += 1
    return have


def vendor_index(view, code: str) -> float | None:
    """The vendor side's trust index as the board computes it (``None`` when hidden below 3)."""
    block = trust_block(view, code)
    if block is None:
        return None
    result = trust_model.analyse(Trust.model_validate({**block, "min_respondents": 3}))
    row = result.indices.set_index("side")
    if "vendor" not in row.index:
        return None
    value = row.at["vendor", "index"]
    return None if value != value else float(value)  # NaN: hidden


# -- the attack --------------------------------------------------------------------------------


def test_one_real_and_two_invented_participants_do_not_make_a_side_visible(store):
    code = store.create_session("Acme × Northwind").code  # the default: admission required
    assert store.get_session(code).admission
    real = submit(store, code, "vendor", 5, role="Sales director")
    invented = [submit(store, code, "vendor", 3) for _ in range(2)]
    # nothing counts until the facilitator admits anyone
    assert store.counts(code).joined == {"vendor": 0, "partner": 0}
    assert store.counts(code).waiting == {"vendor": 3, "partner": 0}
    assert shown_sides(store.revealed(code), code) == {"vendor": 0, "partner": 0}
    assert shown_sides(store, code) == {"vendor": 0, "partner": 0}
    assert vendor_index(store.revealed(code), code) is None
    # the facilitator admits the one person they expect: the side stays hidden (1 < 3)
    store.admit(code, real)
    for pid in invented:
        store.remove(code, pid)
    assert shown_sides(store, code) == {"vendor": 1, "partner": 0}
    assert vendor_index(store, code) is None
    app = FacilitatorApp(store)
    app.sessions.value = code
    app.reveal.value = True
    app.refresh(force=True)
    assert "n = 1</b> submitted of 1 joined" in app.counts.value
    assert vendor_index(store.revealed(code), code) is None
    # the invented participants can no longer write
    with pytest.raises(ParticipantRemoved):
        store.answer(code, invented[0], TRUST_IDS[0], 1)
    with pytest.raises(ParticipantRemoved):
        store.submit(code, invented[1])


def test_in_a_trusted_room_everyone_counts_so_the_attack_needs_admission(store):
    """The contrast: with admission off the same three people show the vendor side, and the real
    person's index is recovered by subtraction — which is why admission is the default."""
    code = store.create_session("Trusted", admission=False).code
    assert not store.get_session(code).admission
    submit(store, code, "vendor", 5)
    for _ in range(2):
        submit(store, code, "vendor", 3)
    shown = vendor_index(store.revealed(code), code)
    assert shown is not None
    # rule 4: a score s is (s − 1) / 4 × 100; the side's index is the mean of its people's
    assert shown == pytest.approx((100 + 50 + 50) / 3)
    assert 3 * shown - 2 * 50 == pytest.approx(100)  # the real person's index, recovered


def test_waiting_participants_answers_are_kept_and_count_once_admitted(store):
    code = store.create_session("Later").code
    people = [submit(store, code, "partner", 4) for _ in range(3)]
    assert store.revealed(code).snapshot == {}
    store.admit(code, people[0])
    store.admit(code, people[0])  # idempotent
    assert store.counts(code).joined["partner"] == 1 and store.counts(code).waiting["partner"] == 2
    assert store.admit_all(code) == 2
    assert store.admit_all(code) == 0
    c = store.counts(code)
    assert c.joined == {"vendor": 0, "partner": 3} and c.submitted["partner"] == 3 and c.total_waiting == 0
    assert c.answers == 3 * (len(TRUST_IDS) + 1)
    # three admitted at once is a step of three: the revealed view takes them
    assert sorted(store.revealed(code).snapshot) == sorted(people)
    assert scope_block(store, code) == {"items": {"mutual_needs": {"status": "agreed", "note": "workshop: 3 agreed"}}}


def test_removal_drops_answers_from_the_revealed_view_at_once_and_for_good(store):
    code = store.create_session("Remove", admission=False).code
    vendors = [submit(store, code, "vendor", s) for s in (4, 4, 2)]
    for _ in range(3):
        submit(store, code, "partner", 3)
    assert vendor_index(store.revealed(code), code) == pytest.approx((75 + 75 + 25) / 3)
    store.remove(code, vendors[2])
    # one change is below the step of three, yet the removed person's answers leave the view
    shown = store.revealed(code)
    assert vendors[2] not in shown.snapshot and shown.waiting == 0
    assert shown_sides(shown, code) == {"vendor": 2, "partner": 3}
    assert vendor_index(shown, code) is None  # two vendors left: hidden
    assert store.counts(code).joined == {"vendor": 2, "partner": 3}
    with pytest.raises(StoreError, match="removed"):
        store.admit(code, vendors[2])
    assert store.admit_all(code) == 0
    assert vendors[2] not in store.revealed(code).snapshot


def params_file(tmp_path: Path) -> Path:
    path = tmp_path / "alliance.yaml"
    path.write_text(MINIMAL_PARAMS, encoding="utf-8")
    return path


def test_the_export_takes_admitted_participants_only_and_drops_a_removed_one_on_add(store, tmp_path):
    code = store.create_session("Test alliance").code
    admitted = [submit(store, code, "vendor", 4) for _ in range(3)]
    waiting = submit(store, code, "partner", 2)
    for pid in admitted:
        store.admit(code, pid)
    path = params_file(tmp_path)
    preview = preview_export(store, code, path, tmp_path / "history")
    assert any("1 participant is still waiting to be admitted" in n for n in preview.notes)
    write_export(preview, tmp_path / "history")
    ids = [r.id for r in load_params(path).trust.respondents]
    assert sorted(ids) == sorted(admitted) and waiting not in ids

    store.remove(code, admitted[0])
    preview = preview_export(store, code, path, tmp_path / "history", mode="add")
    assert any(c.field == "trust.respondents (removed)" and c.before == admitted[0] for c in preview.changes)
    assert any("1 removed participant is left out" in n for n in preview.notes)
    write_export(preview, tmp_path / "history")
    assert sorted(r.id for r in load_params(path).trust.respondents) == sorted(admitted[1:])
    # replace: the same
    preview = preview_export(store, code, path, tmp_path / "history", mode="replace")
    write_export(preview, tmp_path / "history")
    assert sorted(r.id for r in load_params(path).trust.respondents) == sorted(admitted[1:])


# -- the migration ----------------------------------------------------------------------------


def test_an_old_store_migrates_with_its_sessions_and_participants_counting(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    for script in _MIGRATIONS[:3]:  # a store written before admission existed
        con.executescript(script)
    con.execute("PRAGMA user_version = 3")
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    con.execute("INSERT INTO sessions (code, alliance, created, updated) VALUES ('OLDSES', 'Old', ?, ?)", (now, now))
    for pid, side in (("a1", "vendor"), ("a2", "vendor"), ("a3", "vendor")):
        con.execute("INSERT INTO participants (session, id, side, role, joined, submitted) VALUES ('OLDSES', ?, ?, '', ?, ?)", (pid, side, now, now))
        con.execute("INSERT INTO answers (session, participant, item, value, updated_at) VALUES ('OLDSES', ?, ?, 4, ?)", (pid, TRUST_IDS[0], now))
    con.commit()
    con.close()

    store = SQLiteStore(path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == len(_MIGRATIONS) == 4
    old = store.get_session("OLDSES")
    assert not old.admission and old.form == "full"  # an old session: everyone who joins counts, as it did
    assert {p.standing for p in store.participants("OLDSES")} == {"admitted"}
    assert store.counts("OLDSES").submitted["vendor"] == 3
    assert shown_sides(store.revealed("OLDSES"), "OLDSES") == {"vendor": 3, "partner": 0}
    assert store.join("OLDSES", "partner").standing == "admitted"
    assert store.create_session("New").admission  # a new session needs admission


# -- the board and the participant's page ------------------------------------------------------


def test_the_board_lists_who_joined_escaped_with_admit_admit_all_and_remove(store):
    code = store.create_session("Board").code
    hint = device_hint(code, "192.0.2.7")
    evil = submit(store, code, "vendor", 4, role="<img src=x onerror=alert(1)> & co", device=hint)
    twin = store.join(code, "vendor", "", device=hint).id  # same address, nothing answered yet
    other = store.join(code, "partner", "Lead", device=device_hint(code, "198.51.100.1")).id
    app = FacilitatorApp(store)
    app.sessions.value = code
    app.refresh(force=True)
    rows = {r: r.children[0].value for r in app.people_rows.children}
    text = " ".join(rows.values())
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt; &amp; co" in text
    assert "192.0.2.7" not in text
    by_id = dict(zip([p.id for p in store.participants(code)], app.people_rows.children))
    assert "same address as 1 other participant" in by_id[evil].children[0].value
    assert "same address as 1 other participant" in by_id[twin].children[0].value
    assert "same address" not in by_id[other].children[0].value
    assert f"{len(TRUST_IDS) + 1} answers · submitted" in by_id[evil].children[0].value
    assert "0 answers · not submitted" in by_id[twin].children[0].value
    assert "3 waiting to be let in" in app.counts.value and "n = 0" in app.counts.value
    # Admit on one row, Remove on another, then Admit all waiting
    assert [b.description for b in by_id[evil].children[1:] if b.layout.display != "none"] == ["Admit", "Remove"]
    [b for b in by_id[evil].children[1:] if b.description == "Admit"][0].click()
    assert store.get_participant(code, evil).standing == "admitted"
    by_id = dict(zip([p.id for p in store.participants(code)], app.people_rows.children))
    [b for b in by_id[twin].children[1:] if b.description == "Remove"][0].click()
    assert store.get_participant(code, twin).standing == "removed"
    app.admit_all_btn.click()
    assert store.get_participant(code, other).standing == "admitted"
    assert store.get_participant(code, twin).standing == "removed"
    assert "n = 1</b> submitted of 2 joined" in app.counts.value and "waiting to be let in" not in app.counts.value
    assert app.admit_all_btn.layout.display == "none"
    by_id = dict(zip([p.id for p in store.participants(code)], app.people_rows.children))
    shown_buttons = {pid: [b.description for b in row.children[1:] if b.layout.display != "none"] for pid, row in by_id.items()}
    assert shown_buttons == {evil: ["Remove"], twin: [], other: ["Remove"]}  # removed for good: no buttons
    # rows are kept as answers arrive, not made again
    rows = app.people_rows.children
    store.answer(code, other, TRUST_IDS[0], 2)
    app.refresh()
    assert app.people_rows.children == rows and "1 answer" in by_id[other].children[0].value


def test_the_board_creates_sessions_needing_admission_unless_unticked(store):
    app = FacilitatorApp(store)
    assert app.admission_in.value
    app.alliance_in.value = "Guarded room"
    app._create()
    assert store.get_session(app.code).admission
    app.admission_in.value = False
    app.alliance_in.value = "Trusted room"
    app._create()
    assert not store.get_session(app.code).admission


def test_the_participant_page_says_waiting_then_removed_and_joins_with_a_hint_not_the_address(store):
    code = store.create_session("Page").code
    app = WorkshopApp(store, query={"session": code}, address="203.0.113.9")
    app.side_in.value = "partner"
    app._join()
    p = store.get_participant(code, app.pid)
    assert p.standing == "waiting"
    assert p.device == device_hint(code, "203.0.113.9") and "203" not in p.device
    assert app.standing_banner.layout.display == "" and "waiting for the facilitator to let you in" in app.standing_banner.value
    assert app.body.children == (app.question_screen,)  # they can already answer
    store.admit(code, app.pid)
    app._go(1)
    assert app.standing_banner.layout.display == "none"
    store.remove(code, app.pid)
    key = app.screens[1].questions[0].key
    dict(app._rows[key])[4].click()
    assert "removed you" in app.status.value and "removed you" in app.standing_banner.value
    assert app.body.children == ()
    reopened = WorkshopApp(store, query={"session": code, "participant": app.pid})
    assert REMOVED_TEXT.split(":")[0] in reopened.standing_banner.value and reopened.body.children == ()


def test_device_hints_match_within_a_session_only_and_hide_the_address():
    a = device_hint("ABCDEF", "192.0.2.7")
    assert a == device_hint("abcdef", " 192.0.2.7 ") and len(a) == 10 and "192" not in a
    assert a != device_hint("GHJKMN", "192.0.2.7") and a != device_hint("ABCDEF", "192.0.2.8")
    assert device_hint("ABCDEF", "") == ""


def test_a_kernel_started_for_a_page_carries_its_address_and_a_spare_none():
    env = kernel_role_env({"PATH": "/bin", VISITOR_ADDRESS_ENV: "10.9.9.9"}, "workshop.ipynb", "192.0.2.7")
    assert env[VISITOR_ADDRESS_ENV] == "192.0.2.7"
    assert VISITOR_ADDRESS_ENV not in kernel_role_env({"PATH": "/bin", VISITOR_ADDRESS_ENV: "10.9.9.9"}, "")


def test_a_prepared_participant_page_learns_its_address_from_the_server(store, tmp_path, monkeypatch):
    from tests.unit.test_dashboard_redraw import run_visits

    code = store.create_session("Prepared").code

    async def scenario(visits):
        app = WorkshopApp(store, query={})
        assert app.address == ""
        visits.hand_out("kernel-1", f"http://127.0.0.1/voila/render/workshop.ipynb?session={code}&token=t", "192.0.2.44")
        for _ in range(100):
            if app.address:
                break
            await asyncio.sleep(0.05)
        return app

    monkeypatch.delenv(VISITOR_ADDRESS_ENV, raising=False)
    app = run_visits(scenario, tmp_path, monkeypatch)
    assert app.address == "192.0.2.44"
    app.code_in.value, app.side_in.value = code, "vendor"
    app._join()
    assert store.get_participant(code, app.pid).device == device_hint(code, "192.0.2.44")


# -- a property: whatever the order of joins, answers, admissions and removals -------------------

#: (what, which person, side or score): join a person, they answer and submit, admit, remove, admit all
STEPS = st.lists(
    st.tuples(st.sampled_from(["join", "submit", "admit", "remove", "admit_all", "reveal"]), st.integers(0, 5), st.integers(1, 5)),
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(steps=STEPS, admission=st.booleans())
def test_only_admitted_submitted_participants_ever_count(tmp_path_factory, steps, admission):
    store = SQLiteStore(tmp_path_factory.mktemp("prop") / "w.sqlite")
    code = store.create_session("Property", admission=admission).code
    people: list[str] = []
    ever_removed: set[str] = set()
    for what, who, value in steps:
        if what == "join":
            people.append(store.join(code, "vendor" if value % 2 else "partner").id)
            continue
        if what == "admit_all":
            store.admit_all(code)
            continue
        if what == "reveal":
            store.revealed(code)
            continue
        if not people:
            continue
        pid = people[who % len(people)]
        if what == "submit":
            if pid in ever_removed:
                with pytest.raises(ParticipantRemoved):
                    store.answer(code, pid, TRUST_IDS[0], value)
                continue
            store.answer(code, pid, TRUST_IDS[0], value)
            store.submit(code, pid)
        elif what == "admit" and pid not in ever_removed:
            store.admit(code, pid)
        elif what == "remove":
            store.remove(code, pid)
            ever_removed.add(pid)
    standing = {p.id: p for p in store.participants(code)}
    counting = {pid for pid, p in standing.items() if p.standing == "admitted" and p.submitted}
    assert not counting & ever_removed
    assert all(p.standing == "removed" for pid, p in standing.items() if pid in ever_removed)
    # the revealed view may lag (steps of three) but never holds anyone who does not count now
    # among the removed, and the export takes exactly the counting people who answered
    assert not set(store.revealed(code).snapshot) & ever_removed
    block = trust_block(store, code)
    assert {r["id"] for r in (block or {}).get("respondents", [])} == counting
    c = store.counts(code)
    assert c.total_submitted == len(counting)
    assert c.total_waiting == sum(p.standing == "waiting" for p in standing.values())
    if not admission:
        assert c.total_waiting == 0
