from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta

import pytest

from core.clock import utc_now
from core.events import RunFailed, RunsMissed
from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from tests.core.engine.conftest import EngineFactory, Recorder, job
from tests.support.clock import ManualClock
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow


async def test_it_runs_an_interval_job_and_persists_the_next_run_time(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    await engine.add_job(job("tick", schedule={"interval": "1s"}), actor=None)
    first_due = engine.next_fire("tick")

    async def succeeded() -> bool:
        runs = await engine.runs.recent("tick")
        return bool(runs) and runs[0].status is RunStatus.SUCCEEDED

    await eventually(succeeded, within=15)

    [run] = (await engine.runs.recent("tick"))[:1]
    assert run.trigger is RunTrigger.SCHEDULE and run.scheduled_at == first_due
    stored = await engine.jobs.require("tick")
    assert first_due is not None and stored.next_run_time == first_due + timedelta(seconds=1)


async def test_it_catches_up_once_within_grace_and_records_older_misses(
    db: Database, make_engine: EngineFactory
) -> None:
    clock = ManualClock(utc_now())
    writer = make_engine(clock=clock)
    await writer.start()
    await writer.add_job(job("every-minute", schedule={"interval": "1m"}), actor=None)
    await writer.shutdown()
    # The process was down for 3.5 minutes after the job was due.
    due = clock.now - timedelta(minutes=3, seconds=30)
    await writer.jobs.set_next_run_time("every-minute", due)

    engine = make_engine(clock=clock, misfire_grace=timedelta(minutes=2))
    recorder = Recorder(engine.events)
    await engine.start()

    runs = await engine.runs.recent("every-minute")
    missed = sorted(r.scheduled_at for r in runs if r.status is RunStatus.MISSED)  # type: ignore[type-var]
    # Older than the grace: missed; within it, before the one catch-up run: recorded as coalesced into it.
    assert missed == [due, due + timedelta(minutes=1), due + timedelta(minutes=2)]
    coalesced = [r for r in runs if r.error_message and "coalesced into the catch-up run" in r.error_message]
    assert [r.scheduled_at for r in coalesced] == [due + timedelta(minutes=2)]
    [caught_up] = [r for r in runs if r.status is not RunStatus.MISSED]
    assert caught_up.scheduled_at == due + timedelta(minutes=3) and caught_up.trigger is RunTrigger.SCHEDULE
    assert engine.next_fire("every-minute") == due + timedelta(minutes=4)
    assert (await engine.jobs.require("every-minute")).next_run_time == due + timedelta(minutes=4)
    await engine.events.drain()
    assert [event.count for event in recorder.of(RunsMissed)] == [2]


async def test_it_only_records_misses_older_than_the_grace(make_engine: EngineFactory) -> None:
    clock = ManualClock(utc_now())
    # Daily, half an hour from now: its last fire time was long ago, the next is not yet due.
    soon = clock.now + timedelta(minutes=30)
    engine = make_engine(clock=clock)
    await engine.add_job(job("nightly", schedule={"cron": f"{soon.minute} {soon.hour} * * *"}), actor=None)
    await engine.jobs.set_next_run_time("nightly", clock.now - timedelta(hours=1))

    await engine.start()

    [run] = await engine.runs.recent("nightly")
    assert run.status is RunStatus.MISSED and run.scheduled_at == clock.now - timedelta(hours=1)
    next_fire = engine.next_fire("nightly")
    assert next_fire is not None and next_fire > clock.now


async def test_it_marks_runs_of_a_killed_process_as_interrupted(db: Database, make_engine: EngineFactory) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.engine_process",
        db.url,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), timeout=20)
    run_id = int(line.decode().split()[1])
    child.send_signal(signal.SIGKILL)
    await child.wait()
    assert (await make_engine().runs.get(run_id)).status is RunStatus.RUNNING

    engine = make_engine()
    recorder = Recorder(engine.events)
    await engine.start()

    run = await engine.runs.get(run_id)
    assert run.status is RunStatus.INTERRUPTED and run.finished_at is not None
    await engine.events.drain()
    assert [event.run.id for event in recorder.of(RunFailed)] == [run_id]


async def test_a_pause_survives_a_restart(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    await engine.add_job(job("report"), actor=None)
    await engine.pause_job("report", actor="U_ALICE")
    assert engine.next_fire("report") is None
    await engine.shutdown()

    restarted = make_engine()
    await restarted.start()

    stored = await restarted.jobs.require("report")
    assert stored.paused and stored.paused_by == "U_ALICE"
    assert restarted.next_fire("report") is None
    await restarted.resume_job("report", actor="U_BOB")
    assert restarted.next_fire("report") is not None


async def test_shutdown_lets_short_runs_finish_and_interrupts_long_ones(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    await engine.add_job(job("short", kwargs={"seconds": 0.2}), actor=None)
    await engine.add_job(job("long", kwargs={"seconds": 30}), actor=None)
    short = await engine.run_now("short", actor=None)
    long = await engine.run_now("long", actor=None)

    await engine.shutdown(grace=timedelta(seconds=1))

    assert (await engine.runs.get(short.run.id)).status is RunStatus.SUCCEEDED
    interrupted = await engine.runs.get(long.run.id)
    assert interrupted.status is RunStatus.INTERRUPTED
    assert "shut down" in (interrupted.error_message or "")
    assert not engine.running


async def test_an_owed_retry_survives_a_restart_and_runs_once(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.add_job(job("owed", target="tests.support.tasks:boom", kwargs={}), actor=None)
    failed = await (await engine.run_now("owed", actor=None)).wait()
    await engine.runs.set_retry_at(failed.id, engine.clock() + timedelta(seconds=0.2))

    first, second = make_engine(), make_engine()
    await asyncio.gather(first.start(), second.start())

    async def retried() -> bool:
        retries = [r for r in await first.runs.recent("owed") if r.trigger is RunTrigger.RETRY]
        return bool(retries) and retries[0].status.is_finished

    await eventually(retried, within=15)
    await asyncio.sleep(0.2)  # room for the second engine's duplicate retry, were it to start one

    retries = [r for r in await first.runs.recent("owed") if r.trigger is RunTrigger.RETRY]
    assert len(retries) == 1 and retries[0].retry_of == failed.id


async def test_job_changes_are_reflected_in_the_schedule_at_once(make_engine: EngineFactory) -> None:
    clock = ManualClock(utc_now())
    engine = make_engine(clock=clock)
    await engine.start()
    await engine.add_job(job("sync", schedule={"interval": "10m"}), actor="U_ALICE")
    assert engine.next_fire("sync") == clock.now + timedelta(minutes=10)

    await engine.update_job(job("sync", schedule={"interval": "30m"}), actor="U_ALICE")
    assert engine.next_fire("sync") == clock.now + timedelta(minutes=30)
    assert (await engine.jobs.require("sync")).next_run_time == clock.now + timedelta(minutes=30)

    await (await engine.run_now("sync", actor=None)).wait()
    await engine.remove_job("sync", actor="U_ALICE")
    assert engine.next_fire("sync") is None and await engine.jobs.get("sync") is None
    assert len(await engine.runs.recent("sync")) == 1


async def test_housekeeping_deletes_runs_older_than_the_retention(make_engine: EngineFactory) -> None:
    clock = ManualClock(utc_now())
    engine = make_engine(clock=clock, run_retention=timedelta(days=30))
    await engine.add_job(job("old"), actor=None)
    await (await engine.run_now("old", actor=None)).wait()
    clock.advance(timedelta(days=31))
    recent = await (await engine.run_now("old", actor=None)).wait()
    await engine.jobs.set_paused("old", True, actor=None, now=clock.now)  # no catch-up rows in the way

    await engine.start()
    await asyncio.sleep(0.1)

    assert [run.id for run in await engine.runs.recent("old")] == [recent.id]
