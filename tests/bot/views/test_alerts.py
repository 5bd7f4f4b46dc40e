from __future__ import annotations

import pytest

from bot import ids
from bot.views.alerts import failure_alert_message, recovered_alert_message, repeat_failure_reply
from core.runs import RunStatus
from tests.bot.views.checks import all_text, assert_message_ok, blocks_of, buttons
from tests.bot.views.factories import HOSTILE, hostile_output, hostile_run, run, spec


def test_a_failure_alert_offers_retry_pause_and_show_output() -> None:
    message = failure_alert_message(spec(), run(42), consecutive_failures=1)
    assert_message_ok(message)
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in buttons(message)] == [
        ("Retry", ids.RETRY, "backup"),
        ("Pause", ids.PAUSE, "backup"),
        ("Show output", ids.SHOW_OUTPUT, "42"),
    ]


@pytest.mark.parametrize(
    ("status", "says"),
    [(RunStatus.FAILED, "failed"), (RunStatus.TIMED_OUT, "timed out"), (RunStatus.INTERRUPTED, "was interrupted")],
)
def test_a_failure_alert_says_what_happened_and_why(status: RunStatus, says: str) -> None:
    message = failure_alert_message(spec(name="Nightly backup"), run(status=status), consecutive_failures=3)
    text = all_text(message)
    assert f"*Job Nightly backup {says}* (3rd failure in a row)" in text
    assert "transient (retrying may help)" in text
    assert "exit status 1" in text
    assert message["text"] == f"Job backup {says} (3rd failure in a row): exit status 1"


def test_the_alert_shows_the_end_of_the_output_in_a_code_block() -> None:
    output = "".join(f"line {n}\n" for n in range(500))
    message = failure_alert_message(spec(), run(output=output), consecutive_failures=1)
    code = [b["text"]["text"] for b in blocks_of(message, "section") if "```" in b.get("text", {}).get("text", "")][-1]
    assert code.endswith("line 499\n```")
    assert "line 0\n" not in code


def test_hostile_output_is_shown_as_written_but_forges_nothing() -> None:
    message = failure_alert_message(spec(name=HOSTILE), hostile_run(), consecutive_failures=1)
    assert_message_ok(message)
    assert HOSTILE[:60].replace("`", "") in all_text(message).replace("`", "")
    assert hostile_output().splitlines()[-1].replace("`", "") in all_text(message).replace("`", "")


def test_a_repeat_failure_reply_is_one_line_with_show_output() -> None:
    message = repeat_failure_reply(run(43), consecutive_failures=4)
    assert_message_ok(message)
    assert "4th in a row" in all_text(message)
    assert [(b["action_id"], b["value"]) for b in buttons(message)] == [(ids.SHOW_OUTPUT, "43")]


def test_a_recovered_alert_has_no_buttons() -> None:
    message = recovered_alert_message(spec(), run(44, status=RunStatus.SUCCEEDED), failures=3)
    assert_message_ok(message)
    assert buttons(message) == []
    assert "recovered" in message["text"] and "3 failed runs" in all_text(message)


def test_a_failure_alert_mentions_the_jobs_owner() -> None:
    message = failure_alert_message(spec(owner="U0CAROL"), run(42), consecutive_failures=1)
    assert_message_ok(message)
    assert message["text"].startswith("<@U0CAROL> ") and "<@U0CAROL>" in all_text(message)


def test_a_failure_alert_of_a_job_without_owner_mentions_nobody() -> None:
    message = failure_alert_message(spec(), run(42), consecutive_failures=1)
    assert "<@" not in message["text"]
