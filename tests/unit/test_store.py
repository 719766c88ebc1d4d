"""The workshop session store: schema, answers, closing, the answers as params sections, and many writers at once."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

import pytest

from workbook.instruments import SCOPING_ITEMS, TRUST_ITEMS
from workbook.store import (
    InvalidAnswer,
    SessionClosed,
    SessionStore,
    SQLiteStore,
    StoreError,
    UnknownParticipant,
    UnknownSession,
)
from workbook.export import scope_block, trust_block

TRUST_IDS = list(TRUST_ITEMS)
SCOPE_IDS = list(SCOPING_ITEMS)


@pytest.fixture
def store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "w.sqlite")


def test_implements_the_interface_and_sets_up_wal(store):
    assert isinstance(store, SessionStore)
    con = sqlite3.connect(store.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == SQLiteStore.schema_version
    # opening again does not migrate twice
    SQLiteStore(store.path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SQLiteStore.schema_version


def test_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_STORE", str(tmp_path / "env" / "s.sqlite"))
    assert SQLiteStore().path == tmp_path / "env" / "s.sqlite"
    assert (tmp_path / "env" / "s.sqlite").exists()


def test_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "new.sqlite"
    sqlite3.connect(path).execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer version"):
        SQLiteStore(path)


def test_session_lifecycle(store):
    s = store.create_session("Acme × Northwind")
    assert len(s.code) == 6 and s.is_open and not s.reveal
    assert store.get_session(s.code.lower()) == s  # codes are case-insensitive
    assert store.set_reveal(s.code, True).reveal
    assert store.close_session(s.code).status == "closed"
    assert store.reopen_session(s.code).is_open
    assert [x.code for x in store.list_sessions()] == [s.code]
    with pytest.raises(UnknownSession):
        store.get_session("NOPE99")
    with pytest.raises(StoreError, match="exists already"):
        store.create_session("Again", code=s.code)


def test_answers_upsert_and_resume(store):
    s = store.create_session("A", admission=False)
    p = store.join(s.code, "vendor", "Sales lead")
    store.answer(s.code, p.id, TRUST_IDS[0], 2)
    store.answer(s.code, p.id, TRUST_IDS[0], 4)  # revised
    store.answer(s.code, p.id, TRUST_IDS[1], None)  # don't know
    store.answer(s.code, p.id, SCOPE_IDS[0], 3)
    assert store.answers(s.code, p.id) == {p.id: {TRUST_IDS[0]: 4, TRUST_IDS[1]: None, SCOPE_IDS[0]: 3}}
    assert store.get_participant(s.code, p.id).role == "Sales lead"
    assert not store.get_participant(s.code, p.id).submitted
    store.submit(s.code, p.id)
    assert store.get_participant(s.code, p.id).submitted
    c = store.counts(s.code)
    assert c.joined == {"vendor": 1, "partner": 0} and c.submitted == {"vendor": 1, "partner": 0} and c.answers == 3


@pytest.mark.parametrize(
    "item, value",
    [(TRUST_IDS[0], 0), (TRUST_IDS[0], 6), (SCOPE_IDS[0], 4), ("no_such_item", 3), (TRUST_IDS[0], 2.5), (TRUST_IDS[0], True)],
)
def test_invalid_answers_are_refused(store, item, value):
    s = store.create_session("A", admission=False)
    p = store.join(s.code, "partner")
    with pytest.raises(InvalidAnswer):
        store.answer(s.code, p.id, item, value)


def test_unknown_participant_and_side(store):
    s = store.create_session("A", admission=False)
    with pytest.raises(UnknownParticipant):
        store.answer(s.code, "nobody", TRUST_IDS[0], 3)
    with pytest.raises(StoreError):
        store.join(s.code, "customer")  # type: ignore[arg-type]


def test_closed_session_refuses_writes_but_keeps_answers(store):
    s = store.create_session("A", admission=False)
    p = store.join(s.code, "vendor")
    store.answer(s.code, p.id, TRUST_IDS[0], 5)
    v = store.version(s.code)
    store.close_session(s.code)
    assert store.version(s.code) != v
    with pytest.raises(SessionClosed, match="closed"):
        store.answer(s.code, p.id, TRUST_IDS[0], 1)
    with pytest.raises(SessionClosed):
        store.submit(s.code, p.id)
    with pytest.raises(SessionClosed):
        store.join(s.code, "partner")
    assert store.answers(s.code) == {p.id: {TRUST_IDS[0]: 5}}


def _fill(store: SQLiteStore, code: str, side: str, values: dict[str, int | None]) -> str:
    p = store.join(code, side)  # type: ignore[arg-type]
    for item, v in values.items():
        store.answer(code, p.id, item, v)
    store.submit(code, p.id)
    return p.id


def test_blocks_match_the_params_sections(store):
    from workbook.schema import Scope, Trust

    s = store.create_session("A", admission=False)
    for side, score, status in [("vendor", 4, 3), ("vendor", 5, 2), ("vendor", 3, 3), ("partner", 2, 1), ("partner", 3, 2), ("partner", 2, 2)]:
        _fill(store, s.code, side, {**{i: score for i in TRUST_IDS[:6]}, TRUST_IDS[6]: None, SCOPE_IDS[0]: status})
    unsubmitted = store.join(s.code, "partner")
    store.answer(s.code, unsubmitted.id, TRUST_IDS[0], 1)
    trust = trust_block(store, s.code)
    assert len(trust["respondents"]) == 6  # the unsubmitted participant is left out
    Trust.model_validate(trust)
    scope = scope_block(store, s.code)
    assert scope["items"][SCOPE_IDS[0]]["status"] == "draft"  # 3 agreed, 2 draft... median rounded down
    Scope.model_validate(scope)


# --------------------------------------------------------------------------------------------
# Many kernels at once: separate processes writing to one file

WRITERS = 8
UPSERTS = 50


def _writer(path: str, code: str, pid: str, queue) -> None:  # runs in a child process
    try:
        store = SQLiteStore(path, busy_timeout=30)
        for n in range(UPSERTS):
            item = TRUST_IDS[n % len(TRUST_IDS)]
            store.answer(code, pid, item, 1 + n % 5)
        store.submit(code, pid)
        queue.put((pid, None))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put((pid, repr(exc)))


def test_many_processes_write_at_once(tmp_path):
    path = tmp_path / "busy.sqlite"
    store = SQLiteStore(path)
    code = store.create_session("Busy", admission=False).code
    pids = [store.join(code, "vendor" if i % 2 else "partner").id for i in range(WRITERS)]
    ctx = mp.get_context("spawn")  # like Voila's kernels: fresh interpreters, no shared state
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(path), code, pid, queue)) for pid in pids]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [r for r in results if r[1] is not None]
    assert not errors, errors
    answers = store.answers(code)
    assert sorted(answers) == sorted(pids)
    for pid in pids:  # 50 upserts over 22 items: the last value of each item wins
        expected = {}
        for n in range(UPSERTS):
            expected[TRUST_IDS[n % len(TRUST_IDS)]] = 1 + n % 5
        assert answers[pid] == expected
    assert store.counts(code).total_submitted == WRITERS


def test_typed_names_are_kept_as_one_line_of_plain_text(store):
    # what a participant or facilitator types may hold escape sequences or line breaks; the store
    # keeps plain text, so the board shows it plainly and the export writes a valid params file
    s = store.create_session("Acme\x1b[2J × \u202eNorthwind", vendor="Acme\nCloud", partner="North\twind", admission=False)
    assert s.alliance == "Acme [2J × Northwind"
    p = store.join(s.code, "vendor", "Sales\x1b[31m lead\r\n")
    assert store.get_participant(s.code, p.id).role == "Sales [31m lead"
