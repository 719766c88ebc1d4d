"""The guided notebooks' forms: edit one section of a params file, see its chart, save it back.

Each form is bound to one params file and displays in one line of a notebook
(``guided.ScopeForm(params_path)``). Every change redraws the section's chart from the
*edited* state (rendered to SVG by vl-convert, so it works offline); "Save to <file>" merges the
edit into the YAML with :func:`workbook.params.save_section` — comments kept, validated before
an atomic replace — and shows either a confirmation or every problem, never a traceback.

Forms edit the section as it is written in the file (shorthands, notes, weights and keys the
form does not show are carried through untouched), so saving an unedited form leaves the file
byte for byte as it was.

Numbers are typed into text boxes (next to a slider where one helps): what is typed is what is
validated, so a value out of range or not a number is refused with a message next to its field
and in the form, and nothing is saved — never clamped or replaced silently. A share also
accepts a percentage with its sign ("25%" is 0.25).

The machinery is in :mod:`workbook.ui.guided_form`, the five forms in :mod:`workbook.ui.forms` and the
pictures and overviews in :mod:`workbook.ui.section_view`, the params-file picker (and "new
alliance from an example") in :mod:`workbook.ui.picker`; this module gathers what notebooks use.

For tests and scripts, without a browser: set widget values in Python, read ``form.data``
(the edited section as plain YAML-ready data), ``form.model`` (it validated, as the section's
pydantic model), ``form.chart`` / ``form.charts`` (the Altair charts of the edited state), and
press ``form.save_button.click()``.

:func:`overview` gives the same picture of a file's *current* state as static HTML with inline
SVG, for headless (papermill) runs of the guided notebooks. In a live kernel it is displayed with
a display id, and a form's successful save redraws every overview of that file in place.

Every piece of HTML that shows amounts carries the classes ``tex2jax_ignore mathjax_ignore``:
JupyterLab typesets HTML outputs with MathJax, which would read the text between two ``$``
amounts ("$1,200 … $3,400") as a formula.
"""

from __future__ import annotations

from pathlib import Path

from ..views import HTML
from .guided_form import GuidedForm, number_box, share_hint, shown_number, typed_number
from .forms import DONT_KNOW, HealthForm, RampForm, ScopeForm, TrustForm, ValueForm
from .picker import NameRefused, PickedForm, Picker, alliance_files, check_name, new_alliance
from .section_view import (
    track_actuals,
    OVERVIEWS,
    NO_MATH,
    PickedHTML,
    PickedOverview,
    SECTION_WORDS,
    Overview,
    overview,
    refresh_overviews,
    section_view,
)

__all__ = [
    "track_actuals",
    "NameRefused",
    "PickedForm",
    "PickedHTML",
    "PickedOverview",
    "Picker",
    "alliance_files",
    "check_name",
    "new_alliance",
    "DONT_KNOW",
    "NO_MATH",
    "SECTION_WORDS",
    "OVERVIEWS",
    "GuidedForm",
    "HealthForm",
    "RampForm",
    "ScopeForm",
    "TrustForm",
    "ValueForm",
    "Overview",
    "overview",
    "refresh_overviews",
    "section_view",
    "typed_number",
    "number_box",
    "share_hint",
    "shown_number",
]
