"""The run statuses, defined once: which are outcomes and which are failures."""

from __future__ import annotations

import pytest

from core.runs import FAILURE_STATUSES, FAILURE_VALUES, OUTCOME_STATUSES, OUTCOME_VALUES, RunStatus

# status: (is an outcome, is a failure, is finished)
TABLE = {
    RunStatus.RUNNING: (False, False, False),
    RunStatus.SUCCEEDED: (True, False, True),
    RunStatus.FAILED: (True, True, True),
    RunStatus.TIMED_OUT: (True, True, True),
    RunStatus.INTERRUPTED: (True, True, True),
    RunStatus.SKIPPED: (False, False, True),
    RunStatus.MISSED: (False, False, True),
}


def test_the_table_covers_every_status() -> None:
    assert set(TABLE) == set(RunStatus)


@pytest.mark.parametrize(("status", "expected"), TABLE.items(), ids=[status.value for status in TABLE])
def test_each_status_says_whether_it_is_an_outcome_and_a_failure(
    status: RunStatus, expected: tuple[bool, bool, bool]
) -> None:
    assert (status.is_outcome, status.is_failure, status.is_finished) == expected
    assert (status in OUTCOME_STATUSES, status in FAILURE_STATUSES) == expected[:2]


def test_the_value_lists_hold_the_same_statuses_in_a_stable_order() -> None:
    assert FAILURE_VALUES == ("failed", "interrupted", "timed_out")
    assert OUTCOME_VALUES == ("failed", "interrupted", "succeeded", "timed_out")
    assert {RunStatus(value) for value in OUTCOME_VALUES} == OUTCOME_STATUSES


def test_a_failure_is_always_an_outcome() -> None:
    assert FAILURE_STATUSES < OUTCOME_STATUSES
