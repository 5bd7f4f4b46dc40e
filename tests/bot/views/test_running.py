"""The Cancel button: on every running run a message shows, and on nothing else; the answers to a click."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from bot import ids
from bot.views.home import home_view
from bot.views.jobs import job_detail_message, job_done_message
from bot.views.running import (
    cancel_button,
    cancel_outcome_message,
    cancel_refused_message,
    cancelling_message,
    with_cancel,
)
from bot.views.sitrep import job_report_message, sitrep_message
from bot.workflows.approvals import done_message
from core.approvals import ActedDirectly, ActionRequest
from core.runs import RunStatus
from core.sitrep.model import HealthLevel
from tests.bot.views.checks import all_text, assert_message_ok, assert_view_ok, buttons
from tests.bot.views.factories import ALICE, NOW, run, sitrep, spec, stored
from tests.bot.views.test_limits import _job_report


def cancels(message: Any) -> list[dict[str, Any]]:
    return [b for b in buttons(message) if ids.base(b["action_id"]) == ids.CANCEL_RUN]


def assert_cancel_for(button: dict[str, Any], run_id: int, job_id: str) -> None:
    assert button["action_id"] == ids.keyed(ids.CANCEL_RUN, run_id)
    assert button["value"] == str(run_id)  # the run id and nothing else: who may is decided on the click
    assert button["text"]["text"] == "Cancel" and button["style"] == "danger"
    dialog = button["confirm"]
    assert dialog["style"] == "danger"
    assert dialog["confirm"]["text"] == "Cancel the run" and dialog["deny"]["text"] == "Keep it running"
    assert f"Run {run_id} of *{job_id}*" in dialog["text"]["text"]


def test_each_running_run_of_the_sitrep_has_a_cancel_button_behind_a_confirm_dialog() -> None:
    report = sitrep(size=3)
    message = sitrep_message(report)
    assert_message_ok(message)
    found = cancels(message)
    assert len(found) == 3
    for button, running in zip(found, report.running, strict=True):
        assert_cancel_for(button, running.run_id, running.job_id)
    # Failing, upcoming and paused jobs are listed too, but nothing else in the sitrep can be cancelled.
    assert len(buttons(message)) == 3
    assert "*Running now (3)*" in all_text(message)


def test_a_sitrep_with_nothing_running_has_no_cancel_button() -> None:
    report = sitrep(size=3).model_copy(update={"running": []})
    message = sitrep_message(report)
    assert cancels(message) == [] and "Running now" not in all_text(message)


def test_a_long_running_list_shows_ten_with_buttons_and_counts_the_rest() -> None:
    message = sitrep_message(sitrep(size=100))
    assert_message_ok(message)  # within 50 blocks
    assert [b["value"] for b in cancels(message)] == [str(1000 + i) for i in range(10)]
    assert "and 90 more running jobs" in all_text(message)


def test_a_job_report_offers_cancel_on_its_running_runs_only() -> None:
    assert [b["value"] for b in cancels(job_report_message(_job_report(2)))] == ["1000", "1001"]
    idle = _job_report(2).model_copy(update={"running": []})
    assert cancels(job_report_message(idle)) == []


def test_the_largest_job_report_stays_within_slacks_limits() -> None:
    message = job_report_message(_job_report(500))
    assert_message_ok(message)
    assert len(cancels(message)) == 10


def test_a_job_card_shows_its_running_runs_each_with_cancel() -> None:
    running = sitrep(size=2).running
    message = job_detail_message(stored(spec()), upcoming=[NOW], default_timezone="UTC", running=running)
    assert_message_ok(message)
    for button, run_ in zip(cancels(message), running, strict=True):
        assert_cancel_for(button, run_.run_id, run_.job_id)
    text = all_text(message)
    assert "*Running now*" in text and "*run 1000*" in text and "*stuck*" in text
    # The card's own buttons follow, unchanged.
    assert [ids.base(b["action_id"]) for b in buttons(message)][-3:] == [ids.JOB_RUN, ids.JOB_PAUSE, ids.JOB_HISTORY]


def test_an_idle_job_card_has_no_cancel_button() -> None:
    message = job_detail_message(stored(spec()), upcoming=[NOW], default_timezone="UTC")
    assert cancels(message) == [] and "Running now" not in all_text(message)


def test_a_job_card_with_many_running_runs_stays_within_slacks_limits() -> None:
    running = sitrep(size=300).running
    message = job_detail_message(stored(spec()), upcoming=[NOW] * 100, default_timezone="UTC", running=running)
    assert_message_ok(message)
    assert len(cancels(message)) == 10 and "and 290 more runs" in all_text(message)


def test_the_run_started_reply_offers_cancel_and_other_replies_do_not() -> None:
    started = done_message(ActedDirectly(ActionRequest.run_job("backup"), {"run_id": 42}), ALICE)
    assert_message_ok(started)
    [button] = cancels(started)
    assert_cancel_for(button, 42, "backup")
    assert "started a run of" in all_text(started) and "(run 42)" in all_text(started)
    paused = done_message(ActedDirectly(ActionRequest.pause_job("backup"), None), ALICE)
    assert buttons(paused) == []


def test_with_cancel_keeps_the_message_and_adds_one_button() -> None:
    message = with_cancel(job_done_message("started"), 7, "backup")
    assert_message_ok(message)
    assert message["blocks"][-1]["block_id"] == ids.keyed(ids.RUN_ACTIONS, 7)
    assert [b["value"] for b in buttons(message)] == ["7"]


def test_the_home_tab_lists_no_running_runs_so_it_has_no_cancel_button() -> None:
    view = home_view(sitrep(size=3, level=HealthLevel.UNHEALTHY))
    assert_view_ok(view, surface="home")
    assert cancels(view) == []


def test_the_confirm_dialog_fits_with_the_longest_job_id() -> None:
    button = cancel_button(2**63 - 1, "x" * 64)
    message = {"text": "t", "blocks": [{"type": "actions", "block_id": "a", "elements": [button]}]}
    assert_message_ok(message)


def running_record(status: RunStatus = RunStatus.RUNNING, error: str | None = None) -> Any:
    record = run(42, "backup-db", status=status, error=error)
    return record if status is not RunStatus.RUNNING else dataclasses.replace(record, finished_at=None)


@pytest.mark.parametrize(
    ("record", "says"),
    [
        (
            running_record(RunStatus.INTERRUPTED, "cancelled by U0ALICE"),
            "Run 42 of backup-db was cancelled after 1m33s: it ended interrupted.",
        ),
        (running_record(RunStatus.SUCCEEDED), "Run 42 of backup-db succeeded before the cancel took effect."),
        (running_record(RunStatus.INTERRUPTED, "interrupted: schedops stopped"), "interrupted before the cancel"),
        (running_record(), "Run 42 of backup-db has not stopped after 30 seconds"),
    ],
)
def test_the_outcome_of_a_cancel_is_one_line(record: Any, says: str) -> None:
    message = cancel_outcome_message(record, waited=timedelta(seconds=30))
    assert_message_ok(message)
    assert len(message["blocks"]) == 1 and "\n" not in message["text"]
    assert says in message["text"]


def test_cancelling_and_refusals_are_one_line_each() -> None:
    assert cancelling_message(running_record())["text"] == "Cancelling run 42 of backup-db…"
    refused = cancel_refused_message("you may not cancel run 42 of backup-db: only admins may <!channel>")
    assert_message_ok(refused)
    assert refused["text"].startswith("You may not cancel run 42 of backup-db")
