"""The leader's stalled-queue check: each episode announced once, its end once, across checks and leaders."""

from __future__ import annotations

from datetime import timedelta

from core.events import EventBus, QueueRecovered, QueueStalled
from core.execution.queue_watch import QueueWatch
from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.queue_alerts_store import QueueAlertStore
from core.storage.runs_store import NewRun, RunStore
from core.storage.workers_store import WorkerInfo, WorkerStore
from tests.core.engine.conftest import Recorder
from tests.support.clock import ManualClock

BOUND = timedelta(seconds=30)


async def send(db: Database, clock: ManualClock, queue: str, job_id: str = "report") -> int:
    [run] = await RunStore(db).add_many(
        [NewRun(job_id, RunTrigger.MANUAL, RunStatus.RUNNING, queue=queue)], now=clock.now
    )
    assert run is not None
    return run.id


def watch(db: Database, clock: ManualClock) -> tuple[QueueWatch, Recorder, EventBus]:
    events = EventBus()
    return QueueWatch(db, events, clock=clock, wait_bound=BOUND), Recorder(events), events


async def test_a_stalled_queue_is_announced_once_however_often_it_is_checked(db: Database, clock: ManualClock) -> None:
    check, seen, events = watch(db, clock)
    await WorkerStore(db).register(WorkerInfo("w@h", "h", 1, ("served",), 1, clock.now, clock.now))
    await send(db, clock, "reports")
    await send(db, clock, "reports", "other")
    await send(db, clock, "served")
    assert await check.check() == []  # not waiting long enough yet
    clock.advance(BOUND + timedelta(seconds=1))
    await WorkerStore(db).beat("w@h", now=clock.now, broker_lost_at=None)
    for _ in range(5):
        stalled = await check.check()
    assert [(w.queue, w.runs) for w in stalled] == [("reports", 2)]  # "served" has an online worker: busy
    await events.drain()
    assert [(e.queue, e.waiting) for e in seen.of(QueueStalled)] == [("reports", 2)]
    assert seen.of(QueueRecovered) == []


async def test_a_worker_for_the_queue_ends_the_episode_and_a_new_stall_is_a_new_one(
    db: Database, clock: ManualClock
) -> None:
    check, seen, events = watch(db, clock)
    run_id = await send(db, clock, "reports")
    clock.advance(BOUND * 2)
    await check.check()
    await WorkerStore(db).register(WorkerInfo("r@h", "h", 1, ("reports",), 1, clock.now, clock.now))
    assert await check.check() == []
    assert await check.check() == []
    assert await RunStore(db).claim(run_id, worker="r@h", now=clock.now)
    await WorkerStore(db).stopped("r@h", now=clock.now)
    await send(db, clock, "reports")
    clock.advance(BOUND * 2)
    await check.check()
    await events.drain()
    assert [type(e).__name__ for e in seen.events] == ["QueueStalled", "QueueRecovered", "QueueStalled"]


async def test_a_new_leader_repeats_no_alert_and_ends_the_episode_its_predecessor_left(
    db: Database, clock: ManualClock
) -> None:
    old, old_seen, old_events = watch(db, clock)
    await send(db, clock, "reports")
    clock.advance(BOUND * 2)
    await old.check()
    new, new_seen, new_events = watch(db, clock)
    await new.check()  # still stalled: the old leader announced it already
    # The new leader's take-over interrupts the runs left running (core.engine.Engine.start).
    await RunStore(db).interrupt_running(now=clock.now, message="schedops stopped while this run was in progress")
    await new.check()
    await old_events.drain()
    await new_events.drain()
    assert [type(e).__name__ for e in old_seen.events] == ["QueueStalled"]
    assert [type(e).__name__ for e in new_seen.events] == ["QueueRecovered"]
    assert await QueueAlertStore(db).open_queues() == set()
