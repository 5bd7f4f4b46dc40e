"""``schedops jobs run | pause | resume | remove JOB``: the local operator acting on a job through Operations.

A running schedops notices the change within seconds (core.engine.job_watch). ``run`` carries the run out in
this process, waits for it and prints how it ended: the terminal's "run it now and show me"."""

from __future__ import annotations

import argparse
import sys

from application.operations import Operations
from core.approvals import ActedDirectly, ActionRequest
from core.config import Settings
from core.runs import RunStatus
from schedops.cli.operations import with_operations
from schedops.cli.runs_text import run_text

_REQUESTS = {
    "run": ActionRequest.run_job,
    "pause": ActionRequest.pause_job,
    "resume": ActionRequest.resume_job,
    "remove": ActionRequest.remove_job,
}
_DONE = {"pause": "paused", "resume": "resumed", "remove": "removed (its run history stays readable)"}


def execute(args: argparse.Namespace, settings: Settings) -> int:
    command, job_id = args.jobs_command, args.job_id

    async def act(ops: Operations, actor: str) -> int:
        result = await ops.ask(_REQUESTS[command](job_id), actor=actor, channel_id=None)
        if not isinstance(result, ActedDirectly):  # the local operator is an admin: never an approval request
            raise RuntimeError("the local operator's request was not carried out directly")
        if command != "run":
            print(f"{job_id} {_DONE[command]} (by {actor}, audited)")
            return 0
        run_id = int(result.outcome["run_id"])
        print(f"run {run_id} of {job_id} started by {actor}; waiting for it to end (Ctrl-C interrupts it)")
        await ops.services.engine.wait_idle(seconds=(await ops.job(job_id)).spec.timeout.total_seconds() + 30)
        run = await ops.run(run_id)
        sys.stdout.write(run_text(run))
        return 0 if run.status is RunStatus.SUCCEEDED else 1

    return with_operations(settings, act)
