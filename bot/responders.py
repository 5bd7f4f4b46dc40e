"""How a Slack listener answers the person behind a payload: through its response_url, privately in a
direct message (surfaces without one: the Home tab, modals), or in the channel a form was opened from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

Respond = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class MessageRef:
    channel: str
    ts: str


def clicked_message(body: dict[str, Any]) -> MessageRef | None:
    """The (non-ephemeral) message a button was on, from a block_actions payload."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("is_ephemeral") or not channel or not ts:
        return None
    return MessageRef(str(channel), str(ts))


def replier(client: AsyncWebClient, body: dict[str, Any], respond: Respond) -> Respond:
    """How to answer the person behind ``body``: through its response_url when it has one, else (Home tab
    buttons, modal submissions) privately, in the app's direct messages with them."""
    if getattr(respond, "response_url", None):
        return respond
    user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")

    async def direct(response_type: str = "ephemeral", **message: Any) -> None:
        for key in ("replace_original", "delete_original"):
            message.pop(key, None)
        await client.chat_postMessage(channel=user, **message)

    return direct


def channel_responder(client: AsyncWebClient, channel_id: str, user_id: str) -> Respond:
    """A ``respond`` for surfaces without a response_url (modals): ephemeral to the user in the channel the
    form was opened from, or a message in that channel for in_channel replies."""

    async def respond(response_type: str = "ephemeral", **message: Any) -> None:
        message.pop("replace_original", None)
        if response_type == "in_channel":
            await client.chat_postMessage(channel=channel_id, **message)
        else:
            await client.chat_postEphemeral(channel=channel_id, user=user_id, **message)

    return respond
