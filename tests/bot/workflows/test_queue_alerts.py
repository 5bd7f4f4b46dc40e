"""Stalled-queue alerts in #ops: one post per episode, updated in place on recovery; Slack's passing failures
keep it owed, its permanent refusals give it up."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.workflows.alerts import FailureAlerts
from bot.workflows.queue_alerts import QueueAlerts
from core.clock import utc_now
from core.events import QueueRecovered, QueueStalled
from core.execution.workers import QueueWait
from core.storage.queue_alerts_store import QueueAlertStore
from sandbox.fake_slack import OPS_CHANNEL
from tests.bot.workflows.conftest import World

SINCE = datetime(2026, 11, 22, 11, 58, tzinfo=UTC)


async def stall(world: World, queue: str = "reports", runs: int = 3) -> QueueStalled:
    assert await QueueAlertStore(world.services.db).open(QueueWait(queue, runs, SINCE), now=utc_now())
    return QueueStalled(queue, runs, SINCE)


async def recover(world: World, queue: str = "reports") -> QueueRecovered:
    assert await QueueAlertStore(world.services.db).serve(queue, now=utc_now())
    return QueueRecovered(queue)


def alerts(world: World, channel: str | None = OPS_CHANNEL) -> QueueAlerts:
    return QueueAlerts(world.services.db, world.client, channel=channel, clock=utc_now)


async def test_a_stall_is_posted_once_and_its_recovery_updates_the_post(world: World) -> None:
    queue_alerts = alerts(world)
    event = await stall(world)
    await queue_alerts.on_stalled(event)
    await queue_alerts.on_stalled(event)  # delivered twice (a redelivery racing the event): still one post
    await queue_alerts.redeliver()
    [posted] = world.slack.messages(OPS_CHANNEL)
    assert posted.text == "Queue reports has no worker: 3 runs wait on it"

    await queue_alerts.on_recovered(await recover(world))
    [updated] = world.slack.messages(OPS_CHANNEL)
    assert updated.ts == posted.ts and updated.text == "Queue reports is served again"
    assert await QueueAlertStore(world.services.db).owed() == []
    assert len(world.slack.calls("chat.postMessage")) == 1


async def test_slack_failing_keeps_the_alert_owed_until_it_is_redelivered(world: World) -> None:
    queue_alerts = alerts(world)
    world.slack.fail_next("chat.postMessage", status=200, error="fatal_error")
    await queue_alerts.on_stalled(await stall(world))
    assert [alert.queue for alert in await QueueAlertStore(world.services.db).owed()] == ["reports"]
    assert world.slack.messages(OPS_CHANNEL) == []

    await queue_alerts.redeliver()
    await queue_alerts.redeliver()
    assert len(world.slack.messages(OPS_CHANNEL)) == 1
    assert await QueueAlertStore(world.services.db).owed() == []


async def test_a_permanent_refusal_gives_the_alert_up(world: World) -> None:
    queue_alerts = alerts(world)
    world.slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    await queue_alerts.on_stalled(await stall(world))
    await queue_alerts.on_recovered(await recover(world))
    await queue_alerts.redeliver()
    assert await QueueAlertStore(world.services.db).owed() == []
    assert world.slack.messages(OPS_CHANNEL) == []


async def test_a_stall_over_before_it_could_be_posted_is_never_posted(world: World) -> None:
    queue_alerts = alerts(world)
    await world.slack.stop()
    await queue_alerts.on_stalled(await stall(world))
    await recover(world)
    await world.slack.start()
    await queue_alerts.redeliver()
    assert world.slack.calls("chat.postMessage") == [] and world.slack.calls("chat.update") == []
    assert await QueueAlertStore(world.services.db).owed() == []


async def test_without_an_alert_channel_nothing_is_posted_and_nothing_stays_owed(world: World) -> None:
    queue_alerts = alerts(world, channel=None)
    await queue_alerts.on_stalled(await stall(world))
    assert world.slack.calls("chat.postMessage") == []
    assert await QueueAlertStore(world.services.db).owed() == []


async def test_the_failure_alerts_workflow_carries_queue_alerts_from_the_event_bus(world: World) -> None:
    workflow = FailureAlerts(world.services, world.client)
    workflow.subscribe()
    world.slack.fail_next("chat.postMessage", status=503)
    world.slack.fail_next("chat.postMessage", status=503)
    world.slack.fail_next("chat.postMessage", status=503)
    world.services.events.publish(await stall(world, "db", 1))
    await world.services.events.drain()
    assert len(world.slack.calls("chat.postMessage")) == 3  # the event's delivery, retried, refused each time
    await workflow.redeliver()  # the periodic sweep sends what the event could not
    [posted] = world.slack.messages(OPS_CHANNEL)
    assert posted.text == "Queue db has no worker: 1 run waits on it"
