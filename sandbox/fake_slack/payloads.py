"""Realistic Socket Mode payloads, shaped as Slack sends them (see /work/shared/SLACK.md)."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

from sandbox.fake_slack.state import JsonDict, Message


@dataclass(frozen=True)
class Identity:
    """The workspace, app and bot the fake pretends to be."""

    team_id: str = "T0FAKE"
    team_domain: str = "fake-team"
    app_id: str = "A0FAKE"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    bot_name: str = "schedops"
    verification_token: str = "fake-verification-token"


def _user(identity: Identity, user_id: str) -> JsonDict:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": identity.team_id}


def _envelope_common(identity: Identity) -> JsonDict:
    return {
        "api_app_id": identity.app_id,
        "token": identity.verification_token,
        "team": {"id": identity.team_id, "domain": identity.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def slash_command(
    identity: Identity, command: str, text: str, user_id: str, channel_id: str, response_url: str, trigger_id: str
) -> JsonDict:
    """A slash command: every value is a string, as Slack form-encodes them."""
    return {
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "team_domain": identity.team_domain,
        "channel_id": channel_id,
        "channel_name": channel_id.lower(),
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": identity.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_action(
    identity: Identity,
    action: JsonDict,
    user_id: str,
    channel_id: str,
    message_ts: str,
    message: Message | None,
    response_url: str,
    trigger_id: str,
) -> JsonDict:
    """A click on an element of a message; an ephemeral message comes without `message`, as from Slack."""
    ephemeral = message is None or message.ephemeral_to is not None
    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(identity, user_id),
        **_envelope_common(identity),
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": trigger_id,
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if message is not None and not ephemeral:
        payload["message"] = message.as_payload()
    return payload


def view_block_action(identity: Identity, action: JsonDict, user_id: str, view: JsonDict, trigger_id: str) -> JsonDict:
    """A click on an element of a view (the Home tab, a modal): no channel and no response_url, as from Slack."""
    return {
        "type": "block_actions",
        "user": _user(identity, user_id),
        **_envelope_common(identity),
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger_id,
        "view": view,
        "actions": [action],
    }


def action_for(element: JsonDict | None, action_id: str, block_id: str, value: str | None) -> JsonDict:
    """The `actions[0]` entry for a click on `element` (as found in the message), or on a bare button."""
    element = element or {"type": "button", "action_id": action_id}
    action: JsonDict = {
        "action_id": action_id,
        "block_id": block_id,
        "type": element.get("type", "button"),
        "action_ts": f"{time.time():.6f}",
    }
    if action["type"] == "button":
        action["text"] = copy.deepcopy(element.get("text", {"type": "plain_text", "text": action_id}))
        for key in ("style", "url"):
            if key in element:
                action[key] = element[key]
        if value is not None or "value" in element:
            action["value"] = value if value is not None else element["value"]
    else:
        chosen = _option(element, value)
        if chosen is not None:
            action["selected_option"] = chosen
    return action


def _option(element: JsonDict, value: str | None) -> JsonDict | None:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    for option in options:
        if option.get("value") == value:
            return copy.deepcopy(dict(option))
    return None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}


def view_submission(identity: Identity, view: JsonDict, values: JsonDict, user_id: str, trigger_id: str) -> JsonDict:
    """A modal submitted: `values` is `{block_id: {action_id: {"type": ..., "value": ...}}}`."""
    view = copy.deepcopy(view)
    view["state"] = {"values": copy.deepcopy(values)}
    return {
        "type": "view_submission",
        "user": _user(identity, user_id),
        **_envelope_common(identity),
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
    }


def app_home_opened(identity: Identity, user_id: str, home: JsonDict | None, event_id: str) -> JsonDict:
    """An `events_api` callback for a user opening the app's Home tab."""
    now = time.time()
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id.removeprefix("U"),
        "tab": "home",
        "event_ts": f"{now:.6f}",
    }
    if home is not None:
        event["view"] = home
    return {
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "api_app_id": identity.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": identity.team_id,
                "user_id": identity.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{event_id}",
    }


def find_element(blocks: list[Any], action_id: str, block_id: str | None) -> tuple[str | None, JsonDict | None]:
    """The (block_id, element) carrying `action_id` in these blocks, or (None, None)."""
    for block in blocks:
        if not isinstance(block, dict) or (block_id is not None and block.get("block_id") != block_id):
            continue
        candidates = [*block.get("elements", []), block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None
