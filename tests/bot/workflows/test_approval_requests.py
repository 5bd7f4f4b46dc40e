"""Posting approval requests: a request nobody could see is withdrawn, and the requester is told why."""

from __future__ import annotations

from bot.context import BotContext
from bot.workflows.alerts import FailureAlerts
from bot.workflows.approvals import post_approval_request, submit
from bot.workflows.home import HomeTabs
from core.approvals import ActionRequest, ApprovalStatus
from sandbox.fake_slack import OPS_CHANNEL
from tests.bot.workflows.conftest import REQUESTER, Said, World


def context(world: World) -> BotContext:
    return BotContext(
        world.ops, world.client, HomeTabs(world.ops, world.client), FailureAlerts(world.services, world.client)
    )


async def test_a_request_that_cannot_be_posted_is_withdrawn_and_the_requester_told_why(world: World) -> None:
    await world.add_job("backup")
    approval = await world.ops.ask(ActionRequest.pause_job("backup"), actor=REQUESTER, channel_id=OPS_CHANNEL)
    world.slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    said = Said()

    await post_approval_request(context(world), approval, details=["pause job backup"], respond=said)

    stored = await world.ops.approvals.store.get(approval.id)
    assert stored.status is ApprovalStatus.EXPIRED and stored.outcome == {
        "error": "could not be posted: channel_not_found"
    }
    assert "channel_not_found" in said.text and "nobody could approve it" in said.text
    assert world.slack.messages(OPS_CHANNEL) == []


async def test_a_posted_request_remembers_its_message(world: World) -> None:
    await world.add_job("backup")
    said = Said()

    await submit(
        context(world),
        ActionRequest.pause_job("backup"),
        actor=REQUESTER,
        channel_id=OPS_CHANNEL,
        respond=said,
        usage="",
    )

    [posted] = world.slack.messages(OPS_CHANNEL)
    [pending] = await world.ops.approvals.store.pending()
    assert (pending.channel_id, pending.message_ts) == (world.slack.channel_id(OPS_CHANNEL), posted.ts)
    assert "Approval requested" in said.text


async def test_asking_about_an_unknown_job_answers_with_the_usage(world: World) -> None:
    said = Said()

    await submit(
        context(world),
        ActionRequest.run_job("nope"),
        actor=REQUESTER,
        channel_id=OPS_CHANNEL,
        respond=said,
        usage="USE",
    )

    assert "no job with id `nope`" in said.text and "USE" in said.text
    assert await world.ops.approvals.store.pending() == []
