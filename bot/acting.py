"""Asking for a change from Slack: admins act at once, anyone else opens an approval request that is posted
in the channel with signed Approve / Deny buttons. Also how a request's message shows how it ended."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.context import BotContext, Respond
from bot.views.approvals import approval_decided_message, approval_request_message, refusal_message
from bot.views.common import notice_message, unknown_job_message
from bot.views.jobs import job_done_message
from core.approvals import ActedDirectly, ActionRequest, Approval, ApprovalAction, ApprovalRefused, Decision
from core.fixit.describe import describe_plan, describe_result
from core.fixit.model import FixitResult
from core.sitrep.describe import describe_job, describe_schedule

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
    job_id = request.job_id
    if request.action is not ApprovalAction.ADD_JOB and job_id and await ctx.services.engine.jobs.get(job_id) is None:
        await respond(**unknown_job_message(job_id, usage))
        return
    channel = channel_id or ctx.settings.alert_channel or ""
    try:
        result = await ctx.approvals.submit(request, actor=actor, channel_id=channel)
    except ApprovalRefused as refusal:
        await respond(**refusal_message(refusal))
        return
    if isinstance(result, ActedDirectly):
        await respond(response_type="in_channel", **job_done_message(done_text(result, actor)))
        return
    await post_approval_request(ctx, result, details=await describe_request(ctx, result), respond=respond)


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


async def describe_request(ctx: BotContext, approval: Approval) -> list[str]:
    """What the request asks for, in words an approver can judge: the plan, or the new job definition
    (with credential-bearing values left out)."""
    request = approval.request
    if request.action is ApprovalAction.FIXIT and request.plan_id:
        return describe_plan((await ctx.plans.get_plan(request.plan_id)).plan).splitlines()
    if request.action is ApprovalAction.UPDATE_JOB and request.base_version is not None:
        job = await ctx.services.engine.jobs.get(request.job_id or "")
        schedule = [f"Schedule now: {describe_schedule(job.spec, ctx.default_timezone)}"] if job else []
        return [request.describe(), *schedule, "Changes:", *(request.diff or ["(none)"])]
    if request.action in {ApprovalAction.ADD_JOB, ApprovalAction.UPDATE_JOB}:
        spec = request.spec
        when = f"Schedule: {describe_schedule(spec, ctx.default_timezone)}"
        return [request.describe(), when, *describe_job(spec, default_misfire_grace=ctx.settings.misfire_grace)]
    return [request.describe()]


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
        approval, details=await describe_request(ctx, approval), result=outcome_text(approval)
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
