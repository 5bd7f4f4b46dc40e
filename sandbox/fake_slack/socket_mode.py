"""Socket Mode on the server side: connections, envelopes and their acks."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from sandbox.fake_slack.state import JsonDict


@dataclass(frozen=True)
class Ack:
    """The app's answer to an envelope: its optional `payload`, and seconds from send to receipt."""

    payload: JsonDict | None
    latency: float


@dataclass
class Envelope:
    """An envelope sent to the app; `await ack()` waits for the app to acknowledge it."""

    envelope_id: str
    type: str
    payload: JsonDict
    accepts_response_payload: bool
    sent_at: float = 0.0
    _answer: asyncio.Future[Ack] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    @property
    def acked(self) -> bool:
        return self._answer.done()

    async def ack(self, timeout: float = 3.0) -> Ack:  # noqa: ASYNC109 (reads as Slack's 3 s rule)
        """The ack, within `timeout` seconds (Slack shows the user an error after 3 s without one)."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), timeout)
        except TimeoutError:
            kind = self.payload.get("type") or self.payload.get("command") or self.type
            raise TimeoutError(f"no ack for {self.type} envelope {self.envelope_id} ({kind}) in {timeout}s") from None

    def to_wire(self) -> str:
        body: JsonDict = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            body["retry_attempt"] = 0
            body["retry_reason"] = ""
        return json.dumps(body)

    def resolve(self, payload: JsonDict | None, received_at: float) -> bool:
        if self._answer.done():
            return False
        self._answer.set_result(Ack(payload, received_at - self.sent_at))
        return True


@dataclass
class Connection:
    """One WebSocket from the app; `retiring` once told to disconnect, so no new envelopes go to it."""

    number: int
    ticket: str
    ws: web.WebSocketResponse
    request: web.Request
    opened_at: float = field(default_factory=time.perf_counter)
    retiring: bool = False
    pings: int = 0

    @property
    def active(self) -> bool:
        return not self.retiring and not self.ws.closed

    def abort(self) -> None:
        """Drop the TCP connection without a close frame, as a network failure would."""
        if self.request.transport is not None:
            self.request.transport.abort()


def hello(app_id: str, connections: int) -> str:
    return json.dumps(
        {
            "type": "hello",
            "num_connections": connections,
            "debug_info": {"host": "fake", "build_number": 1, "approximate_connection_time": 3600},
            "connection_info": {"app_id": app_id},
        }
    )


def disconnect(reason: str) -> str:
    return json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})


def parse_ack(data: str) -> tuple[str | None, JsonDict | None]:
    """(envelope_id, payload) from an app's message; envelope_id None when it is not an ack."""
    try:
        message: Any = json.loads(data)
    except ValueError:
        return None, None
    if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
        return None, None
    payload = message.get("payload")
    return message["envelope_id"], payload if isinstance(payload, dict) else None


class SocketModeServer:
    """The `/socket` endpoint: tickets from `apps.connections.open`, live connections, envelopes sent."""

    def __init__(self, app_id: str, changed: Callable[[], None], on_ack: Callable[[Envelope, JsonDict | None], None]):
        self.app_id, self._changed, self._on_ack = app_id, changed, on_ack
        self.tickets: set[str] = set()
        self.connections: list[Connection] = []
        self.envelopes: dict[str, Envelope] = {}
        self.unexpected_acks: list[str] = []
        self.opened = 0

    def issue_url(self, host: str) -> str:
        ticket = uuid.uuid4().hex
        self.tickets.add(ticket)
        return f"ws://{host}/socket?ticket={ticket}&app_id={self.app_id}"

    @property
    def active_count(self) -> int:
        return sum(1 for c in self.connections if c.active)

    def newest(self) -> Connection:
        live = [c for c in self.connections if c.active]
        if not live:
            raise RuntimeError("no Socket Mode connection")
        return live[-1]

    async def send(self, type: str, payload: JsonDict, accepts_response_payload: bool) -> Envelope:
        connection = self.newest()
        envelope = Envelope(str(uuid.uuid4()), type, payload, accepts_response_payload)
        self.envelopes[envelope.envelope_id] = envelope
        envelope.sent_at = time.perf_counter()
        await connection.ws.send_str(envelope.to_wire())
        return envelope

    async def drop(self, *, graceful: bool) -> None:
        connection = self.newest()
        connection.retiring = True
        if graceful:
            await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"fake: connection closed")
        else:
            connection.abort()
        self._changed()

    async def disconnect(self, reason: str) -> None:
        connection = self.newest()
        connection.retiring = True
        await connection.ws.send_str(disconnect(reason))
        self._changed()

    async def close_all(self) -> None:
        for connection in list(self.connections):
            connection.retiring = True
            await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"fake: server stopping")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.json_response({"ok": False, "error": "invalid_auth"}, status=401)
        ws = web.WebSocketResponse(autoping=False, timeout=1.0)
        await ws.prepare(request)
        connection = Connection(self.opened + 1, ticket, ws, request)
        self.connections.append(connection)
        self.opened += 1
        try:
            await ws.send_str(hello(self.app_id, self.active_count))
            self._changed()
            await self._read(connection)
        finally:
            self.connections.remove(connection)
            self._changed()
        return ws

    async def _read(self, connection: Connection) -> None:
        async for msg in connection.ws:
            if msg.type == WSMsgType.TEXT:
                self._ack(msg.data, time.perf_counter())
            elif msg.type == WSMsgType.PING:
                # autoping is off so that pings can be counted; answer each as Slack does.
                connection.pings += 1
                await connection.ws.pong(msg.data)
                self._changed()
            elif msg.type == WSMsgType.ERROR:
                break

    def _ack(self, data: str, received_at: float) -> None:
        envelope_id, payload = parse_ack(data)
        envelope = self.envelopes.get(envelope_id or "")
        if envelope is None or not envelope.resolve(payload, received_at):
            self.unexpected_acks.append(data)
            return
        self._on_ack(envelope, payload)
        self._changed()
