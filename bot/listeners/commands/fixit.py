"""/fixit: plan recovery of failed runs; a dry run shows the plan, otherwise a second person approves it."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext, Respond
from bot.parsing import FIXIT_USAGE, FixitRequest, ParseError, parse_fixit
from bot.views.approvals import refusal_message
from bot.views.common import error_message, notice_message
from bot.views.fixit import fixit_help, fixit_plan_message
from bot.workflows import approvals as acting
from core.approvals import ActionRequest, NoApprovers
from core.approvals.policy import eligible_approvers
from core.fixit.describe import describe_plan
from core.fixit.errors import FixitJobLookupError
from core.fixit.model import FixitAction
from core.fixit.plan import plan_fixit


def handler(ctx: BotContext) -> Any:
    async def on_fixit(ack: Any, command: dict[str, Any], respond: Respond) -> None:
        try:
            request = parse_fixit(command.get("text", ""))
        except ParseError as error:
            await ack(**error_message(error.problem, error.usage))
            return
        if request.help:
            await ack(**fixit_help())
            return
        await ack()
        ctx.spawn(_plan(ctx, request, command, respond), what="planning fix-it", respond=respond)

    return on_fixit


async def _plan(ctx: BotContext, request: FixitRequest, command: dict[str, Any], respond: Respond) -> None:
    actor = command["user_id"]
    try:
        plan = await plan_fixit(
            ctx.services.db,
            mode=request.mode,
            window=request.window,
            max_retries=request.max_retries,
            job_ids=request.job_ids or None,
            now=ctx.clock(),
            requested_by=actor,
        )
    except FixitJobLookupError as error:
        await respond(**error_message(str(error), FIXIT_USAGE))
        return
    if request.dry_run:
        await respond(**fixit_plan_message(plan, dry_run=True))
        return
    if not any(item.action is FixitAction.RETRY for item in plan.items):
        await respond(**notice_message("Nothing to retry: " + describe_plan(plan)))
        return
    if not eligible_approvers(actor, ctx.settings):
        await respond(**refusal_message(NoApprovers()))
        return
    await ctx.plans.save_plan(plan)
    approval = await ctx.approvals.request_approval(
        ActionRequest.fixit(plan.id), actor=actor, channel_id=command["channel_id"]
    )
    details = describe_plan(plan).splitlines()
    await acting.post_approval_request(ctx, approval, details=details, respond=respond)
