"""Asking for a change from Slack: admins act at once, anyone else opens an approval request that is posted
in the channel with signed Approve / Deny buttons."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.context import BotContext, Respond
from bot.views.approvals import approval_decided_message, approval_request_message, refusal_message
from bot.views.common import error_message, notice_message
from bot.views.jobs import job_done_message
from core.approvals import ActedDirectly, ActionRequest, Approval, ApprovalAction, ApprovalRefused, Decision
from core.fixit.describe import describe_plan, describe_result
from core.fixit.model import FixitResult
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


async def describe_request(ctx: BotContext, approval: Approval) -> tuple[list[str], str | None]:
    """What the request asked for, and how it ended, in words."""
    request = approval.request
    outcome = approval.outcome if isinstance(approval.outcome, dict) else {}
    if request.action is ApprovalAction.FIXIT and request.plan_id:
        details = describe_plan((await ctx.plans.get_plan(request.plan_id)).plan).splitlines()
        if "plan_id" in outcome:
            return details, describe_result(FixitResult.model_validate(outcome))
    else:
        details = [request.describe()]
    if "error" in outcome:
        return details, f"Failed: {outcome['error']}"
    if "run_id" in outcome:
        return details, f"Run {outcome['run_id']} started."
    return details, None


async def show_expired(ctx: BotContext) -> None:
    """Mark requests past their expiry as expired, on their messages too (no buttons left to press)."""
    for approval in await ctx.approvals.expire_overdue():
        if approval.channel_id and approval.message_ts:
            details, _ = await describe_request(ctx, approval)
            view = approval_decided_message(approval, details=details)
            try:
                await ctx.client.chat_update(channel=approval.channel_id, ts=approval.message_ts, **view)
            except SlackApiError as error:
                log.info("could not mark approval %s expired: %s", approval.id, error.response.get("error"))
