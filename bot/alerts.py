"""Failure alerts: a run that failed for good (after its automatic retries) is posted to the job's
alert channel with Retry / Pause / Show output; further failures go into that alert's thread; when the job
succeeds again the alert is updated in place as recovered."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.views.alerts import failure_alert_message, recovered_alert_message, repeat_failure_reply
from core.events import RunFailed, RunRecovered
from core.storage.alerts_store import AlertStore

log = logging.getLogger(__name__)


class FailureAlerts:
    def __init__(self, services: Services, client: AsyncWebClient) -> None:
        self._services = services
        self._client = client
        self._store = AlertStore(services.db)
        # One job's alerts are handled in order: two failures at once must not open two alerts.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def subscribe(self) -> None:
        self._services.events.subscribe(RunFailed, self.on_failed)
        self._services.events.subscribe(RunRecovered, self.on_recovered)

    async def on_failed(self, event: RunFailed) -> None:
        if not event.final:
            return
        run = event.run
        job = await self._services.engine.jobs.get(run.job_id)
        channel = (job.spec.alert_channel if job else None) or self._services.settings.alert_channel
        if job is None or channel is None:
            log.info(
                "run %s of %s failed; no alert channel set (alert_channel or SCHEDOPS_ALERT_CHANNEL)",
                run.id,
                run.job_id,
            )
            return
        async with self._locks[run.job_id]:
            streak = await self._services.engine.runs.consecutive_failures(run.job_id)
            alert = await self._store.open_for(run.job_id)
            message = failure_alert_message(job.spec, run, consecutive_failures=streak)
            try:
                if alert is None:
                    posted = await self._client.chat_postMessage(channel=channel, **message)
                    await self._store.open(
                        run.job_id,
                        channel_id=str(posted["channel"]),
                        message_ts=str(posted["ts"]),
                        run_id=run.id,
                        now=self._services.engine.clock(),
                    )
                    return
                reply = repeat_failure_reply(run, consecutive_failures=streak)
                await self._client.chat_postMessage(channel=alert.channel_id, thread_ts=alert.message_ts, **reply)
                await self._client.chat_update(channel=alert.channel_id, ts=alert.message_ts, **message)
                await self._store.count_failure(run.job_id)
            except SlackApiError as error:
                log.warning("could not post the alert for %s: %s", run.job_id, error.response.get("error"))

    async def on_recovered(self, event: RunRecovered) -> None:
        run = event.run
        async with self._locks[run.job_id]:
            alert = await self._store.open_for(run.job_id)
            job = await self._services.engine.jobs.get(run.job_id)
            if alert is None or job is None:
                return
            message = recovered_alert_message(job.spec, run, failures=event.failures)
            try:
                await self._client.chat_update(channel=alert.channel_id, ts=alert.message_ts, **message)
            except SlackApiError as error:
                log.warning("could not mark the alert for %s recovered: %s", run.job_id, error.response.get("error"))
                return
            await self._store.resolve(run.job_id, now=self._services.engine.clock())
