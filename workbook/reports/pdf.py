"""PDF copies of reports, printed from the finished HTML page by headless Chromium.

Chromium is found as ``$WORKBOOK_CHROMIUM``, else ``chromium``, ``chromium-browser`` or
``google-chrome`` on ``PATH``. It runs with a fresh profile folder, no background networking and
a host resolver that resolves nothing, so printing a report fetches nothing from the network (a
report page is self-contained anyway). Print styles live in ``templates/offline/print.css``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import WorkbookError

__all__ = ["CHROMIUM_ENV", "PdfError", "find_chromium", "print_pdf"]

CHROMIUM_ENV = "WORKBOOK_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
#: How Chromium runs headless here (a container, no GPU, nothing phoned home); the browser
#: tests start it the same way.
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
FLAGS = (
    *HEADLESS,
    "--disable-extensions",
    "--mute-audio",
    # Nothing can be fetched: no host resolves, an address given by number (this machine's
    # included) neither (tests/e2e/test_pdf.py checks it).
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # no date, title, file:// address and page number printed around every page
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT = 120.0  # seconds; a report prints in about 2 s here
INSTALL_HINT = (
    "Install it on Debian or Ubuntu with `sudo apt-get install chromium` (or set "
    f"${CHROMIUM_ENV} to a Chromium or Google Chrome program). "
    "HTML reports work without it: leave out --pdf."
)


class PdfError(WorkbookError):
    """Chromium is missing, or did not print a report."""


def find_chromium(env: Mapping[str, str] | None = None) -> str:
    """The Chromium program to print with: ``$WORKBOOK_CHROMIUM`` (a path or a name on
    ``PATH``), else the first of :data:`CANDIDATES` on ``PATH``. Raises :class:`PdfError`
    saying what is missing and how to install it."""
    env = os.environ if env is None else env
    search_path = env.get("PATH", os.defpath)
    named = env.get(CHROMIUM_ENV)
    if named:
        found = shutil.which(named, path=search_path)
        if found is None:
            raise PdfError(f"--pdf needs Chromium, but ${CHROMIUM_ENV} names {named!r}, which is not a program that can be run. {INSTALL_HINT}")
        return found
    for name in CANDIDATES:
        found = shutil.which(name, path=search_path)
        if found is not None:
            return found
    raise PdfError(f"--pdf needs Chromium, and none was found ({', '.join(CANDIDATES)} on PATH, or ${CHROMIUM_ENV}). {INSTALL_HINT}")


def _last_lines(text: str, n: int = 5) -> str:
    """Chromium's own complaints, without its routine noise about the missing system bus."""
    lines = [line for line in text.splitlines() if line.strip() and "dbus" not in line and "bytes written" not in line]
    return "\n".join(lines[-n:])


def print_pdf(html: Path, pdf: Path, chromium: str | None = None, profile_parent: Path | None = None, timeout: float = PRINT_TIMEOUT) -> Path:
    """Print the page ``html`` to ``pdf`` with headless Chromium; returns ``pdf``.

    ``chromium`` defaults to :func:`find_chromium`. Chromium's profile is a fresh folder under
    ``profile_parent`` (default: the temporary directory), removed afterwards. Raises
    :class:`PdfError` with the reason when Chromium fails, times out or writes no PDF; ``pdf``
    is then left absent.
    """
    exe = chromium or find_chromium()
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    pdf.unlink(missing_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile.", dir=profile_parent))
    cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.as_uri()]
    try:
        # a session of its own: a timeout ends Chromium's helper processes too
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True
            )
        except OSError as exc:
            raise PdfError(f"Chromium ({exe}) could not be started: {exc.strerror or exc}") from None
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise PdfError(f"Chromium did not print {html.name} within {timeout:.0f} s") from None
        except BaseException:
            _kill_group(proc)
            raise
        _kill_group(proc)  # helpers that outlived the browser
        if proc.returncode != 0:
            raise PdfError(f"Chromium ({exe}) failed to print {html.name} (exit code {proc.returncode}): {_last_lines(output)}".rstrip(": "))
        try:
            head = pdf.read_bytes()[:5]
        except OSError:
            head = b""
        if head != b"%PDF-":
            raise PdfError(f"Chromium ({exe}) wrote no PDF for {html.name}: {_last_lines(output)}".rstrip(": "))
        return pdf
    except BaseException:
        pdf.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
