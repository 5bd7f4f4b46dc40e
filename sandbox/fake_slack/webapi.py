"""Web API methods over the workspace state: a body in, Slack's JSON answer out (or ApiError)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.fake_slack.payloads import Identity
from sandbox.fake_slack.state import ApiError, JsonDict, View, Workspace

# Form-encoded bodies carry these as JSON strings.
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass
class Trigger:
    user: str
    issued_at: float
    used: bool = False


def dm_channel(user_id: str) -> str:
    """The direct-message channel the bot shares with a user (Slack answers `D…` for a post to `U…`)."""
    return "D" + user_id[1:]


def decode_form(form: dict[str, str]) -> JsonDict:
    body: JsonDict = dict(form)
    for key in JSON_FIELDS:
        if isinstance(body.get(key), str):
            try:
                body[key] = json.loads(body[key])
            except ValueError:
                raise ApiError("invalid_json", [f"{key}: not JSON"]) from None
    return body


class WebApi:
    """The methods the fake implements; anything else is `unknown_method`."""

    def __init__(self, identity: Identity, workspace: Workspace, trigger_ttl: float) -> None:
        self.identity, self.workspace = identity, workspace
        self.triggers: dict[str, Trigger] = {}
        self.trigger_ttl = trigger_ttl
        self.socket_url: Callable[[], str] = lambda: ""
        self.methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "conversations.open": self.conversations_open,
            "views.open": self.views_open,
            "views.push": self.views_open,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "users.info": self.users_info,
        }

    def call(self, method: str, body: JsonDict) -> JsonDict:
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url()}
        handler = self.methods.get(method)
        if handler is None:
            raise ApiError("unknown_method")
        return {"ok": True, **handler(body)}

    def auth_test(self, body: JsonDict) -> JsonDict:
        i = self.identity
        return {
            "url": f"https://{i.team_domain}.slack.com/",
            "team": i.team_domain,
            "user": i.bot_name,
            "team_id": i.team_id,
            "user_id": i.bot_user_id,
            "bot_id": i.bot_id,
            "is_enterprise_install": False,
        }

    def users_info(self, body: JsonDict) -> JsonDict:
        """A member of the workspace unless the test made them a guest or someone from another organisation."""
        user_id = str(body.get("user", ""))
        workspace = self.workspace
        team = workspace.external_users.get(user_id, self.identity.team_id)
        return {
            "user": {
                "id": user_id,
                "team_id": team,
                "is_restricted": user_id in workspace.guests,
                "is_ultra_restricted": False,
                "is_stranger": user_id in workspace.external_users,
            }
        }

    def chat_post_message(self, body: JsonDict) -> JsonDict:
        channel = self._channel(body)
        text, blocks = self.workspace.check_message("chat.postMessage", body)
        thread_ts = body.get("thread_ts") or None
        if thread_ts is not None and self.workspace.find(channel, thread_ts) is None:
            raise ApiError("thread_not_found")
        message = self.workspace.post(channel, text, blocks, thread_ts)
        return {"channel": channel, "ts": message.ts, "message": message.as_payload()}

    def chat_update(self, body: JsonDict) -> JsonDict:
        channel = self._channel(body)
        message = self.workspace.channels.get(channel, {}).get(str(body.get("ts", "")))
        if message is None or message.deleted:
            raise ApiError("message_not_found")
        merged = {"text": message.text, "blocks": message.blocks}
        merged.update({k: body[k] for k in ("text", "blocks") if k in body})
        text, blocks = self.workspace.check_message("chat.update", merged)
        message.replace(text, blocks)
        return {"channel": channel, "ts": message.ts, "text": text, "message": message.as_payload()}

    def chat_delete(self, body: JsonDict) -> JsonDict:
        channel = self._channel(body)
        message = self.workspace.channels.get(channel, {}).get(str(body.get("ts", "")))
        if message is None or message.deleted:
            raise ApiError("message_not_found")
        message.deleted = True
        return {"channel": channel, "ts": message.ts}

    def chat_post_ephemeral(self, body: JsonDict) -> JsonDict:
        channel, user = self._channel(body), body.get("user")
        if not user:
            raise ApiError("user_not_found")
        text, blocks = self.workspace.check_message("chat.postEphemeral", body)
        message = self.workspace.post_ephemeral(channel, str(user), text, blocks)
        return {"message_ts": message.ts}

    def conversations_open(self, body: JsonDict) -> JsonDict:
        users = str(body.get("users", "")).split(",")
        if len(users) != 1 or not users[0]:
            raise ApiError("users_list_not_supplied")
        return {"channel": {"id": dm_channel(users[0])}}

    def views_open(self, body: JsonDict) -> JsonDict:
        user = self._use_trigger(str(body.get("trigger_id", "")))
        view = self.workspace.check_view("views.open", _view_arg(body), "modal")
        return {"view": self.view_payload(self.workspace.new_view(user, view))}

    def views_update(self, body: JsonDict) -> JsonDict:
        found = self._find_view(body)
        surface = str(found.view.get("type", "modal"))
        view = self.workspace.check_view("views.update", _view_arg(body), surface)
        if body.get("hash") and body["hash"] != found.hash:
            raise ApiError("hash_conflict")
        found.replace(view, self.workspace.view_hash())
        return {"view": self.view_payload(found)}

    def views_publish(self, body: JsonDict) -> JsonDict:
        user = str(body.get("user_id") or "")
        if not user:
            raise ApiError("invalid_arguments", ["user_id: missing"])
        view = self.workspace.check_view("views.publish", _view_arg(body), "home")
        home = self.workspace.homes.get(user)
        if home is None:
            home = self.workspace.homes[user] = self.workspace.new_view(user, view)
        elif body.get("hash") and body["hash"] != home.hash:
            raise ApiError("hash_conflict")
        else:
            home.replace(view, self.workspace.view_hash())
        return {"view": self.view_payload(home)}

    def issue_trigger(self, user: str) -> str:
        trigger_id = f"{len(self.triggers) + 1}.{self.identity.team_id}.{time.perf_counter_ns():x}"
        self.triggers[trigger_id] = Trigger(user, time.monotonic())
        return trigger_id

    def _use_trigger(self, trigger_id: str) -> str:
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued_at > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user

    def _find_view(self, body: JsonDict) -> View:
        views = self.workspace.views.values()
        wanted_id, external = body.get("view_id"), body.get("external_id")
        for view in views:
            if (wanted_id and view.id == wanted_id) or (external and view.view.get("external_id") == external):
                return view
        raise ApiError("not_found")

    def view_payload(self, view: View) -> JsonDict:
        return view.as_payload(self.identity.team_id, self.identity.app_id, self.identity.bot_id)

    @staticmethod
    def _channel(body: JsonDict) -> str:
        channel = str(body.get("channel") or "")
        if not channel:
            raise ApiError("channel_not_found")
        return dm_channel(channel) if channel[0] in "UW" else channel


def _view_arg(body: JsonDict) -> Any:
    view = body.get("view")
    if view is None:
        raise ApiError("invalid_arguments", ["view: missing"])
    return view
