"""Who may do what: pure functions of the actor, the action and the settings (no I/O, no clock).

- Admins (SCHEDOPS_ADMINS) act directly.
- Anyone else asking for an action gets an approval request, if someone other than them could approve it.
- Only approvers (SCHEDOPS_APPROVERS) decide, and never their own request unless
  SCHEDOPS_ALLOW_SELF_APPROVAL is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.approvals.errors import ApprovalRefused, NoApprovers, NotAnApprover, OwnRequest
from core.approvals.model import Approval, ApprovalAction
from core.config import Settings


@dataclass(frozen=True, slots=True)
class Direct:
    """The actor may perform the action now."""


@dataclass(frozen=True, slots=True)
class NeedsApproval:
    """The action waits for one of ``approvers``."""

    approvers: frozenset[str]


@dataclass(frozen=True, slots=True)
class Refused:
    """The action can neither be performed nor requested; ``refusal`` explains why."""

    refusal: ApprovalRefused


Route = Direct | NeedsApproval | Refused


def decide_route(actor: str, action: ApprovalAction, settings: Settings, *, direct: bool | None = None) -> Route:
    """How ``actor``'s request for ``action`` proceeds. ``direct`` overrides SCHEDOPS_ADMINS for a caller whose
    role is known otherwise (an API token: admin True, operator False, even when acting as an admin)."""
    if direct if direct is not None else actor in settings.admins:
        return Direct()
    approvers = eligible_approvers(actor, settings)
    if not approvers:
        return Refused(NoApprovers())
    return NeedsApproval(approvers)


def eligible_approvers(requested_by: str, settings: Settings) -> frozenset[str]:
    """The approvers who may decide a request made by ``requested_by``."""
    if settings.allow_self_approval:
        return settings.approvers
    return settings.approvers - {requested_by}


def check_decider(actor: str, approval: Approval, settings: Settings) -> ApprovalRefused | None:
    """Why ``actor`` may not decide ``approval``, or None when they may."""
    if actor not in settings.approvers:
        return NotAnApprover(actor)
    if actor == approval.requested_by and not settings.allow_self_approval:
        return OwnRequest(actor)
    return None
