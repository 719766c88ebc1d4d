"""The guided notebooks' params-file picker and "new alliance from an example": the copy keeps
every byte of the example but the name, lands in the params folder under the name's slug, and
a name that is empty, too long, a path, or whose file (or report folder) is taken is refused."""

from __future__ import annotations

import shutil
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from workbook import load_params
from workbook.errors import WorkbookError
from workbook.params import parse_yaml_text, plain
from workbook.schema import slugify
from workbook.ui import guided
from workbook.ui.picker import NEW

EXAMPLE = next(p for p in EXAMPLES if "reseller" in p.name)


@pytest.fixture
def folder(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    for p in EXAMPLES:
        shutil.copy(p, params / p.name)
    return params


def files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_the_copy_differs_from_the_example_only_in_the_name(folder):
    example = folder / EXAMPLE.name
    target = guided.new_alliance(example, "  Globex × Initech: EMEA  ", folder)
    assert target == (folder / "globex-x-initech-emea.yaml").resolve()
    old, new = example.read_text(encoding="utf-8").splitlines(), target.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert len(old) == len(new) and changed == [("  name: Acme Cloud × Northwind Systems", '  name: "Globex × Initech: EMEA"')]
    assert load_params(target).alliance.name == "Globex × Initech: EMEA"
    assert example.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")  # the example is untouched


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "Give the new alliance a name"),
        ("   ", "Give the new alliance a name"),
        ("x" * 121, "121 characters"),
        ("../etc/passwd", "cannot hold '/'"),
        ("Acme\\Globex", "cannot hold '\\\\'"),
        ("Acme\nGlobex", "U+000A"),
        ("Acme\x91", "U+0091"),
        ("Saas regional reseller", "saas-regional-reseller.yaml already exists"),  # the example's own file
        ("ACME CLOUD x Northwind Systems", "whose reports would share a folder"),  # another alliance's report folder
    ],
)
def test_refused_names_write_nothing(folder, name, words):
    before = files(folder)
    with pytest.raises(guided.NameRefused) as refused:
        guided.new_alliance(folder / EXAMPLE.name, name, folder)
    assert words in str(refused.value)
    assert files(folder) == before


def test_two_names_with_one_slug_make_one_file(folder):
    guided.new_alliance(folder / EXAMPLE.name, "Globex & Initech", folder)
    with pytest.raises(guided.NameRefused, match="globex-initech.yaml already exists"):
        guided.new_alliance(folder / EXAMPLE.name, "globex initech", folder)
    assert files(folder).count("globex-initech.yaml") == 1


def test_the_example_must_be_a_file_of_the_params_folder(folder, tmp_path):
    outside = tmp_path / "outside.yaml"
    shutil.copy(EXAMPLE, outside)
    with pytest.raises(WorkbookError, match="no params file"):
        guided.new_alliance(outside, "Globex", folder)
    with pytest.raises(WorkbookError, match="no params file"):
        guided.new_alliance(folder / "missing.yaml", "Globex", folder)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=130))
def test_any_name_is_either_refused_or_copied_into_the_folder_with_only_the_name_changed(folder, name):
    try:
        target = guided.new_alliance(folder / EXAMPLE.name, name, folder)
    except guided.NameRefused:
        return
    try:
        assert target.parent == folder.resolve() and target.name == f"{slugify(name.strip())}.yaml"
        expected = plain(parse_yaml_text(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE))
        expected["alliance"]["name"] = name.strip()
        assert plain(parse_yaml_text(target.read_text(encoding="utf-8"), target)) == expected
    finally:
        target.unlink()


def test_the_picker_lists_the_folder_by_alliance_and_file_and_picks_nothing_by_default(folder):
    picker = guided.Picker("", folder)
    labels = [label for label, _ in picker.choice.options]
    assert labels[0] == "— pick an alliance —" and labels[-1] == "New alliance from an example…"
    assert "Acme Cloud × Northwind Systems — saas-regional-reseller.yaml" in labels
    assert picker.path is None and "No alliance picked yet" in picker.banner.value
    form = picker.form(guided.RampForm)
    assert form.form is None
    picker.pick(folder / EXAMPLE.name)
    assert isinstance(form.form, guided.RampForm) and form.form.path == (folder / EXAMPLE.name).resolve()
    assert "saas-regional-reseller.yaml" in picker.banner.value


def test_a_given_params_path_is_picked_even_outside_the_folder(folder, tmp_path):
    given_file = tmp_path / "given.yaml"
    shutil.copy(EXAMPLE, given_file)
    picker = guided.Picker(str(given_file), folder)
    assert picker.path == given_file.resolve()
    assert ("given.yaml (given to this notebook)", str(given_file.resolve())) in picker.choice.options
    assert guided.Picker(str(folder / EXAMPLE.name), folder).path == (folder / EXAMPLE.name).resolve()


def test_new_alliance_from_the_picker_is_picked_and_the_forms_follow(folder):
    picker = guided.Picker("", folder)
    overview = picker.overview("ramp")
    form = picker.form(guided.ScopeForm)
    assert "Pick an alliance" in overview.html
    picker.choice.value = NEW
    assert picker.new_panel.layout.display is None
    picker.example.value = str((folder / "marketplace-referral.yaml").resolve())
    picker.new_name.value = "Brightdesk × Umbrella <EU>"
    picker.create_button.click()
    target = folder / "brightdesk-x-umbrella-eu.yaml"
    assert "wb-status-ok" in picker.status.value and picker.path == target.resolve()
    assert "&lt;EU&gt;" in picker.status.value  # the name is escaped where it is shown
    assert load_params(target).alliance.name == "Brightdesk × Umbrella <EU>"
    assert form.form is not None and form.form.path == target.resolve()
    assert "wb-overview" in overview.html and "<svg" in overview.html
    # a refused name is explained next to the box and under it, and nothing is created
    picker.choice.value = NEW
    before = files(folder)
    picker.new_name.value = "a/b"
    picker.create_button.click()
    assert "wb-note-error" in picker.name_note.value and "Nothing was created" in picker.status.value
    assert files(folder) == before


def test_a_file_that_does_not_load_is_listed_and_explained_not_fatal(folder):
    (folder / "broken.yaml").write_text("alliance: [\n", encoding="utf-8")
    picker = guided.Picker("", folder)
    assert any(label == "broken.yaml (does not load)" for label, _ in picker.choice.options)
    form = picker.form(guided.ValueForm)
    picker.pick(folder / "broken.yaml")
    assert form.form is None and "wb-status-error" in form.widget.children[0].value


def test_a_name_of_printable_ascii_gets_a_slug_of_safe_characters(folder):
    target = guided.new_alliance(folder / EXAMPLE.name, string.punctuation.replace("/", "").replace("\\", "") + " Co", folder)
    assert set(target.stem) <= set(string.ascii_lowercase + string.digits + "-")


def test_notebook_06s_upload_follows_the_pick_too(folder):
    from workbook.ui.deals_upload import DealsUpload, deals_upload

    picker = guided.Picker("", folder)
    upload = picker.form(deals_upload)
    assert upload.form is None  # nothing to write into until a file is picked
    picker.pick(folder / "marketplace-referral.yaml")
    assert isinstance(upload.form, DealsUpload) and upload.form.params_path == (folder / "marketplace-referral.yaml").resolve()
    assert upload.widget.children == (upload.form.root,)
