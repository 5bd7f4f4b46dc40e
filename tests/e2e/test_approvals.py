"""/fixit and job changes that need a second person: the whole journey, and every way to get it wrong."""

from __future__ import annotations

from pathlib import Path

from bot import ids
from core.approvals import ApprovalStatus
from core.runs import RunStatus, RunTrigger
from sandbox.fake_slack import FakeSlack
from tests.e2e.harness import ADMIN, APPROVER, OPS_CHANNEL, REQUESTER, Bot, start_bot


def _buttons(message: object) -> dict[str, str]:
    blocks = getattr(message, "blocks", [])
    return {
        ids.base(element["action_id"]): element.get("value", "")
        for block in blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    }


async def _failing_job(bot: Bot, tmp_path: Path) -> None:
    counter = str(tmp_path / "calls")
    await bot.add_job(id="sync", target="tests.support.tasks:fail_until", kwargs={"counter": counter, "failures": 1})
    await (await bot.engine.run_now("sync", actor=None)).wait()
    await bot.settle()


async def _request_fixit(bot: Bot) -> object:
    await bot.command("/fixit", "balanced", user=REQUESTER)
    await bot.settle()
    [request] = [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    return request


async def test_fixit_is_carried_out_once_after_a_second_person_approves(bot: Bot, tmp_path: Path) -> None:
    await _failing_job(bot, tmp_path)
    request = await _request_fixit(bot)
    buttons = _buttons(request)
    assert "Approve" in str(request.blocks) and "Deny" in str(request.blocks)

    # The requester may not approve their own request; a non-approver may not approve at all.
    await bot.click(ids.APPROVE, buttons[ids.APPROVE], user=REQUESTER, message_ts=request.ts)
    await bot.click(ids.APPROVE, buttons[ids.APPROVE], user=ADMIN, message_ts=request.ts)
    await bot.settle()
    refusals = [r.body["text"] for r in bot.slack.responses() if r.body.get("response_type") == "ephemeral"]
    assert len(refusals) == 2
    assert not [r for r in await bot.engine.runs.recent("sync") if r.trigger is RunTrigger.FIXIT]

    await bot.click(ids.APPROVE, buttons[ids.APPROVE], user=APPROVER, message_ts=request.ts)
    await bot.settle()

    fixit_runs = [r for r in await bot.engine.runs.recent("sync") if r.trigger is RunTrigger.FIXIT]
    assert [r.status for r in fixit_runs] == [RunStatus.SUCCEEDED]
    updated = bot.slack.message(OPS_CHANNEL, request.ts)
    assert ids.APPROVE not in _buttons(updated)
    assert APPROVER in updated.text or APPROVER in str(updated.blocks)

    # A replayed click (the old button, clicked again) changes nothing and is told so.
    answered = len(bot.slack.responses())
    await bot.click(ids.APPROVE, buttons[ids.APPROVE], user=APPROVER, message_ts=request.ts, strict=False)
    await bot.settle()
    assert len([r for r in await bot.engine.runs.recent("sync") if r.trigger is RunTrigger.FIXIT]) == 1
    [refusal] = bot.slack.responses()[answered:]
    assert "already" in refusal.body["text"].lower()
    assert not bot.slack.violations


async def test_a_tampered_token_is_refused_and_changes_nothing(bot: Bot, tmp_path: Path) -> None:
    await _failing_job(bot, tmp_path)
    request = await _request_fixit(bot)
    token = _buttons(request)[ids.APPROVE]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    answered = len(bot.slack.responses())
    await bot.click(ids.APPROVE, forged, user=APPROVER, message_ts=request.ts, strict=False)
    await bot.settle()

    assert not [r for r in await bot.engine.runs.recent("sync") if r.trigger is RunTrigger.FIXIT]
    [refusal] = bot.slack.responses()[answered:]
    reply = refusal.body["text"]
    assert forged not in reply and token not in reply
    assert ids.APPROVE in _buttons(bot.slack.message(OPS_CHANNEL, request.ts))


async def test_deny_closes_the_request_without_running_anything(bot: Bot, tmp_path: Path) -> None:
    await _failing_job(bot, tmp_path)
    request = await _request_fixit(bot)

    await bot.click(ids.DENY, _buttons(request)[ids.DENY], user=APPROVER, message_ts=request.ts)
    await bot.settle()

    assert not [r for r in await bot.engine.runs.recent("sync") if r.trigger is RunTrigger.FIXIT]
    assert "denied" in bot.slack.message(OPS_CHANNEL, request.ts).text.lower()


async def test_a_dry_run_shows_the_plan_to_the_requester_only(bot: Bot, tmp_path: Path) -> None:
    await _failing_job(bot, tmp_path)

    await bot.command("/fixit", "--dry-run greedy", user=REQUESTER)
    await bot.settle()

    [reply] = bot.slack.responses()
    assert reply.body.get("response_type", "ephemeral") == "ephemeral" and "sync" in str(reply.body["blocks"])
    assert not [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]


async def test_a_non_admin_asking_to_run_a_job_opens_an_approval_request(bot: Bot) -> None:
    await bot.add_job(id="report", target="tests.support.tasks:nap", kwargs={"seconds": 0})

    await bot.command("/jobs", "run report", user=REQUESTER)
    await bot.settle()

    assert await bot.engine.runs.recent("report") == []
    [request] = [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    await bot.click(ids.APPROVE, _buttons(request)[ids.APPROVE], user=APPROVER, message_ts=request.ts)
    await bot.settle()
    [run] = await bot.engine.runs.recent("report")
    assert run.requested_by == APPROVER and run.trigger is RunTrigger.MANUAL


async def test_a_pending_approval_survives_a_restart(slack: FakeSlack, tmp_path: Path) -> None:
    first = await start_bot(slack, tmp_path)
    await first.add_job(id="report", target="tests.support.tasks:nap", kwargs={"seconds": 0})
    await first.command("/jobs", "pause report", user=REQUESTER)
    await first.settle()
    [request] = [m for m in slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    await first.stop()

    second = await start_bot(slack, tmp_path)
    try:
        await second.click(ids.APPROVE, _buttons(request)[ids.APPROVE], user=APPROVER, message_ts=request.ts)
        await second.settle()
        assert (await second.engine.jobs.require("report")).paused
    finally:
        await second.stop()


async def test_an_expired_request_loses_its_buttons_and_refuses_late_clicks(slack: FakeSlack, tmp_path: Path) -> None:
    bot = await start_bot(slack, tmp_path, sweep_every=0.2, SCHEDOPS_APPROVAL_TTL="1s")
    try:
        await bot.add_job(id="report", target="tests.support.tasks:nap", kwargs={"seconds": 0})
        await bot.command("/jobs", "run report", user=REQUESTER)
        await bot.settle()
        [request] = [m for m in slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
        token = _buttons(request)[ids.APPROVE]

        await slack.wait_for(lambda: "expired" in slack.message(OPS_CHANNEL, request.ts).text.lower(), 5)
        assert ids.APPROVE not in _buttons(slack.message(OPS_CHANNEL, request.ts))

        await bot.click(ids.APPROVE, token, user=APPROVER, message_ts=request.ts, strict=False)
        await bot.settle()
        assert "expired" in slack.responses()[-1].body["text"].lower()
        assert await bot.engine.runs.recent("report") == []
    finally:
        await bot.stop()


async def test_a_request_left_approved_by_a_stopped_process_is_marked_failed(slack: FakeSlack, tmp_path: Path) -> None:
    first = await start_bot(slack, tmp_path)
    await first.add_job(id="report", target="tests.support.tasks:nap", kwargs={"seconds": 0})
    await first.command("/jobs", "pause report", user=REQUESTER)
    await first.settle()
    [request] = [m for m in slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    [pending] = await first.session.ctx.approvals.store.pending()
    # The process stops between the decision and the action's end.
    await first.session.ctx.approvals.store.claim_decision(
        pending.id, ApprovalStatus.APPROVED, decided_by=APPROVER, now=first.engine.clock()
    )
    await first.stop()

    second = await start_bot(slack, tmp_path)
    try:
        await slack.wait_for(lambda: "interrupted" in str(slack.message(OPS_CHANNEL, request.ts).blocks), 5)
        assert (await second.session.ctx.approvals.store.get(pending.id)).status is ApprovalStatus.FAILED
        assert not (await second.engine.jobs.require("report")).paused
    finally:
        await second.stop()


async def test_retry_from_the_home_tab_by_a_non_admin_asks_in_the_alert_channel(bot: Bot) -> None:
    await bot.add_job(id="report", target="tests.support.tasks:nap", kwargs={"seconds": 0})
    await bot.slack.deliver(bot.slack.app_home_opened(REQUESTER))
    await bot.settle()

    home_click = bot.slack.block_action(ids.keyed(ids.RETRY, "report"), "report", user_id=REQUESTER, strict=False)
    home_click.pop("response_url", None)
    home_click.pop("container", None)
    home_click.pop("channel", None)
    home_click.pop("message", None)
    await (await bot.slack.deliver(home_click)).ack()
    await bot.settle()

    assert [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    assert any("Approval requested" in m.text for m in bot.slack.messages(REQUESTER))
    assert await bot.engine.runs.recent("report") == []
