"""The participants' page the server answers itself (`workbook serve`'s default participant link):
many participants on one process, each kept apart, with the server's tokens and roles, limits
per device, and the page in real Chromium on a phone and a laptop.

One server for the module, with a participants' token (as on a room's network). Scripted
participants use the page's own requests, each from its own loopback address (127.0.x.y), so the
server sees one device per participant, as in a room.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from tests.browser.server import Server, start_server
from tests.conftest import outside_requests
from workbook.store import SQLiteStore

pytestmark = pytest.mark.browser

TOKEN = "room-participants"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("room"), args=("--token", TOKEN))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def store(server: Server) -> SQLiteStore:
    return SQLiteStore(server.store)


def device(server: Server, n: int, token: str | None = TOKEN) -> tuple[httpx.Client, str]:
    """A participant's device at 127.0.9.n, signed in through the page (its cookies, its XSRF value)."""
    client = httpx.Client(base_url=server.base, transport=httpx.HTTPTransport(local_address=f"127.0.9.{n}"), timeout=30)
    page = client.get("/workbook/join", params={"token": token} if token else {})
    xsrf = re.search(r'"xsrf": "([^"]+)"', page.text)
    return client, xsrf.group(1) if xsrf else ""


def run_async(make):
    """Run the coroutine ``make()`` to its end on an event loop of its own thread: in the whole
    suite, Playwright's sync API keeps an event loop running in this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def post(client: httpx.Client, xsrf: str, action: str, **body) -> httpx.Response:
    return client.post(f"/workbook/api/room/{action}", json=body, headers={"X-XSRFToken": xsrf})


def test_the_participant_link_is_the_servers_own_page_and_starts_no_kernel(server: Server):
    assert f"/workbook/join?token={TOKEN}" in server.log(), server.tail()
    before = {k.pid for k in server.kernels()}
    client, xsrf = device(server, 1)
    assert xsrf
    assert {k.pid for k in server.kernels()} == before  # a page, not a kernel
    client.close()


def test_many_participants_on_one_process_never_see_or_change_each_others_answers(server: Server, store: SQLiteStore):
    code = store.create_session("Room alliance", vendor="Acme", partner="Northwind", admission=False).code
    n = 40

    async def one(i: int) -> tuple[str, dict]:
        async with httpx.AsyncClient(base_url=server.base, transport=httpx.AsyncHTTPTransport(local_address=f"127.0.8.{i + 1}"), timeout=60) as c:
            page = await c.get("/workbook/join", params={"token": TOKEN, "session": code})
            xsrf = re.search(r'"xsrf": "([^"]+)"', page.text).group(1)
            h = {"X-XSRFToken": xsrf}
            joined = (await c.post("/workbook/api/room/join", json={"code": code, "side": "vendor" if i % 2 else "partner"}, headers=h)).json()
            pid = joined["participant"]["id"]
            mine = {"trust_discussed": 1 + i % 5, "self:trust_discussed": 1 + (i + 2) % 5, "value_proposition": 1 + i % 3}
            for key, value in mine.items():
                r = await c.post("/workbook/api/room/answer", json={"code": code, "participant": pid, "key": key, "value": value}, headers=h)
                assert r.status_code == 200, r.text
            assert (await c.post("/workbook/api/room/submit", json={"code": code, "participant": pid}, headers=h)).status_code == 200
            state = (await c.get("/workbook/api/room/state", params={"code": code, "participant": pid})).json()
            assert state["answers"] == mine  # a participant's state holds their own answers only
            return pid, mine

    async def everyone():
        return await asyncio.gather(*(one(i) for i in range(n)))

    results = run_async(everyone)
    stored = store.answers(code)
    assert len(stored) == n
    for pid, mine in results:
        assert stored[pid] == mine
    assert store.counts(code).total_submitted == n

    # Another device that knows the session but not a participant's id can neither read nor write
    # anyone's answers; an invented id is refused and changes nothing.
    client, xsrf = device(server, 200)
    r = client.get("/workbook/api/room/state", params={"code": code, "participant": "0" * 12})
    assert r.status_code == 404 and "error" in r.json()
    r = post(client, xsrf, "answer", code=code, participant="0" * 12, key="trust_discussed", value=5)
    assert r.status_code == 404
    session = client.get("/workbook/api/room/session", params={"code": code}).json()
    assert set(session) == {"code", "vendor", "partner", "open", "admission", "form", "screens"}  # no answers, no counts, no ids
    assert store.answers(code) == stored
    client.close()


def test_roles_tokens_and_xsrf_as_on_every_other_page(server: Server, store: SQLiteStore):
    code = store.create_session("Roles alliance", admission=False).code
    anonymous = httpx.Client(base_url=server.base, transport=httpx.HTTPTransport(local_address="127.0.9.20"))
    page = anonymous.get("/workbook/join")  # as every page of the server: to the sign-in page
    assert page.status_code == 302 and "/login" in page.headers["location"]
    assert anonymous.get("/workbook/api/room/session", params={"code": code}).status_code == 403
    assert anonymous.post("/workbook/api/room/join", json={"code": code, "side": "vendor"}).status_code == 403
    wrong, _ = device(server, 21, token="not-the-token")
    assert wrong.get("/workbook/api/room/session", params={"code": code}).status_code == 403
    # with the token: the page, but a write without the XSRF value (another site's form) is refused
    client, xsrf = device(server, 22)
    assert client.post("/workbook/api/room/join", json={"code": code, "side": "vendor"}).status_code == 403
    assert post(client, xsrf, "join", code=code, side="vendor").status_code == 200
    # a participant reaches no facilitator power through this page: there is no such request
    for action in ("admit", "close", "reveal", "remove"):
        assert post(client, xsrf, action, code=code).status_code == 404
    # and the participants' token still does not open the board
    assert client.get("/voila/render/facilitator.ipynb").status_code == 403
    for c in (anonymous, wrong, client):
        c.close()


def test_bad_requests_and_floods_get_a_clear_refusal(server: Server, store: SQLiteStore):
    code = store.create_session("Flood alliance", admission=False).code
    client, xsrf = device(server, 30)
    pid = post(client, xsrf, "join", code=code, side="partner").json()["participant"]["id"]
    assert post(client, xsrf, "answer", code=code, participant=pid, key="trust_discussed", value=9).status_code == 400
    assert post(client, xsrf, "answer", code=code, participant=pid, key="trust_discussed", value="5").status_code == 400
    assert post(client, xsrf, "answer", code=code, participant=pid, key="no_such_item", value=1).status_code == 400
    r = client.post("/workbook/api/room/answer", content=b"{not json", headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    r = post(client, xsrf, "join", code=code, side="partner", role="x" * 5000)
    assert r.status_code == 413 and "too large" in r.json()["error"]
    assert post(client, xsrf, "join", code="NOSUCH", side="partner").status_code == 404
    # invented participants: one device gets a handful of joins, then a refusal
    joins = [post(client, xsrf, "join", code=code, side="vendor").status_code for _ in range(10)]
    assert 429 in joins and joins.count(200) <= 5, joins
    # a burst of requests from one device: served up to its limit, then refused with a sentence
    async def burst() -> list[int]:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.9.30")
        async with httpx.AsyncClient(base_url=server.base, transport=transport, cookies=client.cookies, timeout=60) as c:
            return list(await asyncio.gather(*(c.get("/workbook/api/room/state", params={"code": code, "participant": pid}) for _ in range(200))))

    replies = run_async(burst)
    statuses = [r.status_code for r in replies]
    assert statuses.count(200) >= 50 and statuses.count(429) >= 20 and set(statuses) == {200, 429}, statuses
    refusal = next(r for r in replies if r.status_code == 429)
    assert "wait a moment" in refusal.json()["error"]
    # while another device is served as usual
    other, other_xsrf = device(server, 31)
    assert other.get("/workbook/api/room/session", params={"code": code}).status_code == 200
    assert store.answers(code).get(pid, {}) == {}  # nothing half-written
    client.close()
    other.close()


def test_the_page_on_a_phone_and_a_laptop(new_context, server: Server, store: SQLiteStore):
    session = store.create_session("Page alliance", vendor="Acme <b>", partner="Northwind", admission=True)
    code = session.code
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.room_url(f"session={code}"))
    page.wait_for_selector(".wb-side [data-side=vendor]:has-text('Acme <b> (the vendor)')")  # names as text, never markup
    assert "token" not in page.url  # the token moved to the cookie; the address keeps the session
    page.click(".wb-side [data-side=partner]")
    page.click(".wb-join")
    page.wait_for_selector(".wb-answer")
    # admission: the page says the participant waits, at the top
    assert "waiting for the facilitator" in page.inner_text(".wb-banners")
    # on a phone, the first rating is on the first screen without scrolling
    box = page.locator(".wb-row-trust_discussed").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, box
    # screen readers hear which company each row rates, the statement's subject named
    other = page.get_by_role("radiogroup", name=re.compile(r"^Rate Acme <b> \(the other company\): "))
    own = page.get_by_role("radiogroup", name=re.compile(r"^Rate Northwind \(your company\): "))
    assert other.count() >= 2 and own.count() >= 2
    own.first.get_by_role("radio", name=re.compile(r"^4, ")).click()
    other.first.get_by_role("radio", name="Don't know").click()
    page.wait_for_function("document.getElementById('saved').textContent === 'All answers saved'")
    pid = re.search(r"participant=([0-9a-f]+)", page.url).group(1)
    assert store.answers(code, pid)[pid] == {"self:trust_discussed": 4, "trust_discussed": None}
    assert page.locator(".wb-status").count() == 0  # the "you have joined" message went with the first answer

    # a laptop reopening the address: the answers come back, and a closed session says so at the top
    store.close_session(code)
    laptop = new_context(viewport={"width": 1280, "height": 900})
    again = laptop.new_page()
    again.goto(page.url + f"&token={TOKEN}")
    again.wait_for_selector(".wb-answer")
    assert "2 answers restored" in again.inner_text(".wb-banners")
    assert "session is closed" in again.inner_text(".wb-banners .wb-closed")
    assert again.locator(".wb-row-self-trust_discussed [aria-checked=true]").inner_text() == "4"
    assert outside_requests(requests) == []
