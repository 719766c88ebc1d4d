"""Notebook 06's upload of a deal-level CRM export: preview, then write.

:class:`DealsUpload` is bound to one params file. The analyst picks an export (``.csv`` or
``.xlsx``, at most :data:`workbook.deals.MAX_EXPORT_BYTES`); it is read with exactly the rules of
``workbook import-deals`` (:func:`workbook.deals.import_deals`, as a dry run) and the months
table, the notes and what would change are shown. *Write to <file>* runs the same import for real:
only the ``actuals`` and ``pipeline`` sections change. A bad export is shown as its list of
problems (``file:ROW: column: message``) and nothing is written. Every text shown is escaped.

For tests and scripts: :meth:`DealsUpload.load` takes an export's name and bytes as the upload
box would, ``preview.value`` holds the shown HTML, ``write_button.click()`` writes.
"""

from __future__ import annotations

import tempfile
from html import escape
from pathlib import Path

import ipywidgets as W

from ..deals import MAX_EXPORT_BYTES, import_deals, problem_lines, report_lines
from ..errors import ParamsError
from .common import CSS, message

#: The upload box's accepted file types.
ACCEPT = ".csv,.xlsx"


class DealsUpload:
    """An upload box, a preview and a write button over the params file at ``params_path``."""

    def __init__(self, params_path: str | Path) -> None:
        self.params_path = Path(params_path)
        self.upload = W.FileUpload(accept=ACCEPT, multiple=False, description="Deal export")
        self.preview = W.HTML()
        self.status = W.HTML()
        self.write_button = W.Button(
            description=f"Write to {self.params_path.name}", disabled=True, button_style="primary", layout=W.Layout(width="auto")
        )
        self.write_button.add_class("wb-deals-write")
        self._name: str | None = None
        self._data: bytes | None = None
        self.upload.observe(self._uploaded, names="value")
        self.write_button.on_click(lambda _: self.write())
        intro = W.HTML(
            CSS
            + "<p>Upload a deal-level export (Salesforce opportunity report or HubSpot deals export, CSV or .xlsx, at most "
            + f"{MAX_EXPORT_BYTES // 2**20} MB). The months it makes are shown first; nothing is written until you press the button.</p>"
        )
        self.root = W.VBox([intro, self.upload, self.preview, self.write_button, self.status])
        self.root.add_class("wb-deals-upload")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.root)

    def _uploaded(self, change: dict[str, object]) -> None:
        files = change["new"]
        if not isinstance(files, (tuple, list)) or not files:
            return
        item = files[0]
        content = item["content"]
        self.load(str(item["name"]), bytes(content.tobytes() if hasattr(content, "tobytes") else content))

    def load(self, name: str, data: bytes) -> None:
        """Take an export (its file name and bytes) and show what importing it would do."""
        self.status.value = ""
        self.write_button.disabled = True
        self._name, self._data = Path(name).name or "export.csv", None
        if len(data) > MAX_EXPORT_BYTES:
            self.preview.value = message("error", f"{self._name} is {len(data) / 2**20:.1f} MB; a deal export may be at most {MAX_EXPORT_BYTES // 2**20} MB.")
            return
        self._data = data
        lines, ok = self._run(dry_run=True)
        self.preview.value = self._pre(lines, ok)
        self.write_button.disabled = not ok

    def write(self) -> None:
        """Write the loaded export into the params file (the same import, not a dry run)."""
        if self._data is None:
            self.status.value = message("error", "Upload an export first.")
            return
        lines, ok = self._run(dry_run=False)
        self.status.value = self._pre(lines, ok)
        if ok:
            self.write_button.disabled = True

    def _run(self, *, dry_run: bool) -> tuple[list[str], bool]:
        assert self._name is not None and self._data is not None
        suffix = ".xlsx" if self._name.casefold().endswith(".xlsx") else ".csv"
        with tempfile.TemporaryDirectory(prefix="wb-deals-") as tmp:
            export = Path(tmp) / f"upload{suffix}"
            export.write_bytes(self._data)
            try:
                outcome = import_deals(self.params_path, export, dry_run=dry_run, shown_name=self._name)
            except ParamsError as exc:
                return [*problem_lines(exc.problems), "Nothing was written."], False
        return report_lines(outcome, self.params_path.name, self._name, dry_run), True

    @staticmethod
    def _pre(lines: list[str], ok: bool) -> str:
        kind = "info" if ok else "error"
        return f'<pre class="wb-status-{kind} tex2jax_ignore mathjax_ignore">{escape(chr(10).join(lines))}</pre>'


def deals_upload(params_path: str | Path) -> DealsUpload:
    """The upload box of notebook 06 for the params file at ``params_path``."""
    return DealsUpload(params_path)


__all__ = ["ACCEPT", "DealsUpload", "deals_upload"]
