"""The Cancel button's handler, called as Bolt calls it after the ack: who may, what the clicker is told (one
private line at a time), and what is audited. A real engine runs a real shell job on a real SQLite file."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from bot.context import BotContext
from bot.listeners.actions.cancel_run import cancel
from bot.workflows.alerts import FailureAlerts
from bot.workflows.home import HomeTabs
from core.audit import AuditOutcome, query_audit
from core.jobs.spec import parse_job
from core.runs import RunStatus, RunTrigger
from core.storage.runs_store import RunStore
from sandbox.fake_slack import OPS_CHANNEL
from tests.bot.workflows.conftest import ADMIN, APPROVER, Said, World

WAIT = 30.0


def context(world: World) -> BotContext:
    return BotContext(
        world.ops, world.client, HomeTabs(world.ops, world.client), FailureAlerts(world.services, world.client)
    )


def click(user: str) -> dict[str, Any]:
    return {"user": {"id": user}, "channel": {"id": OPS_CHANNEL}}


async def add_shell_job(world: World, job_id: str, command: str) -> None:
    spec = parse_job({"id": job_id, "kind": "shell", "command": command, "schedule": {"interval": "1h"}})
    await world.services.engine.add_job(spec, actor=None)


async def start_slow_run(world: World) -> int:
    await add_shell_job(world, "slow", "sleep 300")
    await world.services.engine.start()
    handle = await world.services.engine.run_now("slow", actor=None)
    return handle.run.id


async def cancel_entries(world: World) -> list[tuple[str | None, AuditOutcome, str | None]]:
    entries = await query_audit(world.services.db, action="run.cancel", limit=10)
    return [(entry.actor, entry.outcome, entry.detail) for entry in entries]


def lines(said: Said) -> list[str]:
    assert all(m["response_type"] == "ephemeral" and m["replace_original"] is False for m in said.messages)
    return [m["text"] for m in said.messages]


async def test_an_admin_cancels_a_running_run_and_is_told_each_step(world: World) -> None:
    run_id = await start_slow_run(world)
    said = Said()

    await cancel(context(world), click(ADMIN), str(run_id), said)

    cancelling, outcome = lines(said)
    assert cancelling == f"Cancelling run {run_id} of slow…"
    assert re.fullmatch(rf"Run {run_id} of slow was cancelled after [0-9.ms]+: it ended interrupted\.", outcome)
    run = await world.ops.run(run_id)
    assert run.status is RunStatus.INTERRUPTED and run.error_message == f"cancelled by {ADMIN}"
    assert await cancel_entries(world) == [(ADMIN, AuditOutcome.OK, f"run {run_id}")]


async def test_someone_who_may_not_run_the_job_now_is_refused_and_the_run_goes_on(world: World) -> None:
    run_id = await start_slow_run(world)
    said = Said()

    await cancel(context(world), click(APPROVER), str(run_id), said)

    assert lines(said) == [
        f"You may not cancel run {run_id} of slow: only admins (SCHEDOPS_ADMINS) may, as only they run a job now "
        "without an approval"
    ]
    assert (await world.ops.run(run_id)).status is RunStatus.RUNNING
    assert await RunStore(world.services.db).cancel_requested(run_id) is None
    [(actor, outcome, detail)] = await cancel_entries(world)
    assert (actor, outcome) == (APPROVER, AuditOutcome.REFUSED) and "only admins" in (detail or "")


async def test_a_run_that_has_ended_is_answered_in_one_line(world: World) -> None:
    await add_shell_job(world, "quick", "true")
    await world.services.engine.start()
    handle = await world.services.engine.run_now("quick", actor=None)
    ended = await asyncio.wait_for(handle.wait(), WAIT)
    said = Said()

    await cancel(context(world), click(ADMIN), str(ended.id), said)

    assert lines(said) == [f"Run {ended.id} of quick is not running: it succeeded"]
    [(_, outcome, _)] = await cancel_entries(world)
    assert outcome is AuditOutcome.REFUSED


async def test_a_second_click_finds_the_cancel_already_asked_for(world: World) -> None:
    # A run nobody executes (as when its worker is gone) stays running, so both clicks meet it running.
    await world.add_job("orphan")
    run = await RunStore(world.services.db).add(
        "orphan", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=world.ops.clock()
    )
    first, second = Said(), Said()

    await cancel(context(world), click(ADMIN), str(run.id), first, wait=timedelta(seconds=1))
    await cancel(context(world), click(ADMIN), str(run.id), second, wait=timedelta(seconds=1))

    assert lines(first) == [
        f"Cancelling run {run.id} of orphan…",
        f"Run {run.id} of orphan has not stopped after 1 second: is its process or worker still running? "
        "/sitrep shows it.",
    ]
    assert lines(second) == [f"Run {run.id} of orphan is already being cancelled, or has just ended"]
    assert [outcome for _, outcome, _ in await cancel_entries(world)] == [AuditOutcome.REFUSED, AuditOutcome.OK]


async def test_a_forged_or_unknown_run_id_is_a_missing_run_and_changes_nothing(world: World) -> None:
    for value in ("9" * 40, "-1", "42; drop table runs", "", "424242"):
        said = Said()
        await cancel(context(world), click(ADMIN), value, said)
        assert lines(said) == ["That run is no longer in the history."]
    assert await cancel_entries(world) == []
