"""Approve / Deny: verify the signed token, decide once, then show the outcome on the request itself."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import acting
from bot.context import BotContext, Deciding, MessageRef, Respond, deciding
from bot.views.approvals import approval_decided_message, refusal_message
from core.approvals import Approval, ApprovalRefused

log = logging.getLogger(__name__)


def handler(ctx: BotContext) -> Any:
    async def on_decision(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        ctx.spawn(
            _decide(ctx, body, str(action.get("value", "")), respond), what="recording your decision", respond=respond
        )

    return on_decision


async def _decide(ctx: BotContext, body: dict[str, Any], token: str, respond: Respond) -> None:
    actor = body["user"]["id"]
    message = _message_ref(body)
    approval_id = ctx.approvals.approval_id_of(token)
    deciding.set(Deciding(approval_id, message) if message and approval_id else None)
    try:
        approval = await ctx.approvals.decide(token, actor=actor, channel_id=message.channel if message else None)
    except ApprovalRefused as refusal:
        await respond(response_type="ephemeral", replace_original=False, **refusal_message(refusal))
        return
    await _show_outcome(ctx, approval, message, respond)


async def _show_outcome(ctx: BotContext, approval: Approval, message: MessageRef | None, respond: Respond) -> None:
    """Replace the request (and its buttons, so nobody clicks a spent request) with how it ended."""
    details, result = await acting.describe_request(ctx, approval)
    view = approval_decided_message(approval, details=details, result=result)
    if message is not None:
        try:
            await ctx.client.chat_update(channel=message.channel, ts=message.ts, **view)
            return
        except SlackApiError as error:
            log.info(
                "chat.update of approval %s failed (%s); replacing it through response_url",
                approval.id,
                error.response.get("error"),
            )
    await respond(replace_original=True, **view)


def _message_ref(body: dict[str, Any]) -> MessageRef | None:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("is_ephemeral") or not channel or not ts:
        return None
    return MessageRef(str(channel), str(ts))
