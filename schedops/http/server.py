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


class HealthServerError(RuntimeError):
    """The health server could not listen (the port is taken, or not ours to bind)."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        why = "the port is already in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
        super().__init__(f"health server cannot listen on {host}:{port}: {why} (set PORT to a free port)")
        self.host = host
        self.port = port


class HealthServer:
    """An aiohttp server for /healthz, /readyz and /metrics. ``port`` 0 picks a free port; after ``start()``
    ``port`` is the one bound."""

    def __init__(
        self,
        port: int,
        host: str = "0.0.0.0",
        *,
        db: Database,
        engine: Engine,
        metrics: Metrics,
        slack_connected: Callable[[], bool] | None = None,
        ping_timeout: float = PING_TIMEOUT,
        api: ASGIApp | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._db = db
        self._engine = engine
        self._metrics = metrics
        self._slack_connected = slack_connected
        self._ping_timeout = ping_timeout
        self._api = api  # served under /api/v1 on this same server, behind the same connection limits
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen, or raise HealthServerError naming the port."""
        # Probes come every few seconds: an access log line for each would drown the useful ones.
        runner = web.AppRunner(self._app(), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
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
        ok, reasons = readiness(await self.facts())
        return web.json_response(readiness_body(ok, reasons), status=200 if ok else 503)

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
