"""``schedops runs JOB`` (recent runs, the end of their output) and ``schedops runs show RUN_ID`` (one run
in full)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.clock import utc_now
from core.config import Settings
from core.runs import RunStatus
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore
from schedops.cli import EXIT_BAD_INPUT, EXIT_PROBLEM, CommandError
from schedops.cli.database import with_database
from schedops.cli.runs_text import run_text, runs_table

# How long `runs cancel` waits for the run to stop: a poll by its executor (1s), then a process group's kill.
_CANCEL_WAIT_SECONDS = 30
_POLL_SECONDS = 0.2


def execute(args: argparse.Namespace, settings: Settings) -> int:
    if args.run_id is not None and args.job_id not in ("show", "cancel"):
        raise CommandError(
            [f"unexpected {args.run_id} after {args.job_id!r}: did you mean `runs show RUN_ID`?"], EXIT_BAD_INPUT
        )
    if args.job_id == "show" and args.run_id is not None:
        return with_database(settings, lambda db: _show(db, args.run_id), read_only=True)
    if args.job_id == "cancel":
        if args.run_id is None:
            raise CommandError(["`runs cancel` needs the RUN_ID to cancel"], EXIT_BAD_INPUT)
        return with_database(settings, lambda db: _cancel(db, args.run_id))

    async def runs(db: Database) -> int:
        await JobStore(db).require(args.job_id)
        print(runs_table(await RunStore(db).recent(args.job_id, args.limit)))
        return 0

    return with_database(settings, runs, read_only=True)


async def _show(db: Database, run_id: int) -> int:
    sys.stdout.write(run_text(await RunStore(db).get(run_id)))
    return 0


async def _cancel(db: Database, run_id: int) -> int:
    """Ask for the cancel, then wait for whoever executes the run to stop it and print how it ended."""
    # Here, not at the top: `runs JOB` must start without the application layer (tests/schedops/test_cli_door).
    from application.local_operator import local_actor
    from application.run_cancel import request_cancel

    refusal = await request_cancel(db, run_id, actor=local_actor(), now=utc_now())
    if refusal is not None:
        raise CommandError([refusal], EXIT_PROBLEM)
    print(f"run {run_id}: cancel requested (audited); waiting for it to stop", file=sys.stderr)
    runs = RunStore(db)
    for _ in range(int(_CANCEL_WAIT_SECONDS / _POLL_SECONDS)):
        run = await runs.get(run_id)
        if run.status is not RunStatus.RUNNING:
            break
        await asyncio.sleep(_POLL_SECONDS)
    sys.stdout.write(run_text(run))
    if run.status is RunStatus.RUNNING:
        raise CommandError([f"run {run_id} has not stopped yet: is its process or worker running?"], EXIT_PROBLEM)
    return 0
