from __future__ import annotations

from typing import Any

import pytest

from core.approvals import (
    ActionRequest,
    Approval,
    ApprovalAction,
    ApprovalStatus,
    Direct,
    NeedsApproval,
    NoApprovers,
    NotAnApprover,
    OwnRequest,
    Refused,
    check_decider,
    decide_route,
)
from core.config import Settings
from tests.support.clock import ManualClock

EVERYONE = {"SCHEDOPS_ADMINS": "alice", "SCHEDOPS_APPROVERS": "bob,carol"}
ONLY_BOB = {"SCHEDOPS_ADMINS": "alice", "SCHEDOPS_APPROVERS": "bob"}
SELF_OK = {**ONLY_BOB, "SCHEDOPS_ALLOW_SELF_APPROVAL": "true"}
NOBODY = {"SCHEDOPS_ADMINS": "alice"}


@pytest.mark.parametrize("action", list(ApprovalAction))
@pytest.mark.parametrize(
    ("config", "actor", "expected"),
    [
        (EVERYONE, "alice", Direct()),
        (NOBODY, "alice", Direct()),
        (EVERYONE, "dave", NeedsApproval(frozenset({"bob", "carol"}))),
        (EVERYONE, "bob", NeedsApproval(frozenset({"carol"}))),
        (ONLY_BOB, "dave", NeedsApproval(frozenset({"bob"}))),
        (SELF_OK, "bob", NeedsApproval(frozenset({"bob"}))),
        (ONLY_BOB, "bob", NoApprovers),
        (NOBODY, "dave", NoApprovers),
    ],
)
def test_it_routes_each_request(action: ApprovalAction, config: dict[str, str], actor: str, expected: Any) -> None:
    route = decide_route(actor, action, Settings.model_validate(config))

    if isinstance(expected, type):
        assert isinstance(route, Refused) and isinstance(route.refusal, expected)
        assert "SCHEDOPS_APPROVERS" in str(route.refusal)
    else:
        assert route == expected


def _requested_by(actor: str) -> Approval:
    now = ManualClock()()
    return Approval(
        id="a1",
        request=ActionRequest.run_job("backup"),
        requested_by=actor,
        channel_id=None,
        message_ts=None,
        created_at=now,
        expires_at=now,
        status=ApprovalStatus.PENDING,
    )


@pytest.mark.parametrize(
    ("config", "decider", "requester", "expected"),
    [
        (EVERYONE, "carol", "bob", None),
        (EVERYONE, "bob", "dave", None),
        (EVERYONE, "dave", "bob", NotAnApprover),
        (EVERYONE, "alice", "dave", NotAnApprover),  # admins act directly, but only approvers decide
        (EVERYONE, "bob", "bob", OwnRequest),
        (SELF_OK, "bob", "bob", None),
        (SELF_OK, "dave", "dave", NotAnApprover),
    ],
)
def test_it_lets_only_approvers_decide_and_never_their_own_request(
    config: dict[str, str], decider: str, requester: str, expected: type[Exception] | None
) -> None:
    refusal = check_decider(decider, _requested_by(requester), Settings.model_validate(config))

    if expected is None:
        assert refusal is None
    else:
        assert isinstance(refusal, expected)
