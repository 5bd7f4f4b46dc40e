"""Failure alerts, digests, and what happens when Slack misbehaves."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot import ids
from core.runs import RunStatus
from sandbox.fake_slack import FakeSlack
from tests.e2e.harness import ADMIN, OPS_CHANNEL, Bot


def _action_ids(message: object) -> set[str]:
    return {
        ids.base(element["action_id"])
        for block in getattr(message, "blocks", [])
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    }


async def _flapping_job(bot: Bot, tmp_path: Path, failures: int) -> None:
    counter = str(tmp_path / "calls")
    await bot.add_job(
        id="etl", target="tests.support.tasks:fail_until", kwargs={"counter": counter, "failures": failures}
    )


async def test_a_failure_alerts_repeats_go_to_its_thread_and_recovery_updates_it(bot: Bot, tmp_path: Path) -> None:
    await _flapping_job(bot, tmp_path, failures=2)

    await (await bot.engine.run_now("etl", actor=None)).wait()
    await bot.settle()
    [alert] = bot.slack.messages(OPS_CHANNEL)
    assert {ids.RETRY, ids.PAUSE, ids.SHOW_OUTPUT} <= _action_ids(alert)
    assert "ConnectionError" in str(alert.blocks)

    # Retry, pressed by an admin, runs the job (and it fails again: the reply goes into the thread).
    await bot.click(ids.RETRY, "etl", user=ADMIN, message_ts=alert.ts)
    await bot.settle()
    runs = await bot.engine.runs.recent("etl")
    assert [r.status for r in runs] == [RunStatus.FAILED, RunStatus.FAILED]
    assert len(bot.slack.messages(OPS_CHANNEL)) == 1
    assert len(bot.slack.replies(OPS_CHANNEL, alert.ts)) >= 1

    await (await bot.engine.run_now("etl", actor=None)).wait()
    await bot.settle()
    recovered = bot.slack.message(OPS_CHANNEL, alert.ts)
    assert "recovered" in recovered.text.lower()
    assert not _action_ids(recovered) & {ids.RETRY, ids.PAUSE}
    assert not bot.slack.violations


async def test_show_output_opens_a_modal_with_the_kept_output(bot: Bot, tmp_path: Path) -> None:
    await _flapping_job(bot, tmp_path, failures=5)
    failed = await (await bot.engine.run_now("etl", actor=None)).wait()
    await bot.settle()
    [alert] = bot.slack.messages(OPS_CHANNEL)
    show = next(
        element["action_id"]
        for block in alert.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if ids.base(element["action_id"]) == ids.SHOW_OUTPUT
    )

    await bot.click(show, str(failed.id), user=ADMIN, message_ts=alert.ts)
    await bot.settle()

    [view] = bot.slack.opened_views()
    assert "ConnectionError" in str(view.history[-1] if view.history else view)


async def test_a_digest_posts_the_sitrep_to_its_channel(bot: Bot) -> None:
    await bot.engine.add_job(
        __import__("core.jobs.spec", fromlist=["parse_job"]).parse_job(
            {"id": "morning", "kind": "digest", "channel": "C0DIGEST", "schedule": {"cron": "0 9 * * *"}}
        ),
        actor=None,
    )

    run = await (await bot.engine.run_now("morning", actor=None)).wait()

    assert run.status is RunStatus.SUCCEEDED and run.result["posted"] is True
    [digest] = bot.slack.messages("C0DIGEST")
    assert "healthy" in digest.text.lower()


async def test_a_rate_limited_alert_is_delayed_not_lost(bot: Bot, tmp_path: Path) -> None:
    await _flapping_job(bot, tmp_path, failures=5)
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=0)

    await (await bot.engine.run_now("etl", actor=None)).wait()
    await bot.settle()

    assert [c.status for c in bot.slack.calls("chat.postMessage")] == [429, 200]
    assert len(bot.slack.messages(OPS_CHANNEL)) == 1


async def test_the_bot_reconnects_after_the_socket_drops(bot: Bot, slack: FakeSlack) -> None:
    await slack.drop_socket()
    await slack.wait_connected(timeout=10)

    ack = await bot.command("/jobs", "explode")

    assert ack.payload is not None and "not a `/jobs` command" in ack.payload["text"]
    assert slack.connections_opened >= 2
    assert bot.session.connected


async def test_a_disconnect_message_is_followed_by_a_fresh_connection(bot: Bot, slack: FakeSlack) -> None:
    await slack.send_disconnect(reason="refresh_requested")
    await slack.wait_connected(timeout=10)

    ack = await bot.command("/sitrep", "help")

    assert ack.payload is not None and "/sitrep" in ack.payload["text"]


async def test_readyz_reports_a_lost_slack_connection(bot: Bot, slack: FakeSlack) -> None:
    from schedops.http.server import HealthServer

    server = HealthServer(
        0,
        host="127.0.0.1",
        db=bot.services.db,
        engine=bot.engine,
        metrics=bot.services.metrics,
        slack_connected=bot.services.slack_connected,
    )
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/readyz"
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as ready:
                assert ready.status == 200
            await bot.session.close()  # the socket goes away
            async with http.get(url) as lost:
                body = await lost.json()
            assert lost.status == 503 and "slack" in str(body["reasons"]).lower()
    finally:
        await server.stop()


async def test_an_alert_slack_could_not_take_is_delivered_later_once(bot: Bot, tmp_path: Path) -> None:
    await _flapping_job(bot, tmp_path, failures=5)
    for _ in range(3):  # the first try and both of the client's retries meet a Slack outage
        bot.slack.fail_next("chat.postMessage", status=503)

    await (await bot.engine.run_now("etl", actor=None)).wait()
    await bot.settle()
    assert bot.slack.messages(OPS_CHANNEL) == []

    await bot.session.ctx.alerts.redeliver()
    await bot.session.ctx.alerts.redeliver()

    [alert] = bot.slack.messages(OPS_CHANNEL)
    assert "ConnectionError" in str(alert.blocks)


async def test_a_job_that_recovers_before_its_alert_went_out_is_shown_recovered(bot: Bot, tmp_path: Path) -> None:
    await _flapping_job(bot, tmp_path, failures=1)
    for _ in range(3):
        bot.slack.fail_next("chat.postMessage", status=503)
    await (await bot.engine.run_now("etl", actor=None)).wait()
    await bot.settle()

    await (await bot.engine.run_now("etl", actor=None)).wait()
    await bot.settle()

    [alert] = bot.slack.messages(OPS_CHANNEL)
    assert "recovered" in alert.text.lower()
    await bot.session.ctx.alerts.redeliver()
    assert len(bot.slack.messages(OPS_CHANNEL)) == 1
