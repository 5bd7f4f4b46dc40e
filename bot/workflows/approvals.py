"""Asking for a change from Slack: admins act at once, anyone else opens an approval request that is posted
in the channel with signed Approve / Deny buttons. Also how a request's message shows how it ended."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from application.job_kinds import KindRefused
from bot.context import BotContext
from bot.responders import Respond
from bot.views.approvals import approval_decided_message, approval_request_message, refusal_message
from bot.views.common import Message, error_message, notice_message, unknown_job_message
from bot.views.jobs import job_done_message
from bot.views.running import with_cancel
from core.approvals import ActedDirectly, ActionRequest, Approval, ApprovalAction, ApprovalRefused, Decision
from core.events import ApprovalDecided, ApprovalRequested
from core.fixit.describe import describe_result
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
    """Carry out ``request`` for ``actor`` or ask for approval; every outcome is answered.

    A request made where there is no channel (the Home tab) is posted to SCHEDOPS_ALERT_CHANNEL."""
    channel = channel_id or ctx.settings.alert_channel or ""
    try:
        result = await ctx.ops.ask(request, actor=actor, channel_id=channel)
    except JobLookupError as unknown:
        await respond(**unknown_job_message(unknown.job_id, usage))
        return
    except KindRefused as refusal:
        await respond(**error_message(f"`{request.job_id}`: {refusal}", usage))
        return
    except ApprovalRefused as refusal:
        await respond(**refusal_message(refusal))
        return
    if isinstance(result, ActedDirectly):
        await respond(response_type="in_channel", **done_message(result, actor))
        return
    await post_approval_request(ctx, result, details=await ctx.ops.describe_request(result), respond=respond)


def done_message(done: ActedDirectly, actor: str) -> Message:
    """What an admin's change did; a run it started comes with a Cancel button."""
    message = job_done_message(done_text(done, actor))
    outcome = done.outcome if isinstance(done.outcome, dict) else {}
    if done.request.action is ApprovalAction.RUN_JOB and "run_id" in outcome:
        return with_cancel(message, int(outcome["run_id"]), done.request.job_id or "")
    return message


def done_text(done: ActedDirectly, actor: str) -> str:
    text = f"<@{actor}> {_DONE.get(done.request.action, 'did')} `{done.request.job_id}`"
    outcome = done.outcome if isinstance(done.outcome, dict) else {}
    if "run_id" in outcome:
        text += f" (run {outcome['run_id']})"
    return text + "."


async def post_approval_request(ctx: BotContext, approval: Approval, *, details: list[str], respond: Respond) -> None:
    """Post the request in its channel and remember the message. A request that cannot be posted is
    withdrawn (nobody could ever approve it) and the requester is told why."""
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
        code = str(error.response.get("error"))
        await ctx.approvals.store.withdraw(approval.id, reason=f"could not be posted: {code}")
        log.info("approval %s withdrawn: posting to %r failed (%s)", approval.id, channel, code)
        where = f"<#{channel}>" if channel else "a channel"
        await respond(
            **notice_message(
                f"I could not post the approval request in {where} ({code}), so nobody could approve it. "
                "Invite me to the channel (or set SCHEDOPS_ALERT_CHANNEL) and ask again."
            )
        )
        return
    await ctx.approvals.set_message(approval.id, channel_id=str(posted["channel"]), message_ts=str(posted["ts"]))
    await respond(**notice_message("Approval requested: an approver can decide in the channel."))


def outcome_text(approval: Approval) -> str | None:
    """How carrying out the request ended, in one line."""
    outcome = approval.outcome if isinstance(approval.outcome, dict) else {}
    if "plan_id" in outcome and "recovered" in outcome:
        return describe_result(FixitResult.model_validate(outcome))
    if "error" in outcome:
        return f"Failed: {outcome['error']}"
    if "run_id" in outcome:
        return f"Run {outcome['run_id']} started."
    return None


async def show_outcome(ctx: BotContext, approval: Approval, *, fallback: Respond | None = None) -> None:
    """Redraw the request's message as it ended (no buttons left to press). When it cannot be edited by
    ``chat.update``, ``fallback`` (the click's response_url) replaces it instead."""
    view = approval_decided_message(
        approval, details=await ctx.ops.describe_request(approval), result=outcome_text(approval)
    )
    if approval.channel_id and approval.message_ts:
        try:
            await ctx.client.chat_update(channel=approval.channel_id, ts=approval.message_ts, **view)
            return
        except SlackApiError as error:
            log.info("could not update approval %s: %s", approval.id, error.response.get("error"))
    if fallback is not None:
        await fallback(replace_original=True, **view)


async def show_expired(ctx: BotContext) -> None:
    """Requests past their expiry become expired, on their messages too."""
    for approval in await ctx.approvals.expire_overdue():
        await show_outcome(ctx, approval)


async def show_interrupted(ctx: BotContext) -> None:
    """At start-up only (before any click is heard): approved requests a stopped process never finished."""
    for approval in await ctx.approvals.fail_unfinished():
        await show_outcome(ctx, approval)


def subscribe_other_doors(ctx: BotContext) -> None:
    """Requests opened through another door (the HTTP API) are posted here like a member's, with the same
    buttons, and their messages redrawn when decided there: one approval, whichever door asks or decides."""

    async def posted(event: ApprovalRequested) -> None:
        if event.door != "slack":
            details = await ctx.ops.describe_request(event.approval)
            await post_approval_request(ctx, event.approval, details=details, respond=_nobody_in_slack)

    async def decided(event: ApprovalDecided) -> None:
        if event.door != "slack":
            await show_outcome(ctx, await ctx.approvals.store.get(event.approval.id))

    ctx.services.events.subscribe(ApprovalRequested, posted)
    ctx.services.events.subscribe(ApprovalDecided, decided)


async def _nobody_in_slack(**message: Any) -> None:
    # The requester asked over HTTP and already has its answer; what Slack would have told them is logged.
    log.info("approval request from another door: %s", message.get("text"))
