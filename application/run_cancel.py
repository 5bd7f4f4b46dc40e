"""Cancelling a running run: one conditional UPDATE asks whoever executes it to stop (core.execution.cancel),
audited whether it was accepted or refused. Who may cancel is decided once, in ``Operations.cancel_run``:
whoever may run the job now without an approval."""

from __future__ import annotations

from datetime import datetime

from core.audit import AuditOutcome, record
from core.runs import RunRecord
from core.storage.database import Database
from core.storage.runs_store import RunStore

CANCEL_ACTION = "run.cancel"


class CancelRefused(Exception):
    """A cancel that was not asked for. The message is one line, safe to show to whoever asked."""


class CancelNotAllowed(CancelRefused, PermissionError):
    """The caller may not cancel this run."""


class RunNotRunning(CancelRefused):
    """The run has ended, or someone is already cancelling it."""


async def request_cancel(
    db: Database,
    run: RunRecord,
    *,
    actor: str,
    now: datetime,
    channel_id: str | None = None,
    not_allowed: str | None = None,
) -> None:
    """Ask whoever executes ``run`` to stop it, or, with ``not_allowed`` (why the caller may not), refuse.
    Either way the attempt is audited. Raises CancelNotAllowed and RunNotRunning."""
    refusal: CancelRefused | None = CancelNotAllowed(not_allowed) if not_allowed is not None else None
    if refusal is None and run.status.is_finished:
        refusal = RunNotRunning(f"run {run.id} of {run.job_id} is not running: it {_ended(run)}")
    elif refusal is None and not await RunStore(db).request_cancel(run.id, actor=actor):
        refusal = RunNotRunning(f"run {run.id} of {run.job_id} is already being cancelled, or has just ended")
    await record(
        db,
        at=now,
        actor=actor,
        action=CANCEL_ACTION,
        target=f"job:{run.job_id}",
        channel_id=channel_id,
        outcome=AuditOutcome.OK if refusal is None else AuditOutcome.REFUSED,
        detail=f"run {run.id}" if refusal is None else str(refusal),
    )
    if refusal is not None:
        raise refusal


def _ended(run: RunRecord) -> str:
    return run.status.value.replace("_", " ")
