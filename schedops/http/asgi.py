"""Serving an ASGI application (the FastAPI API) from the aiohttp server: one listener, one port, so the
connection limits and timeouts set on that server hold for every route, the API's included.

HTTP only (no WebSocket, no lifespan: the API keeps no state of its own to start or stop). The request body
is read whole first, under aiohttp's client_max_size; the response is streamed as the application sends it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def asgi_handler(app: ASGIApp) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        return await _Exchange(request).run(app)

    return handle


def scope_of(request: web.Request) -> Scope:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    sock = request.transport.get_extra_info("sockname") if request.transport else None
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": f"{request.version.major}.{request.version.minor}",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        # The raw (percent-encoded, so ASCII) forms, as a server hands them to ASGI applications.
        "raw_path": request.rel_url.raw_path.encode("ascii", "replace"),
        "query_string": request.rel_url.raw_query_string.encode("ascii", "replace"),
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.raw_headers],
        "client": tuple(peer[:2]) if isinstance(peer, tuple) else None,
        "server": tuple(sock[:2]) if isinstance(sock, tuple) else None,
        "state": {},
    }


class _Exchange:
    """One request through the ASGI application."""

    def __init__(self, request: web.Request) -> None:
        self._request = request
        self._response: web.StreamResponse | None = None
        self._status = 500
        self._headers: list[tuple[str, str]] = []
        self._body_sent = False
        self._done = asyncio.Event()

    async def run(self, app: ASGIApp) -> web.StreamResponse:
        body = await self._request.read()
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await self._done.wait()  # nothing more will come: tell a waiting app the exchange is over
            return {"type": "http.disconnect"}

        try:
            await app(scope_of(self._request), receive, self._send)
        except Exception:
            if self._response is None:  # the app failed before answering: answer for it, without details
                log.exception("API application failed before responding")
                return _internal_error()
            # After the response started, the app's own error handler has answered (and logged) already.
        finally:
            self._done.set()
        if self._response is None:
            return _internal_error()
        return self._response

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._status = int(message["status"])
            self._headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            response = await self._started()
            chunk = message.get("body", b"")
            if chunk:
                await response.write(chunk)
            if not message.get("more_body", False):
                await response.write_eof()

    async def _started(self) -> web.StreamResponse:
        if self._response is None:
            response = web.StreamResponse(status=self._status)
            for name, value in self._headers:
                response.headers.add(name, value)
            await response.prepare(self._request)
            self._response = response
        return self._response


def _internal_error() -> web.Response:
    return web.json_response(
        {"title": "Internal Server Error", "status": 500, "detail": "schedops could not complete the request"},
        status=500,
        content_type="application/problem+json",
    )
