"""/jobs: list, inspect and change scheduled jobs."""

from __future__ import annotations

from typing import Any

from application.operations import OutputRefused
from bot.context import BotContext
from bot.parsing import JobsRequest, ParseError, parse_jobs
from bot.responders import Respond
from bot.usage import JOBS_USAGE
from bot.views.common import error_message, unknown_job_message
from bot.views.jobs import export_message, history_message, job_detail_message, jobs_help, jobs_list_message
from bot.views.next_fires import next_fires_message
from bot.workflows import approvals as acting
from bot.workflows import job_form as job_forms
from core.approvals import ActionRequest
from core.jobs.next_fires import NextFiresError, next_fire_times
from core.storage.jobs_store import JobLookupError

PAGE_SIZE = 20

_CHANGES = {
    "run": ActionRequest.run_job,
    "pause": ActionRequest.pause_job,
    "resume": ActionRequest.resume_job,
    "remove": ActionRequest.remove_job,
}


def handler(ctx: BotContext) -> Any:
    async def on_jobs(ack: Any, command: dict[str, Any], respond: Respond) -> None:
        try:
            request = parse_jobs(command.get("text", ""))
        except ParseError as error:
            await ack(**error_message(error.problem, error.usage))
            return
        if request.action == "help":
            await ack(**jobs_help())
            return
        if request.action == "next":  # bounded and sub-millisecond: answered in the ack itself
            await ack(**_next_fires(ctx, request))
            return
        await ack()
        ctx.spawn(_answer(ctx, request, command, respond), what=f"running /jobs {request.action}", respond=respond)

    return on_jobs


async def _answer(ctx: BotContext, request: JobsRequest, command: dict[str, Any], respond: Respond) -> None:
    actor, channel = command["user_id"], command["channel_id"]
    if request.action in _CHANGES:
        assert request.job_id is not None
        change = _CHANGES[request.action](request.job_id)
        await acting.submit(ctx, change, actor=actor, channel_id=channel, respond=respond, usage=JOBS_USAGE)
    elif request.action in {"new", "edit"}:
        await job_forms.open_form(ctx, command["trigger_id"], channel, request.job_id, respond)
    elif request.action == "export":
        await respond(**await _export(ctx, actor, channel))
    elif request.action == "mine":
        await respond(**await job_list_page(ctx, request.number or 1, owner=actor))
    else:
        await respond(**await _look(ctx, request))


async def _export(ctx: BotContext, actor: str, channel: str) -> dict[str, Any]:
    try:
        return dict(export_message(await ctx.ops.export_for(actor, channel_id=channel)))
    except OutputRefused as refusal:
        return dict(error_message(str(refusal), JOBS_USAGE))


async def _look(ctx: BotContext, request: JobsRequest) -> dict[str, Any]:
    if request.action == "list":
        return await job_list_page(ctx, request.number or 1)
    assert request.job_id is not None
    try:
        job = await ctx.ops.job(request.job_id)
    except JobLookupError:
        return dict(unknown_job_message(request.job_id, JOBS_USAGE))
    if request.action == "show":
        upcoming = await ctx.ops.upcoming(job.id, 5)
        running = await ctx.ops.running(job.id)
        card = job_detail_message(job, upcoming=upcoming, default_timezone=ctx.default_timezone, running=running)
        return dict(card)
    return dict(history_message(job.id, await ctx.ops.history(job.id, request.number or 10)))


def _next_fires(ctx: BotContext, request: JobsRequest) -> dict[str, Any]:
    timezone = request.extra.get("timezone", ctx.default_timezone)
    try:
        answer = next_fire_times(request.extra["cron"], timezone=timezone, now=ctx.services.engine.clock())
    except NextFiresError as error:
        return dict(error_message(str(error), JOBS_USAGE))
    return dict(next_fires_message(answer))


async def job_list_page(ctx: BotContext, page: int, *, owner: str | None = None) -> dict[str, Any]:
    """One page of /jobs list (or /jobs mine: ``owner``'s jobs), reading only that page's jobs."""
    found = await ctx.ops.job_page(page, PAGE_SIZE, owner=owner)
    return dict(jobs_list_message(found.jobs, page=found.number, page_size=found.size, total=found.total))
