"""Issue 9, item 7: a decision is honoured only on its request's own message."""

from __future__ import annotations

from bot import ids
from tests.e2e.harness import APPROVER, OPS_CHANNEL, REQUESTER, Bot
from tests.e2e.test_approvals import _buttons


async def test_a_token_clicked_on_another_requests_message_decides_nothing(bot: Bot) -> None:
    await bot.add_job(id="alpha", target="tests.support.tasks:nap")
    await bot.add_job(id="beta", target="tests.support.tasks:nap")
    await bot.command("/jobs", "pause alpha", user=REQUESTER)
    await bot.command("/jobs", "pause beta", user=REQUESTER)
    await bot.settle()
    requests = [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    # The two commands are answered concurrently: tell the requests apart by their job, not their order.
    [first] = [m for m in requests if "alpha" in m.text]
    [second] = [m for m in requests if "beta" in m.text]

    answered = len(bot.slack.responses())
    await bot.click(ids.APPROVE, _buttons(second)[ids.APPROVE], user=APPROVER, message_ts=first.ts, strict=False)
    await bot.settle()

    assert not (await bot.engine.jobs.require("alpha")).paused
    assert not (await bot.engine.jobs.require("beta")).paused
    assert ids.APPROVE in _buttons(bot.slack.message(OPS_CHANNEL, first.ts))
    assert ids.APPROVE in _buttons(bot.slack.message(OPS_CHANNEL, second.ts))
    [refusal] = bot.slack.responses()[answered:]
    assert "does not belong to this message" in refusal.body["text"]

    # On its own message, the same token still works.
    await bot.click(ids.APPROVE, _buttons(second)[ids.APPROVE], user=APPROVER, message_ts=second.ts)
    await bot.settle()
    assert (await bot.engine.jobs.require("beta")).paused
