"""The workers registry and the runs waiting on queues, on SQLite and PostgreSQL, with the clock passed in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.execution.workers import (
    WORKER_FORGOTTEN_AFTER,
    WORKER_ONLINE_WITHIN,
    QueueWait,
    is_online,
    stalled_queues,
)
from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import NewRun, RunStore
from core.storage.workers_store import WorkerInfo, WorkerStore
from tests.support.clock import ManualClock

SECOND = timedelta(seconds=1)


def worker(name: str, clock: ManualClock, *queues: str) -> WorkerInfo:
    return WorkerInfo(name, "host-1", 4242, queues or ("schedops",), 2, clock.now, clock.now)


@pytest.mark.parametrize(
    ("silent_for", "stopped", "cut_off", "online"),
    [
        (timedelta(0), False, False, True),
        (WORKER_ONLINE_WITHIN, False, False, True),
        (WORKER_ONLINE_WITHIN + SECOND, False, False, False),
        (timedelta(0), True, False, False),  # a clean shutdown is offline at once
        (timedelta(0), False, True, False),  # beating, but no run can reach it
    ],
)
def test_a_worker_is_online_while_it_beats_has_not_stopped_and_holds_its_broker_connection(
    silent_for: timedelta, stopped: bool, cut_off: bool, online: bool, clock: ManualClock
) -> None:
    beat = clock.now
    assert is_online(beat, beat if stopped else None, beat if cut_off else None, now=beat + silent_for) is online


def test_a_queue_is_stalled_only_when_no_online_worker_consumes_it(clock: ManualClock) -> None:
    waits = [QueueWait("reports", 3, clock.now), QueueWait("db", 1, clock.now), QueueWait("busy", 9, clock.now)]
    assert [w.queue for w in stalled_queues(waits, {"busy", "other"})] == ["db", "reports"]
    assert stalled_queues([], set()) == []


async def test_a_worker_registers_beats_stops_and_is_forgotten_after_a_day(db: Database, clock: ManualClock) -> None:
    store = WorkerStore(db)
    await store.register(worker("a@h", clock, "db", "reports"))
    await store.register(worker("b@h", clock))
    assert await store.served_queues(now=clock.now) == {"db", "reports", "schedops"}

    clock.advance(WORKER_ONLINE_WITHIN + SECOND)
    assert await store.beat("a@h", now=clock.now, broker_lost_at=None)
    assert await store.served_queues(now=clock.now) == {"db", "reports"}  # b fell silent
    [a, b] = await store.view(now=clock.now)
    assert (a.name, a.online(clock.now), b.name, b.online(clock.now)) == ("a@h", True, "b@h", False)

    await store.stopped("a@h", now=clock.now)
    assert await store.served_queues(now=clock.now) == set()
    [a, _b] = await store.view(now=clock.now)
    assert a.stopped_at == clock.now and not a.online(clock.now)

    clock.advance(WORKER_FORGOTTEN_AFTER + SECOND)
    assert await store.view(now=clock.now) == []
    assert not await store.beat("a@h", now=clock.now, broker_lost_at=None)  # forgotten: the worker registers again


async def test_a_worker_cut_off_from_its_broker_serves_no_queue_until_a_beat_says_it_is_back(
    db: Database, clock: ManualClock
) -> None:
    store = WorkerStore(db)
    await store.register(worker("a@h", clock, "db"))
    lost_at = clock.now
    clock.advance(2)
    assert await store.beat("a@h", now=clock.now, broker_lost_at=lost_at)
    [a] = await store.view(now=clock.now)
    assert (a.broker_lost_at, a.heartbeat_at, a.online(clock.now)) == (lost_at, clock.now, False)
    assert await store.served_queues(now=clock.now) == set()

    clock.advance(2)
    assert await store.beat("a@h", now=clock.now, broker_lost_at=None)
    [a] = await store.view(now=clock.now)
    assert (a.broker_lost_at, a.online(clock.now)) == (None, True)
    assert await store.served_queues(now=clock.now) == {"db"}


async def test_a_worker_restarted_under_its_name_takes_over_its_row(db: Database, clock: ManualClock) -> None:
    store = WorkerStore(db)
    await store.register(worker("a@h", clock, "old"))
    await store.stopped("a@h", now=clock.now)
    clock.advance(60)
    await store.register(worker("a@h", clock, "new"))
    [row] = await store.view(now=clock.now)
    assert (row.queues, row.stopped_at, row.online(clock.now)) == (("new",), None, True)


async def test_the_view_lists_the_most_recently_heard_from(db: Database, clock: ManualClock) -> None:
    store = WorkerStore(db)
    for number in range(5):
        await store.register(worker(f"w{number}@h", clock))
        clock.advance(1)
    assert [w.name for w in await store.view(now=clock.now, limit=3)] == ["w4@h", "w3@h", "w2@h"]


async def test_runs_waiting_on_queues_are_counted_per_queue(db: Database, clock: ManualClock) -> None:
    runs = RunStore(db)
    start = clock.now

    def sent(job_id: str, queue: str | None) -> NewRun:
        return NewRun(job_id, RunTrigger.MANUAL, RunStatus.RUNNING, queue=queue)

    recorded = await runs.add_many(
        [sent("a", "reports"), sent("b", "reports"), sent("c", "db"), sent("local", None)], now=start
    )
    clock.advance(30)
    fresh = await runs.add_many([sent("d", "reports")], now=clock.now)  # sent just now: not waiting yet
    claimed, ended = recorded[2], recorded[1]
    assert claimed is not None and ended is not None and fresh[0] is not None
    assert await runs.claim(claimed.id, worker="w@h", now=clock.now)
    await runs.interrupt_running(now=clock.now, message="gone", ids=[ended.id])

    waits = await runs.waiting_by_queue(older_than=clock.now - timedelta(seconds=10))
    assert waits == [QueueWait("reports", 1, start)]
