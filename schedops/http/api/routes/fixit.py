"""Fix-it: the plan for recent failures as a dry run, and asking for it to be carried out (fix-it always
needs a second person's approval, whatever the token's role)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.durations import MAX_WINDOW
from core.fixit.describe import describe_plan
from core.fixit.model import FixitMode, FixitPlan
from core.jobs.spec import JOB_ID_PATTERN, Window
from schedops.http.api.auth import Ops, Reader, Writer
from schedops.http.api.models import ActionOut

router = APIRouter(tags=["fixit"])


class FixitAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: FixitMode = FixitMode.BALANCED
    window: Window = Field(timedelta(hours=24), description="How far back to look for failures, e.g. 6h")
    max_retries: int = Field(3, ge=1, le=10)
    job_ids: list[Annotated[str, Field(pattern=JOB_ID_PATTERN)]] = Field(default_factory=list, max_length=100)

    @field_validator("window")
    @classmethod
    def _sensible(cls, value: timedelta) -> timedelta:
        if not timedelta(0) < value <= MAX_WINDOW:
            raise ValueError("window must be more than 0s and at most 30d")
        return value


class FixitPlanOut(BaseModel):
    plan: FixitPlan
    summary: list[str]


@router.post("/fixit/plan", response_model=FixitPlanOut, summary="What fix-it would do (a dry run)")
async def plan(ask: FixitAsk, ops: Ops, caller: Reader) -> FixitPlanOut:
    planned = await _plan(ask, ops, caller.actor)
    return FixitPlanOut(plan=planned, summary=describe_plan(planned).splitlines())


@router.post("/fixit/requests", response_model=ActionOut, status_code=202, summary="Ask for fix-it to be carried out")
async def request(ask: FixitAsk, ops: Ops, caller: Writer) -> ActionOut:
    approval = await ops.request_fixit_as(await _plan(ask, ops, caller.actor), caller)
    return ActionOut.requested(approval, await ops.describe_request(approval))


async def _plan(ask: FixitAsk, ops: Ops, actor: str) -> FixitPlan:
    return await ops.plan_fixit(
        actor=actor, mode=ask.mode, window=ask.window, max_retries=ask.max_retries, job_ids=ask.job_ids
    )
