"""The signed value behind an approver's button: which request, and which decision, until when.

All cryptography lives in core.signing; this module only says what is signed, under which purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.approvals.model import Decision
from core.signing import BadSignature, Signer

# The salt: a token signed for anything else never verifies as an approval decision.
TOKEN_PURPOSE = "approval-decision"


@dataclass(frozen=True, slots=True)
class DecisionToken:
    approval_id: str
    decision: Decision


def decision_signer(secret: str) -> Signer:
    return Signer(secret, purpose=TOKEN_PURPOSE)


def sign_decision(signer: Signer, approval_id: str, decision: Decision, *, expires_at: datetime) -> str:
    """A URL-safe token (about 100 characters) for one decision on one request."""
    return signer.sign(f"{approval_id}:{decision.value}", expires_at=expires_at)


def read_decision(signer: Signer, token: str, *, now: datetime) -> DecisionToken:
    """The verified decision; raises core.signing.BadSignature or SignatureExpired."""
    return parse_decision(signer.unsign(token, now=now))


def parse_decision(value: str) -> DecisionToken:
    """Split a verified value (also the one carried by SignatureExpired)."""
    approval_id, _, decision = value.rpartition(":")
    if not approval_id or decision not in _DECISIONS:
        raise BadSignature()  # signed by us, but not a decision: treat like any other token we did not mint
    return DecisionToken(approval_id, Decision(decision))


_DECISIONS = frozenset(decision.value for decision in Decision)
