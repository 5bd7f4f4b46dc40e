"""/fixit: plan recovery of failed runs; a dry run shows the plan, otherwise a second person approves it."""

from __future__ import annotations

from typing import Any

from application.operations import NothingToRetry
from bot.context import BotContext
from bot.parsing import FixitRequest, ParseError, parse_fixit
from bot.responders import Respond
from bot.usage import FIXIT_USAGE
from bot.views.approvals import refusal_message
from bot.views.common import error_message, notice_message
from bot.views.fixit import fixit_help, fixit_plan_message
from bot.workflows import approvals as acting
from core.approvals import ApprovalRefused
from core.fixit.describe import describe_plan
from core.fixit.errors import FixitJobLookupError


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
        plan = await ctx.ops.plan_fixit(
            actor=actor,
            mode=request.mode,
            window=request.window,
            max_retries=request.max_retries,
            job_ids=request.job_ids,
        )
    except FixitJobLookupError as error:
        await respond(**error_message(str(error), FIXIT_USAGE))
        return
    if request.dry_run:
        await respond(**fixit_plan_message(plan, dry_run=True))
        return
    try:
        approval = await ctx.ops.request_fixit(plan, actor=actor, channel_id=command["channel_id"])
    except NothingToRetry as nothing:
        await respond(**notice_message(str(nothing)))
        return
    except ApprovalRefused as refusal:
        await respond(**refusal_message(refusal))
        return
    details = describe_plan(plan).splitlines()
    await acting.post_approval_request(ctx, approval, details=details, respond=respond)
