"""Running one CLI command that changes jobs: through the application layer's Operations, as the local
operator (an admin, ``cli:<unix user>`` in the audit log), on a database migrated first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from application.local_operator import local_actor, local_operations
from application.operations import Operations
from application.services import Services
from core.config import Settings
from core.storage.database_url import DatabaseUnavailable, sqlite_directory_problem
from schedops.cli import EXIT_PROBLEM, CommandError
from schedops.cli.database import announce


def with_operations(settings: Settings, action: Callable[[Operations, str], Awaitable[int]]) -> int:
    """Build the services, open (and migrate) the database, and hand ``action`` Operations and the actor."""
    announce(settings)
    problem = sqlite_directory_problem(settings.database_url.get_secret_value())
    if problem is not None:
        raise CommandError([problem], EXIT_PROBLEM)

    async def run() -> int:
        services = Services.build(settings)
        try:
            await services.db.verify()
            await services.db.migrate()
            actor = local_actor()
            return await action(await local_operations(services, actor), actor)
        finally:
            await services.close()

    try:
        return asyncio.run(run())
    except DatabaseUnavailable as error:
        raise CommandError([str(error)], EXIT_PROBLEM) from None
