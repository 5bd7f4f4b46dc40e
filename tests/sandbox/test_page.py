"""The sandbox's routes over real sockets: what a person sees, what they may send, and what bad input gets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.config import load_settings
from sandbox.people import ADMINS, ALERT_CHANNEL, APPROVERS, DAVE
from sandbox.workspace import Sandbox
from tests.e2e.harness import start_bot


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(0) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _post(http: aiohttp.ClientSession, sandbox: Sandbox, what: str, body: Any) -> tuple[int, Any]:
    async with http.post(f"{sandbox.address}/api/{what}", json=body) as response:
        return response.status, await response.json()


async def _state(http: aiohttp.ClientSession, sandbox: Sandbox, user: str) -> Any:
    async with http.get(f"{sandbox.address}/state", params={"user": user}) as response:
        assert response.status == 200
        return await response.json()


async def test_the_run_makes_the_sandboxs_people_admins_and_approvers(sandbox: Sandbox) -> None:
    settings = sandbox.settings_for(load_settings({"SCHEDOPS_ADMINS": "U0REAL"}, env_file=None))
    assert settings.admins == ADMINS and settings.approvers == APPROVERS and settings.alert_channel == ALERT_CHANNEL
    assert settings.slack_configured and settings.slack_api_url == f"{sandbox.fake.base_url}/api/"
    assert sandbox.address == f"{sandbox.fake.base_url}/sandbox"


async def test_a_configured_alert_channel_is_kept() -> None:
    async with Sandbox(0, alert_channel="C0MINE") as sandbox:
        assert sandbox.settings_for(load_settings({}, env_file=None)).alert_channel == "C0MINE"


async def test_the_page_and_its_assets_are_served_with_a_strict_policy(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(sandbox.address) as page:
        assert page.status == 200 and "Acting as" in await page.text()
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for name in ("sandbox.js", "blockkit.js", "mrkdwn.js", "dom.js"):
        async with http.get(f"{sandbox.address}/static/{name}") as script:
            source = await script.text()
            assert script.status == 200 and script.content_type == "text/javascript"
            assert not [sink for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "eval(") if sink in source]
    async with http.get(f"{sandbox.address}/static/..%2Fpage.py") as escape:
        assert escape.status == 404


@pytest.mark.parametrize(
    ("what", "body", "problem"),
    [
        ("message", {"user": "U0NOBODY", "channel": "C0OPS", "text": "/sitrep"}, "user: not one of"),
        ("message", {"user": DAVE, "channel": "C0OPS", "text": "   "}, "text: write something"),
        ("message", {"user": DAVE, "text": "hello"}, "channel: expected a non-empty string"),
        ("click", {"user": DAVE, "channel": "C0OPS", "ts": "1.2", "action_id": "x"}, "no longer there"),
        ("submit", {"user": DAVE, "view_id": "V404", "values": {}}, "no longer open"),
        ("message", ["not", "an", "object"], "expected a JSON object"),
    ],
)
async def test_bad_input_gets_one_line_and_changes_nothing(
    sandbox: Sandbox, http: aiohttp.ClientSession, what: str, body: Any, problem: str
) -> None:
    version = sandbox.fake.version
    status, answer = await _post(http, sandbox, what, body)
    assert status == 400 and problem in answer["error"] and "\n" not in answer["error"]
    assert sandbox.fake.version == version


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "http://evil.example"}, 403),
        ({"Host": "rebound.example:8081"}, 403),
        ({"Content-Type": "text/plain"}, 415),
    ],
)
async def test_only_the_page_itself_may_act(
    sandbox: Sandbox, http: aiohttp.ClientSession, headers: dict[str, str], status: int
) -> None:
    version = sandbox.fake.version
    body = json.dumps({"user": "U0ALICE", "channel": "C0OPS", "text": "hello"})
    sent = {"Content-Type": "application/json", **headers}
    async with http.post(f"{sandbox.address}/api/message", data=body, headers=sent) as response:
        assert response.status == status
    assert sandbox.fake.version == version


async def test_another_host_name_cannot_read_the_workspace(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sandbox.address}/state?user=U0ALICE", headers={"Host": "rebound.example"}) as response:
        assert response.status == 403


async def test_an_unknown_command_gets_slackbots_notice_only_for_its_author(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    status, _ = await _post(http, sandbox, "message", {"user": DAVE, "channel": "C0OPS", "text": "/deploy prod"})
    assert status == 200
    [notice] = (await _state(http, sandbox, DAVE))["channels"][0]["messages"]
    assert notice["author"] == "Slackbot" and notice["ephemeral"] and "/deploy is not a valid command" in notice["text"]
    assert (await _state(http, sandbox, "U0ALICE"))["channels"][0]["messages"] == []


async def test_a_command_reaches_the_real_bot_and_its_private_reply_shows_to_its_author_only(
    sandbox: Sandbox, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    bot = await start_bot(sandbox.fake, tmp_path, SCHEDOPS_ADMINS="U0ALICE", SCHEDOPS_APPROVERS="U0BOB")
    try:
        status, _ = await _post(http, sandbox, "message", {"user": DAVE, "channel": "C0OPS", "text": "/jobs help"})
        assert status == 200
        await bot.settle()
        [reply] = (await _state(http, sandbox, DAVE))["channels"][0]["messages"]
        assert reply["bot"] and reply["ephemeral"] and reply["blocks"]
        assert (await _state(http, sandbox, "U0BOB"))["channels"][0]["messages"] == []
    finally:
        await bot.stop()
    assert sandbox.fake.violations == []


async def test_live_updates_announce_each_change(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sandbox.address}/events") as events:
        first = await events.content.readline()
        assert first.startswith(b"data: ")
        await _post(http, sandbox, "message", {"user": DAVE, "channel": "C0OPS", "text": "hello"})
        await events.content.readline()  # the blank line ending the first event
        assert (await events.content.readline()).startswith(b"data: ")
