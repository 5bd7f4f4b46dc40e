"""The HTTP side of operations: liveness, readiness and Prometheus metrics, for orchestrators and scrapers.

``/healthz`` answers while the process serves HTTP; ``/readyz`` answers 200 only when the scheduler runs, the
database answers and (when configured) Slack is connected, else 503 with the reasons; ``/metrics`` is text for
Prometheus.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable

from aiohttp import web

from application.metrics import Metrics
from core.engine import Engine
from core.storage.database import Database
from schedops.http.asgi import ASGIApp, asgi_handler
from schedops.http.readiness import ReadinessFacts, readiness, readiness_body

log = logging.getLogger(__name__)

# A probe must answer well within an orchestrator's timeout (Kubernetes' default is 1s, most set a few).
PING_TIMEOUT = 2.0
# A connection has this long to send a whole request, and to send the next one after an answer: aiohttp's
# keep-alive timer starts when the connection opens and is only reset by a finished response, so a client
# trickling a request byte by byte is cut off too (aiohttp's default is 3,630 s).
REQUEST_TIMEOUT = 10.0
# Probes and a scraper need a handful; the rest are turned away at once, so idle connections can never
# take the file descriptors that jobs and the database need.
MAX_CONNECTIONS = 64
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _TurnedAway(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(_BUSY)
        transport.close()


class _CappedSite(web.BaseSite):
    """A TCP site that serves at most ``max_connections`` connections at a time."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, max_connections: int) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._max_connections = max_connections

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None

        def protocol() -> asyncio.BaseProtocol:
            return _TurnedAway() if len(server.connections) >= self._max_connections else server()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, self._host, self._port, reuse_address=True)


class HealthServerError(RuntimeError):
    """The health server could not listen (the port is taken, or not ours to bind)."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        why = "the port is already in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
        super().__init__(f"health server cannot listen on {host}:{port}: {why} (set PORT to a free port)")
        self.host = host
        self.port = port


class HealthServer:
    """An aiohttp server for /healthz, /readyz and /metrics. ``port`` 0 picks a free port; after ``start()``
    ``port`` is the one bound. It listens on loopback unless told otherwise (SCHEDOPS_HTTP_HOST), gives
    each connection ``request_timeout`` seconds per request, and serves ``max_connections`` at once."""

    def __init__(
        self,
        port: int,
        host: str = "127.0.0.1",
        *,
        db: Database,
        engine: Engine,
        metrics: Metrics,
        slack_connected: Callable[[], bool] | None = None,
        role: Callable[[], str] = lambda: "leader",
        ping_timeout: float = PING_TIMEOUT,
        request_timeout: float = REQUEST_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        api: ASGIApp | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._db = db
        self._engine = engine
        self._metrics = metrics
        self._slack_connected = slack_connected
        self._role = role
        self._ping_timeout = ping_timeout
        self._request_timeout = request_timeout
        self._max_connections = max_connections
        self._api = api  # served under /api/v1 on this same server, behind the same connection limits
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen, or raise HealthServerError naming the port."""
        # Probes come every few seconds: an access log line for each would drown the useful ones.
        runner = web.AppRunner(self._app(), access_log=None, keepalive_timeout=self._request_timeout)
        await runner.setup()
        try:
            await _CappedSite(runner, self.host, self.port, max_connections=self._max_connections).start()
        except OSError as error:
            await runner.cleanup()
            raise HealthServerError(self.host, self.port, error) from error
        self._runner = runner
        self.port = runner.addresses[0][1]
        log.info("health server listening on http://%s:%d (/healthz, /readyz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening; safe to call when not started."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def facts(self) -> ReadinessFacts:
        """What /readyz decides on, gathered now."""
        return ReadinessFacts(
            scheduler_running=self._engine.running,
            database_error=await self._database_error(),
            slack_connected=None if self._slack_connected is None else self._slack_connected(),
            role=self._role(),
        )

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_page)
        if self._api is not None:
            app.router.add_route("*", "/api/v1/{tail:[\\s\\S]*}", asgi_handler(self._api))
        return app

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        facts = await self.facts()
        ok, reasons = readiness(facts)
        return web.json_response(readiness_body(ok, reasons, facts.role), status=200 if ok else 503)

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        # The content type carries a charset, which aiohttp's content_type argument refuses: set the header.
        return web.Response(body=self._metrics.render(), headers={"Content-Type": self._metrics.content_type})

    async def _database_error(self) -> str | None:
        try:
            async with asyncio.timeout(self._ping_timeout):
                answered = await self._db.ping()
        except TimeoutError:
            return f"no answer within {self._ping_timeout:g}s."
        return None if answered else "a test query (SELECT 1) failed."
