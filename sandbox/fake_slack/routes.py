"""The HTTP side: `POST /api/<method>` (token check, injected faults, call log) and `POST /response/<id>`."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.fake_slack.interactions import Interactions
from sandbox.fake_slack.state import ApiCall, ApiError, JsonDict, ResponsePost
from sandbox.fake_slack.webapi import WebApi, decode_form

FAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: int
    error: str


class HttpRoutes:
    """Records every request and answers it as Slack would, unless a fault was queued for its method."""

    def __init__(
        self, api: WebApi, interactions: Interactions, tokens: tuple[str, str], changed: Callable[[], None]
    ) -> None:
        self.api, self.interactions, self._changed = api, interactions, changed
        self.bot_token, self.app_token = tokens
        self.calls: list[ApiCall] = []
        self.responses: list[ResponsePost] = []
        self.faults: dict[str, deque[Fault]] = {}

    def fail_next(self, method: str, status: int, retry_after: int, error: str | None) -> None:
        fault = Fault(status, retry_after, error or FAULT_ERRORS.get(status, "fatal_error"))
        self.faults.setdefault(method, deque()).append(fault)

    async def handle_api(self, request: web.Request) -> web.Response:
        method, received_at = request.match_info["method"], time.perf_counter()
        try:
            body = await _read_body(request)
        except ApiError as error:
            return web.json_response(error.body())
        token = _bearer(request) or body.pop("token", None)
        status, answer, headers = self._answer(method, body, token)
        failure = None if answer.get("ok") else str(answer.get("error"))
        self.calls.append(ApiCall(method, body, received_at, token, status, failure))
        self._changed()
        return web.json_response(answer, status=status, headers=headers)

    def _answer(self, method: str, body: JsonDict, token: str | None) -> tuple[int, JsonDict, dict[str, str]]:
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        faults = self.faults.get(method)
        if faults:
            fault = faults.popleft()
            headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
            return fault.status, {"ok": False, "error": fault.error}, headers
        try:
            return 200, self.api.call(method, body), {}
        except ApiError as error:
            return 200, error.body(), {}

    async def handle_response(self, request: web.Request) -> web.Response:
        received_at, url_id = time.perf_counter(), request.match_info["url_id"]
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            status, text = 400, "invalid_payload"
        else:
            status, text = self.interactions.respond(url_id, body)
        self.responses.append(ResponsePost(url_id, body if isinstance(body, dict) else {}, received_at, status))
        self._changed()
        return web.Response(status=status, text=text)


async def _read_body(request: web.Request) -> JsonDict:
    """JSON or form body, with query parameters (slack-sdk sends `apps.connections.open` arguments there)."""
    body: JsonDict = dict(request.query)
    if request.content_type == "application/json":
        try:
            parsed: Any = await request.json()
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise ApiError("invalid_json")
        body.update(parsed)
    elif request.can_read_body:
        form = await request.post()
        body.update(decode_form({k: v for k, v in form.items() if isinstance(v, str)}))
    return body


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
