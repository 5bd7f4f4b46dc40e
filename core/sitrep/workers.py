"""The sitrep's Workers section: the registry's workers, each with the runs it executes now, and the queues
with runs waiting. Reading is two small queries (the registry); assembling is pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.execution.workers import QueueWait
from core.sitrep.model import RunningRun, WaitingQueue, WorkerLine, WorkersOverview
from core.storage.workers_store import WorkerInfo, WorkerStore


@dataclass(frozen=True, slots=True)
class Workers:
    """What the registry says at a moment: the workers to list, and every queue an online worker consumes
    (from all online workers, not only those listed)."""

    listed: list[WorkerInfo]
    served: frozenset[str]


async def workers_now(store: WorkerStore, *, now: datetime, dispatching: bool) -> Workers | None:
    """The registry at ``now``; None when runs do not go to workers (``dispatching`` false) and no worker has
    registered in the last day: then there is no section to show."""
    listed = await store.view(now=now)
    if not listed and not dispatching:
        return None
    served = frozenset(await store.served_queues(now=now)) if listed else frozenset()
    return Workers(listed, served)


def workers_overview(
    workers: Workers, running: Sequence[RunningRun], waits: Sequence[QueueWait], *, now: datetime
) -> WorkersOverview:
    """Online workers first, then by name; each with its runs (oldest first) from ``running``."""
    by_worker: defaultdict[str, list[RunningRun]] = defaultdict(list)
    for run in running:
        if run.worker is not None:
            by_worker[run.worker].append(run)
    lines = [_line(info, by_worker.get(info.name, []), now) for info in workers.listed]
    lines.sort(key=lambda line: (not line.online, line.name))
    waiting = [WaitingQueue(queue=w.queue, runs=w.runs, since=w.since, served=w.queue in workers.served) for w in waits]
    return WorkersOverview(workers=lines, waiting=waiting)


def _line(info: WorkerInfo, running: list[RunningRun], now: datetime) -> WorkerLine:
    return WorkerLine(
        name=info.name,
        host=info.host,
        pid=info.pid,
        queues=list(info.queues),
        concurrency=info.concurrency,
        online=info.online(now),
        started_at=info.started_at,
        last_seen=info.heartbeat_at,
        stopped_at=info.stopped_at,
        broker_lost_at=info.broker_lost_at,
        running=running,
    )
