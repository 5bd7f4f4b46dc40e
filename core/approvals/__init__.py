"""Approvals: a second person's decision before a job is run, paused, resumed, changed or removed, or a
fix-it plan is applied; decided through signed buttons, exactly once, and audited."""

from core.approvals.errors import (
    AlreadyDecided,
    ApprovalExpired,
    ApprovalLookupError,
    ApprovalRefused,
    BadToken,
    NoApprovers,
    NotAnApprover,
    OwnRequest,
    RefusalReason,
)
from core.approvals.model import ActionRequest, Approval, ApprovalAction, ApprovalStatus, Decision
from core.approvals.perform import FixitRunner
from core.approvals.policy import Direct, NeedsApproval, Refused, Route, check_decider, decide_route
from core.approvals.service import ActedDirectly, ApprovalService
from core.approvals.store import ApprovalStore

__all__ = [
    "ActedDirectly",
    "ActionRequest",
    "AlreadyDecided",
    "Approval",
    "ApprovalAction",
    "ApprovalExpired",
    "ApprovalLookupError",
    "ApprovalRefused",
    "ApprovalService",
    "ApprovalStatus",
    "ApprovalStore",
    "BadToken",
    "Decision",
    "Direct",
    "FixitRunner",
    "NeedsApproval",
    "NoApprovers",
    "NotAnApprover",
    "OwnRequest",
    "RefusalReason",
    "Refused",
    "Route",
    "check_decider",
    "decide_route",
]
