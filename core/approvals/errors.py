"""Why an approval step was refused. Each message is meant for the person who clicked or asked: it explains
itself in plain words and never contains a secret or a token."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from core.approvals.model import Approval, ApprovalStatus


class RefusalReason(StrEnum):
    BAD_TOKEN = "bad_token"
    EXPIRED = "expired"
    ALREADY_DECIDED = "already_decided"
    NOT_AN_APPROVER = "not_an_approver"
    OWN_REQUEST = "own_request"
    NO_APPROVERS = "no_approvers"
    UNKNOWN_REQUEST = "unknown_request"
    WRONG_MESSAGE = "wrong_message"
    TOO_MANY_REQUESTS = "too_many_requests"
    JOB_CHANGED = "job_changed"


class ApprovalRefused(Exception):
    """Base of every refusal; ``str(error)`` is the user-facing message, ``reason`` a stable code. Retrying
    the same step never helps."""

    reason: ClassVar[RefusalReason]

    @property
    def message(self) -> str:
        return str(self)


class BadToken(ApprovalRefused):
    reason = RefusalReason.BAD_TOKEN

    def __init__(self) -> None:
        super().__init__("This button is not valid: its signature does not match. Nothing was done.")


class ApprovalExpired(ApprovalRefused):
    reason = RefusalReason.EXPIRED

    def __init__(self, approval_id: str, expired_at: datetime) -> None:
        super().__init__(f"This request expired at {_when(expired_at)}. Nothing was done; ask again if needed.")
        self.approval_id = approval_id
        self.expired_at = expired_at


class AlreadyDecided(ApprovalRefused):
    """Someone decided first (or this is a replay); ``approval`` says who, when and what happened."""

    reason = RefusalReason.ALREADY_DECIDED

    def __init__(self, approval: Approval) -> None:
        verb = "denied" if approval.status is ApprovalStatus.DENIED else "approved"
        decided_at = _when(approval.decided_at) if approval.decided_at else "an unknown time"
        super().__init__(
            f"This request ({approval.request.describe()}) was already {verb} by {approval.decided_by} "
            f"at {decided_at}.{_AFTERWARDS.get(approval.status, '')}"
        )
        self.approval = approval


_AFTERWARDS = {
    ApprovalStatus.APPROVED: " It is being carried out.",
    ApprovalStatus.EXECUTED: " It has been carried out.",
    ApprovalStatus.FAILED: " Carrying it out failed.",
}


class NotAnApprover(ApprovalRefused):
    reason = RefusalReason.NOT_AN_APPROVER

    def __init__(self, actor: str) -> None:
        super().__init__("Only approvers (SCHEDOPS_APPROVERS) may approve or deny requests.")
        self.actor = actor


class OwnRequest(ApprovalRefused):
    reason = RefusalReason.OWN_REQUEST

    def __init__(self, actor: str) -> None:
        super().__init__("You cannot decide your own request; another approver has to.")
        self.actor = actor


class NoApprovers(ApprovalRefused):
    """Nobody could approve the request, so it is not created."""

    reason = RefusalReason.NO_APPROVERS

    def __init__(self) -> None:
        super().__init__(
            "This needs an approver's decision, but no one else is configured to approve (SCHEDOPS_APPROVERS)."
        )


class ApprovalLookupError(ApprovalRefused, LookupError):
    reason = RefusalReason.UNKNOWN_REQUEST

    def __init__(self, approval_id: str) -> None:
        super().__init__("This request no longer exists.")
        self.approval_id = approval_id


class WrongMessage(ApprovalRefused):
    """A decision button clicked on a message other than its request's own (a forged or copied click)."""

    reason = RefusalReason.WRONG_MESSAGE

    def __init__(self, approval_id: str) -> None:
        super().__init__("This button does not belong to this message. Nothing was done.")
        self.approval_id = approval_id


class TooManyOpenRequests(ApprovalRefused):
    """The requester already has as many pending requests as SCHEDOPS_MAX_OPEN_REQUESTS allows."""

    reason = RefusalReason.TOO_MANY_REQUESTS

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already have {limit} requests waiting for approval (SCHEDOPS_MAX_OPEN_REQUESTS); "
            "wait for a decision, then ask again."
        )
        self.limit = limit


class JobChanged(ApprovalRefused):
    """An edit request made against a version of the job that has since changed."""

    reason = RefusalReason.JOB_CHANGED

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"Job {job_id} has changed since this edit was requested, so it was not applied; "
            "edit the job again to ask for the change against its current definition."
        )
        self.job_id = job_id


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
