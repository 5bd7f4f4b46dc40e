"""Carrying out an action (approved, or asked for by an admin) through JobControl or the fix-it executor."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any

from core.abc import JobControl, Progress
from core.approvals.model import ActionRequest, ApprovalAction
from core.storage.jobs_store import StoredJob

# run_fixit(plan_id, actor, progress=...): injected so that approvals never import the fix-it package.
FixitRunner = Callable[..., Awaitable[Any]]

ERROR_LIMIT = 500


async def perform(
    request: ActionRequest,
    *,
    actor: str,
    control: JobControl,
    run_fixit: FixitRunner,
    progress: Progress | None = None,
) -> Any:
    """Do what ``request`` asks, as ``actor``; returns a JSON-able outcome. Errors propagate.

    ``progress`` hears how a fix-it plan goes, item by item.

    A run is only started, never awaited: the outcome names the run, whose result arrives as run events.
    """
    action = request.action
    if action is ApprovalAction.FIXIT:
        return jsonable(await run_fixit(_required(request.plan_id, "plan_id"), actor, progress=progress))
    job_id = _required(request.job_id, "job_id")
    if action is ApprovalAction.RUN_JOB:
        handle = await control.run_now(job_id, actor=actor)
        return {"job_id": job_id, "run_id": handle.run.id, "run_status": handle.run.status.value}
    if action is ApprovalAction.REMOVE_JOB:
        await control.remove_job(job_id, actor=actor)
        return {"job_id": job_id, "removed": True}
    return _job_outcome(await _change_job(request, actor=actor, control=control))


async def _change_job(request: ActionRequest, *, actor: str, control: JobControl) -> StoredJob:
    job_id = _required(request.job_id, "job_id")
    match request.action:
        case ApprovalAction.PAUSE_JOB:
            return await control.pause_job(job_id, actor=actor)
        case ApprovalAction.RESUME_JOB:
            return await control.resume_job(job_id, actor=actor)
        case ApprovalAction.ADD_JOB:
            return await control.add_job(request.spec, actor=actor)
        case ApprovalAction.UPDATE_JOB:
            return await control.update_job(request.spec, actor=actor)
    raise ValueError(f"unsupported action {request.action.value!r}")


def describe_error(error: BaseException) -> str:
    """``Type: message`` on one line, cut to a size fit for a database column and a Slack message."""
    text = " ".join(str(error).split())
    described = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return described[:ERROR_LIMIT]


def jsonable(value: Any) -> Any:
    """``value`` as JSON data (dataclasses as dicts, anything else unknown as its string)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str))


def _job_outcome(job: StoredJob) -> dict[str, Any]:
    return {"job_id": job.id, "paused": job.paused, "enabled": job.enabled}


def _required(value: str | None, name: str) -> str:
    if not value:
        raise ValueError(f"the request has no {name}")
    return value
