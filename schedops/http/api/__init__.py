"""The automation API under /api/v1: what schedops does in Slack, over HTTP, for n8n, scripts and CI.

Built on the same Operations as Slack, so every rule (who may, what needs approval, what is hidden, what is
audited) is the same whichever door is used. FastAPI generates the OpenAPI 3.1 document from the pydantic
models the routes validate with. The app is served by schedops' one aiohttp server (schedops.http.asgi), and
imported only by `schedops run`: no other command pays for FastAPI."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from application.operations import Operations
from core.config import API_WRITE_BURST, API_WRITES_PER_MINUTE
from schedops.http.api import problems
from schedops.http.api.ratelimit import WriteLimiter
from schedops.http.api.routes import approvals, fixit, jobs, reads, records

PREFIX = "/api/v1"


def create_api(
    ops: Operations,
    *,
    write_burst: int = API_WRITE_BURST,
    writes_per_minute: float = API_WRITES_PER_MINUTE,
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
    _document_durations_as_iso8601(app)
    for module in (reads, jobs, fixit, approvals, records):
        app.include_router(module.router, prefix=PREFIX, responses=problems.DOCUMENTED)
    return app


def _document_durations_as_iso8601(app: FastAPI) -> None:
    """pydantic writes a timedelta as an ISO 8601 duration with fractional seconds (``PT0.098S``), which
    JSON Schema's ``format: duration`` (RFC 3339's stricter grammar) refuses: document those fields as the
    ISO 8601 strings they are, so the document matches every response."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _without_duration_format(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _without_duration_format(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("format") == "duration":
            node = {key: value for key, value in node.items() if key != "format"}
            node.setdefault("description", "An ISO 8601 duration, e.g. PT1H30M or PT0.25S")
        return {key: _without_duration_format(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_without_duration_format(item) for item in node]
    return node
