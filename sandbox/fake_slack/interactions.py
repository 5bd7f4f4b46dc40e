"""What users do (commands, clicks, submissions, opening Home) and what replies to it do to what they see."""

from __future__ import annotations

import itertools
import uuid

from sandbox.fake_slack import payloads
from sandbox.fake_slack.socket_mode import Envelope
from sandbox.fake_slack.state import ApiError, JsonDict, ResponseUrl, View, Workspace
from sandbox.fake_slack.webapi import WebApi

MAX_RESPONSE_URL_USES = 5


class Interactions:
    """Builds the payloads of user interactions, issuing response_urls and triggers; applies the replies."""

    def __init__(self, api: WebApi) -> None:
        self.api, self.workspace, self.identity = api, api.workspace, api.identity
        self.base_url = ""
        self.response_urls: dict[str, ResponseUrl] = {}
        self._event_numbers = itertools.count(1)

    def slash_command(self, command: str, text: str, user_id: str, channel_id: str) -> JsonDict:
        url = self._new_response_url(user_id, channel_id, None)
        trigger = self.api.issue_trigger(user_id)
        return payloads.slash_command(self.identity, command, text, user_id, channel_id, url, trigger)

    def block_action(
        self, action_id: str, value: str | None, user_id: str, channel: str, message_ts: str, block_id: str | None
    ) -> JsonDict:
        message = self.workspace.find(channel, message_ts)
        found_block, element = payloads.find_element(message.blocks if message else [], action_id, block_id)
        action = payloads.action_for(element, action_id, block_id or found_block or "fake-block", value)
        url = self._new_response_url(user_id, channel, (channel, message_ts))
        trigger = self.api.issue_trigger(user_id)
        return payloads.block_action(self.identity, action, user_id, channel, message_ts, message, url, trigger)

    def view_block_action(self, view: View, action_id: str, value: str | None, user_id: str) -> JsonDict:
        block_id, element = payloads.find_element(view.view.get("blocks", []), action_id, None)
        action = payloads.action_for(element, action_id, block_id or "fake-block", value)
        trigger = self.api.issue_trigger(user_id)
        return payloads.view_block_action(self.identity, action, user_id, self.api.view_payload(view), trigger)

    def unclickable(self, action_id: str, channel: str, message_ts: str, block_id: str | None) -> str | None:
        """Why a user could not click `action_id` on that message now, or None when they could."""
        message = self.workspace.find(channel, message_ts)
        if message is None:
            return "no such message"
        _, element = payloads.find_element(message.blocks, action_id, block_id)
        return "no such element" if element is None else None

    def view_submission(self, view: View, values: JsonDict, user_id: str, private_metadata: str | None) -> JsonDict:
        body = self.api.view_payload(view)
        if private_metadata is not None:
            body["private_metadata"] = private_metadata
        trigger = self.api.issue_trigger(user_id)
        return payloads.view_submission(self.identity, body, values, user_id, trigger)

    def open_modal(self, user: str, callback_id: str) -> View | None:
        """The user's newest open modal with this callback_id."""
        matches = [
            v
            for v in self.workspace.views.values()
            if v.open and _is_modal(v) and v.user == user and v.view.get("callback_id") == callback_id
        ]
        return matches[-1] if matches else None

    def app_home_opened(self, user_id: str) -> JsonDict:
        home = self.workspace.homes.get(user_id)
        home_body = None if home is None else self.api.view_payload(home)
        event_id = f"Ev{next(self._event_numbers):08d}"
        return payloads.app_home_opened(self.identity, user_id, home_body, event_id)

    def respond(self, url_id: str, body: JsonDict) -> tuple[int, str]:
        """(HTTP status, text) for a POST to a response_url, applied when allowed (5 uses per URL)."""
        url = self.response_urls.get(url_id)
        if url is None:
            return 404, "no_service"
        url.uses += 1
        if url.uses > MAX_RESPONSE_URL_USES:
            return 404, "used_url"
        try:
            apply_response(self.workspace, url, body)
        except ApiError as error:
            return 400, error.code
        return 200, "ok"

    def apply_ack(self, envelope: Envelope, payload: JsonDict | None) -> None:
        if envelope.type == "slash_commands":
            url = self.response_urls.get(str(envelope.payload.get("response_url", "")).rsplit("/", 1)[-1])
            if url is not None:
                apply_command_ack(self.workspace, url, payload)
        elif envelope.payload.get("type") == "view_submission":
            apply_submission_ack(self.workspace, str(envelope.payload["view"]["id"]), payload)

    def _new_response_url(self, user: str, channel: str, original: tuple[str, str] | None) -> str:
        url_id = uuid.uuid4().hex
        self.response_urls[url_id] = ResponseUrl(url_id, user, channel, original)
        return f"{self.base_url}/response/{url_id}"


def apply_response(workspace: Workspace, url: ResponseUrl, body: JsonDict) -> None:
    """Apply a response_url post: delete or replace the original, or post in the channel or ephemerally."""
    original = workspace.find(*url.original) if url.original is not None else None
    if body.get("delete_original"):
        if original is None:
            raise ApiError("message_not_found")
        original.deleted = True
        return
    text, blocks = workspace.check_message("response_url", body)
    if body.get("replace_original") and original is not None:
        original.replace(text, blocks)
        return
    post_reply(workspace, url, body, text, blocks)


def post_reply(workspace: Workspace, url: ResponseUrl, body: JsonDict, text: str, blocks: list[JsonDict]) -> None:
    if body.get("response_type") == "in_channel":
        message = workspace.post(url.channel, text, blocks, body.get("thread_ts") or None)
    else:
        message = workspace.post_ephemeral(url.channel, url.user, text, blocks)
    if url.original is None:
        # A command has no original message; its first reply becomes the one replace_original changes.
        url.original = (url.channel, message.ts)


def apply_command_ack(workspace: Workspace, url: ResponseUrl, payload: JsonDict | None) -> None:
    """A slash command's ack payload is shown as its reply (ephemeral unless `response_type: in_channel`)."""
    if not payload or not (payload.get("text") or payload.get("blocks")):
        return
    try:
        text, blocks = workspace.check_message("ack", payload)
    except ApiError:
        return  # recorded as a violation; Slack shows the user an error instead
    post_reply(workspace, url, payload, text, blocks)


def apply_submission_ack(workspace: Workspace, view_id: str, payload: JsonDict | None) -> None:
    """A view_submission ack: close the modal, or show errors, update, push or clear as `response_action` says."""
    view = workspace.views.get(view_id)
    if view is None:
        return
    payload = payload or {}
    action = payload.get("response_action")
    try:
        if action == "errors":
            view.errors = dict(payload.get("errors", {}))
        elif action == "update":
            view.replace(workspace.check_view("ack", payload.get("view"), "modal"), workspace.view_hash())
        elif action == "push":
            workspace.new_view(view.user, workspace.check_view("ack", payload.get("view"), "modal"))
        elif action == "clear":
            for other in workspace.views.values():
                if other.user == view.user and _is_modal(other):
                    other.open = False
        else:
            view.open = False
    except ApiError:
        return  # recorded as a violation; Slack keeps the modal and shows an error


def _is_modal(view: View) -> bool:
    return bool(view.view.get("type", "modal") == "modal")
