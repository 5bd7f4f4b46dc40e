"""What one person sees in the sandbox, as JSON for the page: channels with their messages and threads
(ephemerals shown only to them), the direct message with the app, their Home tab and their open modal."""

from __future__ import annotations

from typing import Any

from sandbox.commands import Command
from sandbox.fake_slack import FakeSlack, Message
from sandbox.fake_slack.webapi import dm_channel
from sandbox.people import CHANNEL_NAMES, PEOPLE, PEOPLE_BY_ID

JsonDict = dict[str, Any]


def snapshot(fake: FakeSlack, user: str, channels: list[str], commands: list[Command]) -> JsonDict:
    """Everything the page draws for `user`; `channels` are the ones listed first (#ops, the alert channel)."""
    workspace = fake.workspace
    listed = list(dict.fromkeys([*channels, *(c for c in workspace.channels if not c.startswith("D"))]))
    return {
        "version": fake.version,
        "me": user,
        "bot_user_id": fake.identity.bot_user_id,
        "people": [{"id": p.id, "name": p.name, "role": p.role} for p in PEOPLE],
        "channels": [_channel(fake, channel, user, "channel") for channel in listed],
        "dm": _channel(fake, dm_channel(user), user, "dm"),
        "home": _home(fake, user),
        "modal": _modal(fake, user),
        "commands": [
            {"command": c.command, "description": c.description, "hint": c.usage_hint, "suggestions": c.suggestions()}
            for c in commands
        ],
        "connected": fake.connection_count > 0,
    }


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def _channel(fake: FakeSlack, channel: str, user: str, kind: str) -> JsonDict:
    workspace = fake.workspace
    shown = [*workspace.messages(channel), *(m for m in workspace.ephemerals(user) if m.channel == channel)]
    shown.sort(key=lambda m: m.ts)
    return {
        "id": channel,
        "name": "schedops" if kind == "dm" else channel_name(channel),
        "kind": kind,
        "messages": [_message(m, workspace.replies(channel, m.ts)) for m in shown],
    }


def _message(message: Message, replies: list[Message]) -> JsonDict:
    return {
        **_one(message),
        "replies": [_one(reply) for reply in replies],
    }


def _one(message: Message) -> JsonDict:
    person = PEOPLE_BY_ID.get(message.user)
    return {
        "ts": message.ts,
        "channel": message.channel,
        "text": message.text,
        "blocks": message.blocks,
        "author": "schedops" if message.bot_id is not None else (person.name if person else _other(message.user)),
        "bot": message.bot_id is not None,
        "edited": message.edited,
        "ephemeral": message.ephemeral_to is not None,
        "thread_ts": message.thread_ts,
    }


def _other(user: str) -> str:
    return "Slackbot" if user == "USLACKBOT" else user


def _home(fake: FakeSlack, user: str) -> JsonDict | None:
    home = fake.workspace.homes.get(user)
    return None if home is None else {"id": home.id, "hash": home.hash, "view": home.view}


def _modal(fake: FakeSlack, user: str) -> JsonDict | None:
    """The top modal of the user's stack (the newest one still open)."""
    open_modals = [v for v in fake.opened_views() if v.open and v.user == user]
    if not open_modals:
        return None
    top = open_modals[-1]
    return {"id": top.id, "hash": top.hash, "view": top.view, "errors": top.errors}
