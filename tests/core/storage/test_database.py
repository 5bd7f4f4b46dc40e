from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.storage.database import Database

KEY = 0x5C4ED0FF  # an advisory lock no schedops code takes


def test_the_schema_revision_readers_expect_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from core.storage.database import SCHEMA_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_REVISION


@pytest.mark.postgres
async def test_postgresql_ends_a_transaction_its_holder_stopped_in_and_frees_what_it_locked(postgres_url: str) -> None:
    # As a leader frozen between two statements of a fire would: the lock stands for its jobs' rows.
    stopped, other = Database(postgres_url, idle_in_transaction=timedelta(seconds=0.5)), Database(postgres_url)
    try:
        async with other.engine.connect() as connection:
            assert (await connection.execute(text("SHOW idle_in_transaction_session_timeout"))).scalar() == "5s"
        async with stopped.engine.connect() as holder:
            await holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KEY})
            assert not await _lock_free(other)
            await asyncio.sleep(1.5)  # holder idle in its transaction past its timeout
            assert await _lock_free(other)
            with pytest.raises(DBAPIError):  # the server ended that session; its transaction is gone
                await holder.execute(text("SELECT 1"))
    finally:
        await stopped.close()
        await other.close()


async def _lock_free(database: Database) -> bool:
    async with database.engine.begin() as connection:
        return bool((await connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": KEY})).scalar())
