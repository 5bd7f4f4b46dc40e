"""The approval workflow: route a request, sign the decision buttons, decide exactly once, carry it out,
and audit every step (requests, decisions, refusals, executions, expiries)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import audit
from core.abc import JobControl, Progress
from core.approvals.errors import (
    AlreadyDecided,
    ApprovalExpired,
    ApprovalRefused,
    BadToken,
    JobChanged,
    TooManyOpenRequests,
    WrongMessage,
)
from core.approvals.model import ActionRequest, Approval, ApprovalStatus, Decision
from core.approvals.perform import FixitRunner, describe_error, perform
from core.approvals.policy import Direct, NeedsApproval, check_decider, decide_route
from core.approvals.store import ApprovalStore
from core.approvals.tokens import DecisionToken, decision_signer, parse_decision, read_decision, sign_decision
from core.audit import AuditOutcome
from core.clock import Clock, utc_now
from core.config import Settings
from core.jobs.changes import version_of
from core.secrets import signing_secret
from core.signing import BadSignature, SignatureExpired, Signer
from core.storage.database import Database
from core.storage.jobs_store import JobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ActedDirectly:
    """An admin's request, carried out at once; ``outcome`` as it would be stored on an approval."""

    request: ActionRequest
    outcome: Any


class ApprovalService:
    """Approvals over one database. ``control`` and ``run_fixit`` carry out approved actions."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        control: JobControl,
        run_fixit: FixitRunner,
        signer: Signer,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self._settings = settings
        self._control = control
        self._run_fixit = run_fixit
        self._signer = signer
        self._clock = clock
        self.store = ApprovalStore(db)

    @classmethod
    async def create(
        cls, db: Database, settings: Settings, *, control: JobControl, run_fixit: FixitRunner, clock: Clock = utc_now
    ) -> ApprovalService:
        """A service whose signing key is SCHEDOPS_SIGNING_SECRET or the one kept in the database."""
        secret = await signing_secret(db, settings, now=clock())
        signer = decision_signer(secret)
        return cls(db, settings, control=control, run_fixit=run_fixit, signer=signer, clock=clock)

    # -- asking ------------------------------------------------------------------------------------------

    async def submit(
        self, request: ActionRequest, *, actor: str, channel_id: str | None = None, direct: bool | None = None
    ) -> ActedDirectly | Approval:
        """Carry out ``request`` now (admins), or open an approval request (anyone else); ``direct`` as in
        ``decide_route``.

        Raises NoApprovers when nobody could approve it; errors of a direct action propagate (audited).
        """
        route = decide_route(actor, request.action, self._settings, direct=direct)
        if isinstance(route, Direct):
            return ActedDirectly(request, await self._perform_direct(request, actor, channel_id))
        if isinstance(route, NeedsApproval):
            return await self.request_approval(request, actor=actor, channel_id=channel_id)
        await self._audit_refusal(route.refusal, actor, channel_id, action=request.action.value, target=request.target)
        raise route.refusal

    async def request_approval(self, request: ActionRequest, *, actor: str, channel_id: str | None = None) -> Approval:
        """Record a pending request that expires after SCHEDOPS_APPROVAL_TTL. Raises TooManyOpenRequests
        (audited) when ``actor`` already has SCHEDOPS_MAX_OPEN_REQUESTS pending: one member cannot flood the
        approvers' channel."""
        now = self._clock()
        limit = self._settings.max_open_requests
        if await self.store.count_open(actor, now=now) >= limit:
            refusal = TooManyOpenRequests(limit)
            await self._audit_refusal(refusal, actor, channel_id, action=request.action.value, target=request.target)
            raise refusal
        # Whole seconds: the tokens carry the expiry in seconds, and both must agree.
        expires_at = (now + self._settings.approval_ttl).replace(microsecond=0)
        approval = await self.store.add(
            request, requested_by=actor, channel_id=channel_id, now=now, expires_at=expires_at
        )
        log.info("approval %s opened by %s: %s", approval.id, actor, request.describe())
        await self._audit(approval, "approval.request", actor, channel_id, AuditOutcome.OK, request.describe())
        return approval

    def token(self, approval: Approval, decision: Decision) -> str:
        """The signed value for ``approval``'s approve or deny button; valid until the request expires."""
        return sign_decision(self._signer, approval.id, decision, expires_at=approval.expires_at)

    def approval_id_of(self, token: str) -> str | None:
        """The request a token we signed is for (expired or not); None for any other string."""
        try:
            return read_decision(self._signer, token, now=self._clock()).approval_id
        except SignatureExpired as expired:
            value = expired.value
        except BadSignature:
            return None
        try:
            return parse_decision(value).approval_id
        except BadSignature:
            return None

    async def set_message(self, approval_id: str, *, channel_id: str, message_ts: str) -> None:
        """Remember where the request was posted, so its message can be updated later."""
        await self.store.set_message(approval_id, channel_id=channel_id, message_ts=message_ts)

    # -- deciding ----------------------------------------------------------------------------------------

    async def decide(
        self,
        token: str,
        *,
        actor: str,
        channel_id: str | None = None,
        message: tuple[str, str] | None = None,
        progress: Progress | None = None,
    ) -> Approval:
        """Apply the decision in ``token`` on behalf of ``actor``, then carry out an approval once
        (``progress`` hears how an approved fix-it plan goes).

        ``message`` (channel, ts) is where the button was clicked: a request posted elsewhere is refused
        (WrongMessage), so a token copied onto another request's message can neither decide nor overwrite it.
        Returns the request as it ended (denied, executed or failed). Raises an ApprovalRefused subclass:
        BadToken, ApprovalExpired, AlreadyDecided, NotAnApprover, OwnRequest, WrongMessage or
        ApprovalLookupError.
        """
        now = self._clock()
        target: str | None = None
        try:
            signed = await self._verify(token, now)
            target = _target(signed.approval_id)
            approval = await self.store.get(signed.approval_id)
            if not _posted_at(approval, message):
                raise WrongMessage(approval.id)
            refusal = check_decider(actor, approval, self._settings)
            if refusal is not None:
                raise refusal
            approval = await self._claim(approval, signed.decision, actor, now)
        except ApprovalRefused as refusal:
            if isinstance(refusal, ApprovalExpired):
                target = _target(refusal.approval_id)
            await self._audit_refusal(refusal, actor, channel_id, action="approval.decide", target=target)
            raise
        await self._audit(approval, f"approval.{signed.decision.value}", actor, channel_id, AuditOutcome.OK)
        if approval.status is ApprovalStatus.APPROVED:
            approval = await self._execute(approval, channel_id, progress)
        return approval

    async def fail_unfinished(self) -> list[Approval]:
        """Approved requests a stopped process never finished carrying out become failed, never re-run: the
        action may have partly happened, so a person should look and ask again."""
        failed = []
        for approval in await self.store.unfinished():
            outcome = {"error": "interrupted: schedops stopped while carrying this out; check, then ask again"}
            if await self.store.finish(approval.id, ApprovalStatus.FAILED, outcome=outcome, now=self._clock()):
                request = approval.request
                await self._record(
                    approval.decided_by,
                    request.action.value,
                    request.target,
                    approval.channel_id,
                    AuditOutcome.FAILED,
                    f"approval {approval.id}: interrupted by a shutdown",
                )
                failed.append(await self.store.get(approval.id))
        return failed

    async def expire_overdue(self) -> list[Approval]:
        """Mark every pending request past its expiry as expired; returns those (to update their messages)."""
        expired = await self.store.expire_overdue(now=self._clock())
        for approval in expired:
            await self._audit_expiry(approval)
        return expired

    async def _verify(self, token: str, now: datetime) -> DecisionToken:
        # Structure, signature, then expiry (core.signing); only a verified id reaches the database.
        try:
            return read_decision(self._signer, token, now=now)
        except BadSignature:
            raise BadToken() from None
        except SignatureExpired as error:
            expired = error
        try:
            approval_id = parse_decision(expired.value).approval_id
        except BadSignature:
            raise BadToken() from None
        await self._expire(approval_id, now)
        raise ApprovalExpired(approval_id, expired.expired_at)

    async def _claim(self, approval: Approval, decision: Decision, actor: str, now: datetime) -> Approval:
        if approval.status is ApprovalStatus.PENDING and not approval.is_overdue(now):
            if await self.store.claim_decision(approval.id, decision.status, decided_by=actor, now=now):
                log.info("approval %s %s by %s", approval.id, decision.status.value, actor)
                return await self.store.get(approval.id)
            approval = await self.store.get(approval.id)  # someone else got there first
        if approval.status is ApprovalStatus.EXPIRED or approval.is_overdue(now):
            await self._expire(approval.id, now)
            raise ApprovalExpired(approval.id, approval.expires_at)
        raise AlreadyDecided(approval)

    async def _expire(self, approval_id: str, now: datetime) -> None:
        if await self.store.expire(approval_id, now=now):
            await self._audit_expiry(await self.store.get(approval_id))

    # -- carrying out ------------------------------------------------------------------------------------

    async def _execute(self, approval: Approval, channel_id: str | None, progress: Progress | None) -> Approval:
        decider = approval.decided_by or ""
        request = approval.request
        detail = f"approval {approval.id}, approved by {decider}"
        try:
            resolved = await self._resolved(request)
            outcome = await perform(
                resolved, actor=decider, control=self._control, run_fixit=self._run_fixit, progress=progress
            )
        except Exception as error:  # an approved action must end as executed or failed, whatever went wrong
            log.warning("approval %s: %s failed: %s", approval.id, request.describe(), describe_error(error))
            outcome = {"error": describe_error(error)}
            status, audited = ApprovalStatus.FAILED, AuditOutcome.FAILED
            detail = f"{detail}: {outcome['error']}"
        else:
            status, audited = ApprovalStatus.EXECUTED, AuditOutcome.OK
        await self.store.finish(approval.id, status, outcome=outcome, now=self._clock())
        await self._record(decider, request.action.value, request.target, channel_id, audited, detail)
        return await self.store.get(approval.id)

    async def _perform_direct(self, request: ActionRequest, actor: str, channel_id: str | None) -> Any:
        try:
            resolved = await self._resolved(request)
            outcome = await perform(resolved, actor=actor, control=self._control, run_fixit=self._run_fixit)
        except Exception as error:
            failure = f"direct (admin): {describe_error(error)}"
            await self._record(actor, request.action.value, request.target, channel_id, AuditOutcome.FAILED, failure)
            raise
        await self._record(actor, request.action.value, request.target, channel_id, AuditOutcome.OK, "direct (admin)")
        return outcome

    async def _resolved(self, request: ActionRequest) -> ActionRequest:
        """An edit stored as a change, applied to the job as it is now; JobChanged if the job is no longer
        at the version the edit was made against."""
        if request.base_version is None:
            return request
        job_id = request.job_id or ""
        current = await JobStore(self._db).require(job_id)
        if version_of(current.spec) != request.base_version:
            raise JobChanged(job_id)
        return request.applied_to(current.spec)

    # -- audit -------------------------------------------------------------------------------------------

    async def _audit(
        self,
        approval: Approval,
        action: str,
        actor: str | None,
        channel_id: str | None,
        outcome: AuditOutcome,
        detail: str | None = None,
    ) -> None:
        await self._record(actor, action, _target(approval.id), channel_id, outcome, detail)

    async def _audit_expiry(self, approval: Approval) -> None:
        log.info("approval %s expired: %s", approval.id, approval.request.describe())
        await self._audit(approval, "approval.expire", None, approval.channel_id, AuditOutcome.OK)

    async def _audit_refusal(
        self, refusal: ApprovalRefused, actor: str, channel_id: str | None, *, action: str, target: str | None
    ) -> None:
        log.info("%s by %s refused: %s", action, actor, refusal.reason.value)
        await self._record(actor, action, target, channel_id, AuditOutcome.REFUSED, f"{refusal.reason}: {refusal}")

    async def _record(
        self,
        actor: str | None,
        action: str,
        target: str | None,
        channel_id: str | None,
        outcome: AuditOutcome,
        detail: str | None,
    ) -> None:
        await audit.record(
            self._db,
            at=self._clock(),
            actor=actor,
            action=action,
            target=target,
            channel_id=channel_id,
            outcome=outcome,
            detail=detail,
        )


def _posted_at(approval: Approval, message: tuple[str, str] | None) -> bool:
    """Whether a click on ``message`` may decide ``approval``: yes when either is unknown (a request not yet
    posted, a click from no message), else only on the request's own message."""
    if message is None or approval.message_ts is None:
        return True
    return (approval.channel_id, approval.message_ts) == message


def _target(approval_id: str) -> str:
    return f"approval:{approval_id}"
