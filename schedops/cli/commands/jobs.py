"""``schedops jobs list | export | import FILE``."""

from __future__ import annotations

import argparse
import sys

from core.clock import utc_now
from core.config import Settings
from core.jobs.export import export_jobs_yaml, import_jobs
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from schedops.cli.database import with_database
from schedops.cli.jobsfile import read_jobs_file
from schedops.cli.tables import jobs_table


def execute(args: argparse.Namespace, settings: Settings) -> int:
    if args.jobs_command == "import":
        specs = read_jobs_file(args.file)  # refused before the database is touched

        async def import_file(db: Database) -> int:
            report = await import_jobs(JobStore(db), specs, now=utc_now(), actor="cli")
            print(report.summary())
            return 0

        return with_database(settings, import_file)
    return with_database(settings, _list if args.jobs_command == "list" else _export, read_only=True)


async def _list(db: Database) -> int:
    print(jobs_table(await JobStore(db).list()))
    return 0


async def _export(db: Database) -> int:
    sys.stdout.write(export_jobs_yaml([job.spec for job in await JobStore(db).list()]))
    return 0
