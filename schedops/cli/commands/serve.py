"""``schedops run``: the long-running service."""

from __future__ import annotations

import argparse
import asyncio

from core.config import Settings
from core.storage.database_url import DatabaseUnavailable
from core.storage.instance_lock import InstanceLockedError

# Imported only for its error type; a run without tokens starts the sandbox anyway.
from sandbox.workspace import SandboxError
from schedops.cli import EXIT_PROBLEM, CommandError
from schedops.cli.database import announce
from schedops.cli.jobsfile import configured_jobs
from schedops.http.server import HealthServerError
from schedops.runtime import serve


def execute(args: argparse.Namespace, settings: Settings) -> int:
    specs = configured_jobs(settings)
    announce(settings)
    try:
        asyncio.run(serve(settings, specs))
    except (HealthServerError, InstanceLockedError, DatabaseUnavailable, SandboxError) as error:
        raise CommandError([str(error)], EXIT_PROBLEM) from None
    return 0
