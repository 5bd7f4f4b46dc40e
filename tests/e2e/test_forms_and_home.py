"""The job form, the Home tab, and the manifest's promises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import ids
from sandbox.fake_slack import FakeSlack
from tests.e2e.harness import ADMIN, APPROVER, OPS_CHANNEL, REQUESTER, Bot, start_bot

ROOT = Path(__file__).resolve().parents[2]


def _text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def _choice(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def _form(job_id: str, kind: str, what: str, schedule_kind: str, schedule: str) -> dict[str, Any]:
    fields = {
        ids.FORM_ID: _text(job_id),
        ids.FORM_KIND: _choice(kind),
        ids.FORM_WHAT: _text(what),
        ids.FORM_SCHEDULE_KIND: _choice(schedule_kind),
        ids.FORM_SCHEDULE: _text(schedule),
    }
    return {block: {block: element} for block, element in fields.items()}


async def _submit(bot: Bot, values: dict[str, Any], user: str = ADMIN) -> Any:
    await bot.command("/jobs", "new", user=user)
    await bot.settle()
    await bot.settle()
    [modal] = [v for v in bot.slack.opened_views() if v.open]
    payload = bot.slack.view_submission(ids.JOB_FORM, values, user_id=user)
    envelope = await bot.slack.deliver(payload)
    ack = await envelope.ack()
    await bot.settle()
    return modal, ack


async def test_a_bad_cron_in_the_form_is_shown_inline_and_nothing_is_created(bot: Bot) -> None:
    _, ack = await _submit(bot, _form("tidy", "python", "tests.support.tasks:nap", "cron", "61 * * * *"))

    assert ack.payload is not None and ack.payload["response_action"] == "errors"
    assert ids.FORM_SCHEDULE in ack.payload["errors"]
    assert await bot.engine.jobs.get("tidy") is None


@pytest.mark.parametrize(
    ("kind", "what"), [("shell", "rm -rf /"), ("python", "os:abort"), ("python", "subprocess:getoutput")]
)
async def test_jobs_that_run_code_are_refused_from_slack_by_default(bot: Bot, kind: str, what: str) -> None:
    _, ack = await _submit(bot, _form("rm", kind, what, "interval", "1h"))

    assert ack.payload is not None and ack.payload["response_action"] == "errors"
    assert "SCHEDOPS_ALLOW_SHELL_FROM_SLACK" in str(ack.payload["errors"])
    assert await bot.engine.jobs.get("rm") is None


async def test_an_admin_creates_a_job_from_the_form(bot: Bot) -> None:
    _, ack = await _submit(bot, _form("tidy", "http", "http://127.0.0.1:9/cleanup", "interval", "15m"))

    assert ack.payload is None or "errors" not in ack.payload
    job = await bot.engine.jobs.require("tidy")
    assert job.spec.kind == "http" and bot.engine.next_fire("tidy") is not None
    assert any("tidy" in m.text for m in bot.slack.messages(OPS_CHANNEL))


async def test_a_non_admin_form_becomes_an_approval_request(bot: Bot) -> None:
    await _submit(
        bot, _form("tidy", "http", "https://user:s3cret@example.com/x?token=abc", "cron", "0 3 * * *"), user=REQUESTER
    )

    assert await bot.engine.jobs.get("tidy") is None
    [request] = [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in str(m.blocks)]
    # The approver sees what the job would do, without its credentials.
    assert "example.com/x" in str(request.blocks)
    assert "s3cret" not in str(request.blocks) and "token=abc" not in str(request.blocks)


async def test_the_home_tab_shows_health_and_failing_jobs(bot: Bot, tmp_path: Path) -> None:
    counter = str(tmp_path / "c")
    await bot.add_job(id="etl", target="tests.support.tasks:fail_until", kwargs={"counter": counter, "failures": 9})
    await (await bot.engine.run_now("etl", actor=None)).wait()

    await bot.slack.deliver(bot.slack.app_home_opened(ADMIN))
    await bot.settle()

    home = bot.slack.published_home(ADMIN)
    assert home is not None and "etl" in str(home["blocks"])
    assert not bot.slack.violations


async def test_the_home_tab_is_redrawn_when_a_job_starts_failing(bot: Bot, tmp_path: Path) -> None:
    await bot.slack.deliver(bot.slack.app_home_opened(ADMIN))
    await bot.settle()
    counter = str(tmp_path / "c")
    await bot.add_job(id="etl", target="tests.support.tasks:fail_until", kwargs={"counter": counter, "failures": 9})

    await (await bot.engine.run_now("etl", actor=None)).wait()

    await bot.slack.wait_for(lambda: "etl" in str((bot.slack.published_home(ADMIN) or {}).get("blocks")), 5)


def test_every_command_in_the_manifest_has_a_handler_and_usage_hint() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/sitrep", "/fixit", "/jobs"}
    for command in commands.values():
        assert command["usage_hint"] and len(command["command"]) <= 32
    assert manifest["settings"]["socket_mode_enabled"] and manifest["settings"]["interactivity"]["is_enabled"]


async def test_every_command_and_button_is_acknowledged(bot: Bot) -> None:
    """Bolt sends no ack when no listener matches, and Slack then shows the user a timeout: every command in
    the manifest and every button the views can draw must be heard."""
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    for command in manifest["features"]["slash_commands"]:
        envelope = await bot.slack.deliver(bot.slack.slash_command(command["command"], "help"))
        assert (await envelope.ack(timeout=2)).latency < 2
    buttons = (ids.APPROVE, ids.DENY, ids.JOBS_PAGE_NEXT, ids.JOBS_PAGE_PREVIOUS, *ids.JOB_BUTTONS, ids.SHOW_OUTPUT)
    for action_id in (*buttons, ids.keyed(ids.SHOW_OUTPUT, 7), ids.keyed(ids.RETRY, "etl")):
        payload = bot.slack.block_action(action_id, "x", user_id=REQUESTER, message_ts="1.1", strict=False)
        envelope = await bot.slack.deliver(payload)
        assert (await envelope.ack(timeout=2)).latency < 2, action_id
    await bot.settle()


async def test_code_kinds_are_refused_when_carried_out_too(slack: FakeSlack, tmp_path: Path) -> None:
    """Asked for while shell jobs were allowed from Slack, approved after the switch was turned off."""
    allowed = await start_bot(slack, tmp_path, SCHEDOPS_ALLOW_SHELL_FROM_SLACK="true")
    await _submit(allowed, _form("wipe", "shell", "echo wipe", "interval", "1h"), user=REQUESTER)
    [request] = [m for m in slack.messages(OPS_CHANNEL) if ids.APPROVE in str(m.blocks)]
    token = next(
        element["value"]
        for block in request.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == ids.APPROVE
    )
    await allowed.stop()

    strict = await start_bot(slack, tmp_path)
    try:
        await strict.click(ids.APPROVE, token, user=APPROVER, message_ts=request.ts)
        await strict.settle()
        assert await strict.engine.jobs.get("wipe") is None
        assert "SCHEDOPS_ALLOW_SHELL_FROM_SLACK" in str(slack.message(OPS_CHANNEL, request.ts).blocks)
    finally:
        await strict.stop()
