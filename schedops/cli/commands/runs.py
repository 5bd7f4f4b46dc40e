"""``schedops runs JOB`` (recent runs, the end of their output), ``schedops runs show RUN_ID`` (one run in
full) and ``schedops runs cancel RUN_ID`` (stop a running run, through Operations as the local operator)."""

from __future__ import annotations

import argparse
import sys

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
        return _cancel(settings, args.run_id)

    async def runs(db: Database) -> int:
        await JobStore(db).require(args.job_id)
        print(runs_table(await RunStore(db).recent(args.job_id, args.limit)))
        return 0

    return with_database(settings, runs, read_only=True)


async def _show(db: Database, run_id: int) -> int:
    sys.stdout.write(run_text(await RunStore(db).get(run_id)))
    return 0


def _cancel(settings: Settings, run_id: int) -> int:
    """Ask for the cancel through the application layer (the same rule and audit as Slack and the API), then
    wait for whoever executes the run to stop it and print how it ended."""
    # Here, not at the top: `runs JOB` must start without the application layer (tests/schedops/test_cli_door).
    from application.operations import Operations
    from application.run_cancel import CancelRefused
    from schedops.cli.operations import with_operations

    async def cancel(ops: Operations, actor: str) -> int:
        try:
            await ops.cancel_run(run_id, actor=actor)
        except CancelRefused as refusal:
            raise CommandError([str(refusal)], EXIT_PROBLEM) from None
        print(f"run {run_id}: cancel requested (audited); waiting for it to stop", file=sys.stderr)
        # No event reaches this process from whoever executes the run: its row is read until it ends.
        run = await ops.wait_for_run(run_id, seconds=_CANCEL_WAIT_SECONDS, poll_seconds=_POLL_SECONDS)
        sys.stdout.write(run_text(run))
        if run.status is RunStatus.RUNNING:
            raise CommandError([f"run {run_id} has not stopped yet: is its process or worker running?"], EXIT_PROBLEM)
        return 0

    return with_operations(settings, cancel)
