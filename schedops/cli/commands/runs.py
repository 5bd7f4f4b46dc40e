"""``schedops runs JOB``: a job's recent runs."""

from __future__ import annotations

import argparse

from core.config import Settings
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore
from schedops.cli.database import with_database
from schedops.cli.tables import runs_table


def execute(args: argparse.Namespace, settings: Settings) -> int:
    async def runs(db: Database) -> int:
        await JobStore(db).require(args.job_id)
        print(runs_table(await RunStore(db).recent(args.job_id, args.limit)))
        return 0

    return with_database(settings, runs, read_only=True)
