"""The participant's page served by the server itself: no kernel per participant.

A kernel-backed page (:mod:`workbook.ui.workshop`) costs each participant a Python kernel of about
70 MB; a partner summit of 300 would need about 21 GB. This page is one static HTML file (its
script and style inline, nothing from the network) that talks to a small JSON API in the
``workbook serve`` process, which writes to the same workshop store the board's kernel reads:

==========================================  ====================================================
``GET  /workbook/join``                     the page (``?session=CODE&participant=ID`` resumes)
``GET  /workbook/api/room/session?code=``   the session as participants see it, and its screens
``POST /workbook/api/room/join``            ``{code, side, role}`` -> a new participant
``GET  /workbook/api/room/state?code=&participant=``  that participant's standing and answers
``POST /workbook/api/room/answer``          ``{code, participant, key, value}`` (value null = don't know)
``POST /workbook/api/room/submit``          ``{code, participant}``
==========================================  ====================================================

Roles and tokens are the server's (:mod:`workbook.apps.guard` sits in front of these handlers as of
every other): the participant token (or the facilitator's) is needed, the host name is checked,
and a POST needs Jupyter's XSRF cookie sent back as a header. A participant's id is their
capability, as on the kernel page: 48 random bits, never shown on the board. Nothing here admits,
removes, closes or reveals: those stay the facilitator's, in the board's kernel.

Limits, per client address (:class:`Limits`): API requests (a burst, then a steady rate) and joins
(a few, then one per interval); a request over a limit gets HTTP 429 and a sentence, and the page
retries an unsaved answer by itself, so nothing is lost. Bodies over :data:`MAX_BODY` bytes are
refused. Store calls run in a small thread pool, so a slow disk never stalls the other pages.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..instruments import TRUST
from ..instruments.forms import FormLength
from ..instruments.screens import Question, screens
from ..resources import templates_dir
from ..store import (
    InvalidAnswer,
    ParticipantRemoved,
    Session,
    SessionClosed,
    SQLiteStore,
    StoreError,
    UnknownParticipant,
    UnknownSession,
    device_hint,
)

if TYPE_CHECKING:
    from jupyter_server.base.handlers import JupyterHandler

    _Handler = JupyterHandler
else:
    try:
        from jupyter_server.base.handlers import JupyterHandler as _Handler
    except ImportError:  # pragma: no cover - jupyter_server is a dependency
        _Handler = object

#: The page's address and the API's, under the server's base URL.
PAGE_PATH = "workbook/join"
API_PATH = "workbook/api/room"
#: The largest request body the API reads (an answer is well under 200 bytes).
MAX_BODY = 4096
#: The most participants one session takes (a plenary of 300 with room to spare).
MAX_PARTICIPANTS = 2000


# --------------------------------------------------------------------------------------------
# What the page is sent


def question_json(q: Question) -> dict[str, Any]:
    return {
        "key": q.key,
        "item": q.item,
        "kind": q.kind,
        "about": q.about,
        "wording": q.wording,
        "choices": [[label, value] for label, value in q.choices],
    }


@lru_cache(maxsize=4)
def screens_json(form: FormLength) -> list[dict[str, Any]]:
    """The screens of ``form`` as the page draws them (plain text: the page never parses it as HTML)."""
    return [{"kind": s.kind, "section": s.section, "questions": [question_json(q) for q in s.questions]} for s in screens(form)]


def session_json(session: Session) -> dict[str, Any]:
    """What a participant may know of a session (not its alliance, its reveal switch or its counts)."""
    return {
        "code": session.code,
        "vendor": session.vendor,
        "partner": session.partner,
        "open": session.is_open,
        "admission": session.admission,
        "form": session.form,
        "screens": screens_json(session.form),
    }


def scale_json() -> dict[str, str]:
    return {str(k): v for k, v in sorted(TRUST.scale.labels.items())}


@lru_cache(maxsize=1)
def page_template() -> str:
    return (templates_dir() / "room.html").read_text(encoding="utf-8")


def page_html(base_url: str, xsrf: str) -> str:
    """The page: the template with its settings as JSON in a script element (every ``<`` written
    ``\\u003c``, so no text can close the element; a script's text is never parsed as HTML)."""
    config = json.dumps({"api": base_url.rstrip("/") + "/" + API_PATH, "xsrf": xsrf, "scale": scale_json()})
    return page_template().replace("{{CONFIG}}", config.replace("<", "\\u003c"))


# --------------------------------------------------------------------------------------------
# Limits per client address


@dataclass
class Bucket:
    """A token bucket: ``capacity`` at once, refilled at ``rate`` a second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens = self.capacity
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Limits:
    """Per client address: ``requests`` API calls at once then ``request_rate`` a second; ``joins``
    joins at once then one every ``join_interval`` seconds. At most ``max_clients`` addresses are
    remembered (the longest quiet ones are forgotten first)."""

    requests: float = 60
    request_rate: float = 10.0
    joins: float = 6
    join_interval: float = 20.0
    max_clients: int = 20000
    _requests: dict[str, Bucket] = field(default_factory=dict)
    _joins: dict[str, Bucket] = field(default_factory=dict)

    def _bucket(self, table: dict[str, Bucket], client: str, capacity: float, rate: float) -> Bucket:
        bucket = table.pop(client, None) or Bucket(capacity, rate)
        table[client] = bucket  # most recently used last
        while len(table) > self.max_clients:
            del table[next(iter(table))]
        return bucket

    def request(self, client: str) -> bool:
        return self._bucket(self._requests, client, self.requests, self.request_rate).take()

    def join(self, client: str) -> bool:
        return self._bucket(self._joins, client, self.joins, 1.0 / self.join_interval).take()


    @classmethod
    def for_device(cls, participants: int) -> Limits:
        """Limits sized for ``participants`` people on one address (6 by default: 60 requests at
        once then 10 a second, and 6 joins; a room behind one NAT sets the room's size)."""
        n = max(1, participants)
        return cls(requests=10.0 * n, request_rate=10.0 * n / 6, joins=n)


LIMITS = Limits()


def configure(participants_per_device: int) -> None:
    """Size the per-device limits (``workbook serve --participants-per-device``)."""
    global LIMITS
    LIMITS = Limits.for_device(participants_per_device)


# --------------------------------------------------------------------------------------------
# The store, from a thread pool


class Room:
    """The workshop store as the API uses it (one per server process)."""

    def __init__(self, store: SQLiteStore | None = None, workers: int = 4):
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="workbook-room")

    @property
    def store(self) -> SQLiteStore:
        if self._store is None:
            self._store = SQLiteStore()  # $WORKBOOK_STORE, pinned by `workbook serve`
        return self._store

    async def run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    # the calls, each a few store operations in one thread

    def session(self, code: str) -> dict[str, Any]:
        return session_json(self.store.get_session(code))

    def join(self, code: str, side: str, role: str, client: str) -> dict[str, Any]:
        store = self.store
        if len(store.participants(code)) >= MAX_PARTICIPANTS:
            raise StoreError(f"This session is full ({MAX_PARTICIPANTS} participants). Ask the facilitator.")
        participant = store.join(code, side, role, device=device_hint(code, client))  # type: ignore[arg-type]  # checked by the store
        return self.state(participant.session, participant.id)

    def state(self, code: str, participant_id: str) -> dict[str, Any]:
        store = self.store
        p = store.get_participant(code, participant_id)
        session = store.get_session(p.session)
        answers = store.answers(p.session, p.id).get(p.id, {})
        return {
            "participant": {"id": p.id, "side": p.side, "standing": p.standing, "submitted": p.submitted},
            "answers": {k: v for k, v in answers.items() if k in session.keys},
            "session": session_json(session),
        }

    def answer(self, code: str, participant_id: str, key: str, value: int | None) -> dict[str, Any]:
        self.store.answer(code, participant_id, key, value)
        return {"saved": key}

    def submit(self, code: str, participant_id: str) -> dict[str, Any]:
        self.store.submit(code, participant_id)
        return self.state(code, participant_id)


ROOM = Room()


# --------------------------------------------------------------------------------------------
# Handlers


class ApiError(Exception):
    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status
        self.text = text


#: How a store refusal reaches the page: its HTTP status (the text is the store's own sentence).
STATUS = ((UnknownSession, 404), (UnknownParticipant, 404), (SessionClosed, 409), (ParticipantRemoved, 403), (InvalidAnswer, 400), (StoreError, 400))


def _text(body: dict[str, Any], name: str, limit: int = 200) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise ApiError(400, f"{name}: expected text of at most {limit} characters")
    return value


class RoomPage(_Handler):
    """``GET /workbook/join``: the page itself (the participant token or cookie needed)."""

    def check_xsrf_cookie(self) -> None:
        return None  # a GET only

    async def get(self) -> None:
        if getattr(self.current_user, "username", None) not in ("participant", "facilitator"):
            self.set_status(403)
            self.finish("<!doctype html><p>Open the link you were given, with its token.</p>")
            return
        xsrf = self.xsrf_token.decode("ascii")  # also sets the `_xsrf` cookie the API checks
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")  # the address carries the participant's id
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(page_html(self.base_url, xsrf))


class RoomApi(_Handler):
    """``/workbook/api/room/<action>``: JSON in, JSON out; refusals as ``{"error": sentence}``."""

    async def prepare(self) -> None:  # type: ignore[override]  # Jupyter's prepare takes a keyword this one fixes
        # no redirect to a login page: a script gets a 403 it can explain
        await super().prepare(_redirect_to_login=False)

    def _client(self) -> str:
        return str(self.request.remote_ip or "")

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload))

    def _allowed(self) -> None:
        if getattr(self.current_user, "username", None) not in ("participant", "facilitator"):
            raise ApiError(403, "Open the link you were given, with its token.")
        if not LIMITS.request(self._client()):
            raise ApiError(429, "Too many requests from this device: wait a moment (your answers are kept and sent again).")

    def _body(self) -> dict[str, Any]:
        if len(self.request.body) > MAX_BODY:
            raise ApiError(413, f"The request is too large (at most {MAX_BODY} bytes).")
        try:
            body = json.loads(self.request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The request is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request must be a JSON object.")
        return body

    async def _handle(self, action: str, call: Any) -> None:
        try:
            self._allowed()
            payload = await call()
            self._reply(200, payload)
        except ApiError as exc:
            self._reply(exc.status, {"error": exc.text})
        except StoreError as exc:
            status = next(s for kind, s in STATUS if isinstance(exc, kind))
            self._reply(status, {"error": str(exc)})

    async def get(self, action: str) -> None:
        async def call() -> dict[str, Any]:
            code = self.get_query_argument("code", "")[:40]
            if action == "session":
                return dict(await ROOM.run(ROOM.session, code))
            if action == "state":
                return dict(await ROOM.run(ROOM.state, code, self.get_query_argument("participant", "")[:40]))
            raise ApiError(404, f"Unknown request: {action[:40]}")

        await self._handle(action, call)

    async def post(self, action: str) -> None:
        async def call() -> dict[str, Any]:
            body = self._body()
            code = _text(body, "code", 40)
            if action == "join":
                if not LIMITS.join(self._client()):
                    raise ApiError(429, "Too many joins from this device: wait a minute, or reopen the page you joined with.")
                return dict(await ROOM.run(ROOM.join, code, _text(body, "side", 20), _text(body, "role", 200), self._client()))
            participant = _text(body, "participant", 40)
            if action == "answer":
                value = body.get("value")
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ApiError(400, "value: a whole number or null (don't know)")
                return dict(await ROOM.run(ROOM.answer, code, participant, _text(body, "key", 80), value))
            if action == "submit":
                return dict(await ROOM.run(ROOM.submit, code, participant))
            raise ApiError(404, f"Unknown request: {action[:40]}")

        await self._handle(action, call)


def handlers(base_url: str) -> list[tuple[str, type[Any]]]:
    """The page's and the API's routes under ``base_url`` (unguarded: the server puts
    :mod:`workbook.apps.guard` in front, as of every handler)."""
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    return [(f"{base}{PAGE_PATH}", RoomPage), (f"{base}{API_PATH}/([a-z]+)", RoomApi)]


__all__ = ["API_PATH", "LIMITS", "configure", "MAX_BODY", "PAGE_PATH", "ROOM", "Bucket", "Limits", "Room", "handlers", "page_html", "screens_json", "session_json"]
