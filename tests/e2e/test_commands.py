"""Slash commands as people type them, right and wrong."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ADMIN, Bot


async def test_sitrep_is_posted_in_the_channel(bot: Bot) -> None:
    await bot.add_job(id="backup", target="tests.support.tasks:nap", kwargs={"seconds": 0})
    await (await bot.engine.run_now("backup", actor=None)).wait()

    ack = await bot.command("/sitrep")
    await bot.settle()

    assert ack.payload is None or not ack.payload.get("text")
    [reply] = [r for r in bot.slack.responses() if r.body.get("response_type") == "in_channel"]
    assert "healthy" in reply.body["text"].lower()
    assert not bot.slack.violations


@pytest.mark.parametrize(
    ("command", "text", "says"),
    [
        ("/jobs", "explode", "is not a `/jobs` command"),
        ("/jobs", "history backup 900", "from 1 to 50"),
        ("/fixit", "reckless", "I don't understand"),
        ("/fixit", "--window forever", "is not a duration"),
        ("/sitrep", "Not A Job!", "takes at most one job id"),
        ("/jobs", "show " + "x" * 3000, "is not a job id"),
        ("/jobs", "<!channel> ☃ \u202e", "is not a `/jobs` command"),
    ],
)
async def test_every_bad_input_gets_an_ephemeral_answer_with_usage(
    bot: Bot, command: str, text: str, says: str
) -> None:
    ack = await bot.command(command, text)

    assert ack.payload is not None and says in ack.payload["text"]
    assert ack.payload.get("response_type", "ephemeral") == "ephemeral"
    assert "<!channel>" not in ack.payload["text"]
    assert not bot.slack.violations


async def test_an_unknown_job_is_answered_after_the_ack(bot: Bot) -> None:
    await bot.command("/jobs", "show nope")
    await bot.settle()

    [reply] = bot.slack.responses()
    assert "no job with id `nope`" in reply.body["text"]
    assert reply.body.get("response_type", "ephemeral") == "ephemeral"


async def test_help_is_answered_for_every_command(bot: Bot) -> None:
    for command in ("/sitrep", "/fixit", "/jobs"):
        ack = await bot.command(command, "help")
        assert ack.payload is not None and command in ack.payload["text"]


async def test_admins_pause_and_resume_a_job_from_slack(bot: Bot) -> None:
    await bot.add_job(id="report", target="tests.support.tasks:nap")

    await bot.command("/jobs", "pause report", user=ADMIN)
    await bot.settle()
    assert (await bot.engine.jobs.require("report")).paused
    assert bot.engine.next_fire("report") is None

    await bot.command("/jobs", "resume report", user=ADMIN)
    await bot.settle()
    assert not (await bot.engine.jobs.require("report")).paused
    assert bot.engine.next_fire("report") is not None
    texts = [r.body["text"] for r in bot.slack.responses()]
    assert any("paused" in t for t in texts) and any("resumed" in t for t in texts)


async def test_the_job_list_pages_through_the_database(bot: Bot) -> None:
    for number in range(25):
        await bot.add_job(id=f"job-{number:02d}", target="tests.support.tasks:nap")

    await bot.command("/jobs", "list 2")
    await bot.settle()

    [reply] = bot.slack.responses()
    assert "page 2 of 2" in str(reply.body["blocks"]) and "job-24" in str(reply.body["blocks"])
    assert "job-00" not in str(reply.body["blocks"])
