from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import ids
from bot.views.approvals import approval_decided_message, approval_request_message, refusal_message
from bot.views.common import when
from core.approvals.errors import (
    AlreadyDecided,
    ApprovalExpired,
    ApprovalLookupError,
    ApprovalRefused,
    BadToken,
    NoApprovers,
    NotAnApprover,
    OwnRequest,
)
from core.approvals.model import ActionRequest, ApprovalStatus, Decision
from core.approvals.tokens import decision_signer, sign_decision
from tests.bot.views.checks import all_text, assert_message_ok, blocks_of, buttons
from tests.bot.views.factories import ALICE, BOB, NOW, approval

APPROVE_TOKEN = "approve-token-" + "a" * 100
DENY_TOKEN = "deny-token-" + "d" * 100


def _request(**kwargs: Any) -> dict[str, Any]:
    message = approval_request_message(
        approval(**kwargs), approve_token=APPROVE_TOKEN, deny_token=DENY_TOKEN, details=["run job backup"]
    )
    assert_message_ok(message)
    return dict(message)


def test_a_request_has_approve_and_deny_buttons_carrying_the_tokens() -> None:
    approve, deny = buttons(_request())
    assert (approve["text"]["text"], approve["style"], approve["action_id"], approve["value"]) == (
        "Approve",
        "primary",
        ids.APPROVE,
        APPROVE_TOKEN,
    )
    assert (deny["text"]["text"], deny["style"], deny["action_id"], deny["value"]) == (
        "Deny",
        "danger",
        ids.DENY,
        DENY_TOKEN,
    )


@pytest.mark.parametrize(("index", "style", "confirm"), [(0, "primary", "Approve"), (1, "danger", "Deny")])
def test_each_decision_asks_for_confirmation(index: int, style: str, confirm: str) -> None:
    dialog = buttons(_request())[index]["confirm"]
    assert dialog["style"] == style
    assert dialog["confirm"]["text"] == confirm
    assert dialog["deny"]["text"] == "Cancel"
    assert dialog["title"]["text"].endswith("?")


def test_a_request_says_who_asks_for_what_until_when() -> None:
    message = _request()
    text = all_text(message)
    assert f"<@{ALICE}> asks to *run job backup*." in text
    context = blocks_of(message, "context")[0]["elements"][0]["text"]
    assert f"expires {when(NOW + timedelta(hours=1))}" in context
    assert [block["block_id"] for block in blocks_of(message, "actions")] == [ids.APPROVAL_ACTIONS]
    assert "run job backup" in message["text"]


def test_a_fixit_request_shows_the_plan_lines() -> None:
    details = ["Fix-it plan p1 (balanced mode)", "Retry (2):", "  - a: failed", "  - b: failed"]
    message = approval_request_message(
        approval(request=ActionRequest.fixit("p1")), approve_token="x", deny_token="y", details=details
    )
    assert_message_ok(message)
    assert "  - b: failed" in all_text(message)


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (ApprovalStatus.APPROVED, f"Approved by <@{BOB}>"),
        (ApprovalStatus.EXECUTED, f"Approved by <@{BOB}>"),
        (ApprovalStatus.FAILED, f"Approved by <@{BOB}>"),
        (ApprovalStatus.DENIED, f"Denied by <@{BOB}>"),
        (ApprovalStatus.EXPIRED, "so nothing was done"),
    ],
)
def test_a_decided_request_has_no_buttons_and_says_who_decided(status: ApprovalStatus, says: str) -> None:
    message = approval_decided_message(approval(status), details=["run job backup"], result="Run 7 started.")
    assert_message_ok(message)
    assert buttons(message) == []
    assert blocks_of(message, "actions") == []
    text = all_text(message)
    assert says in text
    assert "Run 7 started." in text


def test_progress_shows_the_latest_lines() -> None:
    progress = [f"job-{n}: recovered" for n in range(100)]
    message = approval_decided_message(approval(ApprovalStatus.APPROVED), details=[], progress=progress)
    assert_message_ok(message)
    text = all_text(message)
    assert "job-99: recovered" in text
    assert "job-0: recovered" not in text
    assert "80 earlier lines not shown" in text


def _refusals() -> list[ApprovalRefused]:
    decided = approval(ApprovalStatus.APPROVED)
    return [
        BadToken(),
        ApprovalExpired("appr-1", NOW),
        AlreadyDecided(decided),
        NotAnApprover(ALICE),
        OwnRequest(ALICE),
        NoApprovers(),
        ApprovalLookupError("appr-1"),
    ]


@pytest.mark.parametrize("refusal", _refusals(), ids=lambda refusal: type(refusal).__name__)
def test_a_refusal_explains_itself_and_never_shows_a_token(refusal: ApprovalRefused) -> None:
    signer = decision_signer("s" * 32)
    tokens = [sign_decision(signer, "appr-1", decision, expires_at=NOW) for decision in Decision]
    message = refusal_message(refusal)
    assert_message_ok(message)
    assert refusal.message in all_text(message)
    rendered = repr(message)
    for token in [*tokens, APPROVE_TOKEN, DENY_TOKEN]:
        assert token not in rendered
    assert buttons(message) == []
