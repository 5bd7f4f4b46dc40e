from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from core.storage.database import Database, alembic_config, head_revision
from core.storage.runs_store import RunStore
from core.storage.tables import Base, RunRow


async def test_it_migrates_an_empty_database_to_exactly_the_models(empty_db: Database) -> None:
    db = empty_db
    await db.migrate()

    def differences(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_it_creates_the_history_indexes(empty_db: Database) -> None:
    db = empty_db
    await db.migrate()
    async with db.engine.connect() as connection:
        found = await connection.run_sync(lambda c: {i["name"]: i for i in inspect(c).get_indexes("runs")})
    indexes = set(found)
    window = "ix_runs_status_created_at_duration_ms_trigger_lateness_ms"
    assert {"ix_runs_job_id_id", window, "ix_runs_running", "ix_runs_retry_at"} <= indexes
    if db.dialect == "postgresql":  # so that the on-time count is an index-only scan there too
        assert found[window]["dialect_options"]["postgresql_include"] == ["scheduled_at", "job_id"]
    # Superseded by the covering index (0004), which the window index then replaced (0006).
    assert not {"ix_runs_created_at_status", "ix_runs_created_at_status_duration_ms"} & indexes


async def test_migrating_twice_changes_nothing(empty_db: Database) -> None:
    db = empty_db
    await db.migrate()
    await db.migrate()
    assert await db.ping()
    async with db.engine.connect() as connection:
        assert (
            await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_revision()) == head_revision()
        )


async def test_an_up_to_date_database_is_recognised_without_upgrading(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start-up on a current schema reads the revision and stops there: no Alembic upgrade runs."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("upgrade ran on an up-to-date database")

    monkeypatch.setattr(command, "upgrade", refuse)
    await db.migrate()
    assert await db.ping()


async def test_it_backfills_how_late_each_scheduled_run_started_exactly(empty_db: Database) -> None:
    db = empty_db
    await db.migrate()
    async with db.engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0005"))
        await connection.execute(insert(RunRow.__table__), [_run(late) for late in BACKFILLED])
        unscheduled = [_run(timedelta(0), trigger="manual"), _run(timedelta(0), started=False)]
        await connection.execute(insert(RunRow.__table__), unscheduled)
    await db.migrate()

    async with db.engine.connect() as connection:
        stored = (await connection.execute(select(RunRow.lateness_ms).order_by(RunRow.id))).scalars().all()
    assert stored == [*BACKFILLED.values(), None, None]


# How late a scheduled run started -> what the migration stores: milliseconds rounded up, to the microsecond.
BACKFILLED = {
    timedelta(0): 0,
    timedelta(minutes=5): 300_000,
    timedelta(minutes=5, microseconds=1): 300_001,
    timedelta(minutes=5, microseconds=999): 300_001,
    timedelta(hours=26, milliseconds=7): 93_600_007,
    timedelta(microseconds=-1): 0,  # started a microsecond early
    timedelta(microseconds=-1500): -1,
}
SCHEDULED = datetime(2026, 11, 22, 11, 59, 59, 999_999, tzinfo=UTC)


def _run(late: timedelta, *, trigger: str = "schedule", started: bool = True) -> dict[str, Any]:
    """A runs row as 0005 knew it, started ``late`` after its scheduled time (or never)."""
    started_at = SCHEDULED + late if started else None
    return {
        "job_id": "backup",
        "trigger": trigger,
        "attempt": 1,
        "status": "succeeded" if started else "missed",
        "created_at": started_at or SCHEDULED,
        "scheduled_at": SCHEDULED,
        "started_at": started_at,
    }


async def test_it_bounds_durations_stored_before_they_were_bounded(db: Database) -> None:
    from core.storage.jobs_store import JobStore
    from core.storage.tables import JobRow

    endless = {
        "id": "endless",
        "kind": "shell",
        "command": "true",
        "timeout": "1e20",
        "schedule": {"interval": "3000000d", "jitter": "inf"},
        "retries": {"max": 2, "backoff": "nan"},
    }
    async with db.engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0006"))
        row = {"id": "endless", "kind": "shell", "spec": endless, "enabled": True, "paused": False, "source": "api"}
        now = datetime(2026, 11, 30, tzinfo=UTC)
        await connection.execute(insert(JobRow.__table__), [{**row, "created_at": now, "updated_at": now}])
    await db.migrate()

    job = await JobStore(db).require("endless")
    assert job.spec.timeout == timedelta(days=365)
    assert job.spec.schedule.interval == timedelta(days=365)  # type: ignore[union-attr]
    assert job.spec.retries.backoff == timedelta(days=1)


async def test_it_marks_every_run_recorded_before_0013_announced(empty_db: Database) -> None:
    """A leader that starts after the upgrade must not announce the runs of the whole history again."""
    db = empty_db
    await db.migrate()
    async with db.engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0012_workers"))
        ended_on_a_worker = {**_run(timedelta(0)), "status": "failed", "queue": "reports"}
        await connection.execute(
            insert(RunRow.__table__), [ended_on_a_worker, {**_run(timedelta(0), trigger="manual"), "queue": None}]
        )
    await db.migrate()

    async with db.engine.connect() as connection:
        assert (await connection.execute(select(RunRow.announced))).scalars().all() == [True, True]
    assert await RunStore(db).unannounced() == []
