"""Opening the database for one CLI command: commands that change it migrate it first; commands that only
read it never create or migrate one (a second terminal must not quietly open an empty database). Every
command says on stderr which database it opened, its password masked, and a database that cannot be used is
one line naming DATABASE_URL, never a traceback."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from core.config import Settings
from core.storage.database import SCHEMA_REVISION, Database
from core.storage.database_url import DatabaseUnavailable, describe_location, sqlite_directory_problem, sqlite_path
from schedops.cli import EXIT_PROBLEM, CommandError


def announce(settings: Settings) -> None:
    """One line on stderr naming the database a command uses (stdout stays for the command's answer)."""
    print(f"schedops: database: {describe_location(settings.database_url.get_secret_value())}", file=sys.stderr)


def with_database(settings: Settings, action: Callable[[Database], Awaitable[int]], *, read_only: bool = False) -> int:
    url = settings.database_url.get_secret_value()
    announce(settings)
    if read_only:
        _refuse_missing_sqlite_file(url)
    else:
        _refuse_impossible_sqlite_file(url)

    async def run() -> int:
        db = Database(url)
        try:
            await db.verify()
            if read_only:
                await _require_schema(db)
            else:
                await db.migrate()
            return await action(db)
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except DatabaseUnavailable as error:
        raise CommandError([str(error)], EXIT_PROBLEM) from None


def _refuse_missing_sqlite_file(url: str) -> None:
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise CommandError(
            [f"DATABASE_URL: no database at {path.absolute()}; start `schedops run` there first"], EXIT_PROBLEM
        )


def _refuse_impossible_sqlite_file(url: str) -> None:
    problem = sqlite_directory_problem(url)
    if problem is not None:
        raise CommandError([problem], EXIT_PROBLEM)


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


async def database_status(settings: Settings) -> str:
    """What ``schedops check`` says about the database, having really connected (a SQLite file that does
    not exist yet is not created: only its directory is checked). Raises DatabaseUnavailable."""
    url = settings.database_url.get_secret_value()
    path = sqlite_path(url)
    if path is not None and not path.exists():
        problem = sqlite_directory_problem(url)
        if problem is not None:
            raise DatabaseUnavailable(problem)
        return "not created yet; `schedops run` creates it"
    db = Database(url)
    try:
        await db.verify()
        revision = await db.revision()
    finally:
        await db.close()
    if revision is None:
        return "reachable, no schedops schema yet; `schedops run` creates it"
    if revision != SCHEMA_REVISION:
        return f"reachable, schema {revision}; `schedops run` migrates it to {SCHEMA_REVISION}"
    return f"reachable, schema {revision}"
