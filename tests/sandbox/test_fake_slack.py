"""FakeSlack driven by the real slack-sdk clients over real sockets (no Bolt)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.fake_slack import ALICE, BOB, OPS_CHANNEL, FakeSlack
from sandbox.fake_slack.blockkit import message_violations, view_violations

pytestmark = pytest.mark.timeout(15)

APPROVE_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "block_id": "summary", "text": {"type": "mrkdwn", "text": "*backup* failed"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "run-7",
                "style": "primary",
            },
            {"type": "button", "action_id": "deny", "text": {"type": "plain_text", "text": "Deny"}, "value": "run-7"},
        ],
    },
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


@pytest.fixture
def web(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.api_url)


class Acker:
    """A Socket Mode request listener that acks each envelope, with a payload for slash commands."""

    def __init__(self) -> None:
        self.requests: list[SocketModeRequest] = []

    async def __call__(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        self.requests.append(req)
        payload = {"text": f"got {req.payload['text']}"} if req.type == "slash_commands" else None
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=payload))


@pytest.fixture
async def socket_client(fake: FakeSlack, web: AsyncWebClient) -> AsyncIterator[SocketModeClient]:
    # A short ping_interval: the client only notices a dropped socket on its next monitor tick.
    client = SocketModeClient(app_token="xapp-test", web_client=web, ping_interval=0.3)
    client.socket_mode_request_listeners.append(Acker())  # type: ignore[arg-type]
    await client.connect()  # type: ignore[no-untyped-call]
    await fake.wait_connected(2)
    yield client
    await client.close()  # type: ignore[no-untyped-call]


async def post_approval(web: AsyncWebClient) -> str:
    response = await web.chat_postMessage(channel=OPS_CHANNEL, text="backup failed", blocks=APPROVE_BLOCKS)
    return str(response["ts"])


# -- Web API --


async def test_it_records_a_post_and_shows_the_updated_message(fake: FakeSlack, web: AsyncWebClient) -> None:
    posted = await web.chat_postMessage(channel=OPS_CHANNEL, text="deploying", blocks=APPROVE_BLOCKS)
    await web.chat_update(channel=OPS_CHANNEL, ts=posted["ts"], text="deployed", blocks=[])

    [message] = fake.messages(OPS_CHANNEL)
    assert (posted["channel"], posted["ts"]) == (OPS_CHANNEL, message.ts)
    assert posted["message"]["blocks"] == APPROVE_BLOCKS
    assert (message.text, message.blocks, message.edited) == ("deployed", [], True)
    assert message.history == [{"text": "deploying", "blocks": APPROVE_BLOCKS}]
    assert [c.method for c in fake.calls()] == ["chat.postMessage", "chat.update"]
    assert fake.calls("chat.postMessage")[0].body["channel"] == OPS_CHANNEL
    assert fake.violations == [] and fake.warnings == []


async def test_it_assigns_increasing_timestamps_and_threads_replies(fake: FakeSlack, web: AsyncWebClient) -> None:
    parent = await web.chat_postMessage(channel=OPS_CHANNEL, text="run started")
    reply = await web.chat_postMessage(channel=OPS_CHANNEL, text="step 1 done", thread_ts=parent["ts"])

    assert parent["ts"] == "1700000000.000100" and reply["ts"] == "1700000000.000200"
    assert [m.text for m in fake.messages(OPS_CHANNEL)] == ["run started"]
    assert [m.text for m in fake.replies(OPS_CHANNEL, parent["ts"])] == ["step 1 done"]


async def test_a_post_to_a_user_lands_in_their_direct_messages(fake: FakeSlack, web: AsyncWebClient) -> None:
    posted = await web.chat_postMessage(channel=ALICE, text="approve?")

    assert posted["channel"].startswith("D")
    assert [m.text for m in fake.messages(ALICE)] == ["approve?"]


async def test_an_ephemeral_is_shown_only_to_its_user(fake: FakeSlack, web: AsyncWebClient) -> None:
    posted = await web.chat_postEphemeral(channel=OPS_CHANNEL, user=ALICE, text="only you")

    assert [m.ts for m in fake.ephemerals(ALICE)] == [posted["message_ts"]]
    assert fake.ephemerals(BOB) == [] and fake.messages(OPS_CHANNEL) == []


async def test_it_rejects_invalid_blocks_and_records_why(fake: FakeSlack, web: AsyncWebClient) -> None:
    header = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]

    with pytest.raises(SlackApiError) as failure:
        await web.chat_postMessage(channel=OPS_CHANNEL, text="too long", blocks=header)

    assert failure.value.response["error"] == "invalid_blocks"
    assert [(v.method, v.code, v.reason) for v in fake.violations] == [
        ("chat.postMessage", "invalid_blocks", "blocks[0].text.text: 151 characters, more than 150")
    ]
    assert fake.messages(OPS_CHANNEL) == []


async def test_blocks_without_text_are_posted_with_a_warning(fake: FakeSlack, web: AsyncWebClient) -> None:
    # slack-sdk itself warns too; under filterwarnings=error that warning fails a test on its own.
    with pytest.warns(UserWarning, match="top-level `text` argument is missing"):
        await web.chat_postMessage(channel=OPS_CHANNEL, blocks=APPROVE_BLOCKS)

    assert [w.code for w in fake.warnings] == ["missing_text"]
    assert len(fake.messages(OPS_CHANNEL)) == 1


@pytest.mark.parametrize(
    ("method", "token"),
    [("chat.postMessage", "xoxb-wrong"), ("chat.postMessage", "xapp-test"), ("apps.connections.open", "xoxb-test")],
)
async def test_it_refuses_the_wrong_token(fake: FakeSlack, method: str, token: str) -> None:
    client = AsyncWebClient(token=token, base_url=fake.api_url)

    with pytest.raises(SlackApiError) as failure:
        await client.api_call(method, json={"channel": OPS_CHANNEL, "text": "hi"})

    assert failure.value.response["error"] == "invalid_auth"
    assert fake.messages(OPS_CHANNEL) == []


async def test_it_answers_unknown_methods(web: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        await web.api_call("pins.add", json={"channel": OPS_CHANNEL})

    assert failure.value.response["error"] == "unknown_method"


async def test_auth_test_describes_the_bot(fake: FakeSlack, web: AsyncWebClient) -> None:
    answer = await web.auth_test()

    assert answer["user_id"] == fake.identity.bot_user_id and answer["bot_id"] == fake.identity.bot_id
    assert answer["team_id"] == fake.identity.team_id and answer["url"].startswith("https://")


async def test_it_accepts_form_encoded_bodies(fake: FakeSlack) -> None:
    form = {"channel": OPS_CHANNEL, "text": "from a form", "blocks": json.dumps(APPROVE_BLOCKS)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.api_url}chat.postMessage", data=form, headers={"Authorization": "Bearer xoxb-test"}) as r,
    ):
        answer = await r.json()

    assert answer["ok"] is True
    assert fake.message(OPS_CHANNEL, answer["ts"]).blocks == APPROVE_BLOCKS


async def test_a_rate_limited_post_is_retried_and_arrives_once(fake: FakeSlack) -> None:
    handler = AsyncRateLimitErrorRetryHandler(max_retry_count=1)
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[handler])
    fake.fail_next("chat.postMessage", status=429, retry_after=0)

    await client.chat_postMessage(channel=OPS_CHANNEL, text="once")

    assert [(c.status, c.error) for c in fake.calls("chat.postMessage")] == [(429, "ratelimited"), (200, None)]
    assert [m.text for m in fake.messages(OPS_CHANNEL)] == ["once"]


async def test_a_rate_limit_carries_retry_after(fake: FakeSlack, web: AsyncWebClient) -> None:
    fake.fail_next("chat.update", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as failure:
        await web.chat_update(channel=OPS_CHANNEL, ts="1.2", text="x")

    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["Retry-After"] == "7"
    assert failure.value.response["error"] == "ratelimited"


async def test_a_server_error_is_retried_by_the_server_error_handler(fake: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[AsyncServerErrorRetryHandler()])
    fake.fail_next("chat.postMessage", status=503)

    await client.chat_postMessage(channel=OPS_CHANNEL, text="after a 503")

    assert [c.status for c in fake.calls("chat.postMessage")] == [503, 200]


async def test_an_injected_api_error_fails_only_the_next_call(fake: FakeSlack, web: AsyncWebClient) -> None:
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")

    with pytest.raises(SlackApiError, match="channel_not_found"):
        await web.chat_postMessage(channel=OPS_CHANNEL, text="lost")
    await web.chat_postMessage(channel=OPS_CHANNEL, text="kept")

    assert [m.text for m in fake.messages(OPS_CHANNEL)] == ["kept"]


# -- views --


async def test_a_modal_opens_once_per_trigger_and_closes_when_submitted(
    fake: FakeSlack, web: AsyncWebClient, socket_client: SocketModeClient
) -> None:
    trigger = fake.slash_command("/jobs", user_id=ALICE)["trigger_id"]
    modal = {"type": "modal", "callback_id": "add_job", "title": {"type": "plain_text", "text": "Add job"}}
    opened = await web.views_open(trigger_id=trigger, view=modal)
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        await web.views_open(trigger_id=trigger, view=modal)
    [view] = fake.opened_views()
    assert (view.id, view.user, view.open) == (opened["view"]["id"], ALICE, True)

    values = {"name": {"name": {"type": "plain_text_input", "value": "nightly"}}}
    envelope = await fake.deliver(fake.view_submission("add_job", values, user_id=ALICE))

    assert envelope.payload["view"]["state"]["values"] == values and envelope.accepts_response_payload
    await envelope.ack(2)
    assert view.open is False
    with pytest.raises(LookupError, match="no open modal"):
        fake.view_submission("add_job", values, user_id=ALICE)


async def test_a_trigger_expires() -> None:
    async with FakeSlack(trigger_ttl=0) as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
        trigger = fake.slash_command("/jobs")["trigger_id"]
        await asyncio.sleep(0.01)

        with pytest.raises(SlackApiError, match="expired_trigger_id"):
            await client.views_open(trigger_id=trigger, view={"type": "modal"})


async def test_it_rejects_a_modal_title_over_24_characters(fake: FakeSlack, web: AsyncWebClient) -> None:
    trigger = fake.slash_command("/jobs")["trigger_id"]
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}

    with pytest.raises(SlackApiError, match="invalid_arguments"):
        await web.views_open(trigger_id=trigger, view=modal)

    assert [v.reason for v in fake.violations] == ["view.title.text: 25 characters, more than 24"]


async def test_the_home_tab_shows_the_latest_publish(fake: FakeSlack, web: AsyncWebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "3 jobs"}}
    await web.views_publish(user_id=ALICE, view={"type": "home", "blocks": []})
    await web.views_publish(user_id=ALICE, view={"type": "home", "blocks": [section]})

    assert fake.published_home(ALICE) == {"type": "home", "blocks": [section]}
    assert fake.published_home(BOB) is None
    assert fake.app_home_opened(ALICE)["event"]["view"]["blocks"] == [section]


# -- Block Kit limits (pure) --


def button(**overrides: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go"}, **overrides}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def confirm(**lengths: int) -> dict[str, Any]:
    sizes = {"title": 1, "text": 1, "confirm": 1, "deny": 1, **lengths}
    return {key: {"type": "plain_text", "text": "x" * n} for key, n in sizes.items()}


def option(text: int = 1, value: int = 1) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": "x" * text}, "value": "v" * value}


def select(*options: dict[str, Any]) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "pick", "options": list(options)}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def buttons(n: int) -> list[dict[str, Any]]:
    return [button(action_id=f"a{i}") for i in range(n)]


CONTEXT_ITEM = {"type": "mrkdwn", "text": "x"}

LIMIT_CASES = [
    ([section("x")] * 51, "blocks: 51 blocks, more than 50"),
    ([section("x" * 3001)], "blocks[0].text.text: 3001 characters, more than 3000"),
    ([section("")], "blocks[0].text.text: 0 characters, fewer than 1"),
    ([{"type": "section", "fields": [CONTEXT_ITEM] * 11}], "blocks[0].fields: 11 fields, more than 10"),
    (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
        "blocks[0].fields[0].text: 2001 characters, more than 2000",
    ),
    ([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}], "blocks[0].text.type: must be plain_text"),
    (
        [actions(button(text={"type": "plain_text", "text": "x" * 76}))],
        "blocks[0].elements[0].text.text: 76 characters",
    ),
    ([actions(button(text={"type": "mrkdwn", "text": "Go"}))], "blocks[0].elements[0].text.type: must be plain_text"),
    ([actions(button(value="v" * 2001))], "blocks[0].elements[0].value: 2001 characters"),
    ([actions(button(action_id="a" * 256))], "blocks[0].elements[0].action_id: 256 characters"),
    ([actions(button(url="https://" + "x" * 2993))], "blocks[0].elements[0].url: 3001 characters"),
    ([actions(button(style="secondary"))], "blocks[0].elements[0].style: 'secondary' is not primary or danger"),
    ([{**section("x"), "block_id": "b" * 256}], "blocks[0].block_id: 256 characters"),
    ([{**section("x"), "block_id": "b"}, {**section("y"), "block_id": "b"}], "blocks[1].block_id: duplicate block_id"),
    ([actions(button()), actions(button())], "blocks[1].elements[0].action_id: duplicate action_id 'a'"),
    ([actions(*buttons(26))], "blocks[0].elements: 26 elements, must be 1 to 25"),
    ([{"type": "context", "elements": [CONTEXT_ITEM] * 11}], "blocks[0].elements: 11 elements, must be 1 to 10"),
    ([actions(button(confirm=confirm(title=101)))], "blocks[0].elements[0].confirm.title.text: 101 characters"),
    ([actions(button(confirm=confirm(text=301)))], "blocks[0].elements[0].confirm.text.text: 301 characters"),
    ([actions(button(confirm=confirm(confirm=31)))], "blocks[0].elements[0].confirm.confirm.text: 31 characters"),
    ([actions(button(confirm=confirm(deny=31)))], "blocks[0].elements[0].confirm.deny.text: 31 characters"),
    ([actions(select(option(text=76)))], "blocks[0].elements[0].options[0].text.text: 76 characters"),
    ([actions(select(option(value=151)))], "blocks[0].elements[0].options[0].value: 151 characters"),
    ([{"type": "table"}], "blocks[0].type: unknown block type 'table'"),
]


@pytest.mark.parametrize(("blocks", "reason"), LIMIT_CASES)
def test_it_names_the_broken_limit(blocks: list[dict[str, Any]], reason: str) -> None:
    assert [r for r in message_violations(blocks) if r.startswith(reason)] != [], message_violations(blocks)


def test_blocks_exactly_at_the_limits_are_valid() -> None:
    at_limits = [
        section("x" * 3000),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2000}] * 10, "block_id": "b" * 255},
        {"type": "header", "text": {"type": "plain_text", "text": "x" * 150}},
        actions(
            *buttons(24), button(action_id="z" * 255, value="v" * 2000, style="danger", confirm=confirm(title=100))
        ),
        actions(select(option(text=75, value=150))),
        {"type": "context", "elements": [CONTEXT_ITEM] * 10},
        *[{"type": "divider"}] * 44,
    ]

    assert len(at_limits) == 50 and message_violations(at_limits) == []


@pytest.mark.parametrize(
    ("view", "surface", "reason"),
    [
        ({"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}}, "modal", "view.title.text: 25"),
        (
            {
                "type": "modal",
                "title": {"type": "plain_text", "text": "t"},
                "submit": {"type": "plain_text", "text": "s" * 25},
            },
            "modal",
            "view.submit.text: 25",
        ),
        (
            {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "private_metadata": "m" * 3001},
            "modal",
            "view.private_metadata: 3001",
        ),
        ({"type": "home", "blocks": [section("x")] * 101}, "home", "view.blocks: 101 blocks, more than 100"),
        ({"type": "modal", "blocks": []}, "home", "view.type: must be 'home'"),
    ],
)
def test_it_names_the_broken_view_limit(view: dict[str, Any], surface: str, reason: str) -> None:
    assert any(r.startswith(reason) for r in view_violations(view, surface=surface)), view_violations(
        view, surface=surface
    )


def test_a_home_tab_may_hold_100_blocks() -> None:
    assert view_violations({"type": "home", "blocks": [section("x")] * 100}, surface="home") == []


# -- Socket Mode --


async def open_raw_socket(fake: FakeSlack, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
    opened = await AsyncWebClient(base_url=fake.api_url).apps_connections_open(app_token="xapp-test")
    return await session.ws_connect(opened["url"])


async def test_a_new_connection_is_greeted_with_hello(fake: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await open_raw_socket(fake, session)
        greeting = await ws.receive_json(timeout=2)
        await ws.close()

    assert greeting["type"] == "hello" and greeting["num_connections"] == 1
    assert greeting["connection_info"] == {"app_id": fake.identity.app_id}
    assert greeting["debug_info"]["host"] == "fake"


async def test_a_socket_url_must_come_from_apps_connections_open(fake: FakeSlack) -> None:
    url = fake.api_url.replace("http://", "ws://").replace("/api/", "/socket?ticket=guessed")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url)

    assert refused.value.status == 401


async def test_a_second_ack_of_one_envelope_is_recorded_as_unexpected(fake: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await open_raw_socket(fake, session)
        await ws.receive_json(timeout=2)
        envelope = await fake.deliver(fake.app_home_opened(BOB))
        sent = await ws.receive_json(timeout=2)
        for _ in range(2):
            await ws.send_json({"envelope_id": sent["envelope_id"]})
        await fake.wait_for(lambda: fake.unexpected_acks, 2)
        await ws.close()

    assert sent["type"] == "events_api" and sent["accepts_response_payload"] is False
    assert sent["payload"]["event"] == {**sent["payload"]["event"], "type": "app_home_opened", "user": BOB}
    assert (await envelope.ack(0)).payload is None
    assert fake.unexpected_acks == [json.dumps({"envelope_id": sent["envelope_id"]})]


async def test_an_envelope_waits_for_a_connection_then_gives_up(fake: FakeSlack) -> None:
    with pytest.raises(TimeoutError):
        await fake.send_envelope("events_api", fake.app_home_opened(ALICE), connect_timeout=0.05)


async def test_a_client_gets_hello_then_acks_a_command_with_a_payload(
    fake: FakeSlack, socket_client: SocketModeClient
) -> None:
    envelope = await fake.deliver(fake.slash_command("/sitrep", "backup", user_id=ALICE))
    ack = await envelope.ack(2)

    assert ack.payload == {"text": "got backup"}
    assert 0 < ack.latency < 1
    assert envelope.accepts_response_payload is True
    # The ack payload is the command's reply, shown only to the user who typed it.
    assert [m.text for m in fake.ephemerals(ALICE)] == ["got backup"]
    assert fake.unexpected_acks == []
    assert [c.token for c in fake.calls("apps.connections.open")] == ["xapp-test"]


async def test_the_command_payload_has_slack_s_string_fields(fake: FakeSlack) -> None:
    payload = fake.slash_command("/sitrep", "all", user_id=BOB, channel_id="C0DEV")

    assert all(isinstance(v, str) for v in payload.values())
    assert payload["response_url"].startswith(fake.api_url.removesuffix("api/") + "response/")
    assert (payload["user_id"], payload["channel_id"], payload["is_enterprise_install"]) == (BOB, "C0DEV", "false")


async def test_an_envelope_nobody_acks_times_out(fake: FakeSlack, web: AsyncWebClient) -> None:
    client = SocketModeClient(app_token="xapp-test", web_client=web, ping_interval=0.3)  # no listener: never acks
    await client.connect()  # type: ignore[no-untyped-call]
    try:
        envelope = await fake.deliver(fake.app_home_opened(ALICE))
        with pytest.raises(TimeoutError, match="no ack for events_api"):
            await envelope.ack(0.2)
        assert envelope.acked is False
    finally:
        await client.close()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("graceful", [False, True], ids=["abrupt", "graceful"])
async def test_the_client_reconnects_after_the_socket_drops(
    fake: FakeSlack, socket_client: SocketModeClient, graceful: bool
) -> None:
    await fake.drop_socket(graceful=graceful)
    assert fake.connection_count == 0

    await fake.wait_connected(5)
    envelope = await fake.deliver(fake.slash_command("/sitrep", "again"))

    assert (await envelope.ack(2)).payload == {"text": "got again"}
    assert fake.connections_opened == 2
    assert [c.status for c in fake.calls("apps.connections.open")] == [200, 200]


async def test_the_client_reconnects_when_told_to_disconnect(fake: FakeSlack, socket_client: SocketModeClient) -> None:
    await fake.send_disconnect("refresh_requested")

    await fake.wait_for(lambda: fake.connections_opened == 2, 5)
    await fake.wait_connected(5)
    envelope = await fake.deliver(fake.slash_command("/sitrep", "fresh"))

    assert (await envelope.ack(2)).payload == {"text": "got fresh"}
    assert len(fake.calls("apps.connections.open")) == 2


async def test_the_server_answers_pings(fake: FakeSlack, socket_client: SocketModeClient) -> None:
    await fake.wait_for(lambda: fake.pings >= 2, 3)

    assert socket_client.last_ping_pong_time is not None
    assert await socket_client.is_connected()


# -- clicks and response_url --


async def test_a_click_carries_the_message_as_the_server_holds_it(fake: FakeSlack, web: AsyncWebClient) -> None:
    ts = await post_approval(web)

    payload = fake.block_action("approve", user_id=BOB, channel_id=OPS_CHANNEL, message_ts=ts)

    [action] = payload["actions"]
    assert (action["block_id"], action["value"], action["style"]) == ("decide", "run-7", "primary")
    assert action["text"] == {"type": "plain_text", "text": "Approve"}
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": OPS_CHANNEL,
        "is_ephemeral": False,
    }
    assert payload["message"]["blocks"] == APPROVE_BLOCKS and payload["user"]["id"] == BOB
    with pytest.raises(LookupError, match="no such element"):
        fake.block_action("retry", user_id=BOB, channel_id=OPS_CHANNEL, message_ts=ts)


async def test_a_stale_click_needs_strict_false(fake: FakeSlack, web: AsyncWebClient) -> None:
    ts = await post_approval(web)
    await web.chat_update(channel=OPS_CHANNEL, ts=ts, text="approved", blocks=[])

    with pytest.raises(LookupError, match="no such element"):
        fake.block_action("approve", user_id=BOB, message_ts=ts)
    payload = fake.block_action("approve", user_id=BOB, message_ts=ts, strict=False)

    assert payload["actions"][0]["action_id"] == "approve" and payload["message"]["text"] == "approved"


async def post_json(url: str, body: dict[str, Any]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return response.status, await response.text()


async def test_response_url_replaces_the_original_and_refuses_a_sixth_use(fake: FakeSlack, web: AsyncWebClient) -> None:
    ts = await post_approval(web)
    url = fake.block_action("approve", user_id=BOB, channel_id=OPS_CHANNEL, message_ts=ts)["response_url"]

    answers = [await post_json(url, {"replace_original": True, "text": f"approved {n}"}) for n in range(6)]

    assert answers == [(200, "ok")] * 5 + [(404, "used_url")]
    message = fake.message(OPS_CHANNEL, ts)
    assert (message.text, message.blocks, len(message.history)) == ("approved 4", [], 5)
    assert [r.status for r in fake.responses()] == [200] * 5 + [404]


async def test_response_url_posts_in_channel_ephemerally_or_deletes(fake: FakeSlack, web: AsyncWebClient) -> None:
    ts = await post_approval(web)
    url = fake.block_action("deny", user_id=BOB, channel_id=OPS_CHANNEL, message_ts=ts)["response_url"]

    await post_json(url, {"text": "only bob sees this"})
    await post_json(url, {"text": "everyone sees this", "response_type": "in_channel"})
    await post_json(url, {"delete_original": True})

    assert [m.text for m in fake.ephemerals(BOB)] == ["only bob sees this"]
    assert [m.text for m in fake.messages(OPS_CHANNEL)] == ["everyone sees this"]


async def test_wait_for_returns_once_the_bot_has_posted(fake: FakeSlack, web: AsyncWebClient) -> None:
    poster = asyncio.create_task(web.chat_postMessage(channel=OPS_CHANNEL, text="later"))

    messages = await fake.wait_for(lambda: fake.messages(OPS_CHANNEL), 2)

    assert [m.text for m in messages] == ["later"]
    await poster
    with pytest.raises(TimeoutError, match=r"within 0\.05s"):
        await fake.wait_for(lambda: fake.ephemerals(ALICE), 0.05)
