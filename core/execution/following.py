"""What a leader does about a run dispatched to workers, decided from the run's row and the time alone.

The same rule serves a run this leader sent and a run it adopted from a previous leader (after a restart or a
failover): whoever follows a run reads its row every poll and takes the step this module names. Silence is
counted from the worker's last heartbeat, or from a moment the leader could not see what the worker did: a
take-over (the last leader may have lost its lease in a database outage that cut the workers off too, on
PostgreSQL after 2 s), or the end of an outage the leader saw while following.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from core.storage.runs_store import DispatchState

# The claim a leader takes on a run it ends before any worker took it (cancelled, or never sent): taken like a
# worker's, so no later delivery of the run's message can start it.
LEADER_CLAIM = "leader (ended before a worker took it)"


class FollowStep(StrEnum):
    ENDED = "ended"  # the row holds the run's end: announce it
    WAIT = "wait"  # in the broker (a worker will claim it), or claimed by a worker that beats: read again
    CANCEL_UNCLAIMED = "cancel_unclaimed"  # cancelled before any worker took it: end it here
    INTERRUPT_LOST = "interrupt_lost"  # its worker fell silent: mark it interrupted (retried per policy)
    FINISH_LEADER_ENDING = "finish_leader_ending"  # a leader claimed it to end it, and stopped before writing


def next_step(
    state: DispatchState, *, now: datetime, lost_after: timedelta, counted_from: datetime | None = None
) -> FollowStep:
    """``counted_from``: silence before it does not count (a take-over, or the end of an outage this leader saw
    too: see ``silence_counted_from``)."""
    if state.status.is_finished:
        return FollowStep.ENDED
    if state.claimed_by is None:
        return FollowStep.WAIT if state.cancel_requested_by is None else FollowStep.CANCEL_UNCLAIMED
    if state.claimed_by == LEADER_CLAIM:
        return FollowStep.FINISH_LEADER_ENDING
    since = now - lost_after
    if counted_from is not None and counted_from >= since:
        return FollowStep.WAIT
    return FollowStep.INTERRUPT_LOST if silent(state.heartbeat_at, since=since) else FollowStep.WAIT


def silence_counted_from(
    heartbeat_at: datetime | None, *, blind_since: datetime, now: datetime, lost_after: timedelta
) -> datetime | None:
    """After this leader could not read the database from ``blind_since`` until ``now``: its worker may have
    been cut off as long (an outage is everyone's), so its silence counts from ``now``; but only if it had
    beaten within ``lost_after`` before the outage began. A worker lost already gets no grace, so that repeated
    short outages never keep a dead worker's run alive."""
    return None if silent(heartbeat_at, since=blind_since - lost_after) else now


def needs_sending(state: DispatchState) -> bool:
    """Whether a run found at take-over should be sent (again): running, unclaimed and not cancelled. Its
    message may still be queued or may never have been sent (the previous leader stopped between recording
    and sending), and no column tells the two apart; sending again under the same task id is safe either way,
    because only one delivery can claim the run."""
    return not state.status.is_finished and state.claimed_by is None and state.cancel_requested_by is None


def silent(heartbeat_at: datetime | None, *, since: datetime) -> bool:
    """No heartbeat at or after ``since`` (SQLite hands back naive times; every stored time is UTC)."""
    if heartbeat_at is None:
        return True
    return (heartbeat_at if heartbeat_at.tzinfo else heartbeat_at.replace(tzinfo=since.tzinfo)) < since
