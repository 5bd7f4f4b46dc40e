"""Issue 9, suspected item: one member could open any number of approval requests. Now at most
SCHEDOPS_MAX_OPEN_REQUESTS pending at once per requester; the refusal is audited and nothing is stored."""

from __future__ import annotations

import pytest

from core.approvals import ActionRequest, ApprovalService
from core.approvals.errors import TooManyOpenRequests, WrongMessage
from core.audit import query_audit
from core.engine import Engine
from core.storage.database import Database
from tests.core.approvals.conftest import FixitCalls, make_settings, pending, tokens
from tests.support.clock import ManualClock


async def test_a_requester_cannot_flood_the_approvers(
    db: Database, engine: Engine, fixit: FixitCalls, clock: ManualClock
) -> None:
    settings = make_settings(SCHEDOPS_MAX_OPEN_REQUESTS="3")
    service = await ApprovalService.create(db, settings, control=engine, run_fixit=fixit, clock=clock)
    for _ in range(3):
        await pending(service, ActionRequest.run_job("backup"))

    with pytest.raises(TooManyOpenRequests):
        await service.submit(ActionRequest.run_job("backup"), actor="dave", channel_id="C1")

    assert await service.store.count_open("dave", now=clock()) == 3
    [entry] = await query_audit(db, actor="dave", limit=1)
    assert entry.outcome == "refused" and "too_many_requests" in (entry.detail or "")
    # Another member is not affected, and a decided request frees a place.
    await pending(service, actor="erin")
    clock.advance(settings.approval_ttl.total_seconds() + 1)
    await pending(service, ActionRequest.run_job("backup"))


async def test_a_decision_on_another_message_is_refused(service: ApprovalService) -> None:
    approval = await pending(service)
    await service.set_message(approval.id, channel_id="C1", message_ts="111.1")
    approve, _ = tokens(service, approval)

    with pytest.raises(WrongMessage):
        await service.decide(approve, actor="bob", channel_id="C1", message=("C1", "222.2"))

    assert (await service.store.get(approval.id)).status.value == "pending"
