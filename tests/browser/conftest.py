"""Browser tests: one schedops with its sandbox per module, one Chromium and one tab, the page loaded afresh per test.

A browser test that cannot run here is skipped with a loud reason, and fails when CI=true."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import SandboxProcess, browser_unavailable, launch_chromium

JOBS = """\
jobs:
  - id: nightly-report
    name: Nightly report
    kind: shell
    command: ["true"]
    schedule: {interval: 1h}
  - id: weekly-cleanup
    name: Weekly cleanup
    kind: shell
    command: ["true"]
    schedule: {interval: 1h}
  - id: flaky-export
    name: Flaky export
    kind: shell
    command: "test -f flaky.marker || { touch flaky.marker; echo 'db-1 refused the connection' >&2; exit 3; }"
    schedule: {interval: 1h}
  - id: always-fails
    name: Always fails
    kind: shell
    command: "exit 4"
    schedule: {interval: 1h}
  - id: long-copy
    name: Long copy
    kind: shell
    command: "sleep 300"
    schedule: {interval: 1h}
  - id: xss
    name: "<script>alert(1)</script>"
    kind: shell
    command: ["true"]
    schedule: {interval: 1h}
"""


def _require_browser() -> None:
    reason = browser_unavailable()
    if reason is None:
        return
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    _require_browser()
    process = SandboxProcess(tmp_path_factory.mktemp("sandbox"), JOBS)
    process.start()
    yield process
    assert process.stop() == 0, process.log()
    assert "Traceback" not in process.log(), process.log()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """One tab per module, with the errors its page raised. A fresh context per test started about three renderer
    processes each: tests/browser cost Chromium 42.6 CPU-s that way, 16.1 s loading one tab again per test. The
    sandbox keeps nothing in the browser (no cookies, no storage), so a fresh load is the same fresh start."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:  # alert(), confirm(): only a script from a message could open one
        errors.append(f"a browser dialog opened: {dialog.message}")
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    yield opened, errors
    context.close()


@pytest.fixture
def page(tab: tuple[Any, list[str]], sandbox: SandboxProcess) -> Iterator[Any]:
    opened, errors = tab
    errors.clear()
    opened.goto(sandbox.address)
    opened.wait_for_selector("body[data-version]")
    yield opened
    assert errors == []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
