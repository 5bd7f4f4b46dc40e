"""Workers and the queues they consume: when a worker counts as online, and when a queue counts as stalled.
Pure: every moment is passed in.

A `schedops worker` beats every ``WORKER_BEAT_EVERY`` (schedops.worker.presence). It is *online* while its
last beat is within ``WORKER_ONLINE_WITHIN``, it has not said it stopped and it is not cut off from its broker:
three beats may be lost (a busy database) before it counts as gone. A worker whose broker connection is down
still beats (its process lives) but takes no runs, so it is offline until it reconnects. A row silent for
``WORKER_FORGOTTEN_AFTER`` is deleted.

A run sent to a queue is *waiting* while it is still running, unclaimed, ``WAIT_BOUND`` after it was
recorded: a free worker claims a run within milliseconds, so only a queue without a worker, or with every
worker busy, keeps one waiting that long. A queue with waiting runs and no online worker consuming it is
*stalled*: nothing will ever take those runs until a worker for it starts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WORKER_BEAT_EVERY = timedelta(seconds=5)
WORKER_ONLINE_WITHIN = timedelta(seconds=15)
WORKER_FORGOTTEN_AFTER = timedelta(days=1)
WAIT_BOUND = timedelta(seconds=30)


def is_online(
    heartbeat_at: datetime, stopped_at: datetime | None, broker_lost_at: datetime | None, *, now: datetime
) -> bool:
    """Whether a worker that last beat at ``heartbeat_at`` counts as online at ``now``."""
    return stopped_at is None and broker_lost_at is None and heartbeat_at >= now - WORKER_ONLINE_WITHIN


@dataclass(frozen=True, slots=True)
class QueueWait:
    """``runs`` runs have waited on ``queue`` past the bound, the oldest since ``since``."""

    queue: str
    runs: int
    since: datetime


def stalled_queues(waits: Iterable[QueueWait], served: Collection[str]) -> list[QueueWait]:
    """The queues among ``waits`` that no online worker consumes (``served``: the queues online workers
    consume), by name."""
    return sorted((wait for wait in waits if wait.queue not in served), key=lambda wait: wait.queue)
