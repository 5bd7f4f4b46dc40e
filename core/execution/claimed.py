"""A worker's side of a dispatched run: claim it in the database, execute it, write its end.

The claim is one conditional UPDATE (runs_store.claim): whichever delivery of a run's message gets there
first executes it; every later delivery (a broker's visibility timeout, a worker restart) finds it claimed,
or already ended, and does nothing.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from core.clock import Clock
from core.execution.cancel import execute_cancellable
from core.execution.ending import record_end
from core.execution.local import masked_progress
from core.executors.base import Executors
from core.executors.progress import Progress
from core.runs import ErrorClass, ExecutionResult, RunStatus
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore

log = logging.getLogger(__name__)


ENDED_ELSEWHERE = "schedops (the run was ended while this worker executed it)"


class ClaimOutcome(StrEnum):
    EXECUTED = "executed"
    ALREADY_CLAIMED = "already_claimed"


async def carry_out_claimed(
    run_id: int, *, runs: RunStore, jobs: JobStore, executors: Executors, worker: str, clock: Clock
) -> ClaimOutcome:
    # Everything the run needs is read first, so that the claim is the last database step before executing:
    # a delivery that fails before it leaves the run to the next delivery, not claimed and never executed.
    run = await runs.get(run_id)
    stored = await jobs.get(run.job_id)
    if not await runs.claim(run_id, worker=worker, now=clock()):
        log.info("run %s already claimed or ended: this delivery executes nothing", run_id)
        return ClaimOutcome.ALREADY_CLAIMED
    if stored is None:
        outcome = removed_job_result(run.job_id)
    else:
        log.info("run %s of %s claimed by %s", run_id, run.job_id, worker)
        spec = stored.spec
        progress = masked_progress(spec)
        outcome = await execute_cancellable(
            executors, spec, cancel_requested=lambda: _beat_and_ask(runs, run_id, clock, progress), progress=progress
        )
    final = await record_end(runs, run_id, outcome, clock=clock, claimed_by=worker[:200])
    # The recorded end: the leader's, when it ended the run while this worker executed it.
    log.info("run %s of %s %s on %s", run_id, run.job_id, final.status, worker)
    return ClaimOutcome.EXECUTED


def removed_job_result(job_id: str) -> ExecutionResult:
    return ExecutionResult.failure(
        f"job {job_id} was removed before a worker could run it", ErrorClass.PERMANENT, status=RunStatus.SKIPPED
    )


async def _beat_and_ask(runs: RunStore, run_id: int, clock: Clock, progress: Progress) -> str | None:
    """Every poll of a worker's run says it is alive (the leader's lost-worker bound rests on it), saves the
    job's newest progress in the same UPDATE, and asks whether someone cancelled it."""
    report = progress.pending()
    if not await runs.beat(run_id, now=clock(), progress=report):
        return ENDED_ELSEWHERE  # declared lost, or ended by a restarting leader: stop rather than run on
    if report is not None:
        progress.saved()
    return await runs.cancel_requested(run_id)
