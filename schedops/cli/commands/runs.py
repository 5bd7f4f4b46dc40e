"""``schedops runs JOB`` (recent runs, the end of their output) and ``schedops runs show RUN_ID`` (one run
in full)."""

from __future__ import annotations

import argparse
import sys

from core.config import Settings
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore
from schedops.cli import EXIT_BAD_INPUT, CommandError
from schedops.cli.database import with_database
from schedops.cli.runs_text import run_text, runs_table


def execute(args: argparse.Namespace, settings: Settings) -> int:
    if args.run_id is not None and args.job_id != "show":
        raise CommandError(
            [f"unexpected {args.run_id} after {args.job_id!r}: did you mean `runs show RUN_ID`?"], EXIT_BAD_INPUT
        )
    if args.job_id == "show" and args.run_id is not None:
        return with_database(settings, lambda db: _show(db, args.run_id), read_only=True)

    async def runs(db: Database) -> int:
        await JobStore(db).require(args.job_id)
        print(runs_table(await RunStore(db).recent(args.job_id, args.limit)))
        return 0

    return with_database(settings, runs, read_only=True)


async def _show(db: Database, run_id: int) -> int:
    sys.stdout.write(run_text(await RunStore(db).get(run_id)))
    return 0
