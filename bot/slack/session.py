"""Slack for a running schedops: the app, its listeners, alerts and digests, and a connection that keeps
trying. Slack being unreachable or rejecting a token never stops the scheduler: it is logged in one line,
/readyz reports it, and the connection is retried with backoff."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

import aiohttp
from slack_sdk.errors import SlackApiError

from application.services import Services
from bot.app import create_app
from bot.context import BotContext
from bot.slack.client import make_web_client
from bot.slack.connection import SlackConnection
from bot.workflows.approvals import show_expired, show_interrupted

log = logging.getLogger(__name__)

RETRY_MAX_SECONDS = 60.0


class SlackSession:
    def __init__(
        self, services: Services, connection: SlackConnection, ctx: BotContext, *, sweep_every: float = 60
    ) -> None:
        self._services = services
        self._connection = connection
        self.ctx = ctx
        self._tasks: list[asyncio.Task[None]] = []
        self._sweep_every = sweep_every

    @classmethod
    async def attach(
        cls,
        services: Services,
        *,
        ping_interval: float = 10,
        expiry_sweep_every: float = 60,
        home_refresh_seconds: float = 5,
    ) -> SlackSession:
        """Build the app and hook alerts and digests into the services (before the engine starts)."""
        settings = services.settings
        assert settings.slack_app_token is not None
        client = make_web_client(settings)
        app, ctx = await create_app(services, client, home_refresh_seconds=home_refresh_seconds)
        connection = SlackConnection(
            app,
            settings.slack_app_token.get_secret_value(),
            observe_ack=services.metrics.observe_ack,
            ping_interval=ping_interval,
        )
        services.slack_connected = connection.connected
        return cls(services, connection, ctx, sweep_every=expiry_sweep_every)

    @property
    def connected(self) -> bool:
        return self._connection.connected()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._connect()),
            loop.create_task(self._watch()),
            loop.create_task(self._sweep()),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._connection.close()
        await self.ctx.home.close()
        with suppress(TimeoutError):
            await asyncio.wait_for(self.ctx.drain(), timeout=10)

    async def _connect(self) -> None:
        # Before the socket is up no click can be in flight: a request still "approved" was left by a
        # process that stopped while carrying it out.
        try:
            if await self._alone():  # with replicas, another one may be carrying a request out right now
                await show_interrupted(self.ctx)
        except Exception:
            log.exception("could not close requests left unfinished by the last shutdown")
        delay = 1.0
        while True:
            try:
                await self._connection.connect()
                return
            except SlackApiError as error:
                code = error.response.get("error")
                log.error("Slack refused the connection (%s): check SLACK_APP_TOKEN; retrying in %.0fs", code, delay)
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                log.warning("cannot reach Slack (%s); retrying in %.0fs", type(error).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _alone(self) -> bool:
        replica = self._services.replica
        alive = replica.timings.alive_within
        return not await replica.store.others_alive(replica.id, now=self.ctx.clock(), alive_within=alive)

    async def _watch(self) -> None:
        while True:
            self._services.metrics.set_slack_connected(self._connection.connected())
            await asyncio.sleep(5)

    async def _sweep(self) -> None:
        """Periodically: expire overdue approval requests, and deliver alerts Slack could not take."""
        while True:
            chores = [(show_expired, "expire overdue approval requests"), (_redeliver, "redeliver alerts")]
            for chore, what in chores if self._services.replica.leading else []:  # one replica sweeps
                try:
                    await chore(self.ctx)
                except Exception:
                    log.exception("could not %s; will try again", what)
            await asyncio.sleep(self._sweep_every)


async def _redeliver(ctx: BotContext) -> None:
    await ctx.alerts.redeliver()
