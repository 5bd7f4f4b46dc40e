"""Stalled-queue alerts in the alert channel (SCHEDOPS_ALERT_CHANNEL): a queue whose runs wait for a worker
that is not there is posted once per episode, and the post is updated in place when the queue is served again.

The leader's check (core.execution.queue_watch) records each episode before publishing it; this side records
where it posted. What Slack could not take stays owed and ``redeliver()`` sends it later; what retrying
cannot fix (the channel is gone, the app was removed from it) is given up, and the log says why."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import FAILURES, is_permanent, reason
from bot.views.workers import queue_recovered_message, queue_stalled_message
from core.clock import Clock
from core.events import EventBus, QueueRecovered, QueueStalled
from core.storage.database import Database
from core.storage.queue_alerts_store import QueueAlert, QueueAlertStore

log = logging.getLogger(__name__)


class QueueAlerts:
    def __init__(self, db: Database, client: AsyncWebClient, *, channel: str | None, clock: Clock) -> None:
        self._store = QueueAlertStore(db)
        self._client = client
        self._channel = channel
        self._clock = clock
        # One queue's changes are delivered in order: a recovery must not overtake the post it updates.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def subscribe(self, events: EventBus) -> None:
        events.subscribe(QueueStalled, self.on_stalled)
        events.subscribe(QueueRecovered, self.on_recovered)

    async def on_stalled(self, event: QueueStalled) -> None:
        await self._deliver(event.queue)

    async def on_recovered(self, event: QueueRecovered) -> None:
        await self._deliver(event.queue)

    async def redeliver(self) -> None:
        """Send what Slack could not take before (called periodically, on the leader)."""
        for alert in await self._store.owed():
            await self._deliver(alert.queue)

    async def _deliver(self, queue: str) -> None:
        async with self._locks[queue]:
            alert = await self._store.get(queue)
            if alert is None:
                return
            try:
                if alert.served_at is None:
                    await self._post(alert)
                else:
                    await self._recover(alert)
            except FAILURES as error:
                if is_permanent(error):
                    log.error("alert for queue %s given up: Slack says %s", queue, reason(error))
                    await self._store.resolve(queue, opened_at=alert.opened_at, now=self._clock())
                else:
                    log.warning("alert for queue %s not delivered (%s); it stays owed", queue, reason(error))

    async def _post(self, alert: QueueAlert) -> None:
        if alert.message_ts is not None:
            return  # posted already: one post per episode
        if self._channel is None:
            log.warning("queue %s has no worker; no alert channel to say so (SCHEDOPS_ALERT_CHANNEL)", alert.queue)
            await self._store.resolve(alert.queue, opened_at=alert.opened_at, now=self._clock())
            return
        message = queue_stalled_message(alert.queue, waiting=alert.waiting, since=alert.waiting_since)
        posted = await self._client.chat_postMessage(channel=self._channel, **message)
        await self._store.posted(
            alert.queue, opened_at=alert.opened_at, channel_id=self._channel, message_ts=str(posted["ts"])
        )

    async def _recover(self, alert: QueueAlert) -> None:
        # A stall that never made it to Slack ended before it could: there is nothing to take back.
        if alert.message_ts is not None and alert.channel_id is not None and alert.served_at is not None:
            message = queue_recovered_message(alert.queue, waited=alert.waiting, at=alert.served_at)
            await self._client.chat_update(channel=alert.channel_id, ts=alert.message_ts, **message)
        await self._store.resolve(alert.queue, opened_at=alert.opened_at, now=self._clock())
