"""The guided notebooks in a real JupyterLab page, as `make lab` starts it.

One `jupyter lab` server for the module (started through workbook.apps.labhooks like `make lab`, on
127.0.0.1 with a token, on a temporary copy of notebooks/ and params/, stopped by its own pid),
driven in headless Debian Chromium. Each guided notebook is opened in a fresh workspace, run
with Run › Run All Cells, its params file picked in the picker (nothing is picked until then),
and used as a person would: the overview's amounts must read as text
(JupyterLab typesets HTML outputs with MathJax), an edit saved from the form must reach the
params file and the overview, a bad value must be refused where the user sees it, and a save of
the notebook must leave it without outputs on disk. Nothing may be loaded from outside
127.0.0.1. Screenshots go to reports/screenshots/ (git-ignored) — or $WORKBOOK_SCREENSHOTS.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from tests.browser.server import ROOT, free_port
from tests.conftest import outside_requests
from workbook import load_params
from workbook.instruments import SCOPING
from workbook.ui import guided

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("WORKBOOK_SCREENSHOTS") or ROOT / "reports" / "screenshots")
GUIDED = sorted(p.name for p in (ROOT / "notebooks").glob("0[1-5]_*.ipynb"))
PARAMS_NAME = "saas-regional-reseller.yaml"  # the file the notebooks' parameters cell names
RUN_MS = 30_000


@dataclass
class Lab:
    proc: subprocess.Popen
    port: int
    token: str
    root: Path
    log_path: Path
    requests: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def params(self) -> Path:
        return self.root / "params" / PARAMS_NAME

    def url(self, notebook: str) -> str:
        # ?reset: a fresh workspace, so the tabs of the previous notebook are not restored
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(f"{self.base}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 (local)
            body = r.read()
        return json.loads(body) if body else None

    def tail(self, n: int = 60) -> str:
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the server stops its kernels on SIGTERM
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "repo"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "params", root / "params")
    # the user settings of this session: no "get notified about Jupyter news?" toast over the page
    settings = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    log_path = tmp / "lab.log"
    env = dict(
        os.environ,
        WORKBOOK_PARAMS_DIR=str(root / "params"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),  # nothing from this machine's own Jupyter config
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        PYTHONUNBUFFERED="1",
    )
    args = [
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root / 'notebooks'}", f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
        f"--LabApp.user_settings_dir={tmp / 'settings'}",
    ]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbook.apps.labhooks", *args],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(root), start_new_session=True,
        )
    server = Lab(proc, port, token, root, log_path)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{server.tail()}")
        try:
            server.api("status")
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"jupyter lab did not answer within 60 s:\n{server.tail()}")
            time.sleep(0.3)
    yield server
    server.stop()


@pytest.fixture
def explain(lab: Lab):
    return lambda what: f"{what}\n--- jupyter lab output ---\n{lab.tail()}"


def shot(page, name: str, selector: str | None = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if selector:
        page.locator(selector).first.scroll_into_view_if_needed()
        box = page.locator(selector).first.bounding_box()
        view = page.viewport_size
        if box and view:
            top = max(0.0, box["y"])
            clip = {"x": 0, "y": top, "width": view["width"], "height": max(1.0, min(box["height"], view["height"] - top))}
            page.screenshot(path=str(SHOTS / f"lab-{name}.png"), clip=clip)
            return
    page.screenshot(path=str(SHOTS / f"lab-{name}.png"))


def select_ending(page, selector: str, end: str) -> None:
    """Choose the option of a widget's dropdown whose words end with ``end`` (the page's option
    values are indices: the labels are what a user reads)."""
    # ipywidgets writes a label's spaces as no-break spaces
    labels = page.eval_on_selector_all(f"{selector} option", "os => os.map(o => o.textContent.replace(/\\u00a0/g, ' '))")
    found = [i for i, label in enumerate(labels) if label.endswith(end)]
    assert found, f"no option of {selector} ends with {end!r}: {labels}"
    page.select_option(selector, index=found[0])


def pick(page, lab: Lab, name: str) -> None:
    """Pick the params file ``name`` in the notebook's picker; wait for its form and overview."""
    select_ending(page, ".wb-pick select", f" — {name}")
    page.wait_for_selector(f".wb-guided .wb-save:has-text('{name}')", timeout=RUN_MS)
    page.wait_for_selector(".wb-overview", timeout=RUN_MS)


def open_and_run_all(new_context, lab: Lab, notebook: str, picked: str | None = PARAMS_NAME):
    """Open ``notebook`` in a fresh workspace, Run › Run All Cells, wait until every code cell
    has an execution count and the picker is on the page; pick ``picked`` (nothing is picked
    until then) and wait for the form."""
    page = new_context(viewport={"width": 1280, "height": 1100}).new_page()
    page.on("request", lambda req: lab.requests.append(req.url))
    page.on("websocket", lambda ws: lab.requests.append(ws.url))
    try:
        page.goto(lab.url(notebook))
        # the kernel connected and idle (the toolbar's indicator says "idle" before there is a kernel)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(t => /\\(ipykernel\\) \\| Idle/.test(t.textContent))",
            timeout=RUN_MS,
        )
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click("li[data-command='runmenu:run-all']")
        page.wait_for_function(
            """() => {
                 const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
                 return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
               }""",
            timeout=RUN_MS,
        )
        page.wait_for_selector(".wb-pick select", timeout=RUN_MS)
        if picked is not None:
            pick(page, lab, picked)
    except Exception as exc:
        shot(page, f"{notebook[:2]}-failed")
        prompts = page.eval_on_selector_all(".jp-CodeCell .jp-InputArea-prompt", "ps => ps.map(p => p.textContent)")
        raise AssertionError(f"{notebook} did not run ({prompts}): {exc}\n--- jupyter lab output ---\n{lab.tail()}") from exc
    return page


def overview_text(page) -> str:
    # in view first: JupyterLab skips rendering cells far off screen, and their text reads empty
    page.locator(".wb-overview").first.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.wb-overview').innerText.trim().length > 0", timeout=15_000)
    return page.inner_text(".wb-overview")


def assert_amounts_are_text(page, notebook: str, section: str, params_path: Path) -> None:
    """The titles of the overview's charts, as the model states them, are on the page verbatim
    (MathJax would have eaten the text between two amounts), and no MathJax markup is inside."""
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    shown = overview_text(page)
    charts, _ = guided.section_view(load_params(params_path), section)
    for chart in charts:
        title = chart.to_dict().get("title")
        parts = [title.get("text"), title.get("subtitle")] if isinstance(title, dict) else [title]
        # a part may be a list of lines (a long title wrapped to the chart's width)
        texts = [line for part in parts for line in (part if isinstance(part, list) else [part])]
        for text in filter(None, texts):
            assert text in shown, f"{notebook}: {text!r} is not on the page as text"
    math = page.locator(".wb-overview mjx-container, .wb-overview .MathJax, .wb-figures mjx-container")
    assert math.count() == 0, f"{notebook}: MathJax typeset part of the overview"


def type_into(page, selector: str, text: str) -> None:
    """Type into a form's text box as a user does: the value is sent on Enter, and again when
    the box loses focus (Tab) in case the kernel was still busy redrawing when Enter came."""
    box = page.locator(selector)
    box.fill(text)
    box.press("Enter")
    box.press("Tab")


def save_form(page, lab: Lab, explain) -> None:
    before = lab.params.read_text(encoding="utf-8")
    page.click(".wb-guided .wb-save")
    page.wait_for_selector(".wb-guided .wb-status-ok", timeout=30_000)
    assert "The overview above shows it now." in page.inner_text(".wb-guided .wb-status"), explain("no overview refresh")
    page.wait_for_selector(".wb-overview .wb-refreshed", timeout=10_000)
    assert lab.params.read_text(encoding="utf-8") != before, explain("Save did not change the params file")


def assert_refused(page, lab: Lab, row: str, field: str) -> None:
    """The problem shows next to the field and under Save; Save leaves the file as it was."""
    note = page.locator(f"{row} .wb-note-error")
    note.wait_for(timeout=15_000)
    assert note.is_visible() and note.inner_text().strip()
    before = lab.params.read_text(encoding="utf-8")
    page.click(".wb-guided .wb-save")
    page.wait_for_selector(".wb-guided .wb-status:has-text('Not saved')", timeout=15_000)
    status = page.locator(".wb-guided .wb-status-error")
    assert status.is_visible() and field in status.inner_text()
    assert lab.params.read_text(encoding="utf-8") == before


def save_notebook_and_check_disk(page, lab: Lab, notebook: str) -> None:
    """File › Save Notebook: the page keeps its outputs, the file on disk has none."""
    path = lab.root / "notebooks" / notebook
    stamp = path.stat().st_mtime_ns
    page.click(".lm-MenuBar-itemLabel:text-is('File')")
    page.click("li[data-command='docmanager:save']")
    page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')", timeout=15_000)
    deadline = time.monotonic() + 10
    while path.stat().st_mtime_ns == stamp and time.monotonic() < deadline:
        time.sleep(0.1)
    assert path.stat().st_mtime_ns != stamp, f"{notebook} was not saved"
    nb = nbformat.read(path, as_version=4)
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code"), notebook
    assert page.locator(".wb-overview svg").count() > 0  # still on the page


def close(page, lab: Lab) -> None:
    page.context.close()
    for kernel in lab.api("kernels"):  # type: ignore[union-attr]
        lab.api(f"kernels/{kernel['id']}", method="DELETE")


# --------------------------------------------------------------------------------------------


def test_scope_notebook(new_context, lab, explain):
    page = open_and_run_all(new_context, lab, GUIDED[0])
    assert_amounts_are_text(page, GUIDED[0], "scope", lab.params)
    shot(page, "01-overview", ".wb-overview")
    scope = load_params(lab.params).scope
    item = next(i for i in SCOPING.items if i.id not in scope.items or scope.items[i.id].status == "missing")
    group = next(g for g in SCOPING.groups if g.id == item.group)
    before = overview_text(page)
    page.click(f".wb-guided .jupyter-widget-Collapse-header:has-text('{group.label}')")
    page.click(f".wb-item-{item.id} button:text-is('agreed')")
    page.wait_for_selector(".wb-guided .wb-status-info:has-text('not saved')", timeout=15_000)
    save_form(page, lab, explain)
    assert load_params(lab.params).scope.items[item.id].status == "agreed"
    assert overview_text(page) != before
    assert_amounts_are_text(page, GUIDED[0], "scope", lab.params)
    shot(page, "01-form", ".wb-guided")
    box = page.locator(".wb-resources_to_be_confirmed textarea")
    box.fill(box.input_value() + "\n" + "x" * 201)  # a line longer than the schema allows
    box.press("Tab")  # a text area sends its value when it loses focus
    assert_refused(page, lab, ".wb-resources_to_be_confirmed", "scope.resources_to_be_confirmed")
    shot(page, "01-refused", ".wb-resources_to_be_confirmed")
    save_notebook_and_check_disk(page, lab, GUIDED[0])
    close(page, lab)


def test_trust_notebook(new_context, lab, explain):
    page = open_and_run_all(new_context, lab, GUIDED[1])
    assert_amounts_are_text(page, GUIDED[1], "trust", lab.params)
    dont_know = page.locator(".wb-answers button:text-is(\"don't know\")").first
    assert dont_know.evaluate("b => b.scrollWidth <= b.clientWidth"), "the \"don't know\" button is cut short"
    shot(page, "02-answers", ".wb-answers")
    shot(page, "02-respondent", ".wb-guided")
    first = load_params(lab.params).trust.respondents[0]
    answer = 1 if first.answers.get("same_objectives") != 1 else 5
    page.click(f".wb-answer-same_objectives button:text-is('{answer}')")
    page.wait_for_selector(".wb-guided .wb-status-info:has-text('not saved')", timeout=15_000)
    save_form(page, lab, explain)
    assert load_params(lab.params).trust.respondents[0].answers["same_objectives"] == answer
    assert_amounts_are_text(page, GUIDED[1], "trust", lab.params)
    page.click(".wb-add-respondent")
    # the new respondent is the one shown and selected (the dropdown's options and selection
    # arrive together: the browser never falls back to the first respondent)
    added = """() => document.querySelector('.wb-respondent-id input').value.startsWith('respondent-')
        && document.querySelector('.wb-respondent select').selectedOptions[0].textContent.startsWith('respondent-')"""
    page.wait_for_function(added, timeout=15_000)
    # and stays so: a change made now (the side) reaches the kernel after anything the page sent
    # back in between (a fall back to the first respondent), and its answer shows which
    # respondent the kernel edits
    new_id = page.input_value(".wb-respondent-id input")
    page.click(".wb-guided .widget-toggle-buttons:has(.widget-label:text-is('Side')) button:text-is('partner')")
    shown = """() => [document.querySelector('.wb-respondent-id input').value,
        document.querySelector('.wb-respondent select').selectedOptions[0].textContent.replace(/\\s+/g, ' ')]"""
    try:
        page.wait_for_function(f"id => {{ const [shownId, option] = ({shown})(); return shownId === id && option === id + ' (partner)'; }}",
                               arg=new_id, timeout=15_000)
    except Exception:
        raise AssertionError(explain(f"the form went back to another respondent after adding {new_id}: it shows {page.evaluate(shown)}")) from None
    type_into(page, ".wb-respondent-id input", first.id)  # an id already taken
    try:
        page.wait_for_selector(".wb-guided .wb-status-error:has-text('used twice')", timeout=30_000)
    except Exception:
        status = page.inner_text(".wb-guided .wb-status")
        chosen = page.evaluate("() => document.querySelector('.wb-respondent select').selectedOptions[0].textContent")
        raise AssertionError(explain(f"no 'used twice' after typing {first.id!r}; status: {status!r}; respondent shown: {chosen!r}")) from None
    before = lab.params.read_text(encoding="utf-8")
    page.click(".wb-guided .wb-save")
    page.wait_for_selector(".wb-guided .wb-status:has-text('Not saved')", timeout=15_000)
    assert lab.params.read_text(encoding="utf-8") == before
    shot(page, "02-refused", ".wb-guided .wb-status")
    save_notebook_and_check_disk(page, lab, GUIDED[1])
    close(page, lab)


def test_ramp_notebook(new_context, lab, explain):
    page = open_and_run_all(new_context, lab, GUIDED[2])
    assert_amounts_are_text(page, GUIDED[2], "ramp", lab.params)
    shot(page, "03-overview", ".wb-overview")
    # the commitment slider, moved with the keyboard, moves the figures and the dashed line
    figures = page.inner_text(".wb-guided .wb-if-stop")
    page.locator(".wb-commitment_months .noUi-handle").focus()
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
    committed = int(load_params(lab.params).ramp.commitment_months) - 6
    page.wait_for_function(
        "n => document.querySelector('.wb-commitment_months input').value === String(n)", arg=committed, timeout=15_000
    )
    page.wait_for_selector(f".wb-guided .wb-if-stop:has-text('(month {committed})')", timeout=15_000)
    assert page.inner_text(".wb-guided .wb-if-stop") != figures
    # a typed value: saved, and the overview follows
    type_into(page, ".wb-avg_deal_value input", "45,000")
    page.wait_for_selector(".wb-guided .wb-status-info:has-text('not saved')", timeout=15_000)
    save_form(page, lab, explain)
    saved = load_params(lab.params).ramp
    assert (saved.avg_deal_value, saved.commitment_months) == (45000, committed)
    assert_amounts_are_text(page, GUIDED[2], "ramp", lab.params)  # the overview shows the file as saved
    shot(page, "03-overview-updated", ".wb-overview")
    shot(page, "03-form", ".wb-guided")
    for typed in ("25", "-5", "abc"):
        type_into(page, ".wb-partner_margin input", typed)
        assert page.input_value(".wb-partner_margin input") == typed  # not replaced by a clamped number
        assert_refused(page, lab, ".wb-partner_margin", "ramp.partner_margin")
    shot(page, "03-refused", ".wb-partner_margin")
    save_notebook_and_check_disk(page, lab, GUIDED[2])
    close(page, lab)


def test_new_alliance_from_the_picker_then_a_ramp_table_edit_reaches_its_own_file(new_context, lab, explain):
    """Nothing is picked at first; "New alliance from an example…" makes a copy named after the
    alliance, the forms switch to it, and an investment line added in the ramp's table and saved
    is in the new file on disk — the example stays as it was."""
    page = open_and_run_all(new_context, lab, GUIDED[2], picked=None)
    assert page.locator(".wb-guided").count() == 0
    assert "No alliance picked yet" in page.inner_text(".wb-picker")
    example = lab.root / "params" / "marketplace-referral.yaml"
    kept = example.read_bytes()
    select_ending(page, ".wb-pick select", "New alliance from an example…")
    page.wait_for_selector(".wb-new-alliance .wb-new-name input", state="visible", timeout=15_000)
    select_ending(page, ".wb-new-example select", f" — {example.name}")
    shot(page, "picker-new", ".wb-picker")
    for name, words in (("", "Give the new alliance a name"), ("../evil", "cannot hold '/'")):
        type_into(page, ".wb-new-name input", name)
        page.click(".wb-create")
        page.wait_for_selector(f".wb-picker .wb-note-error:has-text(\"{words}\")", timeout=15_000)
    name = "Globex × Initech <EU>"
    type_into(page, ".wb-new-name input", name)
    page.click(".wb-create")
    created = lab.root / "params" / "globex-x-initech-eu.yaml"
    try:
        page.wait_for_selector(".wb-guided .wb-save:has-text('globex-x-initech-eu.yaml')", timeout=RUN_MS)
    except Exception:
        raise AssertionError(explain(f"the form did not switch to the new file: {page.inner_text('.wb-picker')!r}")) from None
    assert created.is_file() and load_params(created).alliance.name == name
    shown = page.eval_on_selector(".wb-pick select", "s => s.selectedOptions[0].textContent.replace(/\\u00a0/g, ' ')")
    assert shown == f"{name} — {created.name}"  # listed by its name, as text
    shot(page, "picker-created", ".wb-picker")
    lines = len(load_params(created).ramp.investment)
    page.click(".wb-ramp-tables .jupyter-widget-Collapse-header:has-text('Investment lines')")
    page.click(".wb-guided .wb-add-investment")
    row = page.locator(".wb-table.wb-investment .wb-row").nth(lines)
    row.wait_for(timeout=15_000)
    type_into(page, f".wb-table.wb-investment .wb-row >> nth={lines} >> .wb-col-name input", "Partner summit")
    type_into(page, f".wb-table.wb-investment .wb-row >> nth={lines} >> .wb-col-cost input", "2,500")
    page.wait_for_selector(".wb-guided .wb-status-info:has-text('not saved')", timeout=15_000)
    shot(page, "03-investment", ".wb-table.wb-investment")
    page.click(".wb-guided .wb-save")
    page.wait_for_selector(".wb-guided .wb-status-ok", timeout=30_000)
    saved = load_params(created).ramp.investment
    assert len(saved) == lines + 1 and (saved[-1].name, saved[-1].monthly_cost) == ("Partner summit", 2500), explain(str(saved[-1]))
    assert example.read_bytes() == kept
    page.wait_for_selector(".wb-overview .wb-refreshed", timeout=10_000)
    # a premature change with a severity out of range is refused beside its row
    page.click(".wb-ramp-tables .jupyter-widget-Collapse-header:has-text('Premature changes')")
    page.click(".wb-guided .wb-add-events")
    type_into(page, ".wb-table.wb-events .wb-row >> nth=0 >> .wb-col-severity input", "2")
    page.wait_for_selector(".wb-table.wb-events .wb-note-error:has-text('severity')", timeout=60_000)
    shot(page, "03-events-refused", ".wb-table.wb-events")
    page.click(".wb-ramp-tables .jupyter-widget-Collapse-header:has-text('Scenarios')")
    shot(page, "03-scenarios", ".wb-scenarios")
    before = created.read_bytes()
    page.click(".wb-guided .wb-save")
    page.wait_for_selector(".wb-guided .wb-status:has-text('Not saved')", timeout=15_000)
    assert created.read_bytes() == before
    close(page, lab)


def test_value_notebook(new_context, lab, explain):
    page = open_and_run_all(new_context, lab, GUIDED[3])
    assert_amounts_are_text(page, GUIDED[3], "value", lab.params)
    shot(page, "04-overview", ".wb-overview")
    quotes = int(load_params(lab.params).value.quotes_per_year) + 500
    type_into(page, ".wb-quotes_per_year input", f"{quotes:,}")
    page.wait_for_selector(".wb-guided .wb-status-info:has-text('not saved')", timeout=15_000)
    save_form(page, lab, explain)
    assert load_params(lab.params).value.quotes_per_year == quotes
    assert_amounts_are_text(page, GUIDED[3], "value", lab.params)
    type_into(page, ".wb-cost_of_capital input", "25")
    assert_refused(page, lab, ".wb-cost_of_capital", "value.cost_of_capital")
    shot(page, "04-refused", ".wb-cost_of_capital")
    save_notebook_and_check_disk(page, lab, GUIDED[3])
    close(page, lab)


def test_health_notebook(new_context, lab, explain):
    page = open_and_run_all(new_context, lab, GUIDED[4])
    assert_amounts_are_text(page, GUIDED[4], "health", lab.params)
    n = len(load_params(lab.params).health.check_ins)
    type_into(page, ".wb-wins input", "3")
    page.wait_for_function("() => document.querySelector('.wb-wins_with_partner input').value === '3'", timeout=15_000)
    save_form(page, lab, explain)
    check_ins = load_params(lab.params).health.check_ins
    assert len(check_ins) == n + 1 and check_ins[-1].wins == 3
    assert_amounts_are_text(page, GUIDED[4], "health", lab.params)
    type_into(page, ".wb-wins input", "-3")
    assert page.input_value(".wb-wins input") == "-3"
    assert_refused(page, lab, ".wb-wins", "wins")
    shot(page, "05-refused", ".wb-guided")
    save_notebook_and_check_disk(page, lab, GUIDED[4])
    close(page, lab)


def test_after_the_session_nothing_came_from_outside_and_the_notebooks_are_clean(lab):
    assert lab.requests, "no page was opened"
    assert outside_requests(lab.requests) == [], outside_requests(lab.requests)
    for name in GUIDED:
        nb = nbformat.read(lab.root / "notebooks" / name, as_version=4)
        assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code"), name
        assert "widgets" not in nb.metadata
