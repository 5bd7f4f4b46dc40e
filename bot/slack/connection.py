"""The Socket Mode connection: connect, notice when it is up, measure every ack, close on shutdown.

slack-sdk's SocketModeClient reconnects by itself after a dropped socket or a ``disconnect`` message;
``connected()`` reports what it currently has, for /readyz and the metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger(__name__)


class _MeasuredHandler(AsyncSocketModeHandler):
    """Bolt's handler, timing each request from arrival to the ack being sent."""

    def __init__(self, app: AsyncApp, app_token: str, observe_ack: Callable[[float], None], ping: float) -> None:
        super().__init__(app, app_token, ping_interval=ping)
        self._observe_ack = observe_ack

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.perf_counter()
        response = await run_async_bolt_app(self.app, req)
        await send_async_response(client, req, response, time.time())
        self._observe_ack(time.perf_counter() - started)


class SlackConnection:
    def __init__(
        self, app: AsyncApp, app_token: str, *, observe_ack: Callable[[float], None], ping_interval: float = 10
    ) -> None:
        self._handler = _MeasuredHandler(app, app_token, observe_ack, ping_interval)
        self._connected = False

    async def connect(self) -> None:
        await self._handler.connect_async()  # type: ignore[no-untyped-call]
        self._connected = True
        log.info("connected to Slack (Socket Mode)")

    def connected(self) -> bool:
        """Whether the socket is up right now (checked without awaiting, for health endpoints)."""
        client = self._handler.client
        session = client.current_session
        return self._connected and session is not None and not session.closed and not client.closed

    async def close(self) -> None:
        self._connected = False
        await self._handler.close_async()  # type: ignore[no-untyped-call]
        log.info("Slack connection closed")
