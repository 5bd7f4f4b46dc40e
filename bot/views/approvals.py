"""Approval requests with their Approve / Deny buttons, the same message once decided, and refusals."""

from __future__ import annotations

from collections.abc import Sequence

from bot import ids
from bot.views import blocks
from bot.views.common import Message, bounded_lines, escape, fallback, fallback_mrkdwn, mention, truncate, when
from core.approvals.errors import ApprovalRefused
from core.approvals.model import Approval, ApprovalStatus

DETAIL_LINES = 25
PROGRESS_LINES = 20
RESULT_LINES = 25
_OUTCOME = {
    ApprovalStatus.PENDING: ":hourglass: Waiting for an approver",
    ApprovalStatus.APPROVED: ":white_check_mark: Approved",
    ApprovalStatus.DENIED: ":no_entry: Denied",
    ApprovalStatus.EXPIRED: ":hourglass: Expired",
    ApprovalStatus.EXECUTED: ":white_check_mark: Approved and done",
    ApprovalStatus.FAILED: ":x: Approved, but it failed",
}


def approval_request_message(
    approval: Approval, *, approve_token: str, deny_token: str, details: Sequence[str]
) -> Message:
    """Who asks for what, until when, with Approve and Deny buttons (values: the signed tokens)."""
    what = approval.request.describe()
    approve = blocks.confirm_dialog(
        "Approve this request?",
        f"schedops will {truncate(escape(what), 150)} now, on your approval.",
        confirm="Approve",
        deny="Cancel",
        style="primary",
    )
    deny = blocks.confirm_dialog(
        "Deny this request?",
        f"Nothing will be done, and {mention(approval.requested_by)} will see that you denied it.",
        confirm="Deny",
        deny="Cancel",
        style="danger",
    )
    body = [
        blocks.header(":raising_hand: Approval needed"),
        *_asked(approval, details),
        blocks.context(
            f"Asked {when(approval.created_at)} · expires {when(approval.expires_at)} · request `{escape(approval.id)}`"
        ),
        blocks.actions(
            ids.APPROVAL_ACTIONS,
            blocks.button("Approve", ids.APPROVE, approve_token, style="primary", confirm=approve),
            blocks.button("Deny", ids.DENY, deny_token, style="danger", confirm=deny),
        ),
    ]
    text = f"Approval needed: {mention(approval.requested_by)} asks to {escape(what)}"
    return {"text": fallback_mrkdwn(text), "blocks": body}


def approval_decided_message(
    approval: Approval,
    *,
    details: Sequence[str],
    progress: Sequence[str] = (),
    result: str | None = None,
) -> Message:
    """The request once decided, in place of the buttons: the decision and who made it, progress, result."""
    outcome = _OUTCOME[approval.status]
    body = [blocks.header(outcome), *_asked(approval, details, verb="asked"), blocks.section(_decision(approval))]
    if progress:
        body.append(blocks.section(f"*Progress*\n{_latest(progress)}"))
    if result:
        lines = [escape(line) for line in result.splitlines() if line.strip()]
        body.append(blocks.section(f"*Result*\n{bounded_lines(lines, limit=RESULT_LINES, noun='line')}"))
    body.append(blocks.context(f"request `{escape(approval.id)}`"))
    text = f"{outcome.split(' ', 1)[1]}: {approval.request.describe()}"
    return {"text": fallback(text), "blocks": body}


def _asked(approval: Approval, details: Sequence[str], *, verb: str = "asks") -> list[blocks.Block]:
    who, what = mention(approval.requested_by), escape(approval.request.describe())
    asked = [blocks.section(f"{who} {verb} to *{what}*.")]
    extra = [escape(line) for line in details if line.strip() and line.strip() != approval.request.describe()]
    if extra:
        asked.append(blocks.section(bounded_lines(extra, limit=DETAIL_LINES, noun="line")))
    return asked


def _decision(approval: Approval) -> str:
    if approval.status is ApprovalStatus.PENDING:
        return f"Expires {when(approval.expires_at)}."
    if approval.status is ApprovalStatus.EXPIRED:
        return f"Nobody decided before {when(approval.expires_at)}, so nothing was done."
    verb = "Denied" if approval.status is ApprovalStatus.DENIED else "Approved"
    at = f" {when(approval.decided_at)}" if approval.decided_at else ""
    return f"{verb} by {mention(approval.decided_by)}{at}."


def _latest(progress: Sequence[str]) -> str:
    """The newest lines of a growing progress log, with a note of how many earlier ones are left out."""
    lines = [escape(line) for line in progress]
    shown = lines[-PROGRESS_LINES:]
    text = bounded_lines(shown, limit=PROGRESS_LINES, noun="line")
    earlier = len(lines) - len(shown)
    if not earlier:
        return text
    return f"_{earlier} earlier line{'' if earlier == 1 else 's'} not shown_\n{text}"


def refusal_message(refusal: ApprovalRefused) -> Message:
    """Why a step was refused, for the person who tried (the core's message never holds a token)."""
    return {
        "text": fallback(refusal.message),
        "blocks": [blocks.section(f":no_entry_sign: {truncate(escape(refusal.message), 2900)}")],
    }
