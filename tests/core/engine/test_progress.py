"""A python job's progress when schedops runs it in its own process: stored on the run (throttled, masked,
validated) and shown by the sitrep."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from core.clock import utc_now
from core.runs import RunStatus
from core.sitrep.report import build_sitrep
from core.sitrep.text import render_sitrep
from core.storage.database import Database
from core.storage.tables import RunRow
from tests.core.engine.conftest import EngineFactory, job
from tests.support.eventually import eventually


async def progress_of(db: Database, run_id: int) -> tuple[float | None, str | None, str | None]:
    async with db.session() as session:
        row = (
            await session.execute(
                select(RunRow.progress, RunRow.progress_text, RunRow.queue).where(RunRow.id == run_id)
            )
        ).one()
    return row.progress, row.progress_text, row.queue


def count_progress_writes(db: Database) -> list[str]:
    writes: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE RUNS") and "progress" in statement:
            writes.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    return writes


async def test_a_local_python_job_reports_progress_that_is_stored_masked_and_shown(
    db: Database, make_engine: EngineFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gate = tmp_path / "gate"
    kwargs = {"gate": str(gate), "label": "s3cr3t-token"}
    engine = make_engine()
    await engine.add_job(job("backup-db", target="tests.support.tasks:report_progress", kwargs=kwargs), actor=None)
    writes = count_progress_writes(db)
    await engine.start()
    caplog.set_level(logging.WARNING, logger="core.executors.progress")

    handle = await engine.run_now("backup-db", actor=None)
    expected = (0.4, "copying table 3/7 [hidden]", None)  # local: no queue
    await eventually(lambda: _is(progress_of(db, handle.run.id), expected), within=15)

    sitrep = await build_sitrep(db, now=utc_now(), scheduler_running=True, default_timezone="UTC")
    [running] = sitrep.running
    assert (running.progress, running.progress_text, running.worker) == (0.4, "copying table 3/7 [hidden]", None)
    assert sitrep.workers is None  # local execution: no Workers section
    assert "40% copying table 3/7 [hidden]" in render_sitrep(sitrep)

    gate.touch()
    run = await asyncio.wait_for(handle.wait(), 15)
    assert run.status is RunStatus.SUCCEEDED and run.result == {"done": True}
    # A thousand calls in a tight loop, then one more: a write only when a poll (once a second) finds news.
    assert 1 <= len(writes) <= 4
    bad = [record.getMessage() for record in caplog.records if "progress" in record.getMessage()]
    assert len(bad) == 1 and "got 7" in bad[0]  # the first bad call says so; the next is ignored silently
    assert "s3cr3t" not in str(await progress_of(db, run.id))


async def _is(value: Any, expected: object) -> bool:
    return await value == expected
