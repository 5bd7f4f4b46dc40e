"""Issue 9, suspected item: guests and Slack Connect users could read everything. Now they reach no listener
unless SCHEDOPS_ALLOW_GUESTS is on."""

from __future__ import annotations

from pathlib import Path

from sandbox.fake_slack import FakeSlack
from tests.e2e.harness import Bot, start_bot

GUEST, PARTNER = "U0GUEST", "U0PARTNER"


async def test_a_guest_and_a_slack_connect_user_are_refused_with_one_line(bot: Bot) -> None:
    bot.slack.workspace.guests.add(GUEST)
    bot.slack.workspace.external_users[PARTNER] = "T0PARTNER"
    await bot.add_job(id="secret-etl", target="tests.support.tasks:nap")

    for user in (GUEST, PARTNER):
        ack = await bot.command("/jobs", "list", user=user)
        await bot.settle()
        text = str(ack.payload)
        assert "not available" in text and "SCHEDOPS_ALLOW_GUESTS" in text
        assert not any("secret-etl" in message.text for message in bot.slack.ephemerals(user))


async def test_a_member_is_served(bot: Bot) -> None:
    await bot.add_job(id="visible", target="tests.support.tasks:nap")
    await bot.command("/jobs", "list", user="U0MEMBER")
    await bot.settle()
    assert any("visible" in str(message.blocks) + message.text for message in bot.slack.ephemerals("U0MEMBER"))


async def test_guests_are_served_when_allowed(slack: FakeSlack, tmp_path: Path) -> None:
    bot = await start_bot(slack, tmp_path, SCHEDOPS_ALLOW_GUESTS="true")
    try:
        slack.workspace.guests.add(GUEST)
        await bot.add_job(id="shared", target="tests.support.tasks:nap")
        await bot.command("/jobs", "list", user=GUEST)
        await bot.settle()
        assert any("shared" in str(message.blocks) + message.text for message in slack.ephemerals(GUEST))
    finally:
        await bot.stop()
