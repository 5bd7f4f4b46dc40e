"""Issue 9, item 3: an edit that points an HTTP job at another host drops its hidden headers and body; an edit
request stores the change and the version it was made against, shows the schedule and a before/after diff,
and is refused once the job has changed since."""

from __future__ import annotations

from typing import Any

from bot import ids
from core.jobs.spec import HttpJob, parse_job
from tests.e2e.harness import APPROVER, OPS_CHANNEL, REQUESTER, Bot
from tests.e2e.test_approvals import _buttons
from tests.e2e.test_forms_and_home import _form

BILLING_KEY = "billing-key-5f2c9a"


async def _billing(bot: Bot) -> None:
    spec = parse_job(
        {
            "id": "billing-ping",
            "kind": "http",
            "url": "https://billing.example.com/ping",
            "headers": {"Authorization": f"Bearer {BILLING_KEY}"},
            "schedule": {"cron": "*/5 * * * *"},
        }
    )
    await bot.engine.add_job(spec, actor=None)


async def _edit(bot: Bot, url: str, user: str = REQUESTER) -> Any:
    await bot.command("/jobs", "edit billing-ping", user=user)
    await bot.settle()
    payload = bot.slack.view_submission(
        ids.JOB_FORM, _form("billing-ping", "http", url, "cron", "*/5 * * * *"), user_id=user
    )
    await (await bot.slack.deliver(payload)).ack()
    await bot.settle()
    [request] = [m for m in bot.slack.messages(OPS_CHANNEL) if ids.APPROVE in _buttons(m)]
    return request


async def test_pointing_a_job_at_another_host_drops_its_credentials_and_shows_the_diff(bot: Bot) -> None:
    await _billing(bot)

    request = await _edit(bot, "https://attacker.example.net/collect")

    shown = str(request.blocks)
    assert "billing.example.com/ping → https://attacker.example.net/collect" in shown
    assert "headers.Authorization" in shown and BILLING_KEY not in shown
    assert "Schedule now" in shown
    await bot.click(ids.APPROVE, _buttons(request)[ids.APPROVE], user=APPROVER, message_ts=request.ts)
    await bot.settle()
    job = (await bot.engine.jobs.require("billing-ping")).spec
    assert isinstance(job, HttpJob) and job.url.startswith("https://attacker") and job.headers == {}


async def test_a_path_change_on_the_same_host_keeps_the_credentials(bot: Bot) -> None:
    await _billing(bot)

    request = await _edit(bot, "https://billing.example.com/v2/ping")
    await bot.click(ids.APPROVE, _buttons(request)[ids.APPROVE], user=APPROVER, message_ts=request.ts)
    await bot.settle()

    job = (await bot.engine.jobs.require("billing-ping")).spec
    assert isinstance(job, HttpJob) and job.headers == {"Authorization": f"Bearer {BILLING_KEY}"}


async def test_an_old_edit_is_refused_once_the_job_has_changed(bot: Bot) -> None:
    await _billing(bot)
    request = await _edit(bot, "https://billing.example.com/v2/ping")
    rotated = parse_job(
        {
            "id": "billing-ping",
            "kind": "http",
            "url": "https://billing.example.com/ping",
            "headers": {"Authorization": "Bearer rotated-key"},
            "schedule": {"cron": "*/5 * * * *"},
        }
    )
    await bot.engine.update_job(rotated, actor=None)

    await bot.click(ids.APPROVE, _buttons(request)[ids.APPROVE], user=APPROVER, message_ts=request.ts)
    await bot.settle()

    job = (await bot.engine.jobs.require("billing-ping")).spec
    assert isinstance(job, HttpJob) and job.headers == {"Authorization": "Bearer rotated-key"}
    assert job.url == "https://billing.example.com/ping"
    decided = bot.slack.message(OPS_CHANNEL, request.ts)
    assert "has changed since this edit was requested" in str(decided.blocks)
    assert ids.APPROVE not in _buttons(decided)
