"""The automation API under /api/v1: what schedops does in Slack, over HTTP, for n8n, scripts and CI.

Built on the same Operations as Slack, so every rule (who may, what needs approval, what is hidden, what is
audited) is the same whichever door is used. FastAPI generates the OpenAPI 3.1 document from the pydantic
models the routes validate with. The app is served by schedops' one aiohttp server (schedops.http.asgi), and
imported only by `schedops run`: no other command pays for FastAPI."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI

from application.operations import Operations
from schedops.http.api import problems
from schedops.http.api.ratelimit import WriteLimiter
from schedops.http.api.routes import approvals, fixit, jobs, reads, records

PREFIX = "/api/v1"
# Writes per token: a burst of 30, then 60 a minute; reads are not limited (they change nothing).
WRITE_BURST = 30
WRITES_PER_MINUTE = 60.0


def create_api(
    ops: Operations,
    *,
    write_burst: int = WRITE_BURST,
    writes_per_minute: float = WRITES_PER_MINUTE,
    monotonic: Callable[[], float] = time.monotonic,
) -> FastAPI:
    app = FastAPI(
        title="schedops",
        version="1",
        summary="Scheduled jobs: sitrep, jobs, runs, fix-it and approvals, as in Slack",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.ops = ops
    app.state.write_limiter = WriteLimiter(per_minute=writes_per_minute, burst=write_burst, clock=monotonic)
    problems.install(app)
    for module in (reads, jobs, fixit, approvals, records):
        app.include_router(module.router, prefix=PREFIX, responses=problems.DOCUMENTED)
    return app
