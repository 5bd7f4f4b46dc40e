"""The sitrep's Workers section and the queue_unserved rule through the database (SQLite and PostgreSQL),
as every door reads it (application.reads), and in the terminal."""

from __future__ import annotations

from application import reads
from core.config import Settings, load_settings
from core.executors.progress import ProgressReport
from core.runs import RunStatus, RunTrigger
from core.sitrep import HealthLevel, ReasonCode, render_sitrep
from core.storage.database import Database
from core.storage.runs_store import NewRun, RunStore
from core.storage.workers_store import WorkerInfo, WorkerStore
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock


def settings(db: Database, execution: str = "celery") -> Settings:
    environ = {"DATABASE_URL": db.url, "SCHEDOPS_EXECUTION": execution}
    if execution == "celery":
        environ["SCHEDOPS_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    return load_settings(environ, env_file=None)


async def send(db: Database, job_id: str, queue: str, *, at: ManualClock) -> int:
    [run] = await RunStore(db).add_many(
        [NewRun(job_id, RunTrigger.SCHEDULE, RunStatus.RUNNING, queue=queue)], now=at.now
    )
    assert run is not None
    return run.id


async def test_workers_their_runs_and_a_queue_nobody_consumes(seed: Seed, db: Database, clock: ManualClock) -> None:
    await seed.job("backup", queue="db")
    await seed.job("report", queue="reports")
    workers, runs = WorkerStore(db), RunStore(db)
    clock.advance(-120)
    waiting = await send(db, "report", "reports", at=clock)
    backup = await send(db, "backup", "db", at=clock)
    await workers.register(WorkerInfo("w1@db-host", "db-host", 11, ("db",), 2, clock.now, clock.now))
    await workers.register(WorkerInfo("w2@app-host", "app-host", 22, ("reports",), 1, clock.now, clock.now))
    await workers.stopped("w2@app-host", now=clock.now)
    assert await runs.claim(backup, worker="w1@db-host", now=clock.now)
    clock.advance(120)
    await workers.beat("w1@db-host", now=clock.now, broker_lost_at=None)
    assert await runs.beat(backup, now=clock.now, progress=ProgressReport(0.4, "copying table 3/7"))

    sitrep = await reads.sitrep(db, settings(db), now=clock.now, scheduler_running=True)

    assert sitrep.health.level is HealthLevel.DEGRADED
    [reason] = [r for r in sitrep.health.reasons if r.code is ReasonCode.QUEUE_UNSERVED]
    assert reason.text == "Queue reports has 1 run waiting for 2m: no online worker consumes it."
    assert sitrep.workers is not None
    [w1, w2] = sitrep.workers.workers
    assert (w1.name, w1.online, w1.queues) == ("w1@db-host", True, ["db"])
    [run] = w1.running
    assert (run.run_id, run.job_id, run.progress, run.progress_text) == (backup, "backup", 0.4, "copying table 3/7")
    assert (w2.name, w2.online, w2.running) == ("w2@app-host", False, [])
    [queue] = sitrep.workers.waiting
    assert (queue.queue, queue.runs, queue.served) == ("reports", 1, False)
    assert waiting not in {r.run_id for w in sitrep.workers.workers for r in w.running}

    text = render_sitrep(sitrep)
    assert "Workers (1 online of 2)" in text
    assert "  queue reports: 1 run(s) waiting since 2026-11-22 11:58, NO ONLINE WORKER consumes it" in text
    assert "  w1@db-host on db-host pid 11, queues db: online\n" in text
    assert f"    run #{backup} backup  40% copying table 3/7" in text
    assert "  w2@app-host on app-host pid 22, queues reports: offline (stopped 2026-11-22 11:58)" in text


async def test_a_worker_cut_off_from_its_broker_leaves_its_queue_unserved_and_says_since_when(
    seed: Seed, db: Database, clock: ManualClock
) -> None:
    await seed.job("backup", queue="db")
    workers = WorkerStore(db)
    clock.advance(-120)
    await send(db, "backup", "db", at=clock)
    await workers.register(WorkerInfo("w1@db-host", "db-host", 11, ("db",), 2, clock.now, clock.now))
    lost_at = clock.now
    clock.advance(120)
    await workers.beat("w1@db-host", now=clock.now, broker_lost_at=lost_at)

    sitrep = await reads.sitrep(db, settings(db), now=clock.now, scheduler_running=True)

    assert sitrep.health.level is HealthLevel.DEGRADED
    [reason] = [r for r in sitrep.health.reasons if r.code is ReasonCode.QUEUE_UNSERVED]
    assert reason.text == "Queue db has 1 run waiting for 2m: no online worker consumes it."
    assert sitrep.workers is not None
    [w1] = sitrep.workers.workers
    assert (w1.online, w1.broker_lost_at, w1.last_seen) == (False, lost_at, clock.now)
    text = render_sitrep(sitrep)
    assert (
        "  w1@db-host on db-host pid 11, queues db: offline (cut off from its broker since 2026-11-22 11:58,"
        " last seen 2026-11-22 12:00)"
    ) in text


async def test_a_busy_worker_on_the_queue_is_no_reason_to_degrade(seed: Seed, db: Database, clock: ManualClock) -> None:
    await seed.job("report", queue="reports")
    await WorkerStore(db).register(WorkerInfo("w@h", "h", 1, ("reports",), 1, clock.now, clock.now))
    clock.advance(-300)
    await send(db, "report", "reports", at=clock)
    clock.advance(300)
    await WorkerStore(db).beat("w@h", now=clock.now, broker_lost_at=None)

    sitrep = await reads.sitrep(db, settings(db), now=clock.now, scheduler_running=True)

    assert sitrep.health.level is HealthLevel.HEALTHY
    assert sitrep.workers is not None and [w.served for w in sitrep.workers.waiting] == [True]
    assert "every worker on it busy" in render_sitrep(sitrep)


async def test_the_section_shows_with_celery_or_with_a_registered_worker(
    seed: Seed, db: Database, clock: ManualClock
) -> None:
    await seed.job("backup")
    local = await reads.sitrep(db, settings(db, "local"), now=clock.now, scheduler_running=True)
    assert local.workers is None and "Workers" not in render_sitrep(local)

    celery = await reads.sitrep(db, settings(db), now=clock.now, scheduler_running=True)
    assert celery.workers is not None and celery.workers.workers == []
    assert "no worker has registered" in render_sitrep(celery)

    await WorkerStore(db).register(WorkerInfo("w@h", "h", 1, ("schedops",), 1, clock.now, clock.now))
    registered = await reads.sitrep(db, settings(db, "local"), now=clock.now, scheduler_running=True)
    assert registered.workers is not None and [w.name for w in registered.workers.workers] == ["w@h"]
    # Nothing waits here: a queue's runs wait only when they were sent to it.
    assert registered.health.level is HealthLevel.HEALTHY
