from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core.storage.database import Database
from core.storage.tables import Base


async def test_it_migrates_an_empty_database_to_exactly_the_models(db: Database) -> None:
    def differences(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_it_creates_the_history_indexes(db: Database) -> None:
    async with db.engine.connect() as connection:
        indexes = await connection.run_sync(lambda c: {i["name"] for i in inspect(c).get_indexes("runs")})
    expected = {"ix_runs_job_id_id", "ix_runs_created_at_status_duration_ms", "ix_runs_running", "ix_runs_retry_at"}
    assert expected <= indexes
    assert "ix_runs_created_at_status" not in indexes  # superseded by the covering index (0004)


async def test_migrating_twice_changes_nothing(db: Database) -> None:
    await db.migrate()
    assert await db.ping()
