"""Approval requests: list, get, and decide (with a token acting as an approver, never the requester)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from core.approvals import ApprovalStatus, Decision
from schedops.http.api.auth import Ops, Reader, Writer
from schedops.http.api.models import ApprovalOut

router = APIRouter(tags=["approvals"])

ApprovalId = Annotated[str, Path(max_length=36)]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision


@router.get("/approvals", response_model=list[ApprovalOut], summary="Approval requests, newest first")
async def list_approvals(
    ops: Ops,
    _caller: Reader,
    status: ApprovalStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ApprovalOut]:
    return [
        ApprovalOut.of(approval, await ops.describe_request(approval))
        for approval in await ops.recent_approvals(status=status, limit=limit)
    ]


@router.get("/approvals/{approval_id}", response_model=ApprovalOut, summary="One approval request")
async def get_approval(approval_id: ApprovalId, ops: Ops, _caller: Reader) -> ApprovalOut:
    approval = await ops.approval(approval_id)
    return ApprovalOut.of(approval, await ops.describe_request(approval))


@router.post("/approvals/{approval_id}/decision", response_model=ApprovalOut, summary="Approve or deny")
async def decide(approval_id: ApprovalId, body: DecisionIn, ops: Ops, caller: Writer) -> ApprovalOut:
    approval = await ops.decide_as(approval_id, body.decision, caller)
    return ApprovalOut.of(approval, await ops.describe_request(approval))
