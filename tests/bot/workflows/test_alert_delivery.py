"""Delivering failure alerts: Slack's permanent refusals give the alert up; not reaching Slack keeps it owed."""

from __future__ import annotations

import pytest

from bot.workflows.alerts import FailureAlerts
from core.events import RunFailed
from core.runs import ErrorClass, ExecutionResult, RunStatus, RunTrigger
from core.storage.alerts_store import AlertStore
from sandbox.fake_slack import OPS_CHANNEL
from tests.bot.workflows.conftest import World


async def failed_run(world: World) -> RunFailed:
    await world.add_job("backup")
    runs = world.services.engine.runs
    now = world.services.engine.clock()
    run = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=now)
    finished = await runs.finish(run.id, ExecutionResult.failure("disk full", ErrorClass.PERMANENT), now=now)
    return RunFailed(run=finished, final=True)


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived", "invalid_auth"])
async def test_a_permanent_refusal_gives_the_alert_up(world: World, code: str) -> None:
    event = await failed_run(world)
    world.slack.fail_next("chat.postMessage", status=200, error=code)

    await FailureAlerts(world.services, world.client).on_failed(event)

    assert await AlertStore(world.services.db).owed() == []
    assert world.slack.messages(OPS_CHANNEL) == []


async def test_a_passing_refusal_keeps_the_alert_owed_and_redelivers_it(world: World) -> None:
    event = await failed_run(world)
    alerts = FailureAlerts(world.services, world.client)
    world.slack.fail_next("chat.postMessage", status=200, error="fatal_error")

    await alerts.on_failed(event)
    assert [alert.job_id for alert in await AlertStore(world.services.db).owed()] == ["backup"]

    await alerts.redeliver()
    assert await AlertStore(world.services.db).owed() == []
    [alert] = world.slack.messages(OPS_CHANNEL)
    assert "backup" in alert.text


async def test_slack_out_of_reach_keeps_the_alert_owed(world: World) -> None:
    event = await failed_run(world)
    await world.slack.stop()

    await FailureAlerts(world.services, world.client).on_failed(event)

    assert [alert.job_id for alert in await AlertStore(world.services.db).owed()] == ["backup"]
