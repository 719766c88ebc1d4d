"""The server's participant page without a server: its limits, its screens and its page."""

from __future__ import annotations

import json
import re

from workbook.apps.room import Bucket, Limits, page_html, screens_json, session_json
from workbook.store import SQLiteStore


def test_a_bucket_gives_its_burst_then_its_rate():
    b = Bucket(capacity=3, rate=2.0, stamp=100.0)
    assert [b.take(100.0) for _ in range(4)] == [True, True, True, False]
    assert b.take(100.4) is False  # 0.8 of a token back
    assert b.take(100.5) is True  # one whole token after 0.5 s at 2 a second
    assert b.take(100.5) is False


def test_limits_are_per_device_and_scale_with_the_participants_a_device_may_hold():
    limits = Limits.for_device(6)
    assert (limits.requests, limits.request_rate, limits.joins) == (60, 10, 6)
    assert [limits.join("10.0.0.1") for _ in range(7)] == [True] * 6 + [False]
    assert limits.join("10.0.0.2") is True  # another device is not held back
    room = Limits.for_device(300)  # a room of 300 behind one NAT
    assert all(room.join("10.0.0.9") for _ in range(300)) and room.request_rate == 500


def test_limits_forget_the_quietest_devices_first():
    limits = Limits(max_clients=3)
    for device in ("a", "b", "c", "a", "d"):
        limits.request(device)
    assert list(limits._requests) == ["c", "a", "d"]


def test_the_screens_ask_the_forms_questions(tmp_path):
    full, short = screens_json("full"), screens_json("short")
    assert sum(len(s["questions"]) for s in full) == 83 and len(full) == 20
    assert sum(len(s["questions"]) for s in short) == 42 and len(short) == 19
    store = SQLiteStore(tmp_path / "ws.sqlite")
    session = store.get_session(store.create_session("A", vendor="V", partner="P", form="short").code)
    shown = session_json(session)
    assert shown["screens"] == short and shown["form"] == "short"
    assert "alliance" not in shown and "reveal" not in shown  # nothing a participant need not know


def test_the_page_carries_its_settings_as_data_that_cannot_close_its_script():
    html = page_html("/base/", 'x"</script><script>alert(1)</script>')
    config = re.search(r'<script id="room-config" type="application/json">(.*?)</script>', html, re.S)
    assert config is not None
    data = json.loads(config.group(1))
    assert data["api"] == "/base/workbook/api/room" and data["xsrf"].endswith("alert(1)</script>")
    assert "<script>alert(1)" not in html
    assert "http://" not in html and "https://" not in html  # nothing from the network
