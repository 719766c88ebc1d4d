"""Shared fixtures: paths, the real `workbook` command, and headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.params import is_programme_file
from workbook.reports.pdf import HEADLESS

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
#: The example alliances (params/programme.yaml, the programme over them, is not one).
EXAMPLES = sorted(p for p in PARAMS.glob("*.yaml") if not is_programme_file(p))

#: The smallest valid params file: the alliance and its ramp only (10 lines; tests that
#: report line numbers append their sections from line 11).
MINIMAL_PARAMS = """\
schema: 1
alliance: {name: Test alliance, vendor: V, partner: P, type: reseller}
ramp:
  horizon_months: 24
  commitment_months: 12
  sales_cycle_months: 3
  steady_deals_per_month: 2
  avg_deal_value: 10000
  partner_margin: 0.2
  gross_margin: 1.0
"""
CHROMIUM = os.environ.get("WORKBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [*HEADLESS, "--disable-quic"]


def workbook_cmd(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the installed console script, as a user would."""
    exe = Path(sys.executable).parent / "workbook"
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright, tmp_path_factory):
    """Headless Debian Chromium driven by Playwright (its own browser download is not possible here)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    ctx = _playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900}
    )
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def _isolated_chromium(_playwright):
    b = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def new_context(_isolated_chromium):
    """``new_context(**options)``: a browser context of its own (its own cookies: another person
    on another device), closed after the test."""
    made = []

    def make(**options):
        ctx = _isolated_chromium.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def open_report(page, html: Path, timeout: float = 30_000) -> None:
    """Open a report page and wait until its script has drawn every chart (the batch's reports
    draw their charts in the browser: ``workbook.reports.page_charts``)."""
    page.goto(Path(html).as_uri())
    page.wait_for_selector("html[data-wb-charts=drawn]", state="attached", timeout=timeout)


def outside_requests(urls: list[str], allowed_hosts: tuple[str, ...] = ("127.0.0.1",)) -> list[str]:
    """The requests that left the machine (anything but file:, data:, blob: and local hosts)."""
    from urllib.parse import urlparse

    bad = []
    for url in urls:
        u = urlparse(url)
        if u.scheme in ("file", "data", "blob", "about"):
            continue
        if u.hostname in allowed_hosts:
            continue
        bad.append(url)
    return bad


@pytest.fixture
def examples_copy(tmp_path) -> Path:
    """The example params files copied to a temp folder (tests may break them)."""
    dest = tmp_path / "params"
    shutil.copytree(PARAMS, dest)
    return dest


#: Test folders whose tests start real processes: Voila servers, browsers, papermill kernels,
#: report batches. They make up the `slow` tier; `make test-fast` runs everything else.
SLOW_FOLDERS = ("browser", "notebooks", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of :data:`SLOW_FOLDERS` ``slow`` (by speed; ``browser`` and ``notebook``
    say which technology a test drives)."""
    tests = Path(__file__).parent
    for item in items:
        try:
            folder = Path(str(item.path)).relative_to(tests).parts[0]
        except ValueError:
            continue
        if folder in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
