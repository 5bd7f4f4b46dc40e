"""Approve / Deny: verify the signed token, decide once, then show the outcome on the request itself."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot import acting
from bot.context import BotContext, Deciding, MessageRef, Respond, clicked_message, deciding, replier
from bot.views.approvals import refusal_message
from core.approvals import Approval, ApprovalRefused


def handler(ctx: BotContext) -> Any:
    async def on_decision(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        reply = replier(ctx, body, respond)
        ctx.spawn(
            _decide(ctx, body, str(action.get("value", "")), reply), what="recording your decision", respond=reply
        )

    return on_decision


async def _decide(ctx: BotContext, body: dict[str, Any], token: str, respond: Respond) -> None:
    actor = body["user"]["id"]
    message = clicked_message(body)
    approval_id = ctx.approvals.approval_id_of(token)
    deciding.set(Deciding(approval_id, message) if message and approval_id else None)
    try:
        approval = await ctx.approvals.decide(
            token,
            actor=actor,
            channel_id=message.channel if message else None,
            message=(message.channel, message.ts) if message else None,
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
