"""Opening the database for one CLI command: commands that change it migrate it first; commands that only
read it never create or migrate one (a second terminal must not quietly open an empty database)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from core.config import Settings
from core.storage.database import SCHEMA_REVISION, Database
from schedops.cli import EXIT_PROBLEM, CommandError


def with_database(settings: Settings, action: Callable[[Database], Awaitable[int]], *, read_only: bool = False) -> int:
    url = settings.database_url.get_secret_value()
    if read_only:
        _refuse_missing_sqlite_file(url)

    async def run() -> int:
        db = Database(url)
        try:
            if read_only:
                await _require_schema(db)
            else:
                await db.migrate()
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(run())


def _refuse_missing_sqlite_file(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        raise CommandError(
            [f"no database at {parsed.database} (DATABASE_URL); start `schedops run` there first"], EXIT_PROBLEM
        )


async def _require_schema(db: Database) -> None:
    revision = await db.revision()
    if revision is None:
        raise CommandError(
            ["the database has no schedops schema (DATABASE_URL); start `schedops run` first"], EXIT_PROBLEM
        )
    if revision != SCHEMA_REVISION:
        raise CommandError(
            [
                f"the database schema is at {revision}, this schedops expects {SCHEMA_REVISION}: run `schedops run`"
                " (it migrates) or use the matching schedops"
            ],
            EXIT_PROBLEM,
        )
