"""The digest job: posted when due, and every way Slack can fail classified as permanent or transient."""

from __future__ import annotations

import pytest

from bot.workflows.digest import DigestExecutor
from core.jobs.spec import parse_job
from core.runs import ErrorClass, RunStatus
from sandbox.fake_slack import OPS_CHANNEL
from tests.bot.workflows.conftest import World

DIGEST = parse_job({"id": "daily", "kind": "digest", "channel": OPS_CHANNEL, "schedule": {"cron": "0 9 * * *"}})


async def test_the_digest_posts_the_sitrep(world: World) -> None:
    result = await DigestExecutor(world.ops, world.client).execute(DIGEST)

    assert result.status is RunStatus.SUCCEEDED and result.result is not None and result.result["posted"] is True
    [posted] = world.slack.messages(OPS_CHANNEL)
    assert "sitrep" in posted.text.lower()


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived", "missing_scope"])
async def test_a_refusal_retrying_cannot_fix_is_permanent(world: World, code: str) -> None:
    world.slack.fail_next("chat.postMessage", status=200, error=code)

    result = await DigestExecutor(world.ops, world.client).execute(DIGEST)

    assert (result.status, result.error_class) == (RunStatus.FAILED, ErrorClass.PERMANENT)
    assert result.error_message == f"Slack refused the digest: {code}"


async def test_any_other_refusal_is_transient(world: World) -> None:
    world.slack.fail_next("chat.postMessage", status=200, error="fatal_error")

    result = await DigestExecutor(world.ops, world.client).execute(DIGEST)

    assert (result.status, result.error_class) == (RunStatus.FAILED, ErrorClass.TRANSIENT)


async def test_slack_out_of_reach_is_transient_not_an_internal_error(world: World) -> None:
    await world.slack.stop()

    result = await DigestExecutor(world.ops, world.client).execute(DIGEST)

    assert (result.status, result.error_class) == (RunStatus.FAILED, ErrorClass.TRANSIENT)
    assert result.error_message is not None and result.error_message.startswith("Slack unreachable: ")
