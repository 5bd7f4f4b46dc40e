"""Approve / Deny: verify the signed token, decide once, then show the outcome on the request itself."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.context import BotContext
from bot.responders import MessageRef, Respond, clicked_message, replier
from bot.views.approvals import refusal_message
from bot.workflows import approvals as acting
from bot.workflows.fixit_progress import progress_on_message
from core.approvals import Approval, ApprovalRefused


def handler(ctx: BotContext) -> Any:
    async def on_decision(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        reply = replier(ctx.client, body, respond)
        ctx.spawn(
            _decide(ctx, body, str(action.get("value", "")), reply), what="recording your decision", respond=reply
        )

    return on_decision


async def _decide(ctx: BotContext, body: dict[str, Any], token: str, respond: Respond) -> None:
    actor = body["user"]["id"]
    message = clicked_message(body)
    approval_id = ctx.approvals.approval_id_of(token)
    progress = None
    if message is not None and approval_id is not None:
        progress = progress_on_message(
            ctx.client, ctx.approvals.store, ctx.ops.plans, approval_id=approval_id, message=message
        )
    try:
        approval = await ctx.ops.decide(
            token,
            actor=actor,
            channel_id=message.channel if message else None,
            message=(message.channel, message.ts) if message else None,
            progress=progress,
        )
    except ApprovalRefused as refusal:
        await respond(response_type="ephemeral", replace_original=False, **refusal_message(refusal))
        return
    await _show_outcome(ctx, approval, message, respond)


async def _show_outcome(ctx: BotContext, approval: Approval, message: MessageRef | None, respond: Respond) -> None:
    """Replace the request (and its buttons, so nobody clicks a spent request) with how it ended."""
    if message is not None:  # the clicked message is where the request is, whatever was recorded
        approval = dataclasses.replace(approval, channel_id=message.channel, message_ts=message.ts)
    await acting.show_outcome(ctx, approval, fallback=respond)
