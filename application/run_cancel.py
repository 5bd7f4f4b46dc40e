"""Cancelling a running run: one conditional UPDATE asks whoever executes it to stop (core.execution.cancel),
audited whether it was accepted or refused. Who may cancel is who may run the job now: the caller checks
that before calling (the local operator, an admin, always may)."""

from __future__ import annotations

from datetime import datetime

from core.audit import AuditOutcome, record
from core.storage.database import Database
from core.storage.runs_store import RunStore

CANCEL_ACTION = "run.cancel"


async def request_cancel(db: Database, run_id: int, *, actor: str, now: datetime) -> str | None:
    """None when the cancel was accepted; otherwise why it was refused (one line)."""
    runs = RunStore(db)
    run = await runs.get(run_id)  # RunLookupError for an unknown id
    refusal = None
    if run.status.is_finished:
        refusal = f"run {run_id} of {run.job_id} is not running: it {run.status.value.replace('_', ' ')}"
    elif not await runs.request_cancel(run_id, actor=actor):
        refusal = f"run {run_id} of {run.job_id} is already being cancelled, or has just ended"
    await record(
        db,
        at=now,
        actor=actor,
        action=CANCEL_ACTION,
        target=f"job:{run.job_id}",
        outcome=AuditOutcome.OK if refusal is None else AuditOutcome.REFUSED,
        detail=f"run {run_id}" if refusal is None else refusal,
    )
    return refusal
