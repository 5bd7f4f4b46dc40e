"""A live App Home: after someone opens it, their tab is redrawn when runs fail or recover and when jobs
change, at most once every few seconds, for an hour."""

from __future__ import annotations

import asyncio
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from application.operations import Operations
from bot.views.home import home_view
from core.events import Event, JobChanged, QueueRecovered, QueueStalled, RunFailed, RunRecovered

log = logging.getLogger(__name__)


class HomeTabs:
    def __init__(
        self, ops: Operations, client: AsyncWebClient, *, keep_seconds: float = 3600, every_seconds: float = 5
    ) -> None:
        self._ops = ops
        self._client = client
        self._keep = keep_seconds
        self._every = every_seconds
        self._viewers: dict[str, float] = {}
        self._pending: asyncio.Task[None] | None = None
        self._dirty = False
        self._closed = False

    def subscribe(self) -> None:
        for kind in (RunFailed, RunRecovered, JobChanged, QueueStalled, QueueRecovered):
            self._ops.services.events.subscribe(kind, self._changed)

    async def close(self) -> None:
        self._closed = True
        if self._pending is not None:
            self._pending.cancel()
            await asyncio.gather(self._pending, return_exceptions=True)

    async def opened(self, user_id: str) -> None:
        """Draw the tab for someone who just opened it, and keep it fresh for a while."""
        self._viewers[user_id] = time.monotonic()
        await self._publish([user_id])

    async def _changed(self, _event: Event) -> None:
        if self._closed or not self._viewers:
            return
        self._dirty = True
        if self._pending is None or self._pending.done():
            self._pending = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        # A burst of events makes one redraw; events during a redraw make one more after it.
        while self._dirty and not self._closed:
            await asyncio.sleep(self._every)
            self._dirty = False
            cutoff = time.monotonic() - self._keep
            self._viewers = {user: seen for user, seen in self._viewers.items() if seen >= cutoff}
            try:
                if self._viewers:
                    await self._publish(list(self._viewers))
            except Exception:
                log.exception("could not redraw the Home tab")

    async def _publish(self, users: list[str]) -> None:
        view = home_view(await self._ops.sitrep())
        for user in users:
            try:
                await self._client.views_publish(user_id=user, view=view)
            except SlackApiError as error:
                log.info("could not redraw the Home tab of %s: %s", user, error.response.get("error"))
