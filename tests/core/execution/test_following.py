"""The rule a leader follows a dispatched run by, whether it sent the run or adopted it from a previous leader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.execution.following import (
    LEADER_CLAIM,
    FollowStep,
    needs_sending,
    next_step,
    silence_counted_from,
    silent,
)
from core.runs import RunStatus
from core.storage.runs_store import DispatchState

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LOST_AFTER = timedelta(seconds=15)
RUNNING, SUCCEEDED, INTERRUPTED = RunStatus.RUNNING, RunStatus.SUCCEEDED, RunStatus.INTERRUPTED


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("state", "step"),
    [
        # Ended by its worker, by a leader, by the lost-worker rule: the row is the end, whatever else it says.
        (DispatchState(SUCCEEDED, "w1@a", None, ago(1)), FollowStep.ENDED),
        (DispatchState(INTERRUPTED, "w1@a", None, ago(600)), FollowStep.ENDED),
        (DispatchState(INTERRUPTED, None, "cli:alice", None), FollowStep.ENDED),
        # Not claimed: still in the broker (or just sent again); a worker will claim it, however long it waits.
        (DispatchState(RUNNING, None, None, None), FollowStep.WAIT),
        (DispatchState(RUNNING, None, "cli:alice", None), FollowStep.CANCEL_UNCLAIMED),
        # Claimed: followed while its worker beats, lost after LOST_AFTER of silence counted from the last beat.
        (DispatchState(RUNNING, "w1@a", None, ago(0)), FollowStep.WAIT),
        (DispatchState(RUNNING, "w1@a", None, ago(15)), FollowStep.WAIT),
        (DispatchState(RUNNING, "w1@a", None, ago(15.001)), FollowStep.INTERRUPT_LOST),
        (DispatchState(RUNNING, "w1@a", None, ago(3600)), FollowStep.INTERRUPT_LOST),
        (DispatchState(RUNNING, "w1@a", None, None), FollowStep.INTERRUPT_LOST),
        # A cancel of a claimed run is the worker's to carry out: the leader only watches its heartbeat.
        (DispatchState(RUNNING, "w1@a", "cli:alice", ago(1)), FollowStep.WAIT),
        # A leader claimed it to end it and stopped before writing the end.
        (DispatchState(RUNNING, LEADER_CLAIM, "cli:alice", None), FollowStep.FINISH_LEADER_ENDING),
        (DispatchState(RUNNING, LEADER_CLAIM, None, None), FollowStep.FINISH_LEADER_ENDING),
    ],
)
def test_next_step(state: DispatchState, step: FollowStep) -> None:
    assert next_step(state, now=NOW, lost_after=LOST_AFTER) is step


@pytest.mark.parametrize(
    ("state", "send"),
    [
        (DispatchState(RUNNING, None, None, None), True),  # queued, or never sent: either way, send again
        (DispatchState(RUNNING, "w1@a", None, ago(1)), False),  # its worker has it
        (DispatchState(RUNNING, LEADER_CLAIM, None, None), False),  # a leader is ending it
        (DispatchState(RUNNING, None, "cli:alice", None), False),  # cancelled: ended, never sent
        (DispatchState(SUCCEEDED, "w1@a", None, ago(1)), False),
    ],
)
def test_which_runs_found_at_takeover_are_sent_again(state: DispatchState, send: bool) -> None:
    assert needs_sending(state) is send


@pytest.mark.parametrize(
    ("counted_from", "step"),
    [
        (None, FollowStep.INTERRUPT_LOST),  # 20 s of silence
        (ago(1), FollowStep.WAIT),  # taken over, or read again after an outage, 1 s ago: the worker may beat yet
        (ago(15), FollowStep.WAIT),
        (ago(15.001), FollowStep.INTERRUPT_LOST),  # and still silent 15 s later
    ],
)
def test_silence_before_a_take_over_or_an_outage_the_leader_saw_does_not_count(
    counted_from: datetime | None, step: FollowStep
) -> None:
    state = DispatchState(RUNNING, "w1@a", None, ago(20))
    assert next_step(state, now=NOW, lost_after=LOST_AFTER, counted_from=counted_from) is step


@pytest.mark.parametrize(
    ("heartbeat", "counted_from"),
    [
        (ago(40), NOW),  # beat 10 s before the leader went blind (50 s ago): it was cut off too, maybe
        (ago(65), NOW),
        (ago(65.001), None),  # silent for the whole bound before the outage began: lost already
        (None, None),
    ],
)
def test_after_an_outage_only_a_worker_heard_from_before_it_gets_the_grace(
    heartbeat: datetime | None, counted_from: datetime | None
) -> None:
    assert silence_counted_from(heartbeat, blind_since=ago(50), now=NOW, lost_after=LOST_AFTER) == counted_from


def test_a_naive_heartbeat_from_sqlite_is_read_as_utc() -> None:
    naive = ago(20).replace(tzinfo=None)
    assert silent(naive, since=ago(15))
    assert not silent(ago(10).replace(tzinfo=None), since=ago(15))
