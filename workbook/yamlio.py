"""Saving edits back into a params file without losing the analyst's comments, layout, or
anyone else's edits.

The guided notebooks edit one section at a time (a checklist, trust answers, ramp sliders).
:func:`save_section` merges the new values into the round-trip YAML document, so keys that did
not change keep their comments, order and flow style; the result is validated *before* it
replaces the file, and the file is replaced atomically — an edit can never leave a broken or
half-written params file behind.

Saves are safe when several people (or notebooks) edit the same file:

- **One writer at a time.** :func:`file_lock` takes an exclusive lock on the file; the save
  re-reads the file under the lock and merges into what is there *now*, so an edit of another
  section saved in the meantime is kept.
- **No silent overwrite.** A caller that passes the text it loaded (``loaded=``) gets a
  three-way merge: its own changes are applied to the latest file, someone else's changes to
  other fields are kept, and when both changed the same field the save is refused with
  :class:`~workbook.errors.EditConflict` ("the file changed since you opened it").
- **The file stays what it was.** :func:`atomic_replace` follows a symlink (the target is
  updated, the link stays a link) and keeps the file's permission bits.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter

from .errors import EditConflict, ParamsError, Problem
from .files import atomic_replace
from .params import _line_of, _plain, _yaml, open_regular, parse_params, parse_yaml_text, read_text

#: How long a save waits for another save of the same file to finish, in seconds.
LOCK_TIMEOUT = 30.0


@contextlib.contextmanager
def file_lock(path: str | Path, timeout: float | None = None) -> Iterator[Path]:
    """Hold an exclusive lock on the params file at ``path`` (its target, if a symlink).

    The lock is ``flock`` on the file itself, so no lock file is left lying about. Because a save
    replaces the file (a new inode), a writer that was waiting checks, once it holds the lock,
    that the path still names the file it locked, and otherwise locks the new one. Yields the
    target's path.

    Raises
    ------
    ParamsError
        when the file is missing or not a regular file, or another save holds the lock for
        longer than ``timeout`` seconds (default :data:`LOCK_TIMEOUT`).
    """
    import fcntl

    target = Path(os.path.realpath(path))

    def refuse(message: str) -> ParamsError:
        return ParamsError([Problem(Path(path), None, "(file)", message)])

    deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
    while True:
        fd = open_regular(target, shown=path)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() > deadline:
                        raise refuse("another save of this file is still in progress; try again in a moment") from None
                    time.sleep(0.01)
            try:
                current = os.stat(target)
            except FileNotFoundError:
                current = None
            held = os.fstat(fd)
            if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # replaced while we waited: lock the file that is there now
    try:
        yield target
    finally:
        os.close(fd)  # releases the lock


# --------------------------------------------------------------------------------------------
# Merging an edited section into the file


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


def _unshare(node: Any, seen: set[int]) -> None:
    """Give every repeat of an aliased mapping or list its own plain copy, in place.

    A file may use YAML aliases (``*name``), and so may a tool that wrote it (PyYAML writes
    ``&id001``/``*id001`` for a repeated object). The loaded document then holds *one* object in
    several places, and merging an edit into it in place would change every place at once.
    """
    items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
    for key, value in items:
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                node[key] = _plain(value)  # fresh containers all the way down
            else:
                seen.add(id(value))
                _unshare(value, seen)


_ABSENT = object()


def _three_way(base: Any, current: Any, mine: Any, loc: tuple[Any, ...], clashes: list[tuple[Any, ...]]) -> Any:
    """Apply the change from ``base`` to ``mine`` onto ``current``, field by field.

    A field only I changed takes my value; a field only they changed keeps theirs; a field both
    changed, differently, is a clash (its location is appended to ``clashes``). Mappings merge
    key by key; anything else (a number, a text, a whole list) is one field.
    """
    if mine == base:
        return current
    if current == base or current == mine:
        return mine
    if all(isinstance(x, dict) for x in (base, current, mine)):
        out = {}
        for key in [*current, *(k for k in mine if k not in current)]:
            value = _three_way(base.get(key, _ABSENT), current.get(key, _ABSENT), mine.get(key, _ABSENT), (*loc, key), clashes)
            if value is not _ABSENT:
                out[key] = value
        return out
    clashes.append(loc)
    return current


class _NullRepresenter(RoundTripRepresenter):
    """Writes ``None`` as ``null``. A subclass: ``add_representer`` is a class method, and calling
    it on ruamel's own representer would change every later dump in the process."""


_NullRepresenter.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))


def dump(doc: Any, explicit_null: bool = False) -> str:
    """``doc`` as YAML in the examples' layout. ``explicit_null`` writes ``null`` for ``None``
    (ruamel's round trip otherwise writes nothing after the colon)."""
    buf = io.StringIO()
    yaml = _yaml()
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout the examples use
    yaml.width = 4096  # never fold a long flow mapping onto a second line
    if explicit_null:
        yaml.Representer = _NullRepresenter
    yaml.dump(doc, buf)
    return buf.getvalue()


def save_section(path: str | Path, section: str, values: dict[str, Any], *, loaded: str | None = None) -> Any:
    """Replace ``section`` of the params file at ``path`` with ``values`` (plain data).

    Unchanged keys keep their comments. The file is locked, re-read and merged into as it is
    now, validated, then replaced atomically (a symlink's target, with its permission bits).
    Returns the validated params model of the new file.

    Parameters
    ----------
    loaded : the file's text as the caller read it before editing. When given, only the
        fields the caller changed are written: another writer's changes to other fields of the
        section, saved since, are kept.

    Raises
    ------
    EditConflict
        (a :class:`ParamsError`) when ``loaded`` is given and someone else changed a field this
        edit changes too since it was loaded; nothing is written.
    ParamsError
        if the edited file would not validate; the file on disk is then left as it was.
    """
    path = Path(path)
    with file_lock(path) as target:
        text = read_text(target)
        doc = parse_yaml_text(text, path)
        if not isinstance(doc, CommentedMap):
            parse_params(doc, path)  # says what is wrong with the file as a whole
        if loaded is not None:
            base = _plain(parse_yaml_text(loaded, path))
            base_section = base.get(section, _ABSENT) if isinstance(base, dict) else _ABSENT
            current_section = _plain(doc[section]) if section in doc else _ABSENT
            clashes: list[tuple[Any, ...]] = []
            merged = _three_way(base_section, current_section, values, (section,), clashes)
            if clashes:
                raise EditConflict(
                    [
                        Problem(
                            path,
                            _line_of(doc, loc),
                            ".".join(str(p) for p in loc),
                            "the file changed since you opened it: someone else saved a different value here; "
                            "reload the file and make your edit again",
                        )
                        for loc in clashes
                    ]
                )
            values = merged if isinstance(merged, dict) else values
        _unshare(doc, {id(doc)})
        if section in doc and isinstance(doc[section], CommentedMap):
            _merge(doc[section], values)
        else:
            doc[section] = values
        new_text = dump(doc)
        params = parse_params(parse_yaml_text(new_text, path), path)
        if new_text != text:
            atomic_replace(target, new_text)
    return params


def section_data(params: Any, section: str) -> dict[str, Any]:
    """A section of a validated model as plain YAML-ready data (aliases, no unset defaults)."""
    model = getattr(params, section)
    return model.model_dump(mode="python", by_alias=True, exclude_unset=True)
