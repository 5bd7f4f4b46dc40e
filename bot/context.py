"""What every Slack listener needs, built once: services, the approval workflow, the Slack client, and a
place to run slow work after the ack."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from application.services import Services
from bot.views.common import notice_message
from bot.workflows.alerts import FailureAlerts
from bot.workflows.home import HomeTabs
from core.approvals import ApprovalService
from core.clock import Clock
from core.config import Settings
from core.fixit.store import PlanStore

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class MessageRef:
    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class Deciding:
    """The approval being decided and the message its buttons were on."""

    approval_id: str
    message: MessageRef


# Set by the approval click handler for the task that decides, so the fix-it runner (called deep inside
# the approval service) can show its progress on the request's own message.
deciding: ContextVar[Deciding | None] = ContextVar("deciding", default=None)

PROBLEM = "Sorry, something went wrong while {what}. The details are in schedops' log."


def clicked_message(body: dict[str, Any]) -> MessageRef | None:
    """The (non-ephemeral) message a button was on, from a block_actions payload."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("is_ephemeral") or not channel or not ts:
        return None
    return MessageRef(str(channel), str(ts))


def replier(ctx: BotContext, body: dict[str, Any], respond: Respond) -> Respond:
    """How to answer the person behind ``body``: through its response_url when it has one, else (Home tab
    buttons, modal submissions) privately, in the app's direct messages with them."""
    if getattr(respond, "response_url", None):
        return respond
    user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")

    async def direct(response_type: str = "ephemeral", **message: Any) -> None:
        for key in ("replace_original", "delete_original"):
            message.pop(key, None)
        await ctx.client.chat_postMessage(channel=user, **message)

    return direct


@dataclass
class BotContext:
    settings: Settings
    services: Services
    approvals: ApprovalService
    client: AsyncWebClient
    clock: Clock
    home: HomeTabs
    alerts: FailureAlerts
    plans: PlanStore = field(init=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.plans = PlanStore(self.services.db)

    @property
    def default_timezone(self) -> str:
        return self.settings.timezone

    def spawn(self, work: Coroutine[Any, Any, None], *, what: str, respond: Respond | None = None) -> None:
        """Run ``work`` after the ack. If it fails, log it and tell the user in plain words (no trace)."""
        task = asyncio.get_running_loop().create_task(self._guarded(work, what, respond))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _guarded(self, work: Coroutine[Any, Any, None], what: str, respond: Respond | None) -> None:
        try:
            await work
        except Exception:
            log.exception("failed while %s", what)
            if respond is not None and getattr(respond, "response_url", True):  # Bolt's respond needs a URL
                try:
                    await respond(
                        response_type="ephemeral", replace_original=False, **notice_message(PROBLEM.format(what=what))
                    )
                except Exception:
                    log.exception("could not tell the user about the failure")
