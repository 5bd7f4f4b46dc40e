"""The sandbox page's routes: the page and its assets, what a person sees, live updates (server-sent events),
and what a person does (write in the message box, click, submit or close a modal, open the Home tab).

Everything a person does becomes the payload Slack would send over Socket Mode; the bot answers through the
Web API and response_urls as it does in Slack. Bad input gets a 400 with one line, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.commands import Command
from sandbox.fake_slack import Envelope, FakeSlack, View
from sandbox.people import PEOPLE_BY_ID
from sandbox.snapshot import snapshot

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {
    "sandbox.css": "text/css",
    "sandbox.js": "text/javascript",  # the page: state, drawing, talking to the sandbox
    "blockkit.js": "text/javascript",  # Block Kit as DOM
    "mrkdwn.js": "text/javascript",  # Slack's mrkdwn as DOM
    "dom.js": "text/javascript",  # the one DOM builder (text, never HTML)
}
KEEPALIVE_SECONDS = 15.0
ACK_SECONDS = 3.0  # Slack's rule: no ack within 3 s and the user sees an error

# The page runs no third-party code and loads nothing from elsewhere; say so to the browser.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class BadInput(Exception):
    """One line saying what was wrong with a request from the page."""


class SandboxPage:
    def __init__(self, fake: FakeSlack, channels: list[str], commands: list[Command]) -> None:
        self.fake, self.channels, self.commands = fake, channels, commands
        self.command_names = {c.command for c in commands}

    def mount(self, app: web.Application) -> None:
        app.middlewares.append(same_host_only)
        app.router.add_get("/sandbox", self.index)
        app.router.add_get("/sandbox/static/{name}", self.asset)
        app.router.add_get("/sandbox/state", self.state)
        app.router.add_get("/sandbox/events", self.events)
        for name, handler in (
            ("message", self.message),
            ("click", self.click),
            ("view-click", self.view_click),
            ("submit", self.submit),
            ("close", self.close),
            ("home", self.home),
        ):
            app.router.add_post(f"/sandbox/api/{name}", _guarded(handler))

    # -- reading --

    async def index(self, request: web.Request) -> web.Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return web.Response(text=html, content_type="text/html", headers=SECURITY_HEADERS)

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        body = (STATIC / name).read_text(encoding="utf-8")
        return web.Response(text=body, content_type=ASSETS[name], headers=SECURITY_HEADERS)

    async def state(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "")
        if user not in PEOPLE_BY_ID:
            return web.json_response({"error": f"unknown person {user!r}"}, status=400)
        return web.json_response(snapshot(self.fake, user, self.channels, self.commands))

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the state's version each time it changes (the page then fetches what it shows)."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        seen = -1
        try:
            while True:
                version = self.fake.version if seen < 0 else await self.fake.wait_changed(seen, KEEPALIVE_SECONDS)
                line = f"data: {version}\n\n" if version != seen else ": keepalive\n\n"
                await response.write(line.encode())
                seen = version
        except ConnectionResetError:
            pass  # the page was closed
        return response

    # -- doing --

    async def message(self, body: dict[str, Any]) -> dict[str, Any]:
        user, channel, text = _person(body), _text(body, "channel"), _text(body, "text").strip()
        if not text:
            raise BadInput("text: write something")
        if not text.startswith("/"):
            self.fake.workspace.post_as(channel, user, text)
            self.fake.touch()
            return {"ok": True}
        command, _, rest = text.partition(" ")
        if command not in self.command_names:
            self.fake.workspace.notice(channel, user, f"{command} is not a valid command.")
            self.fake.touch()
            return {"ok": True}
        payload = self.fake.slash_command(command, rest.strip(), user_id=user, channel_id=channel)
        await self._deliver(payload, channel, user, command)
        return {"ok": True}

    async def click(self, body: dict[str, Any]) -> dict[str, Any]:
        user, channel, ts = _person(body), _text(body, "channel"), _text(body, "ts")
        action_id, block_id = _text(body, "action_id"), body.get("block_id")
        try:
            payload = self.fake.block_action(
                action_id, _optional(body, "value"), user, channel, ts, str(block_id) if block_id else None
            )
        except LookupError:
            raise BadInput("that button is no longer there") from None
        await self._deliver(payload, channel, user, "the app")
        return {"ok": True}

    async def view_click(self, body: dict[str, Any]) -> dict[str, Any]:
        user = _person(body)
        try:
            payload = self.fake.view_action(
                _text(body, "view_id"), _text(body, "action_id"), user, _optional(body, "value")
            )
        except LookupError:
            raise BadInput("that view is no longer open") from None
        await self._deliver(payload, None, user, "the app")
        return {"ok": True}

    async def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        user, view = _person(body), self._open_view(body)
        values = body.get("values")
        if not isinstance(values, dict):
            raise BadInput("values: expected an object of block ids")
        payload = self.fake.interactions.view_submission(view, values, user, None)
        await self._deliver(payload, None, user, "the app")
        return {"ok": True}

    async def close(self, body: dict[str, Any]) -> dict[str, Any]:
        _person(body)
        view = self._open_view(body)
        for other in self.fake.opened_views():
            if other.user == view.user:
                other.open = False  # Cancel closes the whole stack, as in Slack
        self.fake.touch()
        return {"ok": True}

    async def home(self, body: dict[str, Any]) -> dict[str, Any]:
        user = _person(body)
        await self.fake.deliver(self.fake.app_home_opened(user))
        return {"ok": True}

    def _open_view(self, body: dict[str, Any]) -> View:
        view = self.fake.workspace.views.get(_text(body, "view_id"))
        if view is None or not view.open or view.user != body.get("user"):
            raise BadInput("that form is no longer open")
        return view

    async def _deliver(self, payload: dict[str, Any], channel: str | None, user: str, what: str) -> Envelope | None:
        """Send the payload; tell the person, as Slack does, when the app is not there or does not answer."""
        try:
            envelope = await self.fake.deliver(payload)
            await envelope.ack(ACK_SECONDS)
        except TimeoutError:
            if channel is not None:
                self.fake.workspace.notice(channel, user, f'{what} failed with the error "operation_timeout"')
                self.fake.touch()
            raise BadInput(f"{what} did not answer within {ACK_SECONDS:.0f} seconds") from None
        return envelope


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def same_host_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The page acts as an admin without a password, so only the page itself may drive it: a request for
    another host name (DNS rebinding) or from another site's page (its Origin) is refused."""
    if not request.path.startswith("/sandbox"):
        return await handler(request)  # the Slack side (/api, /socket, /response) is the bot's
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    origin = request.headers.get("Origin")
    if host not in LOOPBACK_NAMES or (origin is not None and origin != f"http://{request.host}"):
        return web.json_response({"error": "the sandbox answers only its own page on 127.0.0.1"}, status=403)
    return await handler(request)


def _guarded(handler: Any) -> Any:
    async def route(request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            # A JSON content type makes a cross-site request need a CORS preflight, which is never granted.
            return web.json_response({"error": "expected Content-Type: application/json"}, status=415)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "expected a JSON body"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "expected a JSON object"}, status=400)
        try:
            return web.json_response(await handler(body))
        except BadInput as problem:
            return web.json_response({"error": str(problem)}, status=400)

    return route


def _person(body: dict[str, Any]) -> str:
    user = body.get("user")
    if not isinstance(user, str) or user not in PEOPLE_BY_ID:
        raise BadInput(f"user: not one of the sandbox's people ({', '.join(PEOPLE_BY_ID)})")
    return user


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise BadInput(f"{key}: expected a non-empty string")
    return value


def _optional(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None
