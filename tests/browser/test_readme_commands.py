"""Every command of the README's "In Slack" table, typed into the sandbox's message box, gets its answer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.harness import ROOT

# The README's commands with their placeholders filled in (jobs from tests/browser/conftest.py).
COMMANDS = [
    "/sitrep",
    "/sitrep nightly-report",
    "/sitrep help",
    "/fixit --dry-run",
    "/fixit balanced --max-retries 2 --window 24h --job flaky-export",
    "/fixit help",
    "/jobs",
    "/jobs list 1",
    "/jobs show nightly-report",
    "/jobs history nightly-report 5",
    "/jobs run nightly-report",
    "/jobs pause xss",
    "/jobs resume xss",
    "/jobs new",
    "/jobs edit nightly-report",
    "/jobs export",
    "/jobs remove weekly-cleanup",
    "/jobs help",
]
FAILURES = ("failed with the error", "is not a valid command", "something went wrong")
ANSWERS = "#timeline article.message, #modal-layer .modal"


def _name(command: str) -> str:
    """`/jobs pause` for `/jobs pause xss`; `/sitrep` for `/sitrep nightly-report` or `/sitrep JOB_ID`."""
    words = command.split()
    return " ".join(words[:2]) if len(words) > 1 and re.fullmatch("[a-z]+", words[1]) else words[0]


def test_the_list_covers_every_command_of_the_readme_table() -> None:
    table = (ROOT / "README.md").read_text().split("## In Slack", 1)[1].split("\n\n", 2)[1]
    documented = {_name(row) for row in re.findall(r"`(/\w+[^`]*)`", table)}
    documented |= {f"/jobs {word}" for word in re.findall(r"`(run|pause|resume|remove) ID`", table)}
    assert len(documented) > 10
    assert documented - {_name(c) for c in COMMANDS} == set()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_readme_command_answers_in_the_sandbox(page: Any, command: str) -> None:
    before = page.locator(ANSWERS).count()
    box = page.get_by_label("Message")
    box.fill(command)
    box.press("Enter")
    page.wait_for_function("([css, n]) => document.querySelectorAll(css).length > n", arg=[ANSWERS, before])
    page.wait_for_timeout(300)  # a second reply (a result after an acknowledgement) lands too
    shown = page.locator("#timeline").inner_text().lower()
    assert not [failure for failure in FAILURES if failure in shown], shown[-2000:]
    assert page.locator("#problem").inner_text() == ""
    if page.locator("#modal-layer .modal").count():
        page.locator("#modal-layer").get_by_role("button", name="Cancel").click()
        page.locator("#modal-layer .modal").wait_for(state="detached")
