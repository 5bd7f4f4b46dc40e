"""One approval, two doors: asked over the HTTP API and approved in Slack, and the reverse."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import ids
from core.runs import RunTrigger
from tests.e2e.harness import APPROVER, OPS_CHANNEL, REQUESTER, Bot
from tests.e2e.test_approvals import _buttons
from tests.support.api import Api, start_api


@pytest.fixture
async def api(bot: Bot) -> AsyncIterator[Api]:
    running = await start_api(bot.session.ctx.ops)
    await running.token("ci", "operator", acting_as=REQUESTER)
    await running.token("approver", "operator", acting_as=APPROVER)
    yield running
    await running.close()


async def test_asked_over_the_api_and_approved_in_slack(bot: Bot, api: Api) -> None:
    await bot.add_job(id="report", target="tests.support.tasks:nap", kwargs={"seconds": 0})

    status, asked, _ = await api.call("POST", "/jobs/report/run", as_="ci")
    await bot.settle()

    assert status == 202 and await bot.engine.runs.recent("report") == []
    [request] = [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    assert "run job report" in str(request.blocks)
    await bot.click(ids.APPROVE, _buttons(request)[ids.APPROVE], user=APPROVER, message_ts=request.ts)
    await bot.settle()
    [run] = await bot.engine.runs.recent("report")
    assert run.requested_by == APPROVER and run.trigger is RunTrigger.MANUAL
    _, approval, _ = await api.call("GET", f"/approvals/{asked['approval']['id']}", as_="ci")
    assert approval["status"] == "executed" and approval["decided_by"] == APPROVER


async def test_asked_in_slack_and_approved_over_the_api(bot: Bot, api: Api) -> None:
    await bot.add_job(id="report", target="tests.support.tasks:nap", kwargs={"seconds": 0})
    await bot.command("/jobs", "run report", user=REQUESTER)
    await bot.settle()
    [request] = [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    _, pending, _ = await api.call("GET", "/approvals?status=pending", as_="approver")
    [approval] = pending
    assert approval["requested_by"] == REQUESTER

    own = await api.call("POST", f"/approvals/{approval['id']}/decision", as_="ci", json={"decision": "approve"})
    assert own[0] == 403  # the requester, through another door, is still the requester
    status, decided, _ = await api.call(
        "POST", f"/approvals/{approval['id']}/decision", as_="approver", json={"decision": "approve"}
    )
    await bot.settle()

    assert status == 200 and decided["status"] == "executed"
    [run] = await bot.engine.runs.recent("report")
    assert run.requested_by == APPROVER
    [redrawn] = [m for m in bot.slack.messages(OPS_CHANNEL) if m.ts == request.ts]
    assert ids.APPROVE not in _buttons(redrawn)  # no buttons left to press


async def test_jobs_mine_lists_only_the_callers_jobs(bot: Bot) -> None:
    await bot.add_job(id="theirs", target="tests.support.tasks:nap", kwargs={"seconds": 0}, owner=APPROVER)
    await bot.add_job(id="mine", target="tests.support.tasks:nap", kwargs={"seconds": 0}, owner=REQUESTER)

    ack = await bot.command("/jobs", "mine", user=REQUESTER)
    await bot.settle()

    shown = str(ack) + str(bot.slack.responses())
    assert "(1 in all)" in shown and "*mine*" in shown and "theirs" not in shown
