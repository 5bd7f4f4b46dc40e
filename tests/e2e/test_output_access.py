"""Issue 9, item 4: reading run output and the export is a permission (default: admins and approvers), and
every read is audited; Show output checks the run id."""

from __future__ import annotations

from pathlib import Path

from bot import ids
from core.audit import query_audit
from tests.e2e.harness import ADMIN, OPS_CHANNEL, Bot

MALLORY = "U0MALLORY"  # a workspace member who is neither admin nor approver


async def _show_output_button(bot: Bot, tmp_path: Path) -> tuple[str, str, int]:
    await bot.add_job(
        id="etl", target="tests.support.tasks:fail_until", kwargs={"counter": str(tmp_path / "n"), "failures": 5}
    )
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
    return show, alert.ts, failed.id


async def test_a_member_who_is_not_a_reader_cannot_open_output_and_the_attempt_is_audited(
    bot: Bot, tmp_path: Path
) -> None:
    show, ts, run_id = await _show_output_button(bot, tmp_path)

    await bot.click(show, str(run_id), user=MALLORY, message_ts=ts)
    await bot.settle()

    assert bot.slack.opened_views() == []
    assert any("may read run output" in message.text for message in bot.slack.ephemerals(MALLORY))
    entries = await query_audit(bot.services.db, limit=10)
    assert any(e.actor == MALLORY and e.action == "run.output.read" and e.outcome == "refused" for e in entries)


async def test_an_admin_reads_output_and_the_read_is_audited(bot: Bot, tmp_path: Path) -> None:
    show, ts, run_id = await _show_output_button(bot, tmp_path)

    await bot.click(show, str(run_id), user=ADMIN, message_ts=ts)
    await bot.settle()

    assert len(bot.slack.opened_views()) == 1
    entries = await query_audit(bot.services.db, limit=10)
    assert any(e.actor == ADMIN and e.action == "run.output.read" and e.target == f"run:{run_id}" for e in entries)


async def test_a_forged_run_id_is_answered_as_a_missing_run(bot: Bot, tmp_path: Path) -> None:
    show, ts, _ = await _show_output_button(bot, tmp_path)

    await bot.click(show, "9" * 40, user=ADMIN, message_ts=ts)
    await bot.settle()

    assert bot.slack.opened_views() == []
    assert any("no longer in the history" in message.text for message in bot.slack.ephemerals(ADMIN))


async def test_the_export_is_refused_to_a_member_who_is_not_a_reader(bot: Bot) -> None:
    await bot.add_job(id="p", target="m:f", kwargs={"key": "kw-s3cret"})

    await bot.command("/jobs", "export", user=MALLORY)
    await bot.settle()

    shown = " ".join(message.text for message in bot.slack.ephemerals(MALLORY))
    assert "may read run output and job exports" in shown and "kw-s3cret" not in shown
    entries = await query_audit(bot.services.db, limit=10)
    assert any(e.actor == MALLORY and e.action == "jobs.export.read" and e.outcome == "refused" for e in entries)
