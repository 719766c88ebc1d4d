"""The mirror in the workshop: one screen per principle asking about both companies, the store
keeping the self-ratings, the board showing the mirror, the export writing ``self_answers``."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from workbook import trust as trust_model
from workbook.export import preview_export, trust_block, write_export
from workbook.instruments import SCOPING, SCOPING_ITEMS, TRUST, TRUST_ITEMS
from workbook.params import load_params
from workbook.store import InvalidAnswer, SQLiteStore, self_item, self_key
from workbook.ui.facilitator import FacilitatorApp
from workbook.ui.workshop import WorkshopApp, screens

ROOT = Path(__file__).resolve().parents[2]
TRUST_IDS = list(TRUST_ITEMS)


@pytest.fixture
def store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "w.sqlite")


# -- the screens ------------------------------------------------------------------------------


def test_twenty_screens_ask_every_question_once_far_fewer_than_61():
    all_screens = screens()
    assert len(all_screens) == len(TRUST.principle_keys) + len(SCOPING.groups) == 20
    keys = [q.key for s in all_screens for q in s.questions]
    assert len(keys) == len(set(keys)) == 2 * len(TRUST_ITEMS) + len(SCOPING_ITEMS) == 83
    for s in all_screens[:13]:  # each principle's statements, about the other company and one's own
        items = {q.item for q in s.questions}
        assert {TRUST_ITEMS[i].principle_key for i in items} == {next(iter({TRUST_ITEMS[i].principle_key for i in items}))}
        assert sorted(q.key for q in s.questions) == sorted([*items, *(self_key(i) for i in items)])


def test_the_screen_names_both_companies_escaped_and_answers_reach_the_store(store):
    code = store.create_session("Acme × Northwind", vendor="Acme <script>", partner="Northwind & Co", admission=False).code
    app = WorkshopApp(store, query={"session": code})
    assert [label for label, _ in app.side_in.options] == [
        "I work for Acme <script> (the vendor)",  # a ToggleButtons label is drawn as text, never markup
        "I work for Northwind & Co (the partner)",
    ]
    app.side_in.value = "vendor"
    app._join()
    page = "".join(w.value for box in app.rows_box.children for w in box.children if hasattr(w, "value") and isinstance(w.value, str))
    # each row says whom it is about and who "they" and "we" are in it, so nobody rates their
    # own company as "they" by mistake
    assert "About <b>Northwind &amp; Co</b> (the other company): <span class=\"wb-row-who\"><i>they/them</i> = Northwind &amp; Co, <i>we/us</i> = Acme &lt;script&gt;</span>" in page
    assert "About <b>Acme &lt;script&gt;</b> (your company): <span class=\"wb-row-who\"><i>they/them</i> = Acme &lt;script&gt;, <i>we/us</i> = Northwind &amp; Co</span>" in page
    assert "<script>" not in page
    assert "Screen 1 of 20" in app.progress_text.value
    app._rows["trust_discussed"][3][1].click()  # 4 about the partner
    app._rows[self_key("trust_discussed")][4][1].click()  # 5 about their own company
    app._rows[self_key("shows_trust")][5][1].click()  # don't know
    pid = app.pid
    assert store.answers(code)[pid] == {"trust_discussed": 4, "self:trust_discussed": 5, "self:shows_trust": None}
    assert [b.button_style for _, b in app._rows[self_key("trust_discussed")]] == ["", "", "", "", "info", ""]
    assert "3 of 83 answered" in app.progress_text.value
    # reopening the page resumes on the first screen with a question left, with the answers shown
    again = WorkshopApp(store, query={"session": code, "participant": pid})
    assert again.index == 0 and [b.button_style for _, b in again._rows["trust_discussed"]][3] == "info"
    assert "Welcome back: 3 answers restored." in again.status.value
    again._rows["shows_trust"][2][1].click()  # the welcome goes once the next answer is in
    assert again.status.value == ""


def test_a_closed_session_says_so_at_the_top_and_a_fresh_return_is_just_welcomed(store):
    code = store.create_session("Closing", admission=False).code
    app = WorkshopApp(store, query={"session": code})
    app.side_in.value = "vendor"
    app._join()
    back = WorkshopApp(store, query={"session": code, "participant": app.pid})
    assert "Welcome back." in back.status.value and "0 answers" not in back.status.value
    assert back.closed_banner.layout.display == "none"
    store.close_session(code)
    back._rows["trust_discussed"][3][1].click()  # too late: refused, and the banner says why
    assert back.closed_banner.layout.display == ""
    assert "This session is closed" in back.closed_banner.value
    assert back.root.children.index(back.closed_banner) < back.root.children.index(back.body)  # above the questions
    late = WorkshopApp(store, query={"session": code, "participant": app.pid})
    assert late.closed_banner.layout.display == "" and "no longer be changed" in late.closed_banner.value


def test_without_names_the_screen_says_vendor_and_partner(store):
    code = store.create_session("Plain", admission=False).code
    app = WorkshopApp(store, query={"session": code})
    app.side_in.value = "partner"
    app._join()
    page = "".join(w.value for box in app.rows_box.children for w in box.children if hasattr(w, "value") and isinstance(w.value, str))
    assert "About <b>The vendor</b> (the other company)" in page and "About <b>The partner</b> (your company)" in page
    assert "<i>they/them</i> = The partner, <i>we/us</i> = The vendor" in page


# -- the store --------------------------------------------------------------------------------


def test_the_store_keeps_self_ratings_on_the_trust_scale(store):
    code = store.create_session("S", vendor="V", partner="P", admission=False).code
    assert (store.get_session(code).vendor, store.get_session(code).partner) == ("V", "P")
    p = store.join(code, "vendor")
    store.answer(code, p.id, self_key("keeps_word"), 5)
    store.answer(code, p.id, self_key("keeps_word"), 4)  # a revision replaces
    assert store.answers(code)[p.id] == {"self:keeps_word": 4}
    with pytest.raises(InvalidAnswer):
        store.answer(code, p.id, self_key("keeps_word"), 6)
    with pytest.raises(InvalidAnswer):
        store.answer(code, p.id, self_key("mutual_needs"), 3)  # only trust items have a self-rating
    assert self_item("self:keeps_word") == "keeps_word" and self_item("keeps_word") is None


def test_a_store_of_the_previous_schema_gains_the_company_names(tmp_path):
    path = tmp_path / "old.sqlite"
    from workbook import store as store_module

    con = sqlite3.connect(path)
    for script in store_module._MIGRATIONS[:2]:
        con.executescript(script)
    con.execute("INSERT INTO sessions (code, alliance, created, updated) VALUES ('AB2CDE', 'Old', 'x', 'x')")
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    s = SQLiteStore(path).get_session("AB2CDE")
    assert (s.alliance, s.vendor, s.partner) == ("Old", "", "")


# -- the board and the export -------------------------------------------------------------------


def room(store: SQLiteStore, own_vendor: int = 5, seen_vendor: int = 2) -> str:
    """Three people a side answer every statement: the vendor's people rate the partner 4 and
    their own company ``own_vendor``; the partner's people rate the vendor ``seen_vendor`` and
    their own company 4."""
    code = store.create_session("Acme Cloud × Northwind Systems", vendor="Acme", partner="Northwind", admission=False).code
    for side, other, own in (("vendor", 4, own_vendor), ("partner", seen_vendor, 4)):
        for _ in range(3):
            p = store.join(code, side)  # type: ignore[arg-type]
            for item in TRUST_IDS:
                rev = TRUST_ITEMS[item].reverse
                store.answer(code, p.id, item, 6 - other if rev else other)
                store.answer(code, p.id, self_key(item), 6 - own if rev else own)
            store.submit(code, p.id)
    return code


def test_the_trust_block_carries_self_answers_and_the_analysis_finds_the_blind_spot(store):
    code = room(store)
    block = trust_block(store, code)
    assert block is not None and all(set(r["self_answers"]) == set(TRUST_IDS) for r in block["respondents"])
    from workbook.schema import Trust

    result = trust_model.analyse(Trust.model_validate(block))
    vendor = result.mirror[result.mirror["side"] == "vendor"]
    assert (vendor["self_mean"] == 5.0).all() and (vendor["seen_mean"] == 2.0).all() and (vendor["gap"] == 3.0).all()
    partner = result.mirror[result.mirror["side"] == "partner"]
    assert (partner["gap"] == 0.0).all()
    assert {f.subject.split(":")[0] for f in trust_model.flags(result) if f.code == "blind_spot"} == {"vendor"}


def test_the_board_shows_the_mirror_once_revealed(store):
    code = room(store)
    board = FacilitatorApp(store)
    board.sessions.value = code
    store.set_reveal(code, True)
    board.refresh(force=True)
    assert "Largest blind spot: the vendor" in board.gap.value
    assert board.mirror.chart is not None and board.mirror.chart.description.startswith("Largest blind spot: the vendor")
    assert "(Acme and Northwind)" in board.code_html.value


def test_the_board_takes_the_companies_from_the_alliances_file(store, tmp_path, monkeypatch):
    folder = tmp_path / "params"
    folder.mkdir()
    shutil.copy(ROOT / "params" / "saas-regional-reseller.yaml", folder / "saas-regional-reseller.yaml")
    monkeypatch.setenv("WORKBOOK_PARAMS_DIR", str(folder))
    params = load_params(folder / "saas-regional-reseller.yaml")
    board = FacilitatorApp(store)
    board.alliance_in.value = params.alliance.name
    board._create()
    s = store.list_sessions()[0]
    assert (s.vendor, s.partner) == (params.alliance.vendor, params.alliance.partner)


def test_the_export_writes_self_answers_into_the_params_file(store, tmp_path):
    folder = tmp_path / "params"
    folder.mkdir()
    path = folder / "saas-regional-reseller.yaml"
    shutil.copy(ROOT / "params" / "saas-regional-reseller.yaml", path)
    code = room(store, own_vendor=4, seen_vendor=3)
    preview = preview_export(store, code, path)
    assert any("and 22 about their own company" in c.after for c in preview.changes)
    write_export(preview)
    after = load_params(path).trust
    assert after is not None and len(after.respondents) == 6
    for r in after.respondents:
        expected_own = 4
        assert r.self_answers == {i: (6 - expected_own if TRUST_ITEMS[i].reverse else expected_own) for i in TRUST_IDS}
    assert "self_answers: {trust_discussed: 4," in path.read_text()  # one line a respondent, as in the examples
    mirror = trust_model.analyse(after).mirror
    assert mirror.loc[mirror["side"] == "vendor", "gap"].eq(1.0).all()
