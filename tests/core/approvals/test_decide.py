"""Deciding through signed buttons: exactly once, by the right people, before the request expires."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from core.approvals import (
    ActionRequest,
    AlreadyDecided,
    Approval,
    ApprovalExpired,
    ApprovalLookupError,
    ApprovalService,
    ApprovalStatus,
    BadToken,
    Decision,
    NotAnApprover,
    OwnRequest,
)
from core.approvals.tokens import decision_signer, sign_decision
from core.audit import AuditOutcome, query_audit
from core.engine import Engine
from core.secrets import signing_secret
from core.storage.database import Database
from tests.core.approvals.conftest import FixitCalls, approval_audit, make_settings, pending, tokens
from tests.support.clock import ManualClock


async def test_an_approver_approves_and_the_run_starts_once(
    service: ApprovalService, engine: Engine, clock: ManualClock
) -> None:
    approval = await pending(service)
    approve, _ = tokens(service, approval)
    clock.advance(60)

    decided = await service.decide(approve, actor="bob", channel_id="C1")

    assert decided.status is ApprovalStatus.EXECUTED
    assert (decided.decided_by, decided.decided_at) == ("bob", clock())
    [run] = await engine.runs.recent("backup")
    assert run.requested_by == "bob"
    # Started, not awaited: the outcome names the run as it was when the decision returned.
    assert decided.outcome == {"job_id": "backup", "run_id": run.id, "run_status": "running"}


async def test_a_denial_is_recorded_and_nothing_runs(service: ApprovalService, engine: Engine) -> None:
    approval = await pending(service)
    _, deny = tokens(service, approval)

    decided = await service.decide(deny, actor="carol")

    assert decided.status is ApprovalStatus.DENIED and decided.decided_by == "carol"
    assert decided.outcome is None and decided.executed_at is None
    assert await engine.runs.recent("backup") == []


async def test_it_rejects_a_replayed_token_naming_the_first_decider(
    service: ApprovalService, engine: Engine, clock: ManualClock
) -> None:
    approval = await pending(service)
    approve, _ = tokens(service, approval)
    first = await service.decide(approve, actor="bob")
    clock.advance(5)

    with pytest.raises(AlreadyDecided) as caught:
        await service.decide(approve, actor="bob")

    assert caught.value.approval.decided_by == "bob"
    assert caught.value.approval.decided_at == first.decided_at
    assert "already approved by bob" in str(caught.value)
    assert "run job backup" in str(caught.value)
    assert len(await engine.runs.recent("backup")) == 1


async def test_the_other_button_after_a_decision_is_refused_too(service: ApprovalService, engine: Engine) -> None:
    approval = await pending(service)
    approve, deny = tokens(service, approval)
    await service.decide(deny, actor="carol")

    with pytest.raises(AlreadyDecided, match="already denied by carol"):
        await service.decide(approve, actor="bob")

    assert await engine.runs.recent("backup") == []


async def test_two_clicks_at_once_never_both_win(service: ApprovalService, engine: Engine) -> None:
    executed = 0
    for attempt in range(10):
        approval = await pending(service)
        approve, deny = tokens(service, approval)
        # Even attempts race two approvals, odd ones an approval against a denial.
        second = deny if attempt % 2 else approve

        results = await asyncio.gather(
            service.decide(approve, actor="bob"), service.decide(second, actor="carol"), return_exceptions=True
        )

        winners = [result for result in results if isinstance(result, Approval)]
        losers = [result for result in results if isinstance(result, AlreadyDecided)]
        assert (len(winners), len(losers)) == (1, 1), results
        assert losers[0].approval.decided_by == winners[0].decided_by
        assert (await service.store.get(approval.id)).decided_by == winners[0].decided_by
        executed += winners[0].status is ApprovalStatus.EXECUTED

    assert len(await engine.runs.recent("backup", limit=100)) == executed >= 5


async def test_a_pending_decision_is_claimed_by_one_conditional_update(db: Database, service: ApprovalService) -> None:
    for _ in range(10):
        approval = await pending(service)
        now = approval.created_at
        claims = await asyncio.gather(
            *(
                service.store.claim_decision(approval.id, ApprovalStatus.APPROVED, decided_by=who, now=now)
                for who in ("bob", "carol", "bob", "carol")
            )
        )
        assert sorted(claims) == [False, False, False, True]


async def test_it_refuses_someone_who_is_not_an_approver(service: ApprovalService, engine: Engine) -> None:
    approval = await pending(service)
    approve, _ = tokens(service, approval)

    for outsider in ("dave", "alice"):
        with pytest.raises(NotAnApprover, match="Only approvers"):
            await service.decide(approve, actor=outsider)

    assert (await service.store.get(approval.id)).status is ApprovalStatus.PENDING
    assert await engine.runs.recent("backup") == []


async def test_it_refuses_an_approver_deciding_their_own_request(service: ApprovalService) -> None:
    approval = await pending(service, actor="bob")
    approve, _ = tokens(service, approval)

    with pytest.raises(OwnRequest, match="your own request"):
        await service.decide(approve, actor="bob")

    assert (await service.decide(approve, actor="carol")).status is ApprovalStatus.EXECUTED


async def test_self_approval_is_allowed_when_configured(
    db: Database, engine: Engine, clock: ManualClock, fixit: FixitCalls
) -> None:
    settings = make_settings(SCHEDOPS_APPROVERS="bob", SCHEDOPS_ALLOW_SELF_APPROVAL="true")
    service = await ApprovalService.create(db, settings, control=engine, run_fixit=fixit, clock=clock)
    approval = await pending(service, actor="bob")

    decided = await service.decide(tokens(service, approval)[0], actor="bob")

    assert (decided.status, decided.requested_by, decided.decided_by) == (ApprovalStatus.EXECUTED, "bob", "bob")


@pytest.mark.parametrize("late", [timedelta(hours=1), timedelta(hours=1, seconds=1), timedelta(days=2)])
async def test_a_click_after_expiry_is_refused_and_expires_the_request(
    service: ApprovalService, engine: Engine, clock: ManualClock, late: timedelta
) -> None:
    approval = await pending(service)
    approve, _ = tokens(service, approval)
    clock.advance(late)

    with pytest.raises(ApprovalExpired, match="expired at 2026-11-22 13:00 UTC"):
        await service.decide(approve, actor="bob")

    assert (await service.store.get(approval.id)).status is ApprovalStatus.EXPIRED
    assert await engine.runs.recent("backup") == []
    with pytest.raises(ApprovalExpired):
        await service.decide(approve, actor="carol")


async def test_a_click_just_before_expiry_still_counts(service: ApprovalService, clock: ManualClock) -> None:
    approval = await pending(service)
    clock.advance(timedelta(hours=1) - timedelta(seconds=1))

    assert (await service.decide(tokens(service, approval)[0], actor="bob")).status is ApprovalStatus.EXECUTED


async def test_the_sweep_expires_only_overdue_pending_requests(service: ApprovalService, clock: ManualClock) -> None:
    early = await pending(service)
    decided = await pending(service)
    await service.decide(tokens(service, decided)[1], actor="bob")
    clock.advance(timedelta(minutes=30))
    late = await pending(service)
    clock.advance(timedelta(minutes=30))

    swept = await service.expire_overdue()

    assert [approval.id for approval in swept] == [early.id]
    assert swept[0].status is ApprovalStatus.EXPIRED
    assert (await service.store.get(decided.id)).status is ApprovalStatus.DENIED
    assert (await service.store.get(late.id)).status is ApprovalStatus.PENDING
    assert await service.expire_overdue() == []
    clock.advance(timedelta(minutes=30))
    assert [approval.id for approval in await service.expire_overdue()] == [late.id]


@pytest.mark.parametrize("mangle", [lambda t: t[:-1], lambda t: t[:20], lambda t: "x" + t[1:], lambda t: ""])
async def test_it_refuses_a_tampered_or_truncated_token(service: ApprovalService, mangle: Callable[[str], str]) -> None:
    approval = await pending(service)
    approve, _ = tokens(service, approval)

    with pytest.raises(BadToken, match="not valid"):
        await service.decide(mangle(approve), actor="bob")

    assert (await service.store.get(approval.id)).status is ApprovalStatus.PENDING


async def test_a_token_for_a_request_that_does_not_exist_is_refused(
    db: Database, service: ApprovalService, clock: ManualClock
) -> None:
    signer = decision_signer(await signing_secret(db, make_settings(), now=clock()))
    forged_by_us = sign_decision(signer, str(uuid.uuid4()), Decision.APPROVE, expires_at=clock() + timedelta(hours=1))

    with pytest.raises(ApprovalLookupError, match="no longer exists"):
        await service.decide(forged_by_us, actor="bob")


async def test_tokens_survive_a_restart(
    db: Database, service: ApprovalService, engine: Engine, clock: ManualClock, fixit: FixitCalls
) -> None:
    approval = await pending(service)
    approve, _ = tokens(service, approval)
    restarted_db = Database(db.url)
    try:
        restarted = await ApprovalService.create(
            restarted_db,
            make_settings(),
            control=engine,
            run_fixit=fixit,
            clock=clock,
        )
        assert (await restarted.decide(approve, actor="bob")).status is ApprovalStatus.EXECUTED
    finally:
        await restarted_db.close()


async def test_a_token_from_another_deployment_is_refused(
    db: Database, service: ApprovalService, engine: Engine, clock: ManualClock, fixit: FixitCalls
) -> None:
    other = await ApprovalService.create(
        db,
        make_settings(SCHEDOPS_SIGNING_SECRET="another-deployment-with-its-own-32-byte-key"),
        control=engine,
        run_fixit=fixit,
        clock=clock,
    )
    approval = await pending(service)

    with pytest.raises(BadToken):
        await service.decide(other.token(approval, Decision.APPROVE), actor="bob")


async def test_every_step_is_audited(db: Database, service: ApprovalService) -> None:
    approval = await pending(service, ActionRequest.pause_job("backup"))
    approve, _ = tokens(service, approval)
    with pytest.raises(NotAnApprover):
        await service.decide(approve, actor="dave")
    with pytest.raises(BadToken):
        await service.decide(approve[:-2], actor="bob", channel_id="C9")
    await service.decide(approve, actor="bob", channel_id="C1")
    with pytest.raises(AlreadyDecided):
        await service.decide(approve, actor="carol")

    entries = list(reversed(await approval_audit(db)))

    target = f"approval:{approval.id}"
    assert [(e.actor, e.action, e.target, e.outcome) for e in entries] == [
        ("dave", "approval.request", target, AuditOutcome.OK),
        ("dave", "approval.decide", target, AuditOutcome.REFUSED),
        ("bob", "approval.decide", None, AuditOutcome.REFUSED),
        ("bob", "approval.approve", target, AuditOutcome.OK),
        ("bob", "pause_job", "job:backup", AuditOutcome.OK),
        ("carol", "approval.decide", target, AuditOutcome.REFUSED),
    ]
    assert entries[0].detail == "pause job backup"
    assert entries[1].detail is not None and entries[1].detail.startswith("not_an_approver:")
    assert entries[2].channel_id == "C9" and (entries[2].detail or "").startswith("bad_token:")
    assert approval.id in (entries[4].detail or "") and "approved by bob" in (entries[4].detail or "")
    assert (entries[5].detail or "").startswith("already_decided:")


async def test_expiry_is_audited_once(db: Database, service: ApprovalService, clock: ManualClock) -> None:
    approval = await pending(service)
    clock.advance(timedelta(hours=2))
    with pytest.raises(ApprovalExpired):
        await service.decide(tokens(service, approval)[0], actor="bob")
    await service.expire_overdue()

    expiries = await query_audit(db, action="approval.expire")
    refusals = await query_audit(db, action="approval.decide")

    assert [(e.actor, e.target, e.channel_id) for e in expiries] == [(None, f"approval:{approval.id}", "C1")]
    assert [(e.outcome, e.target) for e in refusals] == [(AuditOutcome.REFUSED, f"approval:{approval.id}")]
    assert (refusals[0].detail or "").startswith("expired:")
