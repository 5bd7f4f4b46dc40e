"""The long-running schedops process: database, jobs file, engine, and (when configured) Slack.

Start-up refuses bad configuration or a broken jobs file with precise lines and exit code 2, before
anything is changed. SIGTERM and SIGINT stop it gracefully with exit code 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from application.operations import Operations
from application.services import Services
from application.webhooks import WebhookDispatcher
from bot.slack.session import SlackSession
from core.clock import utc_now
from core.config import Settings
from core.jobs.spec import JobSpec
from core.jobs.sync import sync_jobs
from core.storage.instance_lock import InstanceLock
from schedops.http.api import create_api
from schedops.http.server import HealthServer

log = logging.getLogger("schedops")

SLACK_NOT_CONFIGURED = (
    "Slack is not configured: running the scheduler only. To connect Slack, create the app from "
    "manifest.yml and set SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...); see README, 'Slack app setup'."
)


async def serve(settings: Settings, specs: list[JobSpec] | None) -> None:
    stop = _stop_on_signals()
    services = Services.build(settings)
    lock = InstanceLock(services.db)
    try:
        await lock.acquire()  # before anything changes: a second schedops must not touch this database
        await services.db.migrate()
        if specs is not None:
            report = await sync_jobs(services.engine.jobs, specs, now=utc_now())
            log.info("jobs file %s: %s", settings.jobs_file, report.summary())
        else:
            log.info("no jobs file (set SCHEDOPS_JOBS_FILE or create jobs.yml); jobs come from the database")
        slack = await SlackSession.attach(services) if settings.slack_configured else None
        # One Operations for every door: Slack's when Slack runs, so both share one approval service.
        ops = slack.ctx.ops if slack is not None else await Operations.create(services)
        webhooks = WebhookDispatcher(services, clock=utc_now) if settings.webhook_endpoints else None
        if webhooks is not None:
            webhooks.subscribe()  # before the engine starts, so nothing it reports at start-up is missed
            webhooks.start()
        await services.engine.start()
        health = HealthServer(
            settings.port,
            db=services.db,
            engine=services.engine,
            metrics=services.metrics,
            slack_connected=services.slack_connected,
            api=create_api(ops),
        )
        try:
            await health.start()
            if slack is None:
                log.info(SLACK_NOT_CONFIGURED)
            else:
                slack.start()
            await stop.wait()
            log.info("stopping: letting running jobs finish for up to %s", settings.shutdown_timeout)
        finally:
            if slack is not None:
                await slack.close()
            await health.stop()
            if webhooks is not None:
                await webhooks.close()
            await services.engine.shutdown(grace=settings.shutdown_timeout)
    finally:
        await lock.release()
        await services.close()


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT; installed first, so a signal during start-up still stops cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
