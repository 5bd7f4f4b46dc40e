"""A running engine follows what another process did to its jobs, re-reads its jobs file, and logs why each
failed run failed and when retries are used up."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from core.engine.job_watch import JobChangeWatcher
from core.events import RunFailed
from core.jobs.file_reload import JobsFileReloader
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from tests.core.engine.conftest import EngineFactory, Recorder, job


async def test_a_job_paused_by_another_process_is_unscheduled_at_the_next_look(
    db: Database, make_engine: EngineFactory
) -> None:
    engine = make_engine()
    await engine.add_job(job("backup"), actor=None)
    watcher = JobChangeWatcher(engine)
    await watcher.check()
    await engine.start()
    assert engine.next_fire("backup") is not None

    other_process = JobStore(db)  # the CLI in a second terminal: same database, not this engine
    await other_process.set_paused("backup", True, actor="cli:alice", now=engine.clock())
    await other_process.save(job("report"), now=engine.clock(), actor="cli:alice", source="api", via="import")

    assert sorted(await watcher.check()) == ["backup", "report"]
    assert engine.next_fire("backup") is None and engine.next_fire("report") is not None
    assert await watcher.check() == []  # nothing moved since


async def test_a_job_removed_elsewhere_leaves_the_timetable(db: Database, make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.add_job(job("backup"), actor=None)
    await engine.start()
    await JobStore(db).delete("backup", actor="cli:alice", now=engine.clock())
    assert await engine.reconcile() == ["backup"]
    assert engine.next_fire("backup") is None


async def test_an_edited_jobs_file_is_applied_and_a_broken_edit_is_logged_and_ignored(
    db: Database, make_engine: EngineFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "jobs.yml"
    path.write_text("jobs:\n  - {id: a, kind: shell, command: 'true', schedule: {interval: 1h}}\n")
    engine = make_engine()
    await engine.start()
    reloader = JobsFileReloader(path, engine.jobs, clock=engine.clock, on_change=engine.reconcile)

    report = await reloader.check()
    assert report is not None and report.created == ["a"] and engine.next_fire("a") is not None
    assert await reloader.check() is None  # unchanged content: nothing read again

    path.write_text("jobs:\n  - {id: a, kind: shell, command: 'true', schedule: {interval: soon}}\n")
    assert await reloader.check() is None
    assert "jobs file changed but was not applied" in caplog.text and "schedule.interval" in caplog.text
    assert (await engine.jobs.require("a")).spec.schedule.interval == timedelta(hours=1)  # type: ignore[union-attr]

    path.write_text("jobs:\n  - {id: b, kind: shell, command: 'true', schedule: {interval: 1h}}\n")
    report = await reloader.check()
    assert report is not None and (report.created, report.disabled) == (["b"], ["a"])
    assert engine.next_fire("a") is None and engine.next_fire("b") is not None


async def test_a_failed_run_is_logged_with_its_reason_and_so_are_used_up_retries(
    make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine()
    recorder = Recorder(engine.events)
    await engine.start()
    soon = (engine.clock() + timedelta(seconds=1)).isoformat()
    spec = job("flaky", target="tests.support.tasks:boom", kwargs={}, schedule={"at": soon}, retries={"max": 1})
    await engine.add_job(
        spec.model_copy(update={"retries": spec.retries.model_copy(update={"backoff": timedelta(seconds=0.1)})}),
        actor=None,
    )
    for _ in range(100):
        await asyncio.sleep(0.05)
        if any(event.final for event in recorder.of(RunFailed)):
            break

    failures = [r.getMessage() for r in caplog.records if " failed in " in r.getMessage()]
    assert len(failures) == 2
    assert all("error: RuntimeError: it broke" in line for line in failures)
    assert any("all 1 retries are used up" in r.getMessage() for r in caplog.records)
