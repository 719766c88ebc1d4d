"""Saving edits back into a params file without losing the analyst's comments or layout.

The guided notebooks edit one section at a time (a checklist, trust answers, ramp sliders).
:func:`save_section` merges the new values into the round-trip YAML document, so keys that did
not change keep their comments, order and flow style; the result is validated *before* it
replaces the file, and the file is replaced atomically — an edit can never leave a broken or
half-written params file behind.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .index import atomic_write_text
from .params import _yaml, parse_params, read_yaml


def _merge(target: Any, new: Any) -> Any:
    """Merge plain ``new`` into round-trip ``target`` in place where both are mappings."""
    if isinstance(target, CommentedMap) and isinstance(new, dict):
        for key in [k for k in target if k not in new]:
            del target[key]
        for key, value in new.items():
            if key in target and isinstance(target[key], (CommentedMap, CommentedSeq)):
                target[key] = _merge(target[key], value)
            elif key not in target or target[key] != value:
                target[key] = value
        return target
    if isinstance(target, CommentedSeq) and isinstance(new, list) and len(target) <= len(new):
        # entries in place (keeping their comments and flow style), new ones appended
        for i, value in enumerate(new):
            if i >= len(target):
                target.append(value)
            elif isinstance(target[i], (CommentedMap, CommentedSeq)):
                target[i] = _merge(target[i], value)
            elif target[i] != value:
                target[i] = value
        return target
    return new


def dump(doc: Any) -> str:
    buf = io.StringIO()
    yaml = _yaml()
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout the examples use
    yaml.width = 4096  # never fold a long flow mapping onto a second line
    yaml.dump(doc, buf)
    return buf.getvalue()


def save_section(path: str | Path, section: str, values: dict[str, Any]) -> Any:
    """Replace ``section`` of the params file at ``path`` with ``values`` (plain data).

    Unchanged keys keep their comments. Returns the validated params model of the new file.

    Raises
    ------
    ParamsError
        if the edited file would not validate; the file on disk is then left as it was.
    """
    path = Path(path)
    doc = read_yaml(path)
    if section in doc and isinstance(doc[section], CommentedMap):
        _merge(doc[section], values)
    else:
        doc[section] = values
    text = dump(doc)
    params = parse_params(_yaml().load(text), path)
    atomic_write_text(path, text)
    return params


def section_data(params: Any, section: str) -> dict[str, Any]:
    """A section of a validated model as plain YAML-ready data (aliases, no unset defaults)."""
    model = getattr(params, section)
    return model.model_dump(mode="python", by_alias=True, exclude_unset=True)
