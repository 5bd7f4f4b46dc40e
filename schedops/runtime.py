"""The long-running schedops process: database, jobs file, engine, and (when configured) Slack.

Start-up refuses bad configuration or a broken jobs file with precise lines and exit code 2, before
anything is changed. SIGTERM and SIGINT stop it gracefully with exit code 0.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from typing import TYPE_CHECKING

from application.operations import Operations
from application.services import Services
from application.webhooks import WebhookDispatcher
from core.clock import utc_now
from core.config import Settings
from core.engine.job_watch import JobChangeWatcher
from core.jobs.file_reload import JobsFileReloader
from core.jobs.spec import JobSpec
from core.jobs.sync import sync_jobs
from core.storage.instance_lock import InstanceLock
from core.storage.notify import notify
from schedops.http.api import create_api
from schedops.http.server import HealthServer

if TYPE_CHECKING:
    from bot.slack.session import SlackSession
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
    # SQLite: one process, held by its file lock. PostgreSQL: any number of replicas, one of them leading.
    lock = InstanceLock(services.db) if services.db.dialect == "sqlite" else None
    try:
        await services.db.verify()  # a bad DATABASE_URL is one line, before anything else
        if lock is not None:
            await lock.acquire()  # before anything changes: a second schedops must not touch this database
        await services.db.migrate()
        if specs is not None:
            report = await sync_jobs(services.engine.jobs, specs, now=utc_now())
            log.info("jobs file %s: %s", settings.jobs_file, report.summary())
            await notify(services.db, "jobs")
        else:
            log.info("no jobs file (set SCHEDOPS_JOBS_FILE or create jobs.yml); jobs come from the database")
        slack = await _attach_slack(services) if settings.slack_configured else None
        # One Operations for every door: Slack's when Slack runs, so both share one approval service.
        ops = slack.ctx.ops if slack is not None else await Operations.create(services)
        webhooks = WebhookDispatcher(services, clock=utc_now) if settings.webhook_endpoints else None
        if webhooks is not None:
            webhooks.subscribe()  # before the engine starts, so nothing it reports at start-up is missed
            webhooks.start()
        watchers = await _watchers(services, specs is not None)
        await services.replica.start()
        for watcher in watchers:
            watcher.start()
        health = HealthServer(
            settings.port,
            settings.http_host,
            db=services.db,
            engine=services.engine,
            metrics=services.metrics,
            slack_connected=services.slack_connected,
            role=lambda: services.replica.role.value,
            api=create_api(ops, write_burst=settings.api_write_burst, writes_per_minute=settings.api_writes_per_minute),
        )
        try:
            await health.start()
            if slack is None:
                log.info(SLACK_NOT_CONFIGURED)
            else:
                slack.start()
            if sandbox is not None:
                log.info(SANDBOX_STARTED, sandbox.address)
            _settle_heap()
            await stop.wait()
            log.info("stopping: letting running jobs finish for up to %s", settings.shutdown_timeout)
        finally:
            if slack is not None:
                await slack.close()
            await health.stop()
            for watcher in watchers:
                await watcher.stop()
            if webhooks is not None:
                await webhooks.close()
            await services.replica.close(grace=settings.shutdown_timeout)
    finally:
        if lock is not None:
            await lock.release()
        await services.close()
        if sandbox is not None:
            await sandbox.stop()


def _settle_heap() -> None:
    """What start-up made (modules, job definitions, the Slack app) lives as long as the process: kept out of
    the garbage collector's walks, so that a full collection, which the allocations of a thousand runs starting
    at once set off, walks only what was made since (bench/burst.py: a third of a burst's lateness)."""
    gc.collect()
    gc.freeze()


async def _attach_slack(services: Services) -> SlackSession:
    # Imported only when Slack (or the sandbox) is configured: a replica serving only the HTTP API and the
    # engine never loads Bolt and the Slack SDK (about a fifth of `schedops run`'s imports).
    from bot.slack.session import SlackSession

    return await SlackSession.attach(services)


async def _start_sandbox(settings: Settings) -> Sandbox | None:
    if not settings.sandbox_enabled:
        return None
    from sandbox.workspace import Sandbox  # only a run without Slack tokens needs it

    sandbox = Sandbox(settings.sandbox_port, alert_channel=settings.alert_channel)
    await sandbox.start()
    return sandbox


async def _watchers(services: Services, has_file: bool) -> list[JobChangeWatcher | JobsFileReloader]:
    """Job changes made elsewhere (the CLI, an import) within seconds; edits to the jobs file within a minute."""
    engine, settings = services.engine, services.settings
    watchers: list[JobChangeWatcher | JobsFileReloader] = []
    if services.db.dialect == "sqlite":  # on PostgreSQL the replica follows changes (NOTIFY and a poll)
        changes = JobChangeWatcher(engine, every=settings.job_watch_interval.total_seconds())
        await changes.check()  # the starting point: what start-up is about to schedule
        watchers.append(changes)
    if not has_file or settings.jobs_file is None:
        return watchers
    reloader = JobsFileReloader(
        settings.jobs_file,
        engine.jobs,
        clock=engine.clock,
        on_change=engine.reconcile,
        every=settings.jobs_file_reload.total_seconds(),
        variables={"PORT": str(settings.port)},
    )
    reloader.remember_current()
    return [*watchers, reloader]


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT; installed first, so a signal during start-up still stops cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
