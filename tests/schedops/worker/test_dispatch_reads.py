"""The leader's following of a dispatched run when the database cannot be read for a while: it waits, and
takes up the run again, at a take-over as while following; a statement the database refuses is raised."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from core.clock import utc_now
from core.runs import ExecutionResult, RunStatus, RunTrigger
from core.storage.runs_store import RunStore
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import CeleryDispatch
from tests.support.databases import migrated_database
from tests.support.flaky import fail_first


async def test_a_take_over_reads_the_row_again_until_the_database_answers(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await migrated_database("sqlite", request, tmp_path)
    try:
        runs = RunStore(db)
        run = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=utc_now())
        assert await runs.claim(run.id, worker="w@h", now=utc_now())
        await runs.finish(run.id, ExecutionResult(RunStatus.SUCCEEDED), now=utc_now(), claimed_by="w@h")
        refused_connection = OperationalError("SELECT runs", {}, ConnectionRefusedError("refused"))
        failures_left = fail_first(monkeypatch, RunStore, "dispatch_state", refused_connection, times=3)
        dispatch = CeleryDispatch(make_celery_app("memory://"), runs, poll_seconds=0.01)
        final = await dispatch.adopt(run, queue="schedops")
        assert (final.id, final.status) == (run.id, RunStatus.SUCCEEDED)
        assert failures_left() == 0  # every failure was met, and waited out

        refused_statement = ProgrammingError("SELECT runs", {}, Exception('column "nope" does not exist'))
        fail_first(monkeypatch, RunStore, "dispatch_state", refused_statement, times=None)
        with pytest.raises(ProgrammingError):
            await dispatch.adopt(run, queue="schedops")
    finally:
        await db.close()
