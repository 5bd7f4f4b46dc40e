"""Jobs: list (owner filter, pages), get, create, update, pause, resume, run now (optionally waiting for the
result), remove; a job's runs and its statistics over N days; one run, and cancelling it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from core.approvals import ActedDirectly, ActionRequest, Approval
from core.jobs.spec import JOB_ID_PATTERN, JobSpec
from core.runs import RunStatus
from schedops.http.api.auth import Ops, Reader, Writer
from schedops.http.api.models import ActionOut, CancelOut, JobOut, JobPageOut, RunOut, StatsOut
from schedops.http.api.problems import ApiProblem

router = APIRouter(tags=["jobs"])

JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN)]
RunId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_ASKED: dict[int | str, dict[str, Any]] = {
    202: {"model": ActionOut, "description": "Asked: an approval request was posted in Slack"}
}


async def render(ops: Ops, result: ActedDirectly | Approval, response: Response) -> ActionOut:
    """Done, or 202 Accepted with the approval request that was opened."""
    if isinstance(result, Approval):
        response.status_code = 202
        return ActionOut.requested(result, await ops.describe_request(result))
    return ActionOut.done(result)


@router.get("/jobs", response_model=JobPageOut, summary="The jobs, a page at a time")
async def list_jobs(
    ops: Ops,
    caller: Reader,
    owner: Annotated[str | None, Query(description="Only this Slack user's jobs; `me` for the token's user")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobPageOut:
    if owner == "me":
        if caller.acting_as is None:
            raise ApiProblem(422, "owner=me needs a token acting as a Slack user (--acting-as)")
        owner = caller.acting_as
    listed = await ops.job_page(page, size, owner=owner)
    return JobPageOut(jobs=[JobOut.of(job) for job in listed.jobs], page=page, size=size, total=listed.total)


@router.get("/jobs/{job_id}", response_model=JobOut, summary="One job")
async def get_job(job_id: JobId, ops: Ops, _caller: Reader) -> JobOut:
    return JobOut.of(await ops.job(job_id))


@router.post("/jobs", response_model=ActionOut, status_code=201, responses=_ASKED, summary="Add a job")
async def add_job(spec: JobSpec, ops: Ops, caller: Writer, response: Response) -> ActionOut:
    if await ops.find_job(spec.id) is not None:
        raise ApiProblem(409, f"a job with id {spec.id!r} exists already (PUT /jobs/{spec.id} changes it)")
    return await render(ops, await ops.ask_as(ActionRequest.add_job(spec), caller), response)


@router.put("/jobs/{job_id}", response_model=ActionOut, responses=_ASKED, summary="Change a job")
async def update_job(job_id: JobId, spec: JobSpec, ops: Ops, caller: Writer, response: Response) -> ActionOut:
    if spec.id != job_id:
        raise ApiProblem(422, f"the body's id {spec.id!r} differs from the path's {job_id!r}")
    return await render(ops, await ops.ask_as(ActionRequest.update_job(spec), caller), response)


@router.delete("/jobs/{job_id}", response_model=ActionOut, responses=_ASKED, summary="Remove a job")
async def remove_job(job_id: JobId, ops: Ops, caller: Writer, response: Response) -> ActionOut:
    return await render(ops, await ops.ask_as(ActionRequest.remove_job(job_id), caller), response)


@router.post("/jobs/{job_id}/pause", response_model=ActionOut, responses=_ASKED, summary="Pause a job")
async def pause_job(job_id: JobId, ops: Ops, caller: Writer, response: Response) -> ActionOut:
    return await render(ops, await ops.ask_as(ActionRequest.pause_job(job_id), caller), response)


@router.post("/jobs/{job_id}/resume", response_model=ActionOut, responses=_ASKED, summary="Resume a job")
async def resume_job(job_id: JobId, ops: Ops, caller: Writer, response: Response) -> ActionOut:
    return await render(ops, await ops.ask_as(ActionRequest.resume_job(job_id), caller), response)


@router.post("/jobs/{job_id}/run", response_model=ActionOut, responses=_ASKED, summary="Run a job now")
async def run_job(
    job_id: JobId,
    ops: Ops,
    caller: Writer,
    response: Response,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to wait for the run's result")] = 0,
) -> ActionOut:
    result = await ops.ask_as(ActionRequest.run_job(job_id), caller)
    if isinstance(result, Approval):
        return await render(ops, result, response)
    run_id = result.outcome.get("run_id") if isinstance(result.outcome, dict) else None
    run = None if run_id is None else await ops.wait_for_run(int(run_id), seconds=wait)
    return ActionOut.done(result, run)


@router.get("/jobs/{job_id}/runs", response_model=list[RunOut], tags=["runs"], summary="A job's runs, newest first")
async def job_runs(
    job_id: JobId, ops: Ops, _caller: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 20
) -> list[RunOut]:
    await ops.job(job_id)
    return [RunOut.of(run) for run in await ops.history(job_id, limit)]


@router.get("/jobs/{job_id}/stats", response_model=StatsOut, tags=["runs"], summary="A job's statistics")
async def job_stats(
    job_id: JobId, ops: Ops, _caller: Reader, days: Annotated[int, Query(ge=1, le=3650)] = 7
) -> StatsOut:
    return StatsOut.of(await ops.job_stats(job_id, days=days))


@router.get("/runs/{run_id}", response_model=RunOut, tags=["runs"], summary="One run")
async def get_run(run_id: RunId, ops: Ops, _caller: Reader) -> RunOut:
    return RunOut.of(await ops.run(run_id))


# How often a cancel's wait reads the run: whoever executes it may be another process, which sends no event here.
_CANCEL_POLL_SECONDS = 0.2
_STOPPING: dict[int | str, dict[str, Any]] = {
    202: {"model": CancelOut, "description": "Asked: the run was still running when the wait ended"}
}


@router.post(
    "/runs/{run_id}/cancel", response_model=CancelOut, responses=_STOPPING, tags=["runs"], summary="Cancel a run"
)
async def cancel_run(
    run_id: RunId,
    ops: Ops,
    caller: Writer,
    response: Response,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to wait for the run to stop")] = 0,
) -> CancelOut:
    """Ask whoever executes the run (schedops, or the worker that took it) to stop it; the run then ends
    `interrupted` and is not retried. Admin tokens only, as for running a job now without an approval; every
    attempt is audited. 200 with the run once it has stopped, 202 while it is stopping."""
    await ops.cancel_run_as(run_id, caller)
    run = await ops.wait_for_run(run_id, seconds=wait, poll_seconds=_CANCEL_POLL_SECONDS)
    if run.status is RunStatus.RUNNING:
        response.status_code = 202
    return CancelOut.of(run)
