"""Issue 11: the Cancel button on running runs, through the real Bolt app over Socket Mode against FakeSlack:
a run started from Slack stops when an admin clicks Cancel (locally, and on a `schedops worker` over Redis),
the clicker is told privately, the attempt is audited, and anyone else's click is refused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from core.audit import AuditOutcome, query_audit
from core.jobs.spec import parse_job
from core.runs import ErrorClass, RunRecord, RunStatus
from sandbox.fake_slack import FakeSlack
from sandbox.fake_slack.state import Message
from tests.e2e.harness import ADMIN, APPROVER, OPS_CHANNEL, Bot, start_bot
from tests.support.brokers import fresh_queue, require_broker, schedops_worker
from tests.support.eventually import eventually
from tests.support.worker_runs import claimed_by

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

MALLORY = "U0MALLORY"  # a workspace member who is neither admin nor approver
WAIT = 60.0


def slow_job(tmp_path: Path, **fields: Any) -> dict[str, Any]:
    # The shell's child records its pid: a cancel must kill the whole process group, not just the shell.
    command = f"sleep 300 & echo $! > {tmp_path / 'child'}; wait"
    return {"id": "slow", "kind": "shell", "command": command, "schedule": {"interval": "1h"}, **fields}


def cancel_buttons(message: Message) -> dict[str, str]:
    """action_id -> value of each Cancel button on ``message``."""
    found = {}
    for block in message.blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if ids.base(element.get("action_id", "")) == ids.CANCEL_RUN:
                found[element["action_id"]] = element["value"]
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


async def child_pid(tmp_path: Path) -> int:
    marker = tmp_path / "child"
    await eventually(lambda: marker.exists() and marker.read_text().strip(), within=WAIT)
    return int(marker.read_text())


async def run_from_slack(bot: Bot) -> tuple[Message, str, str]:
    """`/jobs run slow` as the admin: the "run started" reply in the channel, and its Cancel button."""
    await bot.command("/jobs", "run slow", user=ADMIN)
    started = await bot.slack.wait_for(
        lambda: next((m for m in bot.slack.messages(OPS_CHANNEL) if cancel_buttons(m)), None), WAIT
    )
    [(action_id, value)] = cancel_buttons(started).items()
    return started, action_id, value


async def said_to(slack: FakeSlack, user: str, count: int) -> list[str]:
    """The first ``count`` private lines ``user`` was shown, once there are that many."""

    def first() -> list[str] | None:
        texts = [message.text for message in slack.ephemerals(user)]
        return texts[:count] if len(texts) >= count else None

    return await slack.wait_for(first, WAIT)


async def shown(slack: FakeSlack, user: str, text: str) -> str:
    """Once ``user`` was shown ``text`` privately."""
    return await slack.wait_for(lambda: next((m.text for m in slack.ephemerals(user) if m.text == text), None), WAIT)


async def ended(bot: Bot, run_id: int) -> RunRecord:
    async def finished() -> RunRecord | None:
        run = await bot.engine.runs.get(run_id)
        return run if run.status.is_finished else None

    return await eventually(finished, within=WAIT, every=0.1)


async def assert_cancelled_by_admin(bot: Bot, run_id: int, child: int) -> None:
    run = await ended(bot, run_id)
    assert run.status is RunStatus.INTERRUPTED and run.error_class is ErrorClass.PERMANENT
    assert run.error_message == f"cancelled by {ADMIN}"
    await eventually(lambda: not alive(child), within=10)
    entries = await query_audit(bot.services.db, action="run.cancel", limit=10)
    accepted = [(e.actor, e.target, e.detail) for e in entries if e.outcome is AuditOutcome.OK]
    assert accepted == [(ADMIN, "job:slow", f"run {run_id}")]
    assert [r.id for r in await bot.engine.runs.recent("slow")] == [run_id]  # a cancelled run is never retried


async def test_an_admin_cancels_a_local_run_from_the_run_started_reply(bot: Bot, tmp_path: Path) -> None:
    await bot.engine.add_job(parse_job(slow_job(tmp_path)), actor=None)
    started, action_id, value = await run_from_slack(bot)
    run_id = int(value)
    child = await child_pid(tmp_path)
    assert f"(run {run_id})" in started.text

    await bot.click(action_id, value, user=ADMIN, message_ts=started.ts)

    cancelling, outcome = await said_to(bot.slack, ADMIN, 2)
    assert cancelling == f"Cancelling run {run_id} of slow…"
    assert outcome.startswith(f"Run {run_id} of slow was cancelled after ") and outcome.endswith("interrupted.")
    await assert_cancelled_by_admin(bot, run_id, child)
    assert not bot.slack.violations


def failure_alerts(slack: FakeSlack) -> list[Message]:
    """The alerts in the alert channel (OPS_CHANNEL in the harness): the messages offering Retry."""
    return [m for m in slack.messages(OPS_CHANNEL) if ids.RETRY in str(m.blocks)]


async def test_a_cancelled_run_posts_no_failure_alert_while_a_real_failure_still_alerts(
    bot: Bot, tmp_path: Path
) -> None:
    await bot.engine.add_job(parse_job(slow_job(tmp_path)), actor=None)
    await bot.add_job(id="broken", target="tests.support.tasks:boom")
    started, action_id, value = await run_from_slack(bot)
    child = await child_pid(tmp_path)

    await bot.click(action_id, value, user=ADMIN, message_ts=started.ts)
    await said_to(bot.slack, ADMIN, 2)  # told of the end: the run's end was announced
    await assert_cancelled_by_admin(bot, int(value), child)
    await bot.settle()
    assert failure_alerts(bot.slack) == []

    await (await bot.engine.run_now("broken", actor=None)).wait()
    await bot.settle()
    [alert] = failure_alerts(bot.slack)
    assert "broken" in alert.text and "slow" not in alert.text
    assert not bot.slack.violations


async def test_the_sitrep_and_the_job_card_offer_cancel_and_only_an_admin_may_use_it(bot: Bot, tmp_path: Path) -> None:
    await bot.engine.add_job(parse_job(slow_job(tmp_path)), actor=None)
    handle = await bot.engine.run_now("slow", actor=None)
    child = await child_pid(tmp_path)

    await bot.command("/sitrep", user=MALLORY)
    sitrep = await bot.slack.wait_for(
        lambda: next((m for m in bot.slack.messages(OPS_CHANNEL) if "Sitrep" in m.text), None), WAIT
    )
    assert cancel_buttons(sitrep) == {ids.keyed(ids.CANCEL_RUN, handle.run.id): str(handle.run.id)}
    [(action_id, value)] = cancel_buttons(sitrep).items()

    # A member and an approver (neither may run a job now without an approval) are refused, privately.
    for user in (MALLORY, APPROVER):
        await bot.click(action_id, value, user=user, message_ts=sitrep.ts)
        [refusal] = await said_to(bot.slack, user, 1)
        assert refusal.startswith(f"You may not cancel run {handle.run.id} of slow: only admins")
    assert (await bot.engine.runs.get(handle.run.id)).status is RunStatus.RUNNING
    assert alive(child)
    refused = await query_audit(bot.services.db, action="run.cancel", limit=10)
    assert {(e.actor, e.outcome) for e in refused} == {
        (MALLORY, AuditOutcome.REFUSED),
        (APPROVER, AuditOutcome.REFUSED),
    }

    # The admin opens the job card (a private reply) and cancels from there.
    await bot.command("/jobs", "show slow", user=ADMIN)
    card = await bot.slack.wait_for(
        lambda: next((m for m in bot.slack.ephemerals(ADMIN) if cancel_buttons(m)), None), WAIT
    )
    assert "Running now" in str(card.blocks) and cancel_buttons(card) == {action_id: value}
    await bot.click(action_id, value, user=ADMIN, message_ts=card.ts)
    await assert_cancelled_by_admin(bot, handle.run.id, child)

    # A click on the stale sitrep, once the run has ended, is answered in one line.
    await bot.click(action_id, value, user=ADMIN, message_ts=sitrep.ts)
    await shown(bot.slack, ADMIN, f"Run {handle.run.id} of slow is not running: it interrupted")
    assert not bot.slack.violations


async def test_a_click_in_slack_stops_a_run_on_a_celery_worker(slack: FakeSlack, tmp_path: Path) -> None:
    broker = require_broker("redis")
    queue = fresh_queue()
    bot = await start_bot(slack, tmp_path, SCHEDOPS_EXECUTION="celery", SCHEDOPS_BROKER_URL=broker)
    try:
        await bot.engine.add_job(parse_job(slow_job(tmp_path, queue=queue)), actor=None)
        database_url = bot.services.settings.database_url.get_secret_value()
        with schedops_worker(database_url=database_url, broker_url=broker, queues=[queue], workdir=tmp_path) as worker:
            started, action_id, value = await run_from_slack(bot)
            child = await child_pid(tmp_path)  # the worker's shell started the job's process

            await bot.click(action_id, value, user=ADMIN, message_ts=started.ts)

            await assert_cancelled_by_admin(bot, int(value), child)
            cancelling, outcome = await said_to(bot.slack, ADMIN, 2)
            assert cancelling == f"Cancelling run {value} of slow…" and "was cancelled after" in outcome
            assert worker.process.poll() is None  # the worker lives on for the next run
        assert await claimed_by(bot.services.db, int(value)) == worker.hostname  # it ran there, not here
    finally:
        await bot.stop()
