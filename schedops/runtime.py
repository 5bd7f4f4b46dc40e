"""The long-running schedops process: database, jobs file, engine, and (when configured) Slack.

Start-up refuses bad configuration or a broken jobs file with precise lines and exit code 2, before
anything is changed. SIGTERM and SIGINT stop it gracefully with exit code 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

from application.services import Services
from bot.slack.session import SlackSession
from core.clock import utc_now
from core.config import Settings
from core.jobs.spec import JobSpec
from core.jobs.sync import sync_jobs
from core.storage.instance_lock import InstanceLock
from schedops.http.server import HealthServer

if TYPE_CHECKING:
    from sandbox.workspace import Sandbox

log = logging.getLogger("schedops")

SLACK_NOT_CONFIGURED = (
    "Slack is not configured: running the scheduler only. To connect Slack, create the app from "
    "manifest.yml and set SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...); see README, 'Slack app setup'."
)
SANDBOX_STARTED = "sandbox: a local Slack workspace at %s (no Slack tokens set; SCHEDOPS_SANDBOX=off turns it off)"


async def serve(settings: Settings, specs: list[JobSpec] | None) -> None:
    stop = _stop_on_signals()
    sandbox = await _start_sandbox(settings)
    if sandbox is not None:
        settings = sandbox.settings_for(settings)  # the bot connects to it exactly as to Slack
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
        await services.engine.start()
        health = HealthServer(
            settings.port,
            db=services.db,
            engine=services.engine,
            metrics=services.metrics,
            slack_connected=services.slack_connected,
        )
        try:
            await health.start()
            if slack is None:
                log.info(SLACK_NOT_CONFIGURED)
            else:
                slack.start()
            if sandbox is not None:
                log.info(SANDBOX_STARTED, sandbox.address)
            await stop.wait()
            log.info("stopping: letting running jobs finish for up to %s", settings.shutdown_timeout)
        finally:
            if slack is not None:
                await slack.close()
            await health.stop()
            await services.engine.shutdown(grace=settings.shutdown_timeout)
    finally:
        await lock.release()
        await services.close()
        if sandbox is not None:
            await sandbox.stop()


async def _start_sandbox(settings: Settings) -> Sandbox | None:
    if not settings.sandbox_enabled:
        return None
    from sandbox.workspace import Sandbox  # only a run without Slack tokens needs it

    sandbox = Sandbox(settings.sandbox_port, alert_channel=settings.alert_channel)
    await sandbox.start()
    return sandbox


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT; installed first, so a signal during start-up still stops cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
