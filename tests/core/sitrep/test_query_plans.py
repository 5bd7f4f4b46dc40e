"""The sitrep reads index ranges, never the whole run history (SQLite's query plans, checked: its planner
has no statistics to go on, so a careless query shows up here as a table scan)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from core.sitrep import build_job_report, build_sitrep
from core.sitrep.job_report import running_runs_of
from core.sitrep.workers import Workers
from core.storage.database import Database
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock
from tests.support.databases import migrated_sqlite


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(migrated_sqlite(tmp_path / "plans.db"))
    yield database
    await database.close()


async def test_no_query_walks_the_runs_table(sqlite_db: Database, clock: ManualClock) -> None:
    seed = Seed(sqlite_db, clock.now)
    await seed.job("backup", misfire_grace="10m")
    await seed.runs("backup", "S F")
    await seed.run("backup", "running", ago=timedelta(minutes=3))
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "runs" in statement:
            statements.append((statement, parameters))

    event.listen(sqlite_db.engine.sync_engine, "before_cursor_execute", record)
    # With workers to speak of, so the runs waiting on queues are read too.
    workers = Workers(listed=[], served=frozenset())
    await build_sitrep(sqlite_db, now=clock.now, scheduler_running=True, default_timezone="UTC", workers=workers)
    await build_job_report(sqlite_db, "backup", now=clock.now, default_timezone="UTC")
    assert [run.job_id for run in await running_runs_of(sqlite_db, "backup", now=clock.now)] == ["backup"]
    event.remove(sqlite_db.engine.sync_engine, "before_cursor_execute", record)

    assert len(statements) >= 10
    async with sqlite_db.engine.connect() as connection:
        for statement, parameters in statements:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            steps = [str(row[3]) for row in plan]
            # The one bare scan allowed: the newest runs by id, which stops after LIMIT rows.
            bounded = "ORDER BY runs.id DESC" in statement and "LIMIT" in statement
            walks = [step for step in steps if step.startswith("SCAN runs") and "INDEX" not in step]
            assert bounded or not walks, (statement, steps)
