"""The workshop session store: sessions, participants and their answers, shared by every kernel.

Each Voila page runs in its own kernel (a separate process), so participants' answers meet only
here. :class:`SessionStore` is the interface the apps use; :class:`SQLiteStore` implements it on
one SQLite file. Another database can replace it by implementing the same methods.

Concurrency: the file is in WAL mode (readers never block the writer), every connection waits up
to ``busy_timeout`` seconds for a lock, and every write is one short ``BEGIN IMMEDIATE``
transaction — it takes the write lock up front, so two kernels never both read-then-upgrade and
deadlock into "database is locked".

Answers
-------
Trust items (``workbook/instruments/trust.yaml``) are 1–5; scoping items
(``scoping.yaml``) are 1 = missing, 2 = draft, 3 = agreed. ``None`` is "don't know".
A participant's rating of their *own* company on a trust item (the mirror) is stored under
``self:<item id>`` (see :func:`self_key`), on the same 1–5 scale.

Admission
---------
Anyone with the room's link can join, so a session normally needs the facilitator to let each
participant in (``Session.admission``, the default for a new session): a participant who joins
is *waiting*, may already answer and submit, and counts — in :meth:`SQLiteStore.counts`,
:meth:`SQLiteStore.revealed` and the export's blocks — only once *admitted*. A *removed*
participant never counts again and can no longer write. A session created with
``admission=False`` (a trusted room) admits everyone who joins at once. Each participant
carries a device hint (:func:`device_hint`): a digest of the address their page came from,
salted with the session code, so the board can say that two participants joined from the same
address without the store keeping anyone's address.

This module imports neither pandas nor altair: the participant's kernel loads only it and the
instrument banks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from .errors import WorkbookError
from .instruments import SCOPING_ITEMS, TRUST, TRUST_ITEMS
from .instruments.forms import FormLength, check_form, scope_items, trust_items
from .schema import ANONYMITY_FLOOR
from .text import one_line

Side = Literal["vendor", "partner"]
Status = Literal["open", "closed"]
#: A participant is waiting for the facilitator, admitted (their submitted answers count) or removed.
Standing = Literal["waiting", "admitted", "removed"]
STANDINGS: tuple[Standing, Standing, Standing] = ("waiting", "admitted", "removed")

SIDES: tuple[Side, Side] = ("vendor", "partner")
#: Scoping answers in the store, and the checklist status each stands for.
SCOPE_VALUES: dict[int, str] = {1: "missing", 2: "draft", 3: "agreed"}
ENV_VAR = "WORKBOOK_STORE"

DEFAULT_FILENAME = "workshop.sqlite"  # git-ignored (*.sqlite)
#: Letters and digits that cannot be misread on a projector (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


# --------------------------------------------------------------------------------------------
# Errors


class StoreError(WorkbookError):
    """A request the store refused; ``str(exc)`` is fit to show a participant."""


class UnknownSession(StoreError):
    def __init__(self, code: str):
        self.code = code
        super().__init__(f"There is no workshop session with the code {code!r}. Check the code on the screen.")


class UnknownParticipant(StoreError):
    def __init__(self, participant_id: str):
        self.participant_id = participant_id
        super().__init__("This link does not belong to a participant of the session. Join again with the session code.")


class SessionClosed(StoreError):
    """Writing to a session the facilitator has closed."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(f"Session {code} is closed: the facilitator is no longer taking answers. Thank you for taking part.")


class InvalidAnswer(StoreError):
    pass


class ParticipantRemoved(StoreError):
    """Writing as a participant the facilitator removed from the session."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(
            f"The facilitator removed you from session {code}: your answers no longer count and cannot be changed. "
            "If this is a mistake, tell the facilitator."
        )


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Session:
    code: str
    alliance: str
    status: Status
    reveal: bool
    created: str  # ISO 8601, UTC
    #: the two companies' names as participants see them ("" when the facilitator gave none)
    vendor: str = ""
    partner: str = ""
    #: participants count only once the facilitator admits them (``False``: everyone who joins counts)
    admission: bool = True
    #: which questions the session asks (:mod:`workbook.instruments.forms`)
    form: FormLength = "full"

    @property
    def keys(self) -> frozenset[str]:
        """The store keys the session's form asks: its trust items, their self-ratings, its checklist items."""
        return form_keys(self.form)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Participant:
    id: str
    session: str
    side: Side
    role: str
    submitted: bool
    joined: str
    standing: Standing = "admitted"
    #: the device hint of the address the participant joined from ("" when the server did not say)
    device: str = ""

    @property
    def counts(self) -> bool:
        """Whether the participant's answers count: admitted and submitted."""
        return self.submitted and self.standing == "admitted"


@dataclass(frozen=True)
class Counts:
    """Admitted participants per side and how many of them submitted; waiting participants
    (not counted in ``joined``) apart. Removed participants are in none of the figures."""

    joined: dict[str, int] = field(default_factory=dict)
    submitted: dict[str, int] = field(default_factory=dict)
    answers: int = 0
    #: per side, the people who submitted at least one answer (a "don't know" is no answer):
    #: an empty submission counts as submitted but adds nothing to any figure
    answered: dict[str, int] = field(default_factory=dict)
    #: per side, the people waiting for the facilitator to admit them
    waiting: dict[str, int] = field(default_factory=dict)

    @property
    def total_waiting(self) -> int:
        return sum(self.waiting.values())

    @property
    def total_submitted(self) -> int:
        return sum(self.submitted.values())


#: The prefix of a stored answer that rates the participant's own company (the mirror).
SELF_PREFIX = "self:"


def self_key(item: str) -> str:
    """The store's key of the self-rating of trust item ``item`` (``self:keeps_word``)."""
    return SELF_PREFIX + item


def self_item(key: str) -> str | None:
    """The trust item a stored key rates one's own company on, or ``None`` for any other key."""
    if key.startswith(SELF_PREFIX) and key[len(SELF_PREFIX):] in TRUST_ITEMS:
        return key[len(SELF_PREFIX):]
    return None


def item_kind(item: str) -> Literal["trust", "self", "scope"]:
    """Which instrument an item id belongs to (``self`` for a self-rating on a trust item);
    :class:`InvalidAnswer` for an unknown id."""
    if item in TRUST_ITEMS:
        return "trust"
    if self_item(item) is not None:
        return "self"
    if item in SCOPING_ITEMS:
        return "scope"
    raise InvalidAnswer(f"unknown item {item!r}")


def check_answer(item: str, value: int | None) -> int | None:
    """Validate one answer (see the module docstring for the scales)."""
    kind = item_kind(item)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAnswer(f"{item}: an answer is a whole number, got {value!r}")
    lo, hi = (TRUST.scale.min, TRUST.scale.max) if kind in ("trust", "self") else (min(SCOPE_VALUES), max(SCOPE_VALUES))
    if not lo <= value <= hi:
        raise InvalidAnswer(f"{item}: answers are {lo}–{hi} (or don't know), got {value}")
    return value


def form_keys(form: FormLength) -> frozenset[str]:
    """The store keys a form asks: trust items, their self-ratings (``self:``) and checklist items."""
    trust = trust_items(form)
    return frozenset((*trust, *(self_key(i) for i in trust), *scope_items(form)))


def device_hint(code: str, address: str) -> str:
    """A short digest of the ``address`` a participant's page came from, salted with the session
    ``code``: equal for two participants of one session on the same address, unrelated across
    sessions, and not the address itself. ``""`` when the address is unknown."""
    address = address.strip()
    if not address:
        return ""
    return hashlib.sha256(f"{SQLiteStore.normalise_code(code)}\n{address}".encode()).hexdigest()[:10]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------------------------
# The interface


class AnswerSource(Protocol):
    """Where a session's participants and answers can be read: the store itself, or the
    :class:`Revealed` view of them the facilitator's board shows."""

    def participants(self, code: str) -> list[Participant]: ...
    def answers(self, code: str, participant_id: str | None = None) -> dict[str, dict[str, int | None]]: ...


@runtime_checkable
class SessionStore(Protocol):
    """What the workshop apps need from a store. Every method is safe to call from any process."""

    def create_session(
        self, alliance: str, code: str | None = None, vendor: str = "", partner: str = "", admission: bool = True, form: str = "full"
    ) -> Session: ...
    def get_session(self, code: str) -> Session: ...
    def list_sessions(self) -> list[Session]: ...
    def close_session(self, code: str) -> Session: ...
    def reopen_session(self, code: str) -> Session: ...
    def set_reveal(self, code: str, reveal: bool) -> Session: ...
    def join(self, code: str, side: Side, role: str = "", device: str = "") -> Participant: ...
    def admit(self, code: str, participant_id: str) -> Participant: ...
    def admit_all(self, code: str) -> int: ...
    def remove(self, code: str, participant_id: str) -> Participant: ...
    def get_participant(self, code: str, participant_id: str) -> Participant: ...
    def participants(self, code: str) -> list[Participant]: ...
    def answer(self, code: str, participant_id: str, item: str, value: int | None) -> None: ...
    def answers(self, code: str, participant_id: str | None = None) -> dict[str, dict[str, int | None]]: ...
    def submit(self, code: str, participant_id: str) -> None: ...
    def counts(self, code: str) -> Counts: ...
    def version(self, code: str) -> tuple[Any, ...]: ...
    def revealed(self, code: str, step: int = ANONYMITY_FLOOR) -> Revealed: ...


@dataclass(frozen=True)
class Revealed:
    """What a board may show of a revealed session: the admitted participants' submitted
    answers as they stood when the results last moved (``snapshot``: participant id -> side and answers), and how many
    people's answers have changed since (``waiting``, fewer than ``step``)."""

    snapshot: dict[str, dict[str, Any]]
    waiting: int
    step: int

    def answers(self, code: str, participant_id: str | None = None) -> dict[str, dict[str, int | None]]:
        return {pid: dict(v["answers"]) for pid, v in self.snapshot.items() if participant_id in (None, pid)}

    def participants(self, code: str) -> list[Participant]:
        return [Participant(id=pid, session=code, side=v["side"], role=v.get("role", ""), submitted=True, joined="") for pid, v in self.snapshot.items()]


# --------------------------------------------------------------------------------------------
# SQLite

_MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE sessions (
        code     TEXT PRIMARY KEY,
        alliance TEXT NOT NULL,
        status   TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        reveal   INTEGER NOT NULL DEFAULT 0 CHECK (reveal IN (0, 1)),
        created  TEXT NOT NULL,
        updated  TEXT NOT NULL
    );
    CREATE TABLE participants (
        session   TEXT NOT NULL REFERENCES sessions(code) ON DELETE CASCADE,
        id        TEXT NOT NULL,
        side      TEXT NOT NULL CHECK (side IN ('vendor', 'partner')),
        role      TEXT NOT NULL DEFAULT '',
        joined    TEXT NOT NULL,
        submitted TEXT,
        PRIMARY KEY (session, id)
    );
    CREATE TABLE answers (
        session     TEXT NOT NULL,
        participant TEXT NOT NULL,
        item        TEXT NOT NULL,
        value       INTEGER CHECK (value IS NULL OR value BETWEEN 1 AND 5),
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (session, participant, item),
        FOREIGN KEY (session, participant) REFERENCES participants(session, id) ON DELETE CASCADE
    );
    """,
    # 2: what revealed boards show (moves only when enough people's answers changed)
    """
    CREATE TABLE revealed (
        session  TEXT PRIMARY KEY REFERENCES sessions(code) ON DELETE CASCADE,
        snapshot TEXT NOT NULL,
        updated  TEXT NOT NULL
    );
    """,
    # 3: the companies' names, for the participants' screens (the mirror asks about both)
    """
    ALTER TABLE sessions ADD COLUMN vendor TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN partner TEXT NOT NULL DEFAULT '';
    """,
    # 4: admission and the form's length. Sessions and participants from before keep counting
    # as they did: the defaults make an old session one where everyone counts, asking the full
    # form, and an old participant admitted (new sessions and joins set these explicitly).
    """
    ALTER TABLE sessions ADD COLUMN admission INTEGER NOT NULL DEFAULT 0 CHECK (admission IN (0, 1));
    ALTER TABLE participants ADD COLUMN standing TEXT NOT NULL DEFAULT 'admitted'
        CHECK (standing IN ('waiting', 'admitted', 'removed'));
    ALTER TABLE participants ADD COLUMN device TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN form TEXT NOT NULL DEFAULT 'full' CHECK (form IN ('full', 'short'));
    """,
]


def default_path() -> Path:
    """``$WORKBOOK_STORE``, else ``workshop.sqlite`` in the current directory."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_FILENAME)


class SQLiteStore:
    """:class:`SessionStore` on one SQLite file.

    Parameters
    ----------
    path : the database file (created with its folder); default :func:`default_path`.
    busy_timeout : seconds a connection waits for another writer before failing.
    """

    schema_version = len(_MIGRATIONS)

    def __init__(self, path: str | Path | None = None, busy_timeout: float = 30.0):
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # -- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = NORMAL")  # safe in WAL mode; a crash loses at most the last commit
        return con

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection to the file, opened once and kept (a forked process opens its own).

        A connection per operation used to be opened and closed each time; closing the last
        connection to a WAL database checkpoints it, with four disk syncs, so every answer cost
        four syncs. Kept open, a commit in WAL mode with ``synchronous = NORMAL`` syncs nothing,
        and SQLite checkpoints every thousand pages instead."""
        local = self._local
        con: sqlite3.Connection | None = getattr(local, "con", None)
        if con is None or getattr(local, "pid", None) != os.getpid():
            con = self._connect()
            local.con, local.pid = con, os.getpid()
        return con

    def _drop_connection(self) -> None:
        """Forget this thread's connection after an error, so the next operation starts afresh."""
        con = getattr(self._local, "con", None)
        self._local.con = None
        if con is not None:
            with suppress(sqlite3.Error):
                con.close()

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end, or with the store)."""
        self._drop_connection()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._connection()
        except sqlite3.Error:
            self._drop_connection()
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._connection()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except sqlite3.Error:
            self._drop_connection()
            raise

    def _migrate(self) -> None:
        con = self._connect()
        try:
            # journal_mode is persistent in the file; setting it needs no transaction.
            for attempt in range(50):
                try:
                    con.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError:  # another process is creating the file
                    time.sleep(0.05 * (attempt + 1))
        finally:
            con.close()
        with self._write() as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > len(_MIGRATIONS):
                raise StoreError(f"{self.path} was written by a newer version of the workbook (schema {version})")
            for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute(f"PRAGMA user_version = {number}")

    # -- sessions ---------------------------------------------------------------------------

    @staticmethod
    def _session(row: sqlite3.Row) -> Session:
        return Session(
            code=row["code"],
            alliance=row["alliance"],
            status=row["status"],
            reveal=bool(row["reveal"]),
            created=row["created"],
            vendor=row["vendor"],
            partner=row["partner"],
            admission=bool(row["admission"]),
            form=check_form(row["form"]),
        )

    @staticmethod
    def normalise_code(code: str) -> str:
        return "".join(code.split()).upper()

    def create_session(
        self, alliance: str, code: str | None = None, vendor: str = "", partner: str = "", admission: bool = True, form: str = "full"
    ) -> Session:
        """A new open session; ``vendor`` and ``partner`` name the two companies on the
        participants' screens (optional, at most 80 characters each). With ``admission`` (the
        default) a participant counts only once the facilitator admits them; without it, everyone
        who joins counts (a trusted room). ``form`` is ``full`` or ``short`` (see
        :mod:`workbook.instruments.forms`)."""
        alliance = one_line(alliance)
        if not alliance:
            raise StoreError("Give the alliance a name.")
        try:
            form = check_form(form)
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        vendor, partner = one_line(vendor)[:80], one_line(partner)[:80]
        now = _now()
        with self._write() as con:
            if code is None:
                while True:
                    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
                    if con.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is None:
                        break
            else:
                code = self.normalise_code(code)
                if con.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is not None:
                    raise StoreError(f"A session with the code {code} exists already.")
            con.execute(
                "INSERT INTO sessions (code, alliance, created, updated, vendor, partner, admission, form) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (code, alliance, now, now, vendor, partner, int(bool(admission)), form),
            )
        return self.get_session(code)

    def get_session(self, code: str) -> Session:
        code = self.normalise_code(code)
        with self._read() as con:
            row = con.execute("SELECT * FROM sessions WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise UnknownSession(code)
        return self._session(row)

    def list_sessions(self) -> list[Session]:
        with self._read() as con:
            rows = con.execute("SELECT * FROM sessions ORDER BY created DESC").fetchall()
        return [self._session(r) for r in rows]

    def _update_session(self, code: str, **values: Any) -> Session:
        code = self.normalise_code(code)
        sets = ", ".join(f"{k} = ?" for k in values)
        with self._write() as con:
            cur = con.execute(f"UPDATE sessions SET {sets}, updated = ? WHERE code = ?", (*values.values(), _now(), code))
            if cur.rowcount == 0:
                raise UnknownSession(code)
        return self.get_session(code)

    def close_session(self, code: str) -> Session:
        """Close the session (idempotent: closing a closed session leaves it closed)."""
        return self._update_session(code, status="closed")

    def reopen_session(self, code: str) -> Session:
        """Reopen the session (idempotent)."""
        return self._update_session(code, status="open")

    def set_reveal(self, code: str, reveal: bool) -> Session:
        return self._update_session(code, reveal=int(bool(reveal)))

    # -- participants -----------------------------------------------------------------------

    @staticmethod
    def _participant(row: sqlite3.Row) -> Participant:
        return Participant(
            id=row["id"],
            session=row["session"],
            side=row["side"],
            role=row["role"],
            submitted=row["submitted"] is not None,
            joined=row["joined"],
            standing=row["standing"],
            device=row["device"],
        )

    @staticmethod
    def _open_session(con: sqlite3.Connection, code: str) -> None:
        row = con.execute("SELECT status FROM sessions WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise UnknownSession(code)
        if row["status"] != "open":
            raise SessionClosed(code)

    def join(self, code: str, side: Side, role: str = "", device: str = "") -> Participant:
        """A new participant: *waiting* in a session that needs admission, else *admitted*.
        ``device`` is the :func:`device_hint` of the address the page came from ("" if unknown)."""
        code = self.normalise_code(code)
        if side not in SIDES:
            raise StoreError(f"Choose vendor or partner, not {side!r}.")
        role = one_line(role)[:80]
        device = "".join(c for c in device if c in "0123456789abcdef")[:16]
        pid = secrets.token_hex(6)
        with self._write() as con:
            self._open_session(con, code)
            admission = con.execute("SELECT admission FROM sessions WHERE code = ?", (code,)).fetchone()["admission"]
            con.execute(
                "INSERT INTO participants (session, id, side, role, joined, standing, device) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, pid, side, role, _now(), "waiting" if admission else "admitted", device),
            )
            con.execute("UPDATE sessions SET updated = ? WHERE code = ?", (_now(), code))
        return self.get_participant(code, pid)

    def get_participant(self, code: str, participant_id: str) -> Participant:
        code = self.normalise_code(code)
        with self._read() as con:
            row = con.execute("SELECT * FROM participants WHERE session = ? AND id = ?", (code, participant_id)).fetchone()
            if row is None:
                if con.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is None:
                    raise UnknownSession(code)
                raise UnknownParticipant(participant_id)
        return self._participant(row)

    def participants(self, code: str) -> list[Participant]:
        code = self.normalise_code(code)
        with self._read() as con:
            rows = con.execute("SELECT * FROM participants WHERE session = ? ORDER BY joined", (code,)).fetchall()
        return [self._participant(r) for r in rows]

    def _set_standing(self, code: str, participant_id: str, standing: Standing) -> Participant:
        code = self.normalise_code(code)
        with self._write() as con:
            row = con.execute("SELECT standing FROM participants WHERE session = ? AND id = ?", (code, participant_id)).fetchone()
            if row is None:
                if con.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is None:
                    raise UnknownSession(code)
                raise UnknownParticipant(participant_id)
            if row["standing"] == "removed" and standing != "removed":
                raise StoreError("This participant was removed: a removed participant's answers never count again.")
            con.execute("UPDATE participants SET standing = ? WHERE session = ? AND id = ?", (standing, code, participant_id))
            con.execute("UPDATE sessions SET updated = ? WHERE code = ?", (_now(), code))
        return self.get_participant(code, participant_id)

    def admit(self, code: str, participant_id: str) -> Participant:
        """Let a waiting participant in: their submitted answers count from now on (idempotent;
        a removed participant cannot be admitted again)."""
        return self._set_standing(code, participant_id, "admitted")

    def admit_all(self, code: str) -> int:
        """Admit every waiting participant of the session; how many were admitted."""
        code = self.normalise_code(code)
        with self._write() as con:
            if con.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is None:
                raise UnknownSession(code)
            n = con.execute("UPDATE participants SET standing = 'admitted' WHERE session = ? AND standing = 'waiting'", (code,)).rowcount
            if n:
                con.execute("UPDATE sessions SET updated = ? WHERE code = ?", (_now(), code))
        return int(n)

    def remove(self, code: str, participant_id: str) -> Participant:
        """Remove a participant for good: their answers are kept in the file but never count
        again, and they can no longer answer or submit."""
        return self._set_standing(code, participant_id, "removed")

    # -- answers ----------------------------------------------------------------------------

    @staticmethod
    def _writer(con: sqlite3.Connection, code: str, participant_id: str) -> None:
        """Refuse a write by an unknown or removed participant."""
        row = con.execute("SELECT standing FROM participants WHERE session = ? AND id = ?", (code, participant_id)).fetchone()
        if row is None:
            raise UnknownParticipant(participant_id)
        if row["standing"] == "removed":
            raise ParticipantRemoved(code)

    def answer(self, code: str, participant_id: str, item: str, value: int | None) -> None:
        """Record (or change) one answer; raises :class:`SessionClosed` once the session is
        closed, :class:`ParticipantRemoved` for a removed participant and :class:`InvalidAnswer`
        for an item the session's form does not ask."""
        code = self.normalise_code(code)
        value = check_answer(item, value)
        now = _now()
        with self._write() as con:
            self._open_session(con, code)
            form = con.execute("SELECT form FROM sessions WHERE code = ?", (code,)).fetchone()["form"]
            if item not in form_keys(check_form(form)):
                raise InvalidAnswer(f"{item}: this session asks the {form} form, which does not have this question")
            self._writer(con, code, participant_id)
            con.execute(
                "INSERT INTO answers (session, participant, item, value, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (session, participant, item) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (code, participant_id, item, value, now),
            )

    def answers(self, code: str, participant_id: str | None = None) -> dict[str, dict[str, int | None]]:
        """participant id -> item -> value (``None`` = don't know)."""
        code = self.normalise_code(code)
        query = "SELECT participant, item, value FROM answers WHERE session = ?"
        args: tuple[Any, ...] = (code,)
        if participant_id is not None:
            query += " AND participant = ?"
            args += (participant_id,)
        with self._read() as con:
            rows = con.execute(query + " ORDER BY participant, rowid", args).fetchall()
        out: dict[str, dict[str, int | None]] = {}
        for r in rows:
            out.setdefault(r["participant"], {})[r["item"]] = r["value"]
        return out

    def submit(self, code: str, participant_id: str) -> None:
        """Mark a participant's answers as submitted (they may still revise while the session is open)."""
        code = self.normalise_code(code)
        with self._write() as con:
            self._open_session(con, code)
            self._writer(con, code, participant_id)
            con.execute("UPDATE participants SET submitted = ? WHERE session = ? AND id = ?", (_now(), code, participant_id))
            con.execute("UPDATE sessions SET updated = ? WHERE code = ?", (_now(), code))

    def counts(self, code: str) -> Counts:
        code = self.normalise_code(code)
        with self._read() as con:
            rows = con.execute(
                "SELECT side, COUNT(*) AS n, COUNT(submitted) AS s FROM participants WHERE session = ? AND standing = 'admitted' GROUP BY side",
                (code,),
            ).fetchall()
            waiting_rows = con.execute(
                "SELECT side, COUNT(*) AS n FROM participants WHERE session = ? AND standing = 'waiting' GROUP BY side", (code,)
            ).fetchall()
            n_answers = con.execute(
                "SELECT COUNT(*) FROM answers a JOIN participants p ON a.session = p.session AND a.participant = p.id "
                "WHERE a.session = ? AND p.standing = 'admitted'",
                (code,),
            ).fetchone()[0]
            with_answers = con.execute(
                "SELECT p.side AS side, COUNT(DISTINCT p.id) AS n FROM participants p JOIN answers a "
                "ON a.session = p.session AND a.participant = p.id "
                "WHERE p.session = ? AND p.standing = 'admitted' AND p.submitted IS NOT NULL AND a.value IS NOT NULL GROUP BY p.side",
                (code,),
            ).fetchall()
        joined: dict[str, int] = {s: 0 for s in SIDES}
        submitted: dict[str, int] = {s: 0 for s in SIDES}
        answered: dict[str, int] = {s: 0 for s in SIDES}
        waiting: dict[str, int] = {s: 0 for s in SIDES}
        for r in rows:
            joined[r["side"]] = r["n"]
            submitted[r["side"]] = r["s"]
        for r in with_answers:
            answered[r["side"]] = r["n"]
        for r in waiting_rows:
            waiting[r["side"]] = r["n"]
        return Counts(joined=joined, submitted=submitted, answers=n_answers, answered=answered, waiting=waiting)

    def revealed(self, code: str, step: int = ANONYMITY_FLOOR) -> Revealed:
        """The answers a revealed board shows (see :class:`Revealed`).

        Only admitted participants' submitted answers are taken. The first call takes them as
        they are. Later calls move to the current answers only when at least ``step`` (never
        below :data:`ANONYMITY_FLOOR`) participants submitted, revised, were admitted or left
        since; otherwise they return the same answers as before — less anyone the facilitator
        removed since, whose answers leave the view at once. Every board of the session shares
        the one stored view, so two boards never differ by one person either.
        """
        code = self.normalise_code(code)
        step = max(int(step), ANONYMITY_FLOOR)
        with self._write() as con:
            if con.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is None:
                raise UnknownSession(code)
            current: dict[str, dict[str, Any]] = {}
            removed = {r["id"] for r in con.execute("SELECT id FROM participants WHERE session = ? AND standing = 'removed'", (code,))}
            for r in con.execute(
                "SELECT id, side, role FROM participants WHERE session = ? AND submitted IS NOT NULL AND standing = 'admitted'", (code,)
            ):
                current[r["id"]] = {"side": r["side"], "role": r["role"], "answers": {}}
            for r in con.execute("SELECT participant, item, value FROM answers WHERE session = ? ORDER BY participant, rowid", (code,)):
                if r["participant"] in current:
                    current[r["participant"]]["answers"][r["item"]] = r["value"]
            row = con.execute("SELECT snapshot FROM revealed WHERE session = ?", (code,)).fetchone()
            if row is None:
                con.execute("INSERT INTO revealed (session, snapshot, updated) VALUES (?, ?, ?)", (code, json.dumps(current), _now()))
                return Revealed(current, 0, step)
            shown: dict[str, dict[str, Any]] = json.loads(row["snapshot"])
            if removed & shown.keys():  # a removed participant's answers never count again
                shown = {pid: v for pid, v in shown.items() if pid not in removed}
                con.execute("UPDATE revealed SET snapshot = ?, updated = ? WHERE session = ?", (json.dumps(shown), _now(), code))
            changed = {pid for pid in current.keys() | shown.keys() if current.get(pid) != shown.get(pid)}
            if len(changed) >= step:
                con.execute("UPDATE revealed SET snapshot = ?, updated = ? WHERE session = ?", (json.dumps(current), _now(), code))
                return Revealed(current, 0, step)
            return Revealed(shown, len(changed), step)

    def version(self, code: str) -> tuple[Any, ...]:
        """Changes whenever anything of the session changes: a cheap poll for live boards."""
        code = self.normalise_code(code)
        with self._read() as con:
            s = con.execute("SELECT status, reveal, updated FROM sessions WHERE code = ?", (code,)).fetchone()
            if s is None:
                raise UnknownSession(code)
            a = con.execute("SELECT COUNT(*), MAX(updated_at) FROM answers WHERE session = ?", (code,)).fetchone()
        return (s["status"], s["reveal"], s["updated"], a[0], a[1])


__all__ = [
    "ANONYMITY_FLOOR",
    "AnswerSource",
    "Counts",
    "InvalidAnswer",
    "Participant",
    "ParticipantRemoved",
    "Revealed",
    "SCOPE_VALUES",
    "SQLiteStore",
    "Session",
    "SessionClosed",
    "SessionStore",
    "StoreError",
    "UnknownParticipant",
    "UnknownSession",
    "check_answer",
    "default_path",
    "device_hint",
    "form_keys",
    "item_kind",
    "self_item",
    "self_key",
]
