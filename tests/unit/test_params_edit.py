"""Saving edits back to a params file: comments survive, the model round-trips, bad edits never land,
and saves are safe — through a symlink, keeping the file's mode, and with several writers at once."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import EXAMPLES, MINIMAL_PARAMS, ROOT
from workbook import ParamsError, load_params
from workbook.errors import EditConflict
from workbook.files import atomic_replace
from workbook.params import file_lock, save_section, section_data


@pytest.fixture
def params_file(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(next(p for p in EXAMPLES if "reseller" in p.name).read_text())
    return path


def test_load_edit_save_load_gives_an_equal_model_and_keeps_comments(params_file):
    before = params_file.read_text()
    params = load_params(params_file)
    ramp = section_data(params, "ramp")
    ramp["sales_cycle_months"] = params.ramp.sales_cycle_months + 2
    saved = save_section(params_file, "ramp", ramp)
    again = load_params(params_file)
    assert again == saved
    assert again.ramp.sales_cycle_months == params.ramp.sales_cycle_months + 2
    after = params_file.read_text()
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in after for c in comments)
    assert "# how long the resources are committed" in after  # end-of-line comments too
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and "sales_cycle_months" in changed[0][0]


def test_saving_unchanged_data_leaves_the_file_byte_for_byte(params_file):
    before = params_file.read_text()
    save_section(params_file, "ramp", section_data(load_params(params_file), "ramp"))
    assert params_file.read_text() == before


def test_an_invalid_edit_is_refused_and_the_file_is_untouched(params_file):
    before = params_file.read_text()
    ramp = section_data(load_params(params_file), "ramp")
    ramp["partner_margin"] = 25  # a percentage typed where a share belongs
    with pytest.raises(ParamsError) as err:
        save_section(params_file, "ramp", ramp)
    assert "ramp.partner_margin" in str(err.value)
    assert params_file.read_text() == before
    assert [p.name for p in params_file.parent.iterdir()] == [params_file.name]  # no temp file left


# --------------------------------------------------------------------------------------------
# The file stays what it was: a symlink stays a link, the mode is kept


def _edit_cycle(path: Path) -> int:
    ramp = section_data(load_params(path), "ramp")
    ramp["sales_cycle_months"] += 1
    save_section(path, "ramp", ramp)
    return ramp["sales_cycle_months"]


def test_saving_through_a_symlink_updates_the_target_and_keeps_the_link(tmp_path, params_file):
    shared = tmp_path / "shared"
    shared.mkdir()
    real = params_file.rename(shared / "alliance.yaml")
    link = tmp_path / "mine.yaml"
    link.symlink_to(Path("shared") / "alliance.yaml")  # a relative link, as people make them

    cycle = _edit_cycle(link)

    assert link.is_symlink() and os.readlink(link) == str(Path("shared") / "alliance.yaml")
    assert load_params(real).ramp.sales_cycle_months == cycle  # the target has the edit
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml", "shared"]
    assert [p.name for p in shared.iterdir()] == ["alliance.yaml"]  # no temp file left


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_saving_keeps_the_files_permission_bits(params_file, mode):
    params_file.chmod(mode)
    _edit_cycle(params_file)
    assert stat.S_IMODE(params_file.stat().st_mode) == mode


def test_atomic_replace_writes_a_new_file_with_the_usual_mode_and_follows_links(tmp_path):
    new = tmp_path / "new.yaml"
    atomic_replace(new, "a: 1\n")
    mask = os.umask(0o022)
    os.umask(mask)
    assert new.read_text() == "a: 1\n" and stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask

    link = tmp_path / "link.yaml"
    link.symlink_to(new)
    new.chmod(0o600)
    assert atomic_replace(link, "a: 2\n") == new.resolve()
    assert link.is_symlink() and new.read_text() == "a: 2\n" and stat.S_IMODE(new.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml", "new.yaml"]


def test_atomic_replace_leaves_the_old_file_and_no_temp_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "alliance.yaml"
    path.write_text("old\n")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        atomic_replace(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["alliance.yaml"]


# --------------------------------------------------------------------------------------------
# Several writers at once


BASE = MINIMAL_PARAMS + "value:\n  revenue_via_partner_per_year: 500000\nscope:\n  resources_to_be_confirmed: []\n"

# Each worker waits for the go file, then saves 20 edits, each from a fresh load (as a person
# clicking Save again and again in a notebook would).
WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbook.params import parse_params, parse_yaml_text, read_text
    from workbook.params import save_section, section_data

    path, who, go, use_loaded = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "loaded"
    Path(f"{go}.{who}").touch()
    while not go.exists():
        time.sleep(0.005)
    for i in range(20):
        text = read_text(path)
        params = parse_params(parse_yaml_text(text, path), path)
        if who == "costs":  # appends one line to value.other_costs
            section = "value"
            data = section_data(params, section)
            data["other_costs"] = [*data.get("other_costs", []), {"name": f"cost {i}", "cost_per_year": i + 1}]
        elif who == "quotes":  # counts value.quotes_per_year up by one
            section = "value"
            data = section_data(params, section)
            data["quotes_per_year"] = data.get("quotes_per_year", 0) + 1
        else:  # appends one resource to scope.resources_to_be_confirmed
            section = "scope"
            data = section_data(params, section)
            data["resources_to_be_confirmed"] = [*data.get("resources_to_be_confirmed", []), f"resource {i}"]
        if use_loaded:
            save_section(path, section, data, loaded=text)
        else:
            save_section(path, section, data)
    """
)


def _run_writers(tmp_path: Path, who: tuple[str, str], use_loaded: bool) -> Path:
    path = tmp_path / "alliance.yaml"
    path.write_text(BASE)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), w, str(go), "loaded" if use_loaded else "plain"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in who
    ]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{w}").exists() for w in who):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    go.touch()  # both start saving together
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    return path


def test_two_writers_saving_different_sections_at_once_lose_no_edit(tmp_path):
    path = _run_writers(tmp_path, ("costs", "resources"), use_loaded=False)
    params = load_params(path)
    assert [c.name for c in params.value.other_costs] == [f"cost {i}" for i in range(20)]
    assert params.scope.resources_to_be_confirmed == [f"resource {i}" for i in range(20)]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("go")) == ["alliance.yaml"]


def test_two_writers_saving_different_fields_of_one_section_at_once_lose_no_edit(tmp_path):
    path = _run_writers(tmp_path, ("costs", "quotes"), use_loaded=True)
    value = load_params(path).value
    assert [c.name for c in value.other_costs] == [f"cost {i}" for i in range(20)]
    assert value.quotes_per_year == 20  # every one of the 20 counts landed
    assert value.revenue_via_partner_per_year == 500000


# --------------------------------------------------------------------------------------------
# Three-way merge with the text the editor loaded


def test_an_edit_merges_with_a_newer_save_of_another_field(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(BASE)
    loaded = path.read_text()
    mine = section_data(load_params(path), "value")

    theirs = dict(mine, quotes_per_year=300)  # someone else saves first
    save_section(path, "value", theirs)

    mine["hours_per_quote"] = 2.5
    saved = save_section(path, "value", mine, loaded=loaded)
    assert (saved.value.quotes_per_year, saved.value.hours_per_quote) == (300, 2.5)
    assert load_params(path) == saved


def test_an_edit_of_a_field_someone_else_changed_since_is_refused(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(BASE)
    loaded = path.read_text()
    mine = section_data(load_params(path), "value")

    save_section(path, "value", dict(mine, quotes_per_year=300))  # someone else saves first
    after_theirs = path.read_text()

    with pytest.raises(EditConflict) as err:
        save_section(path, "value", dict(mine, quotes_per_year=10), loaded=loaded)
    problem = err.value.problems[0]
    assert problem.field == "value.quotes_per_year"
    assert "the file changed since you opened it" in problem.message
    assert problem.line == after_theirs.splitlines().index("  quotes_per_year: 300") + 1
    assert isinstance(err.value, ParamsError)  # front ends show it like any other problem
    assert path.read_text() == after_theirs  # their value stands; nothing written


def test_saving_the_same_value_someone_else_saved_is_no_conflict(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(BASE)
    loaded = path.read_text()
    mine = section_data(load_params(path), "value")
    save_section(path, "value", dict(mine, quotes_per_year=300))
    saved = save_section(path, "value", dict(mine, quotes_per_year=300), loaded=loaded)
    assert saved.value.quotes_per_year == 300


SAVE_SCOPE = textwrap.dedent(
    """
    import sys
    import workbook.params as yamlio
    from workbook.errors import ParamsError
    yamlio.LOCK_TIMEOUT = float(sys.argv[2])
    try:
        yamlio.save_section(sys.argv[1], "scope", {"resources_to_be_confirmed": ["from the other process"]})
    except ParamsError as exc:
        print(exc)
        sys.exit(3)
    """
)


def _save_scope_elsewhere(path: Path, timeout: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", SAVE_SCOPE, str(path), str(timeout)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _holds_open(proc: subprocess.Popen, path: Path) -> bool:
    """Whether ``proc`` has the file at ``path`` open: a save opens it only to lock it."""
    try:
        return any(Path(f.path) == path.resolve() for f in psutil.Process(proc.pid).open_files())
    except psutil.NoSuchProcess:
        return False


def test_a_save_waits_for_the_lock_then_merges_into_the_file_as_it_is_then(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(BASE)
    with file_lock(path):
        other = _save_scope_elsewhere(path, timeout=60)
        # the other save has started and is waiting for the lock: it holds the file open
        deadline = time.monotonic() + 60
        while not _holds_open(other, path):
            if other.poll() is not None:
                pytest.fail(f"the other save ended before it waited for the lock: {other.communicate()}")
            assert time.monotonic() < deadline, "the other save never opened the file to lock it"
            time.sleep(0.01)
        assert other.poll() is None
        # meanwhile this writer changes another section (a new file: the other save must notice)
        atomic_replace(path, BASE.replace("500000", "750000"))
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0, out + err
    params = load_params(path)
    assert params.value.revenue_via_partner_per_year == 750000  # this writer's edit kept
    assert params.scope.resources_to_be_confirmed == ["from the other process"]


def test_a_save_gives_up_with_a_message_when_the_lock_stays_taken(tmp_path):
    path = tmp_path / "alliance.yaml"
    path.write_text(BASE)
    with file_lock(path):
        other = _save_scope_elsewhere(path, timeout=0.5)
        out, err = other.communicate(timeout=60)
    assert other.returncode == 3, err
    assert f"{path}: (file): another save of this file is still in progress" in out
    assert path.read_text() == BASE


def test_an_edit_of_one_aliased_entry_changes_only_that_entry(tmp_path):
    # PyYAML writes a repeated object once with an anchor and then as aliases
    path = tmp_path / "alliance.yaml"
    path.write_text(
        MINIMAL_PARAMS
        + "trust:\n  respondents:\n"
        + "  - {id: v1, side: vendor, answers: &id001 {trust_discussed: 4, shows_trust: 4}}\n"
        + "  - {id: v2, side: vendor, answers: *id001}\n"
        + "  - {id: v3, side: vendor, answers: *id001}\n"
    )
    trust = section_data(load_params(path), "trust")
    trust["respondents"][1]["answers"] = {"trust_discussed": 1, "shows_trust": 2}
    save_section(path, "trust", trust)
    answers = {r.id: r.answers for r in load_params(path).trust.respondents}
    assert answers == {"v1": {"trust_discussed": 4, "shows_trust": 4}, "v2": {"trust_discussed": 1, "shows_trust": 2}, "v3": {"trust_discussed": 4, "shows_trust": 4}}


def test_a_section_edit_leaves_every_other_section_byte_for_byte(tmp_path):
    """ruamel writes `key: null` back as `key:`; an edit of the ramp must not touch the scope's
    `alliance_manager: null` or a respondent's `takes_advantage: null`: only the edited line changes."""
    import difflib
    import shutil

    from tests.conftest import PARAMS
    from workbook.params import load_params, save_section, section_data

    path = tmp_path / "m.yaml"
    shutil.copy(PARAMS / "marketplace-referral.yaml", path)
    before = path.read_text(encoding="utf-8")
    assert "alliance_manager: null" in before and "takes_advantage: null" in before
    data = section_data(load_params(path), "ramp")
    data["sales_cycle_months"] = data["sales_cycle_months"] + 3
    save_section(path, "ramp", data)
    after = path.read_text(encoding="utf-8")
    changed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="") if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == [f"-  sales_cycle_months: {data['sales_cycle_months'] - 3}", f"+  sales_cycle_months: {data['sales_cycle_months']}"]
