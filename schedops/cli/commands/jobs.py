"""``schedops jobs list | show JOB | export | import FILE`` (run, pause, resume, remove: job_control)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from core.config import Settings
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore
from schedops.cli.database import with_database
from schedops.cli.runs_text import runs_table, when
from schedops.cli.tables import jobs_table

if TYPE_CHECKING:  # the application layer (executors, aiohttp's client) only for a command that changes jobs
    from application.operations import Operations

REPLACES = (
    "an import replaces each listed job's definition whole (fields the file leaves out take their defaults); "
    "jobs it does not list are left alone"
)


def execute(args: argparse.Namespace, settings: Settings) -> int:
    if args.jobs_command == "import":
        from schedops.cli.jobsfile import read_jobs_file  # YAML only for the commands that read or write it

        specs = read_jobs_file(args.file, settings)  # refused before the database is touched
        from schedops.cli.operations import with_operations

        async def import_file(ops: Operations, actor: str) -> int:
            result = await ops.import_jobs(specs, actor=actor)
            print(f"{args.file}: {result.report.summary()}")
            for job_id, changes in result.changes.items():
                print(f"  {job_id} replaced: " + ("; ".join(changes) or "hidden values changed"))
            print(f"({REPLACES}; a running schedops picks the change up within seconds)")
            return 0

        return with_operations(settings, import_file)
    if args.jobs_command == "show":
        return with_database(settings, lambda db: _show(db, args.job_id), read_only=True)
    return with_database(settings, _list if args.jobs_command == "list" else _export, read_only=True)


async def _list(db: Database) -> int:
    print(jobs_table(await JobStore(db).list()))
    return 0


async def _export(db: Database) -> int:
    from core.jobs.export import export_jobs_yaml

    sys.stdout.write(export_jobs_yaml([job.spec for job in await JobStore(db).list()]))
    return 0


async def _show(db: Database, job_id: str) -> int:
    from core.jobs.export import export_jobs_yaml

    job = await JobStore(db).require(job_id)
    paused = f" by {job.paused_by} at {when(job.paused_at)}" if job.paused else ""
    print(f"state:        {job.state}{paused}")
    print(f"next run:     {when(job.next_run_time)}")
    print(f"defined by:   {'the jobs file' if job.source == 'file' else 'Slack, the API or an import'}")
    print(f"last change:  {when(job.updated_at)} by {job.updated_by or 'schedops'}")
    print("definition:")
    sys.stdout.write(export_jobs_yaml([job.spec]).removeprefix("jobs:\n"))
    print("last runs:")
    print(runs_table(await RunStore(db).recent(job_id, 5)))
    return 0
