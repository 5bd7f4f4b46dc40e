"""Opening the database for one CLI command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from core.config import Settings
from core.storage.database import Database


def with_database(settings: Settings, action: Callable[[Database], Awaitable[int]]) -> int:
    async def run() -> int:
        db = Database(settings.database_url.get_secret_value())
        try:
            await db.migrate()
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(run())
