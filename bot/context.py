"""What every Slack listener shares, built once: the application layer, the Slack client, the live parts of
the app (Home tabs, failure alerts), and a place to run slow work after the ack."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from application.operations import Operations
from application.services import Services
from bot.responders import Respond
from bot.views.common import notice_message
from bot.workflows.alerts import FailureAlerts
from bot.workflows.home import HomeTabs
from core.approvals import ApprovalService
from core.clock import Clock
from core.config import Settings

log = logging.getLogger(__name__)

PROBLEM = "Sorry, something went wrong while {what}. The details are in schedops' log."


@dataclass
class BotContext:
    ops: Operations
    client: AsyncWebClient
    home: HomeTabs
    alerts: FailureAlerts
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    @property
    def settings(self) -> Settings:
        return self.ops.settings

    @property
    def services(self) -> Services:
        return self.ops.services

    @property
    def approvals(self) -> ApprovalService:
        return self.ops.approvals

    @property
    def clock(self) -> Clock:
        return self.ops.clock

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
