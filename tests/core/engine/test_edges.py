"""Edges found in review: each of these once ran a job twice, never, or left a run hanging."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from core.clock import utc_now
from core.engine import JobExistsError
from core.engine.runner import RunRequest
from core.events import RunFailed
from core.executors.shell import job_environment
from core.jobs.sync import sync_jobs
from core.runs import RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import RunStore
from tests.core.engine.conftest import EngineFactory, Recorder, job
from tests.support.eventually import eventually
from tests.support.flaky import fail_first

pytestmark = pytest.mark.slow


async def _finished_runs(engine, job_id: str, count: int) -> list:  # type: ignore[no-untyped-def]
    async def finished() -> list:  # type: ignore[type-arg]
        runs = [r for r in await engine.runs.recent(job_id) if r.status.is_finished]
        return runs if len(runs) >= count else []

    return await eventually(finished, within=15)


async def test_a_one_time_job_runs_once_across_restarts_and_updates(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    soon = (utc_now() + timedelta(seconds=1)).isoformat()
    await engine.add_job(job("launch", schedule={"at": soon}), actor=None)
    assert len(await _finished_runs(engine, "launch", 1)) == 1
    await engine.update_job(job("launch", schedule={"at": soon}, name="Launch"), actor=None)
    await engine.shutdown()

    for _ in range(2):
        restarted = make_engine()
        await restarted.start()
        await asyncio.sleep(0.3)
        await restarted.shutdown()

    assert len(await engine.runs.recent("launch")) == 1


async def test_a_zero_grace_job_still_runs_when_fired_live(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    await engine.add_job(job("strict", schedule={"interval": "1s"}, misfire_grace="0s"), actor=None)

    [run] = (await _finished_runs(engine, "strict", 1))[:1]

    assert run.status is RunStatus.SUCCEEDED and run.trigger is RunTrigger.SCHEDULE


async def test_a_briefly_failing_database_does_not_leave_a_run_hanging(
    make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine()
    await engine.add_job(job("steady"), actor=None)
    locked = OperationalError("UPDATE runs", {}, Exception("database is locked"))
    fail_first(monkeypatch, RunStore, "finish", locked, times=2)

    final = await asyncio.wait_for((await engine.run_now("steady", actor=None)).wait(), timeout=10)

    assert final.status is RunStatus.SUCCEEDED


async def test_a_changed_schedule_in_the_jobs_file_is_scheduled_anew(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await sync_jobs(engine.jobs, [job("report", schedule={"interval": "1h"})], now=utc_now())
    await engine.jobs.set_next_run_time("report", utc_now() - timedelta(days=3))

    await sync_jobs(engine.jobs, [job("report", schedule={"cron": "0 9 * * 1"})], now=utc_now())
    await engine.start()

    assert await engine.runs.recent("report") == []  # no catch-up on the old schedule's fire times
    next_fire = engine.next_fire("report")
    assert next_fire is not None and next_fire.weekday() == 0 and next_fire > utc_now()


async def test_a_dropped_retry_makes_the_failure_final(make_engine: EngineFactory) -> None:
    engine = make_engine()
    recorder = Recorder(engine.events)
    await engine.start()
    soon = (utc_now() + timedelta(seconds=1)).isoformat()
    spec = job(
        "flaky", target="tests.support.tasks:boom", kwargs={}, schedule={"at": soon}, retries={"max": 2, "backoff": 0.3}
    )
    await engine.add_job(spec, actor=None)
    await _finished_runs(engine, "flaky", 1)
    await engine.pause_job("flaky", actor="U_ALICE")

    async def both_failures_told() -> bool:  # the retry, due 0.3 s after the failure, finds the job paused
        await engine.events.drain()
        return len(recorder.of(RunFailed)) >= 2

    await eventually(both_failures_told)
    assert [event.final for event in recorder.of(RunFailed)] == [False, True]
    assert len(await engine.runs.recent("flaky")) == 1


async def test_a_failure_during_shutdown_keeps_its_retry_owed(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    spec = job(
        "late", target="tests.support.tasks:nap_then_fail", kwargs={"seconds": 0.3}, retries={"max": 1, "backoff": "1m"}
    )
    await engine.add_job(spec, actor=None)
    # A scheduled run, started as APScheduler's fire would start it, fails while the engine is stopping.
    started = await engine._runner.start(RunRequest(spec, RunTrigger.SCHEDULE))
    await engine.shutdown(grace=timedelta(seconds=2))

    failed = await engine.runs.get(started.run.id)
    assert failed.status is RunStatus.FAILED and failed.retry_at is not None


async def test_adding_the_same_job_twice_at_once_is_a_clear_error(make_engine: EngineFactory) -> None:
    engine = make_engine()

    results = await asyncio.gather(
        engine.add_job(job("twin"), actor="U_ALICE"), engine.add_job(job("twin"), actor="U_BOB"), return_exceptions=True
    )

    assert sum(isinstance(result, JobExistsError) for result in results) == 1


def test_shell_jobs_do_not_inherit_schedops_secrets() -> None:
    environ = {
        "PATH": "/bin",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN_FILE": "/run/secrets/app",
        "DATABASE_URL": "postgresql://u:p@db/x",
        "SCHEDOPS_SIGNING_SECRET": "s",
        "PGPASSWORD": "kept-for-pg_dump",
    }
    inherit = {"PATH", "PGPASSWORD", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN_FILE", "DATABASE_URL"}
    assert job_environment(environ, inherit) == {"PATH": "/bin", "PGPASSWORD": "kept-for-pg_dump"}


async def test_a_timed_out_thread_keeps_its_job_busy_until_it_returns(make_engine: EngineFactory) -> None:
    engine = make_engine()
    spec = job("blocking", target="tests.support.tasks:doze", kwargs={"seconds": 1.0}, timeout=0.2)
    await engine.add_job(spec, actor=None)

    first = await (await engine.run_now("blocking", actor=None)).wait()
    overlapping = (await engine.run_now("blocking", actor=None)).run
    await asyncio.sleep(1.2)
    later = (await engine.run_now("blocking", actor=None)).run

    assert first.status is RunStatus.TIMED_OUT and "keeps running" in (first.error_message or "")
    assert overlapping.status is RunStatus.SKIPPED
    assert later.status is RunStatus.RUNNING
    await engine.wait_idle(5)


async def test_a_fire_handed_over_as_the_engine_stops_is_recorded_and_run(make_engine: EngineFactory) -> None:
    # APScheduler hands a fire over, then the stop begins before its batch is written: the job's next fire time
    # is persisted past it either way, so a fire dropped here would be lost for good (no row for a restart's
    # catch-up or a new leader's take-over to find). A chaos test lost one this way during a rolling restart.
    engine = make_engine()
    await engine.start()
    await engine.add_job(job("tick"), actor=None)
    fire_time = engine.clock()
    engine._on_fire("tick", fire_time)
    await engine.shutdown(grace=timedelta(seconds=10))

    [run] = await engine.runs.recent("tick")
    assert (run.trigger, run.scheduled_at, run.status) == (RunTrigger.SCHEDULE, fire_time, RunStatus.SUCCEEDED)


async def test_a_fire_whose_row_cannot_be_written_is_not_moved_past(make_engine: EngineFactory, db: Database) -> None:
    # The job's next fire time and the fire's row are written in one transaction. Written apart, a leader that
    # stopped (or a database that failed) between them left a fire moved past with no row, which neither a
    # restart's catch-up nor a new leader's take-over could find: for a job's first fire, lost for good.
    inserts_refused: list[str] = []

    def refuse_run_rows(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO RUNS"):
            inserts_refused.append(statement)
            raise OperationalError(statement, parameters, Exception("the database went away"))

    event.listen(db.engine.sync_engine, "before_cursor_execute", refuse_run_rows)
    engine = make_engine()
    await engine.start()
    await engine.add_job(job("tick", schedule={"interval": "2s"}), actor=None)
    fire_time = engine.next_fire("tick")
    await eventually(lambda: inserts_refused, within=10)
    # Every insert is refused until the engine has stopped, so later fires cannot move the job on either.
    await engine.shutdown(grace=timedelta(seconds=1))
    event.remove(db.engine.sync_engine, "before_cursor_execute", refuse_run_rows)

    assert await engine.runs.recent("tick") == []
    stored = await engine.jobs.require("tick")
    assert stored.next_run_time == fire_time  # still owed

    restarted = make_engine()
    await restarted.start()  # catch-up from the owed fire, within the grace

    async def owed_fire_recorded() -> list[RunRecord]:
        # Run by the catch-up, or (when the restart came after a later fire time too) recorded missed and
        # coalesced into the catch-up run of that later one: either way no longer lost.
        return [run for run in await restarted.runs.recent("tick") if run.scheduled_at == fire_time]

    [run] = await eventually(owed_fire_recorded)
    assert run.trigger is RunTrigger.SCHEDULE
    assert await _finished_runs(restarted, "tick", 1)
