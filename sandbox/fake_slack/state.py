"""What the fake workspace holds: messages as users now see them, ephemerals, views, and the log of calls."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.fake_slack.blockkit import message_violations, view_violations

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A Web API error: Slack answers `{"ok": false, "error": code}` (plus `errors` when there are reasons)."""

    def __init__(self, code: str, reasons: list[str] | None = None) -> None:
        super().__init__(code)
        self.code, self.reasons = code, reasons or []

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.code}
        if self.reasons:
            body["errors"] = self.reasons
        return body


@dataclass
class Message:
    """A message as the user now sees it; `history` keeps each earlier version (oldest first)."""

    channel: str
    ts: str
    text: str
    blocks: list[JsonDict]
    user: str
    bot_id: str | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    deleted: bool = False
    history: list[JsonDict] = field(default_factory=list)

    @property
    def edited(self) -> bool:
        return bool(self.history)

    def as_payload(self) -> JsonDict:
        """The message as Slack embeds it in a `block_actions` payload or returns it from `chat.postMessage`."""
        body: JsonDict = {"type": "message", "user": self.user, "ts": self.ts, "text": self.text}
        if self.bot_id is not None:
            body["bot_id"] = self.bot_id
        if self.blocks:
            body["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts is not None:
            body["thread_ts"] = self.thread_ts
        return body

    def replace(self, text: str, blocks: list[JsonDict]) -> None:
        self.history.append({"text": self.text, "blocks": self.blocks})
        self.text, self.blocks = text, blocks


@dataclass
class View:
    """A modal (or Home tab) as the user now sees it; `history` keeps each earlier version."""

    id: str
    user: str
    view: JsonDict
    hash: str
    open: bool = True
    errors: dict[str, str] = field(default_factory=dict)
    history: list[JsonDict] = field(default_factory=list)

    def as_payload(self, team_id: str, app_id: str, bot_id: str) -> JsonDict:
        """The `view` object Slack returns from `views.*` and embeds in `view_submission` payloads."""
        body: JsonDict = {
            "id": self.id,
            "team_id": team_id,
            "type": self.view.get("type", "modal"),
            "blocks": copy.deepcopy(self.view.get("blocks", [])),
            "private_metadata": self.view.get("private_metadata", ""),
            "callback_id": self.view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self.hash,
            "title": self.view.get("title"),
            "clear_on_close": bool(self.view.get("clear_on_close", False)),
            "notify_on_close": bool(self.view.get("notify_on_close", False)),
            "close": self.view.get("close"),
            "submit": self.view.get("submit"),
            "previous_view_id": None,
            "root_view_id": self.id,
            "app_id": app_id,
            "external_id": self.view.get("external_id", ""),
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        return body

    def replace(self, view: JsonDict, new_hash: str) -> None:
        self.history.append(self.view)
        self.view, self.hash, self.errors = view, new_hash, {}


@dataclass(frozen=True)
class ApiCall:
    """One Web API request as received: `received_at` is `time.perf_counter()` on arrival."""

    method: str
    body: JsonDict
    received_at: float
    token: str | None
    status: int = 200
    error: str | None = None


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a `response_url`."""

    url_id: str
    body: JsonDict
    received_at: float
    status: int


@dataclass(frozen=True)
class Violation:
    """Why Slack would refuse (or warn about) a request: `code` is Slack's error or warning name."""

    method: str
    code: str
    reason: str


@dataclass
class ResponseUrl:
    """A response_url handed out with a command or click; `original` is the (channel, ts) it can replace."""

    id: str
    user: str
    channel: str
    original: tuple[str, str] | None
    uses: int = 0


class TsClock:
    """Increasing message timestamps like Slack's: `1700000000.000100`, `1700000000.000200`, ... for tests, or
    from a real clock (`now`, seconds), still strictly increasing, for the sandbox."""

    def __init__(self, start: int = 1_700_000_000, step_us: int = 100, now: Callable[[], float] | None = None) -> None:
        self._last, self._step, self._now = start * 1_000_000, step_us, now

    def next(self) -> str:
        floor = self._last + self._step
        micros = max(floor, int(self._now() * 1_000_000)) if self._now is not None else floor
        self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class Workspace:
    """Messages per channel, ephemerals, views, and what Slack would refuse; pure bookkeeping, no I/O."""

    def __init__(self, bot_user_id: str, bot_id: str, clock: Callable[[], float] | None = None) -> None:
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self.ts = TsClock(now=clock)
        self.channels: dict[str, dict[str, Message]] = {}
        self.ephemeral: list[Message] = []
        self.views: dict[str, View] = {}
        self.homes: dict[str, View] = {}
        self.violations: list[Violation] = []
        self.warnings: list[Violation] = []
        self._view_numbers = itertools.count(1)
        # users.info: guests (is_restricted), and Slack Connect users by their own team id.
        self.guests: set[str] = set()
        self.external_users: dict[str, str] = {}

    def check_message(self, method: str, body: JsonDict, *, need_text: bool = True) -> tuple[str, list[JsonDict]]:
        """(text, blocks) of a message body, or ApiError as Slack would answer; records why."""
        text, blocks = body.get("text") or "", body.get("blocks") or []
        reasons = message_violations(blocks)
        if reasons:
            self.violations.extend(Violation(method, "invalid_blocks", reason) for reason in reasons)
            raise ApiError("invalid_blocks", reasons)
        if need_text and not text and not blocks:
            self.violations.append(Violation(method, "no_text", "neither text nor blocks"))
            raise ApiError("no_text")
        if blocks and not text:
            # Slack posts it, but notifications and screen readers get nothing.
            self.warnings.append(Violation(method, "missing_text", "blocks without a top-level text fallback"))
        if len(text) > 40_000:
            self.warnings.append(Violation(method, "text_truncated", f"text of {len(text)} characters, over 40000"))
        return text, blocks

    def check_view(self, method: str, view: Any, surface: str) -> JsonDict:
        reasons = view_violations(view, surface=surface)
        if reasons:
            self.violations.extend(Violation(method, "invalid_arguments", reason) for reason in reasons)
            raise ApiError("invalid_arguments", reasons)
        assert isinstance(view, dict)
        return view

    def new_view(self, user: str, view: JsonDict) -> View:
        number = next(self._view_numbers)
        created = View(f"V{number:08d}", user, view, self.view_hash(number))
        self.views[created.id] = created
        return created

    def view_hash(self, number: int | None = None) -> str:
        return f"1700000000.{number or next(self._view_numbers):08d}"

    def post(self, channel: str, text: str, blocks: list[JsonDict], thread_ts: str | None = None) -> Message:
        message = Message(channel, self.ts.next(), text, blocks, self.bot_user_id, self.bot_id, thread_ts)
        self.channels.setdefault(channel, {})[message.ts] = message
        return message

    def post_as(self, channel: str, user: str, text: str) -> Message:
        """A plain message a person writes in a channel (the sandbox's message box)."""
        message = Message(channel, self.ts.next(), text, [], user)
        self.channels.setdefault(channel, {})[message.ts] = message
        return message

    def notice(self, channel: str, user: str, text: str) -> Message:
        """An ephemeral from Slack itself (Slackbot), as for an unknown command or an app that did not answer."""
        message = Message(channel, self.ts.next(), text, [], "USLACKBOT", ephemeral_to=user)
        self.ephemeral.append(message)
        return message

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[JsonDict]) -> Message:
        message = Message(channel, self.ts.next(), text, blocks, self.bot_user_id, self.bot_id, ephemeral_to=user)
        self.ephemeral.append(message)
        return message

    def find(self, channel: str, ts: str) -> Message | None:
        """A live channel message or ephemeral with this ts."""
        found = self.channels.get(channel, {}).get(ts)
        if found is None:
            found = next((m for m in self.ephemeral if m.ts == ts and m.channel == channel), None)
        return None if found is None or found.deleted else found

    def messages(self, channel: str) -> list[Message]:
        return [m for m in self._live(channel) if m.thread_ts is None or m.thread_ts == m.ts]

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        return [m for m in self._live(channel) if m.thread_ts == thread_ts and m.ts != thread_ts]

    def ephemerals(self, user: str) -> list[Message]:
        return [m for m in self.ephemeral if m.ephemeral_to == user and not m.deleted]

    def _live(self, channel: str) -> list[Message]:
        return sorted((m for m in self.channels.get(channel, {}).values() if not m.deleted), key=lambda m: m.ts)
