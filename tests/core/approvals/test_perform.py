"""Carrying out actions: once approved, or at once for an admin; every outcome stored and audited."""

from __future__ import annotations

import pytest

from core.approvals import ActedDirectly, ActionRequest, ApprovalService, ApprovalStatus, NoApprovers
from core.audit import AuditOutcome, query_audit
from core.engine import Engine
from core.storage.database import Database
from core.storage.jobs_store import JobLookupError
from tests.core.approvals.conftest import FixitCalls, approval_audit, make_settings, pending, shell_job, tokens
from tests.support.clock import ManualClock


async def _approved(service: ApprovalService, request: ActionRequest) -> tuple[ApprovalStatus, object]:
    approval = await pending(service, request)
    decided = await service.decide(tokens(service, approval)[0], actor="bob")
    assert decided.executed_at is not None
    return decided.status, decided.outcome


async def test_an_approved_pause_and_resume_change_the_job(service: ApprovalService, engine: Engine) -> None:
    assert await _approved(service, ActionRequest.pause_job("backup")) == (
        ApprovalStatus.EXECUTED,
        {"job_id": "backup", "paused": True, "enabled": True},
    )
    job = await engine.jobs.require("backup")
    assert (job.paused, job.paused_by) == (True, "bob")

    status, _ = await _approved(service, ActionRequest.resume_job("backup"))

    assert status is ApprovalStatus.EXECUTED
    assert not (await engine.jobs.require("backup")).paused


async def test_an_approved_update_applies_the_new_definition(service: ApprovalService, engine: Engine) -> None:
    changed = shell_job(command=["echo", "changed"], timeout="5m")

    status, _ = await _approved(service, ActionRequest.update_job(changed))

    assert status is ApprovalStatus.EXECUTED
    job = await engine.jobs.require("backup")
    assert job.spec == changed and job.updated_by == "bob"


async def test_an_approved_add_and_remove(service: ApprovalService, engine: Engine) -> None:
    status, outcome = await _approved(service, ActionRequest.add_job(shell_job("cleanup")))
    assert (status, (await engine.jobs.require("cleanup")).spec) == (ApprovalStatus.EXECUTED, shell_job("cleanup"))

    status, outcome = await _approved(service, ActionRequest.remove_job("cleanup"))

    assert (status, outcome) == (ApprovalStatus.EXECUTED, {"job_id": "cleanup", "removed": True})
    assert await engine.jobs.get("cleanup") is None


async def test_an_approved_fixit_plan_is_applied_once_by_the_decider(
    service: ApprovalService, fixit: FixitCalls
) -> None:
    status, outcome = await _approved(service, ActionRequest.fixit("plan-7"))

    assert (status, outcome) == (ApprovalStatus.EXECUTED, {"plan_id": "plan-7", "retried": 2})
    assert fixit.calls == [("plan-7", "bob")]


async def test_an_action_that_fails_is_stored_as_failed_and_audited(
    db: Database, service: ApprovalService, engine: Engine
) -> None:
    approval = await pending(service, ActionRequest.run_job("backup"))
    await engine.remove_job("backup", actor="alice")  # gone before the approver clicks

    decided = await service.decide(tokens(service, approval)[0], actor="bob")

    assert decided.status is ApprovalStatus.FAILED
    assert decided.outcome == {"error": "JobLookupError: no job with id 'backup'"}
    [entry] = await query_audit(db, action="run_job")
    assert (entry.actor, entry.target, entry.outcome) == ("bob", "job:backup", AuditOutcome.FAILED)
    assert "JobLookupError" in (entry.detail or "")


async def test_a_failing_fixit_executor_fails_the_approval(db: Database, engine: Engine, clock: ManualClock) -> None:
    async def broken(plan_id: str, actor: str, progress: object = None) -> None:
        raise RuntimeError(f"plan {plan_id} is stale")

    service = await ApprovalService.create(db, make_settings(), control=engine, run_fixit=broken, clock=clock)

    status, outcome = await _approved(service, ActionRequest.fixit("plan-8"))

    assert (status, outcome) == (ApprovalStatus.FAILED, {"error": "RuntimeError: plan plan-8 is stale"})


async def test_an_admin_acts_directly_and_it_is_audited(db: Database, service: ApprovalService, engine: Engine) -> None:
    result = await service.submit(ActionRequest.run_job("backup"), actor="alice", channel_id="C1")

    assert isinstance(result, ActedDirectly)
    [run] = await engine.runs.recent("backup")
    assert run.requested_by == "alice" and result.outcome["run_id"] == run.id
    assert await service.store.pending() == []
    [entry] = await approval_audit(db)
    assert (entry.actor, entry.action, entry.target, entry.channel_id, entry.outcome, entry.detail) == (
        "alice",
        "run_job",
        "job:backup",
        "C1",
        AuditOutcome.OK,
        "direct (admin)",
    )


async def test_an_admins_failing_action_raises_and_is_audited(db: Database, service: ApprovalService) -> None:
    with pytest.raises(JobLookupError):
        await service.submit(ActionRequest.pause_job("nope"), actor="alice")

    [entry] = await approval_audit(db)
    assert (entry.action, entry.outcome) == ("pause_job", AuditOutcome.FAILED)


async def test_anyone_else_opens_a_request_that_expires_after_the_ttl(
    service: ApprovalService, engine: Engine, clock: ManualClock
) -> None:
    clock.advance(0.25)  # a fraction of a second: expiries are whole seconds, like the tokens

    approval = await pending(service, ActionRequest.run_job("backup"), actor="dave")

    assert (approval.status, approval.requested_by, approval.channel_id) == (ApprovalStatus.PENDING, "dave", "C1")
    assert approval.expires_at == (clock() + make_settings().approval_ttl).replace(microsecond=0)
    assert approval.request == ActionRequest.run_job("backup")
    assert await engine.runs.recent("backup") == []


async def test_the_posted_message_is_remembered(service: ApprovalService) -> None:
    approval = await pending(service)

    await service.set_message(approval.id, channel_id="C2", message_ts="1732000000.000100")

    stored = await service.store.get(approval.id)
    assert (stored.channel_id, stored.message_ts) == ("C2", "1732000000.000100")


async def test_a_request_nobody_could_approve_is_refused_and_audited(
    db: Database, engine: Engine, fixit: FixitCalls, clock: ManualClock
) -> None:
    lonely = make_settings(SCHEDOPS_APPROVERS="bob")
    service = await ApprovalService.create(db, lonely, control=engine, run_fixit=fixit, clock=clock)

    with pytest.raises(NoApprovers):
        await service.submit(ActionRequest.remove_job("backup"), actor="bob")

    assert await service.store.pending() == []
    [entry] = await approval_audit(db)
    assert (entry.actor, entry.action, entry.target, entry.outcome) == (
        "bob",
        "remove_job",
        "job:backup",
        AuditOutcome.REFUSED,
    )
