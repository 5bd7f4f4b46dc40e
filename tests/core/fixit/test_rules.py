"""The planning rules alone: plain facts in, a decision out, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.fixit import FixitAction, FixitMode, JobFacts, decide, failure_class
from core.runs import ErrorClass, RunRecord, RunStatus, RunTrigger

T, P, U = ErrorClass.TRANSIENT, ErrorClass.PERMANENT, ErrorClass.UNKNOWN
C, B, G = FixitMode.CONSERVATIVE, FixitMode.BALANCED, FixitMode.GREEDY
R, S = FixitAction.RETRY, FixitAction.SKIP


def failed_run(status: RunStatus = RunStatus.FAILED, **fields: Any) -> RunRecord:
    when = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    return RunRecord(
        id=7, job_id="etl", trigger=RunTrigger.SCHEDULE, attempt=1, status=status, created_at=when, **fields
    )


def facts(run: RunRecord | None = None, **fields: Any) -> JobFacts:
    values: dict[str, Any] = {
        "job_id": "etl",
        "enabled": True,
        "paused": False,
        "paused_by": None,
        "running": False,
        "failed_run": run or failed_run(error_class=T),
        "consecutive_failures": 1,
    }
    values.update(fields)
    return JobFacts(**values)


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        (failed_run(RunStatus.TIMED_OUT, error_class=T), T),
        (failed_run(RunStatus.TIMED_OUT), T),
        (failed_run(RunStatus.INTERRUPTED, error_class=U), T),
        (failed_run(error_class=T), T),
        (failed_run(error_class=P), P),
        (failed_run(error_class=U), U),
        (failed_run(exit_code=1), U),
        (failed_run(http_status=429), T),
        (failed_run(http_status=503), T),
        (failed_run(http_status=404), U),
        (failed_run(http_status=503, error_class=P), P),
    ],
)
def test_failure_class(run: RunRecord, expected: ErrorClass) -> None:
    assert failure_class(run) is expected


@pytest.mark.parametrize(
    ("failure", "mode", "action", "attempts"),
    [
        (T, C, R, 1),
        (T, B, R, 3),
        (T, G, R, 3),
        (U, C, S, 0),
        (U, B, R, 3),
        (U, G, R, 3),
        (P, C, S, 0),
        (P, B, S, 0),
        (P, G, R, 3),
    ],
)
def test_each_mode_retries_its_kinds_of_failure(
    failure: ErrorClass, mode: FixitMode, action: FixitAction, attempts: int
) -> None:
    item = decide(facts(failed_run(error_class=failure)), mode, max_retries=3)
    assert (item.action, item.attempts, item.failure) == (action, attempts, failure)


@pytest.mark.parametrize(
    ("situation", "reason"),
    [
        ({"enabled": False}, "disabled: enable it first"),
        ({"paused": True, "paused_by": "U0BOB"}, "paused by U0BOB"),
        ({"paused": True}, "paused"),
        ({"running": True}, "already running"),
        # Disabled and paused both: the first reason a person would check wins.
        ({"enabled": False, "paused": True, "running": True}, "disabled: enable it first"),
    ],
)
@pytest.mark.parametrize("mode", [C, B, G])
def test_paused_disabled_and_running_jobs_are_never_retried(
    situation: dict[str, Any], reason: str, mode: FixitMode
) -> None:
    item = decide(facts(**situation), mode, max_retries=3)
    assert (item.action, item.attempts, item.reason) == (S, 0, reason)


@pytest.mark.parametrize(
    ("streak", "mode", "action"),
    [(2, C, R), (3, C, S), (9, C, S), (3, B, R), (9, G, R)],
)
def test_only_conservative_mode_leaves_long_streaks_to_a_human(
    streak: int, mode: FixitMode, action: FixitAction
) -> None:
    item = decide(facts(consecutive_failures=streak), mode, max_retries=2)

    assert item.action is action
    if action is S:
        assert item.reason == f"failed {streak} times in a row: needs a human, not a retry"


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        (failed_run(error_class=U, error_message="boom\nTraceback ..."), "unknown failure: boom"),
        (failed_run(error_class=U, error_message="x" * 300), "unknown failure: " + "x" * 120 + "…"),
        (failed_run(error_class=T, http_status=502), "transient failure: HTTP 502"),
        (failed_run(error_class=U, exit_code=2), "unknown failure: exit code 2"),
        (failed_run(error_class=U), "unknown failure: failed"),
    ],
)
def test_a_retry_says_what_failed_in_one_short_line(run: RunRecord, reason: str) -> None:
    assert decide(facts(run), G, max_retries=1).reason == reason


def test_the_item_points_at_the_failed_run() -> None:
    item = decide(facts(consecutive_failures=2), B, max_retries=3)
    assert (item.job_id, item.run_id, item.consecutive_failures) == ("etl", 7, 2)
