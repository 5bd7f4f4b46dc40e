"""Asking for a change from Slack: admins act at once, anyone else opens an approval request that is posted
in the channel with signed Approve / Deny buttons."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.context import BotContext, Respond
from bot.views.approvals import approval_request_message, refusal_message
from bot.views.common import error_message, notice_message
from bot.views.jobs import job_done_message
from core.approvals import ActedDirectly, ActionRequest, Approval, ApprovalAction, ApprovalRefused, Decision
from core.storage.jobs_store import JobLookupError

log = logging.getLogger(__name__)

_DONE = {
    ApprovalAction.RUN_JOB: "started a run of",
    ApprovalAction.PAUSE_JOB: "paused",
    ApprovalAction.RESUME_JOB: "resumed",
    ApprovalAction.ADD_JOB: "added",
    ApprovalAction.UPDATE_JOB: "changed",
    ApprovalAction.REMOVE_JOB: "removed",
}


async def submit(
    ctx: BotContext, request: ActionRequest, *, actor: str, channel_id: str, respond: Respond, usage: str
) -> None:
    """Carry out ``request`` for ``actor`` or ask for approval; every outcome is answered."""
    known = request.action is ApprovalAction.ADD_JOB or request.job_id is None
    if not known and await ctx.services.engine.jobs.get(str(request.job_id)) is None:
        await respond(**error_message(f"{JobLookupError(str(request.job_id))} — `/jobs` lists them", usage))
        return
    try:
        result = await ctx.approvals.submit(request, actor=actor, channel_id=channel_id)
    except ApprovalRefused as refusal:
        await respond(**refusal_message(refusal))
        return
    if isinstance(result, ActedDirectly):
        await respond(response_type="in_channel", **job_done_message(done_text(result, actor)))
        return
    await post_approval_request(ctx, result, details=[request.describe()], respond=respond)


def done_text(done: ActedDirectly, actor: str) -> str:
    text = f"<@{actor}> {_DONE.get(done.request.action, 'did')} `{done.request.job_id}`"
    outcome = done.outcome if isinstance(done.outcome, dict) else {}
    if "run_id" in outcome:
        text += f" (run {outcome['run_id']})"
    return text + "."


async def post_approval_request(ctx: BotContext, approval: Approval, *, details: list[str], respond: Respond) -> None:
    """Post the request where it was asked, remember the message, and tell the requester."""
    message = approval_request_message(
        approval,
        approve_token=ctx.approvals.token(approval, Decision.APPROVE),
        deny_token=ctx.approvals.token(approval, Decision.DENY),
        details=details,
    )
    channel = approval.channel_id or ""
    try:
        posted = await ctx.client.chat_postMessage(channel=channel, **message)
    except SlackApiError as error:
        # Not in the channel (a private one it was not invited to): the command's reply still works.
        log.info(
            "posting approval %s to %s failed (%s); replying instead", approval.id, channel, error.response.get("error")
        )
        await respond(response_type="in_channel", **message)
        return
    await ctx.approvals.set_message(approval.id, channel_id=str(posted["channel"]), message_ts=str(posted["ts"]))
    await respond(**notice_message("Approval requested: an approver can decide in the channel."))
