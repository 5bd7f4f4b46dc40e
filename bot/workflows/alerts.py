"""Failure alerts: a run that failed for good (after its automatic retries) is posted to the job's alert
channel with Retry / Pause / Show output; further failures go into that alert's thread; when the job
succeeds again the alert is updated in place as recovered.

Every change is recorded first (core.storage.alerts_store) and delivered after; what Slack could not take
(it was down) stays owed and ``redeliver()`` sends it later, so an alert is delayed, not lost."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from slack_sdk.web.async_client import AsyncWebClient

from application.services import Services
from bot.slack.errors import FAILURES, is_permanent, reason
from bot.views.alerts import failure_alert_message, recovered_alert_message, repeat_failure_reply
from bot.views.common import Message
from bot.workflows.queue_alerts import QueueAlerts
from core.events import RunFailed, RunRecovered
from core.storage.alerts_store import Alert, AlertStore
from core.storage.runs_store import RunLookupError

log = logging.getLogger(__name__)


class FailureAlerts:
    def __init__(self, services: Services, client: AsyncWebClient) -> None:
        self._services = services
        self._client = client
        self._store = AlertStore(services.db)
        # One job's alerts are handled in order: two failures at once must not open two alerts.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Queues whose runs wait for a worker that is not there go to the same alert channel.
        self.queues = QueueAlerts(
            services.db, client, channel=services.settings.alert_channel, clock=services.engine.clock
        )

    def subscribe(self) -> None:
        self._services.events.subscribe(RunFailed, self.on_failed)
        self._services.events.subscribe(RunRecovered, self.on_recovered)
        self.queues.subscribe(self._services.events)

    async def on_failed(self, event: RunFailed) -> None:
        if not event.final or event.cancelled_by is not None:
            return  # a retry follows, or someone stopped the run on purpose (they were told; the audit has it)
        run = event.run
        job = await self._services.engine.jobs.get(run.job_id)
        channel = (job.spec.alert_channel if job else None) or self._services.settings.alert_channel
        if job is None or channel is None:
            log.info(
                "run %s of %s failed; no alert channel (alert_channel or SCHEDOPS_ALERT_CHANNEL)", run.id, run.job_id
            )
            return
        async with self._locks[run.job_id]:
            alert = await self._store.record_failure(
                run.job_id, channel_id=channel, run_id=run.id, now=self._services.engine.clock()
            )
            if alert.message_ts is None:
                await self._deliver(alert)
                return
            streak = await self._services.engine.runs.consecutive_failures(run.job_id)
            try:  # the alert itself is out: a thread reply that does not make it is only logged
                reply = repeat_failure_reply(run, consecutive_failures=streak)
                await self._client.chat_postMessage(channel=alert.channel_id, thread_ts=alert.message_ts, **reply)
                message = failure_alert_message(job.spec, run, consecutive_failures=streak)
                await self._client.chat_update(channel=alert.channel_id, ts=alert.message_ts, **message)
            except FAILURES as error:
                log.warning("could not add failure %s to the alert of %s: %s", run.id, run.job_id, reason(error))

    async def on_recovered(self, event: RunRecovered) -> None:
        async with self._locks[event.run.job_id]:
            alert = await self._store.record_recovery(event.run.job_id, run_id=event.run.id, failures=event.failures)
            if alert is not None:
                await self._deliver(alert)

    async def redeliver(self) -> None:
        """Send what Slack could not take before (called periodically)."""
        for alert in await self._store.owed():
            async with self._locks[alert.job_id]:
                current = await self._store.open_for(alert.job_id)
                if current is not None and current.owed:
                    await self._deliver(current)
        await self.queues.redeliver()

    async def _deliver(self, alert: Alert) -> None:
        now = self._services.engine.clock()
        job = await self._services.engine.jobs.get(alert.job_id)
        try:
            run = await self._services.engine.runs.get(alert.recovered_run_id or alert.run_id)
        except RunLookupError:
            run = None
        if job is None or run is None:  # removed, or its history purged: nothing left to show
            await self._store.resolve(alert.job_id, now=now)
            return
        try:
            if alert.recovered_run_id is not None:
                message = recovered_alert_message(job.spec, run, failures=alert.recovered_after or alert.failures)
                await self._post_or_update(alert, message)
                await self._store.resolve(alert.job_id, now=now)
            else:
                streak = await self._services.engine.runs.consecutive_failures(alert.job_id)
                message = failure_alert_message(job.spec, run, consecutive_failures=streak)
                posted = await self._client.chat_postMessage(channel=alert.channel_id, **message)
                await self._store.delivered(alert.job_id, message_ts=str(posted["ts"]))
        except FAILURES as error:
            if is_permanent(error):  # retrying cannot change it: the alert is given up on, and the log says why
                log.error("alert for %s given up: Slack says %s", alert.job_id, reason(error))
                await self._store.resolve(alert.job_id, now=now)
            else:
                log.warning("alert for %s not delivered (%s); it stays owed", alert.job_id, reason(error))

    async def _post_or_update(self, alert: Alert, message: Message) -> None:
        if alert.message_ts is None:  # it recovered before the failure could be shown: show both at once
            await self._client.chat_postMessage(channel=alert.channel_id, **message)
        else:
            await self._client.chat_update(channel=alert.channel_id, ts=alert.message_ts, **message)
