"""FakeSlack: a local Slack over real sockets (Web API, Socket Mode, response_url) for the sandbox, tests and
benchmarks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from aiohttp import web

from sandbox.fake_slack.interactions import Interactions
from sandbox.fake_slack.payloads import Identity
from sandbox.fake_slack.routes import HttpRoutes
from sandbox.fake_slack.socket_mode import Envelope, SocketModeServer
from sandbox.fake_slack.state import ApiCall, JsonDict, Message, ResponsePost, View, Violation, Workspace
from sandbox.fake_slack.webapi import WebApi, dm_channel

T = TypeVar("T")

# Standing test users and channel, so scenarios read like stories.
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
OPS_CHANNEL = "C0OPS"

# Whether Slack lets an ack carry a payload, by envelope type (view_submission: yes; block_actions: no).
_ACCEPTS_RESPONSE_PAYLOAD = {"slash_commands": True, "events_api": False}


class FakeSlack:
    """A Slack-compatible server on 127.0.0.1 (ephemeral port); use `async with FakeSlack() as fake:`."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        identity: Identity | None = None,
        trigger_ttl: float = 3.0,
        port: int = 0,
        clock: Callable[[], float] | None = None,
        mount: Callable[[web.Application], None] | None = None,
    ) -> None:
        self.bot_token, self.app_token = bot_token, app_token
        self.identity = identity or Identity()
        self.workspace = Workspace(self.identity.bot_user_id, self.identity.bot_id, clock)
        self.api = WebApi(self.identity, self.workspace, trigger_ttl)
        self.interactions = Interactions(self.api)
        self.socket = SocketModeServer(self.identity.app_id, self._changed, self.interactions.apply_ack)
        self.http = HttpRoutes(self.api, self.interactions, (bot_token, app_token), self._changed)
        self._host = ""
        self._port, self._mount = port, mount
        self._runner: web.AppRunner | None = None
        self._change = asyncio.Event()
        self.version = 0  # counts changes of state, so a watcher can tell whether it has seen the latest

    # -- lifecycle --

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self.http.handle_api)
        app.router.add_get("/api/{method}", self.http.handle_api)  # slack-sdk sends users.info as a GET
        app.router.add_post("/response/{url_id}", self.http.handle_response)
        app.router.add_get("/socket", self.socket.handle)
        if self._mount is not None:
            self._mount(app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self._port).start()
        host, port = self._runner.addresses[0][:2]
        self._host = f"{host}:{port}"
        self.interactions.base_url = f"http://{self._host}"
        self.api.socket_url = lambda: self.socket.issue_url(self._host)

    async def stop(self) -> None:
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, where the server listens."""
        if not self._host:
            raise RuntimeError("FakeSlack is not started")
        return f"http://{self._host}"

    @property
    def api_url(self) -> str:
        """The Web API base URL for `AsyncWebClient(base_url=...)`."""
        if not self._host:
            raise RuntimeError("FakeSlack is not started")
        return f"http://{self._host}/api/"

    # -- what the bot did, and what users now see --

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Web API request (failed ones too), oldest first; only `method`'s when given."""
        return [c for c in self.http.calls if method is None or c.method == method]

    def responses(self) -> list[ResponsePost]:
        """Every POST to a response_url, refused ones too."""
        return list(self.http.responses)

    def envelopes(self) -> list[Envelope]:
        return list(self.socket.envelopes.values())

    @property
    def unexpected_acks(self) -> list[str]:
        """Raw acks for unknown envelopes, or second acks of one envelope."""
        return list(self.socket.unexpected_acks)

    @property
    def violations(self) -> list[Violation]:
        """What Slack would have refused (invalid blocks or views, no text and no blocks)."""
        return list(self.workspace.violations)

    @property
    def warnings(self) -> list[Violation]:
        """What Slack accepts but warns about (`missing_text`, `text_truncated`)."""
        return list(self.workspace.warnings)

    def messages(self, channel: str) -> list[Message]:
        """Live top-level messages in a channel (or in the DM with user `U…`), as users now see them."""
        return self.workspace.messages(self.channel_id(channel))

    def message(self, channel: str, ts: str) -> Message:
        found = self.workspace.find(self.channel_id(channel), ts)
        if found is None:
            raise LookupError(f"no message {ts} in {channel}")
        return found

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        return self.workspace.replies(self.channel_id(channel), thread_ts)

    def ephemerals(self, user: str) -> list[Message]:
        """Live ephemeral messages shown to `user` (postEphemeral, command acks, response_url replies)."""
        return self.workspace.ephemerals(user)

    def published_home(self, user: str) -> JsonDict | None:
        home = self.workspace.homes.get(user)
        return None if home is None else home.view

    def opened_views(self) -> list[View]:
        """Every modal opened or pushed, oldest first; `View.open` says whether the user still sees it."""
        return [v for v in self.workspace.views.values() if v.view.get("type", "modal") == "modal"]

    @staticmethod
    def channel_id(channel: str) -> str:
        """The channel a post to `channel` lands in: a user's id means the bot's DM with them."""
        return dm_channel(channel) if channel[:1] in ("U", "W") else channel

    # Timeouts are arguments (ASYNC109) so a test reads as one line: `await fake.wait_for(pred, 2)`.
    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until `predicate()` is truthy (checked on every change of state) and return its value."""
        try:
            async with asyncio.timeout(timeout):
                while not (result := predicate()):
                    await self._change.wait()
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout}s") from None
        return result

    async def wait_changed(self, seen: int, timeout: float) -> int:  # noqa: ASYNC109
        """The version once it differs from `seen`, or `seen` again after `timeout` seconds without a change."""
        try:
            return await self.wait_for(lambda: self.version if self.version != seen else 0, timeout)
        except TimeoutError:
            return seen

    def touch(self) -> None:
        """Tell watchers the state changed, after editing `workspace` directly."""
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        self._change.set()
        self._change = asyncio.Event()

    # -- fault injection --

    def fail_next(self, method: str, status: int = 429, retry_after: int = 1, error: str | None = None) -> None:
        """Fail the next call of `method`: 429 ratelimited (with Retry-After), 5xx, or status 200 `{"ok": false}`."""
        self.http.fail_next(method, status, retry_after, error)

    async def drop_socket(self, *, graceful: bool = False) -> None:
        """Close the newest connection; the client reconnects through a fresh `apps.connections.open`.

        Abrupt (no close frame, as a network failure): slack-sdk notices on its next monitor tick, up to
        `ping_interval` later (10 s under Bolt's default). Graceful (a close frame): it reconnects at once.
        """
        await self.socket.drop(graceful=graceful)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell the newest connection to go away, as Slack does before recycling a server; no new envelopes go to it."""
        await self.socket.disconnect(reason)

    # -- Socket Mode --

    @property
    def connection_count(self) -> int:
        """Live connections that envelopes may go to (not dropped, not told to disconnect)."""
        return self.socket.active_count

    @property
    def connections_opened(self) -> int:
        return self.socket.opened

    @property
    def pings(self) -> int:
        return sum(c.pings for c in self.socket.connections)

    async def wait_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await self.wait_for(lambda: self.connection_count > 0, timeout)

    async def send_envelope(
        self, type: str, payload: JsonDict, accepts_response_payload: bool | None = None, connect_timeout: float = 5.0
    ) -> Envelope:
        """Send one envelope to the newest live connection (waiting for one) and return its handle."""
        await self.wait_connected(connect_timeout)
        if accepts_response_payload is None:
            accepts_response_payload = _ACCEPTS_RESPONSE_PAYLOAD.get(type, payload.get("type") == "view_submission")
        return await self.socket.send(type, payload, accepts_response_payload)

    async def deliver(self, payload: JsonDict) -> Envelope:
        """Send a payload from one of the builders below in the envelope type Slack would use."""
        if "command" in payload:
            return await self.send_envelope("slash_commands", payload)
        if payload.get("type") == "event_callback":
            return await self.send_envelope("events_api", payload)
        return await self.send_envelope("interactive", payload)

    # -- what users do: payload builders --

    def slash_command(
        self, command: str, text: str = "", user_id: str = ALICE, channel_id: str = OPS_CHANNEL
    ) -> JsonDict:
        return self.interactions.slash_command(command, text, user_id, channel_id)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        user_id: str = ALICE,
        channel_id: str = OPS_CHANNEL,
        message_ts: str = "",
        block_id: str | None = None,
        *,
        strict: bool = True,
    ) -> JsonDict:
        """A click on `action_id` in the message as the server now holds it; `strict=False` allows a stale click."""
        channel = self.channel_id(channel_id)
        problem = self.interactions.unclickable(action_id, channel, message_ts, block_id)
        if strict and problem is not None:
            raise LookupError(f"cannot click {action_id!r} on {channel}/{message_ts}: {problem}")
        return self.interactions.block_action(action_id, value, user_id, channel, message_ts, block_id)

    def view_action(self, view_id: str, action_id: str, user_id: str = ALICE, value: str | None = None) -> JsonDict:
        """A click on `action_id` in a view the user sees (their Home tab, an open modal)."""
        view = self.workspace.views.get(view_id)
        if view is None or view.user != user_id or not view.open:
            raise LookupError(f"{user_id} does not see view {view_id}")
        return self.interactions.view_block_action(view, action_id, value, user_id)

    def view_submission(
        self,
        callback_id: str,
        values: JsonDict,
        user_id: str = ALICE,
        private_metadata: str | None = None,
        *,
        strict: bool = True,
    ) -> JsonDict:
        """Submit the user's newest open modal with this callback_id; `strict=False` invents one if none is open."""
        view = self.interactions.open_modal(user_id, callback_id)
        if view is None and strict:
            raise LookupError(f"{user_id} has no open modal with callback_id {callback_id!r}")
        if view is None:
            view = self.workspace.new_view(user_id, {"type": "modal", "callback_id": callback_id})
        return self.interactions.view_submission(view, values, user_id, private_metadata)

    def app_home_opened(self, user_id: str = ALICE) -> JsonDict:
        return self.interactions.app_home_opened(user_id)
