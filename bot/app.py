"""The Slack app: a Bolt AsyncApp in Socket Mode, built by a factory from Settings and Services."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from application.operations import Operations
from application.services import Services
from bot.context import PROBLEM, BotContext
from bot.listeners import register_listeners
from bot.views.common import notice_message
from bot.workflows.alerts import FailureAlerts
from bot.workflows.approvals import subscribe_other_doors
from bot.workflows.digest import DigestExecutor
from bot.workflows.home import HomeTabs

log = logging.getLogger(__name__)


async def create_app(
    services: Services, client: AsyncWebClient, *, home_refresh_seconds: float = 5
) -> tuple[AsyncApp, BotContext]:
    """The Bolt app with every listener registered, and the context they share.

    ``process_before_response=True``: each listener acks first and hands slow work to a background task, so
    the ack leaves as soon as the listener returns (Bolt's default polls for it every 10 ms).
    """
    ops = await Operations.create(services)
    app = AsyncApp(
        # Named, Bolt does not call inspect.stack() to name the app after its caller's file: that reads the source
        # of every frame on the stack for each app built (1.1 % of the in-process CPU in a profile of the quick tests).
        name="schedops",
        client=client,
        process_before_response=True,
        # Socket Mode requests are authenticated by the socket; token verification of payloads is not used.
        request_verification_enabled=False,
        ignoring_self_events_enabled=True,
    )
    home = HomeTabs(ops, client, every_seconds=home_refresh_seconds)
    home.subscribe()
    alerts = FailureAlerts(services, client)
    alerts.subscribe()
    ctx = BotContext(ops, client, home, alerts)
    register_listeners(app, ctx)
    subscribe_other_doors(ctx)
    app.error(_error_handler)
    services.executors.register("digest", DigestExecutor(ops, client))
    return app, ctx


async def _error_handler(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """The one place an unexpected listener error ends: logged in full, and answered in plain words in the
    ack itself (Bolt sends no ack for a listener that raised, and Slack would show the user a timeout)."""
    log.error("listener failed on %s", body.get("type") or body.get("command"), exc_info=error)
    answer = notice_message(PROBLEM.format(what="handling that"))
    return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
