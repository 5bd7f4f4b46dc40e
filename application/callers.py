"""Callers who are not a Slack user: an API token, with its role, maybe acting as a Slack user. How each maps
onto the one approval policy:

- a viewer reads and may change nothing;
- an operator asks: its changes become approval requests, as a member's do, even when acting as an admin;
- an admin acts directly;
- a token acting as a Slack user is that user for approvals (the requester, or the approver deciding), so the
  rule "never your own request" holds across doors; deciding needs such a token.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.api_tokens import ApiToken, TokenRole
from core.config import Settings

API_DOOR = "api"


class NotAllowed(PermissionError):
    """The caller's role does not allow this (one line, safe to show)."""


class NowhereToAsk(RuntimeError):
    """An approval request would have nowhere to be posted for an approver to see."""


@dataclass(frozen=True, slots=True)
class Caller:
    token: str
    role: TokenRole
    acting_as: str | None = None

    @classmethod
    def of(cls, token: ApiToken) -> Caller:
        return cls(token.name, token.role, token.acting_as)

    @property
    def actor(self) -> str:
        """Who the caller is to approvals and the audit log: the Slack user it acts as, else the token."""
        return self.acting_as or f"token:{self.token}"

    @property
    def credential(self) -> str:
        """How audit entries name the token."""
        return f"API token {self.token}"

    @property
    def direct(self) -> bool:
        return self.role is TokenRole.ADMIN


def check_may_change(caller: Caller, settings: Settings, *, always_asks: bool = False) -> None:
    """Raises NotAllowed for a viewer, NowhereToAsk when the approval request (an operator's, or any for an
    action that ``always_asks``, like fix-it) could not be posted in Slack for an approver to see."""
    if caller.role is TokenRole.VIEWER:
        raise NotAllowed(f"token {caller.token!r} is a viewer: it reads only (an operator token asks for changes)")
    asks = always_asks or not caller.direct
    if asks and settings.slack_configured and not settings.alert_channel:
        raise NowhereToAsk("an operator's request is posted for approval in SCHEDOPS_ALERT_CHANNEL, which is not set")


def check_may_decide(caller: Caller) -> str:
    """The approver deciding for ``caller`` (the approval policy then checks them); raises NotAllowed."""
    if caller.role is TokenRole.VIEWER:
        raise NotAllowed(f"token {caller.token!r} is a viewer: it reads only")
    if caller.acting_as is None:
        raise NotAllowed(
            f"token {caller.token!r} acts as nobody: deciding needs a token made with --acting-as an approver"
        )
    return caller.acting_as
