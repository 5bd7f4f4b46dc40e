from __future__ import annotations

import pytest

from bot.views.fixit import fixit_help, fixit_plan_message, fixit_result_lines
from core.fixit.model import FixitMode
from tests.bot.views.checks import all_text, assert_message_ok
from tests.bot.views.factories import fixit_result, plan


@pytest.mark.parametrize("mode", list(FixitMode))
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_plan_shows_its_mode_window_and_items(mode: FixitMode, dry_run: bool) -> None:
    message = fixit_plan_message(plan(6, mode=mode), dry_run=dry_run)
    assert_message_ok(message)
    text = all_text(message)
    assert f"*{mode.value}* mode" in text and "failures in the last 1 day" in text
    assert "*Retry (4)*" in text and "*Skip (2)*" in text
    assert "up to 3 attempts" in text
    assert ("Dry run: nothing was retried" in text) is dry_run
    assert ("(dry run)" in message["text"]) is dry_run


def test_a_plan_of_500_items_is_bounded() -> None:
    text = all_text(fixit_plan_message(plan(500), dry_run=True))
    assert "*Retry (333)*" in text and "*Skip (167)*" in text
    assert "more jobs" in text


def test_an_empty_plan_says_there_is_nothing_to_fix() -> None:
    assert "Nothing to fix" in all_text(fixit_plan_message(plan(0), dry_run=True))


def test_result_lines_are_few_plain_and_bounded() -> None:
    lines = fixit_result_lines(fixit_result(500))
    assert lines[0] == "Fix-it plan plan-1: 500 recovered, 500 still failing, 500 skipped."
    assert lines[1].startswith("Stopped by an error: ")
    assert lines[2].startswith("Recovered: recovered-0000, ") and lines[2].endswith("and 485 more jobs")
    assert len(lines) == 5
    assert all(len(line) <= 1000 for line in lines)


def test_fixit_help_explains_each_mode() -> None:
    message = fixit_help()
    assert_message_ok(message)
    text = all_text(message)
    assert all(f"*{mode.value}*" in text for mode in FixitMode)
    assert "left to a human" in text
