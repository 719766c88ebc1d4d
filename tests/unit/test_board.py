"""The facilitator's board: who may open it, the anonymity floor, results that move only in
steps no one can be picked out of, explicit close and reopen, and the participants' link."""

from __future__ import annotations

import json

import ipywidgets as W
import pytest

from workbook.instruments import SCOPING_ITEMS, TRUST_ITEMS
from workbook.store import ANONYMITY_FLOOR, SQLiteStore
from workbook.ui import facilitator
from workbook.ui.facilitator import FacilitatorApp, facilitator_app, join_link

TRUST_IDS = list(TRUST_ITEMS)
SCOPE_IDS = list(SCOPING_ITEMS)


@pytest.fixture
def store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "w.sqlite")


def submit(store: SQLiteStore, code: str, side: str, score: int) -> str:
    p = store.join(code, side)
    for item in TRUST_IDS[:4]:
        store.answer(code, p.id, item, score)
    store.submit(code, p.id)
    return p.id


def means(view, code: str) -> dict[str, float]:
    out: dict[str, list[int]] = {}
    for p in view.participants(code):
        for v in view.answers(code)[p.id].values():
            out.setdefault(p.side, []).append(v)
    return {side: sum(v) / len(v) for side, v in out.items()}


def test_revealed_results_move_only_when_three_people_changed(store):
    code = store.create_session("Steps", admission=False).code
    for _ in range(3):
        submit(store, code, "vendor", 4)
    first = store.revealed(code)
    assert len(first.snapshot) == 3 and first.waiting == 0
    # one more person submits: the board must not move, or the change would be that person
    late = submit(store, code, "vendor", 1)
    held = store.revealed(code)
    assert held.snapshot == first.snapshot and held.waiting == 1
    assert means(held, code) == {"vendor": 4.0}
    # a revision by someone already shown is held back too
    shown_pid = next(iter(first.snapshot))
    store.answer(code, shown_pid, TRUST_IDS[0], 2)
    assert store.revealed(code).waiting == 2 and store.revealed(code).snapshot == first.snapshot
    # the third change moves everything at once
    submit(store, code, "partner", 5)
    moved = store.revealed(code)
    assert moved.waiting == 0 and late in moved.snapshot and len(moved.snapshot) == 5
    assert store.revealed(code).snapshot == moved.snapshot  # stable until the next step


def test_the_step_never_goes_below_the_floor(store):
    code = store.create_session("Floor", admission=False).code
    store.revealed(code, step=1)
    submit(store, code, "partner", 3)
    assert store.revealed(code, step=1).waiting == 1  # a step of 1 is read as 3
    assert ANONYMITY_FLOOR == 3


def test_the_board_refuses_a_floor_below_three(store):
    with pytest.raises(ValueError, match="fewer than 3"):
        FacilitatorApp(store, min_respondents=1)
    app = FacilitatorApp(store)
    assert app.min_in.min == 3
    app.min_in.value = 1  # the widget clamps what a user types
    assert app.min_in.value == 3


def test_reveal_on_the_board_shows_held_answers_as_a_note(store):
    code = store.create_session("Board", admission=False).code
    for _ in range(3):
        submit(store, code, "vendor", 4)
        submit(store, code, "partner", 2)
    app = FacilitatorApp(store)
    app.sessions.value = code
    app.reveal.value = True
    assert app.waiting_note.layout.display == "none"
    submit(store, code, "partner", 5)
    app.refresh(force=True)
    assert app.waiting_note.layout.display == ""
    assert "1 newer answer will show once 3 people" in app.waiting_note.value


def test_close_is_a_command_not_a_toggle(store):
    code = store.create_session("Two boards", admission=False).code
    a, b = FacilitatorApp(store), FacilitatorApp(store)
    for board in (a, b):
        board.sessions.value = code
    a.close_btn.click()
    b.close_btn.click()  # b still showed "Close session": the session stays closed
    assert not store.get_session(code).is_open
    a.refresh(force=True)
    assert a.close_btn.layout.display == "none" and a.reopen_btn.layout.display == ""
    a.reopen_btn.click()
    b.reopen_btn.click()
    assert store.get_session(code).is_open


def test_the_board_shows_the_participants_link_and_a_qr_code(store, monkeypatch):
    monkeypatch.setenv("WORKBOOK_PARTICIPANT_URL", "http://10.0.0.2:8866/voila/render/workshop.ipynb?token=pt")
    code = store.create_session("Link", admission=False).code
    assert join_link(code) == f"http://10.0.0.2:8866/voila/render/workshop.ipynb?token=pt&session={code}"
    app = FacilitatorApp(store)
    app.sessions.value = code
    html = app.link_html.value
    assert f"token=pt&amp;session={code}" in html and "<svg" in html and "wb-qr" in html
    assert "http" not in html.split("<svg", 1)[1].split(">", 1)[0].replace("http://www.w3.org", "")  # the QR loads nothing
    store.close_session(code)
    app.refresh(force=True)
    assert app.link_html.value == ""  # a closed session is not advertised


def test_under_voila_only_the_facilitators_kernel_gets_the_board(store, monkeypatch):
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.setenv("WORKBOOK_ROLE", "participant")
    refused = facilitator_app(store)
    assert isinstance(refused, W.HTML) and "for the facilitator" in refused.value
    monkeypatch.setenv("WORKBOOK_ROLE", "facilitator")
    assert "wb-facilitator" in facilitator_app(store)._dom_classes
    monkeypatch.delenv("WORKBOOK_ROLE")
    assert isinstance(facilitator_app(store), W.HTML)
    assert facilitator.under_voila()


def test_the_board_says_which_side_is_hidden_and_how_many_more_it_needs(store):
    code = store.create_session("Thin partner side", admission=False).code
    for _ in range(3):
        submit(store, code, "vendor", 4)
    submit(store, code, "partner", 2)
    for _ in range(2):  # two partner people submit without answering anything
        empty = store.join(code, "partner")
        store.answer(code, empty.id, TRUST_IDS[0], None)  # "don't know" is no answer
        store.submit(code, empty.id)
    app = FacilitatorApp(store)
    app.sessions.value = code
    app.reveal.value = True
    app.refresh(force=True)
    # empty submissions are counted apart, so "3 of 3 submitted" cannot pass for a visible side
    assert "partner 3 of 3 submitted, 1 with answers" in app.counts.value
    assert "vendor 3 of 3 submitted ·" in app.counts.value  # nothing to add when all answered
    assert app.sides_note.layout.display == ""
    assert "The partner side is hidden: 1 person with trust answers, 2 more needed (it shows from 3)" in app.sides_note.value
    assert "vendor side is hidden" not in app.sides_note.value

    for _ in range(3):  # three more: the results move (in steps of three people) and show the side
        submit(store, code, "partner", 3)
    app.refresh(force=True)
    assert app.sides_note.layout.display == "none" and app.sides_note.value == ""


def test_a_second_open_session_of_the_same_name_is_warned_about_first(store):
    app = FacilitatorApp(store)
    app.alliance_in.value = "Acme × Northwind"
    app._create()
    first = app.code
    app.alliance_in.value = "  acme ×  northwind "  # the same name, typed differently
    app._create()
    assert app.code == first and len(store.list_sessions()) == 1
    assert f"An open session already has this name ({first})" in app.status.value
    app._create()  # pressed again: the facilitator means it
    assert len(store.list_sessions()) == 2 and app.code != first


def test_the_alliance_name_is_offered_from_the_params_folder(store, tmp_path, monkeypatch):
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "a.yaml").write_text("alliance: {name: Zeta × Omega}\n", encoding="utf-8")
    (folder / "b.yaml").write_text("alliance: {name: Acme × Northwind}\n", encoding="utf-8")
    (folder / "broken.yaml").write_text(": not yaml [", encoding="utf-8")
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(folder))
    app = FacilitatorApp(store)
    assert list(app.alliance_in.options) == ["Acme × Northwind", "Zeta × Omega"]
    assert app.alliance_in.ensure_option is False  # a name of its own may still be typed


def test_a_reload_comes_back_to_the_session_in_the_address(store, monkeypatch):
    codes = [store.create_session(name, admission=False).code for name in ("First", "Second")]
    monkeypatch.setenv("QUERY_STRING", f"session={codes[0].lower()}&token=x")
    app = FacilitatorApp(store)
    assert app.code == codes[0] and app.sessions.value == codes[0]
    app.sessions.value = codes[1]
    assert app.url.query == f"session={codes[1]}"  # the address bar follows the board
    monkeypatch.setenv("QUERY_STRING", "session=NOSUCH")
    assert FacilitatorApp(store).code in codes  # an unknown code is ignored


def test_projector_view_shows_only_the_code_the_link_and_the_results(store):
    store.create_session("Room", admission=False)
    app = FacilitatorApp(store)
    app.presenter.value = True
    for hidden in (app.setup, app.controls, app.export_box):
        assert hidden.layout.display == "none"
    assert app.board.layout.display != "none" and app.code_html.layout.display != "none"
    app.presenter.value = False
    assert all(box.layout.display == "" for box in (app.setup, app.controls, app.export_box))


def test_a_quadrant_with_no_one_to_place_is_said_in_words_not_drawn_empty(store):
    code = store.create_session("No competence answers", admission=False).code
    for side in ("vendor", "partner"):
        for _ in range(3):
            submit(store, code, side, 4)  # the first four trust items: no competence or intentions index
    app = FacilitatorApp(store)
    app.sessions.value = code
    app.reveal.value = True
    app.refresh(force=True)
    spec = app.quadrant.spec
    assert "layer" not in spec and "hconcat" not in spec  # a message, not an empty square with its axes
    assert "not enough answers to show yet" in json.dumps(spec)
