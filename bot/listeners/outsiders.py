"""A global middleware: guests and Slack Connect users reach no listener unless SCHEDOPS_ALLOW_GUESTS is on.

Slack marks guests only in users.info (``is_restricted``), never in a command's payload, so each user is
looked up once and remembered for a while. When the lookup fails, the request is refused: without the
``users:read`` scope schedops cannot tell a guest from a member, and a guest must not slip through.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.views.common import notice_message
from core.access import outsider_kind, outsider_refusal
from core.config import Settings

log = logging.getLogger(__name__)

REMEMBER_SECONDS = 600.0
UNKNOWN = "I could not check who you are with Slack (users.info), so I cannot help right now."


def guard(settings: Settings) -> Callable[..., Awaitable[BoltResponse | None]]:
    known: dict[str, tuple[float, str | None]] = {}

    async def kind_of(client: AsyncWebClient, user_id: str, home_team: str | None) -> str | None:
        cached = known.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < REMEMBER_SECONDS:
            return cached[1]
        answer = await client.users_info(user=user_id)
        kind = outsider_kind(dict(answer.get("user") or {}), home_team)
        known[user_id] = (time.monotonic(), kind)
        return kind

    async def outsiders(body: dict[str, Any], context: Any, client: AsyncWebClient, next: Any) -> BoltResponse | None:
        user_id = _user_of(body)
        if settings.allow_guests or user_id is None:
            await next()
            return None
        home_team = getattr(context.authorize_result, "team_id", None) if context.authorize_result else None
        try:
            refusal = outsider_refusal(await kind_of(client, user_id, home_team), settings)
        except SlackApiError as error:
            log.warning(
                "users.info for %s failed (%s); refused (schedops needs users:read)",
                user_id,
                error.response.get("error"),
            )
            refusal = UNKNOWN
        if refusal is None:
            await next()
            return None
        log.info("refused %s from %s: %s", body.get("type") or body.get("command"), user_id, refusal)
        reply: dict[str, Any] = dict(notice_message(refusal)) if body.get("command") else {}
        return BoltResponse(status=200, body=json.dumps(reply), headers={"content-type": "application/json"})

    return outsiders


def _user_of(body: dict[str, Any]) -> str | None:
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    return str(user) if user else None
