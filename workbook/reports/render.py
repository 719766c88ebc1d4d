"""One report: papermill executes the report notebook for a params file on a warm kernel,
nbconvert turns it into a self-contained HTML page (headless Chromium prints it to PDF on
request, openpyxl writes the model as a spreadsheet), all or nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import traceback
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import ParamsError, ReportError
from ..files import owner_tag, replace_dir
from ..outcomes import Outcome
from ..params import load_params
from ..resources import report_notebook, templates_dir
from ..schema import Params
from ..summary import Summary
from .freshness import KEY_FILE, render_key
from .pdf import PdfError, print_pdf


#: How the reports' charts are drawn (the report notebook's ``charts``): by the reader's browser,
#: from the spec and the Vega bundle the page carries. Drawing them here (vl-convert) would be
#: most of a report's time; the PDF draws them here all the same (:meth:`Renderer._print`).
CHARTS = "page"
KERNEL_START_TIMEOUT = 120  # seconds; two kernels starting at once on a small machine are slow
#: What a report kernel runs before its first report (:meth:`Renderer.warm`): the package's
#: imports and one chart, drawn as the reports draw theirs (:data:`CHARTS`).
WARM_UP = f"import workbook as _wb; _wb.views.use_charts({CHARTS!r}); _wb.views.render([_wb.charts.render.message_chart('ready')])"


# --------------------------------------------------------------------------------------------
# One report


@cache
def _exporter() -> Any:
    """The report page's exporter, built once per process (its templates load once)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def warm_exporter() -> None:
    """Export an empty notebook once: the exporter's templates are compiled and its imports made,
    so that a process forked afterwards exports its first page as fast as its last."""
    import nbformat

    _exporter().from_notebook_node(nbformat.v4.new_notebook())


def export_html(nb: Any, html_path: Path, title: str | None = None) -> str:
    """Convert an executed notebook (the node papermill returns) to HTML with no input cells and
    no CDN scripts. ``title`` (escaped by the template) names the page: the browser's tab and the
    PDF's document title. Charts the reader's browser draws (the notebook's ``charts="page"``)
    come with the Vega bundle, inline (:func:`~workbook.reports.page_charts.with_page_charts`; added
    after nbconvert's own pass over the page, which would otherwise parse the bundle too).
    Returns the page as written."""
    from .page_charts import with_page_charts

    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}} if title else None)
    body = with_page_charts(body)
    html_path.write_text(body, encoding="utf-8")
    return body


def _execution_reason(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"the report notebook failed: {ename}: {evalue}".strip()


class Renderer:
    """Renders reports one after another on one report kernel, kept alive between them and reset
    in between (:class:`~workbook.reports.kernel.WarmKernel`): the imports, the kernel's start and the
    HTML exporter are paid once per renderer, not once per report. :meth:`close` ends the kernel.
    """

    def __init__(self) -> None:
        from .kernel import WarmKernel

        # short path: a unix socket path must stay under ~100 characters
        self.sockets = Path(tempfile.mkdtemp(prefix=f"{owner_tag()}."))
        self.kernel = WarmKernel(self.sockets)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def warm(self) -> None:
        """Start the report kernel and run :data:`WARM_UP` on it now, while nothing waits for a
        report (a batch does this while it reads the params files). A kernel that fails to warm
        up is closed and started again with the first report, which then says what is wrong."""
        from .kernel import WarmKernel

        try:
            self.kernel.warm(report_notebook().parent, WARM_UP, KERNEL_START_TIMEOUT)
        except Exception:  # the first report starts a fresh kernel and reports the cause
            self.kernel.close()
            self.kernel = WarmKernel(self.sockets)

    def close(self) -> None:
        try:
            self.kernel.close()
        finally:
            shutil.rmtree(self.sockets, ignore_errors=True)

    def build(self, params_path: Path, params: Params, folder: Path, key: dict[str, Any], validated: bool = False) -> Summary:
        """Write the report of ``params`` (loaded from ``params_path``) into ``folder``:
        ``report.ipynb``, ``report.html``, ``summary.json`` (``report.pdf`` and ``model.xlsx``
        when ``key`` asks for them) and, last, ``render.json`` (``key``). Returns the summary;
        raises :class:`ReportError`.

        ``validated``: ``params`` were validated from the very bytes ``key`` was made from. The
        kernel is then handed them (:func:`workbook.params.preload`) rather than parsing the
        file again, as long as the file still holds those bytes."""
        from ..areas import assess
        from ..summary import summary_of

        nb_out = folder / "report.ipynb"
        notebook = report_notebook()
        prelude = None
        if validated:
            prelude = f"__import__('workbook.params').params.preload({str(params_path)!r}, {key['params']!r}, {params.model_dump_json()!r})"
        try:
            executed = self.kernel.execute(
                notebook,
                nb_out,
                {"params_path": str(params_path), "charts": CHARTS},
                cwd=notebook.parent,
                start_timeout=KERNEL_START_TIMEOUT,
                prelude=prelude,
            )
        except Exception as exc:  # papermill raises several kinds; each becomes a reason
            raise ReportError(params_path, _execution_reason(exc)) from exc
        page = export_html(executed, folder / "report.html", title=f"{params.alliance.name} — alliance report")
        if key.get("pdf"):
            self._print(params_path, page, folder)
        assessment = assess(params)
        if key.get("xlsx"):
            from .spreadsheet import write_xlsx

            try:
                write_xlsx(params, folder / "model.xlsx", assessment.ramp)
            except Exception as exc:  # openpyxl raises several kinds; each fails this report only
                raise ReportError(params_path, f"the spreadsheet model.xlsx was not made: {exc!r}") from exc
        summary = summary_of(params, params_path, assessment)
        (folder / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2), encoding="utf-8")
        (folder / KEY_FILE).write_text(json.dumps(key, indent=2), encoding="utf-8")
        return summary

    def _print(self, params_path: Path, page: str, folder: Path) -> None:
        """``report.pdf``: Chromium prints the page with its charts drawn here as SVG images
        (:func:`~workbook.reports.page_charts.static_page`), so the PDF needs no script run first."""
        from .page_charts import static_page

        printed = self.sockets / "print.html"
        printed.write_text(static_page(page), encoding="utf-8")
        try:
            print_pdf(printed, folder / "report.pdf", profile_parent=self.sockets)
        except PdfError as exc:
            raise ReportError(params_path, f"the PDF was not made: {exc}") from exc
        finally:
            printed.unlink(missing_ok=True)

    def render(
        self, params_path: str | Path, out_dir: str | Path, pdf: bool = False, known: tuple[str, Params] | None = None, xlsx: bool = False
    ) -> Outcome:
        """Validate one params file, execute the report notebook for it and export HTML (and, with
        ``pdf``, print the page to PDF with headless Chromium: :mod:`workbook.reports.pdf`; with ``xlsx``,
        write the model as a live spreadsheet: :mod:`workbook.reports.spreadsheet`).

        Writes ``out_dir/<slug>/report.ipynb``, ``report.html``, ``summary.json``, ``render.json``
        (and ``report.pdf``, ``model.xlsx``) — all or nothing. Never raises for a bad file: the reason is in the
        returned :class:`Outcome`.

        ``known`` is ``(digest, params)``: the params validated from bytes of that digest (by the
        batch's plan). When the file still holds those bytes, they are not read and validated again.
        """
        params_path = Path(params_path).resolve()
        out_dir = Path(out_dir).resolve()
        outcome = Outcome(params_path=params_path)
        try:
            key = render_key(params_path.read_bytes(), pdf, xlsx)  # before the kernel reads it: an edit meanwhile renders again next time
            if known is not None and known[0] == key["params"]:
                params, validated = known[1], True
            else:
                params, validated = load_params(params_path), False
        except OSError as exc:
            outcome.reason = f"{params_path}: cannot read the file: {exc.strerror or exc}"
            return outcome
        except ParamsError as exc:
            outcome.reason = str(exc)
            return outcome
        outcome.slug = params.slug
        out_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{params.slug}.{owner_tag()}.", dir=out_dir))
        try:
            outcome.summary = self.build(params_path, params, work, key, validated=validated)
            work.chmod(0o755)  # mkdtemp makes it private; the finished report is for anyone who can read DIR
            replace_dir(work, out_dir / params.slug, owner_tag())
            outcome.ok = True
        except ReportError as exc:
            outcome.reason = exc.reason
        except Exception as exc:  # an unexpected failure of one report must not stop the batch
            outcome.reason = f"unexpected error: {exc!r}\n{traceback.format_exc(limit=3)}"
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return outcome


def render_report(params_path: str | Path, out_dir: str | Path, pdf: bool = False, xlsx: bool = False) -> Outcome:
    """One report on a kernel of its own (:meth:`Renderer.render`, then the kernel ends)."""
    with Renderer() as renderer:
        return renderer.render(params_path, out_dir, pdf=pdf, xlsx=xlsx)

