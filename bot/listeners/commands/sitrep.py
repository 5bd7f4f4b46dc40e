"""/sitrep: the whole picture in the channel, or one job's report."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext
from bot.parsing import ParseError, SitrepRequest, parse_sitrep
from bot.responders import Respond
from bot.usage import SITREP_USAGE
from bot.views.common import error_message, unknown_job_message
from bot.views.sitrep import job_report_message, sitrep_help, sitrep_message
from core.storage.jobs_store import JobLookupError


def handler(ctx: BotContext) -> Any:
    async def on_sitrep(ack: Any, command: dict[str, Any], respond: Respond) -> None:
        try:
            request = parse_sitrep(command.get("text", ""))
        except ParseError as error:
            await ack(**error_message(error.problem, error.usage))
            return
        if request.help:
            await ack(**sitrep_help())
            return
        await ack()
        ctx.spawn(_answer(ctx, request, respond), what="building the sitrep", respond=respond)

    return on_sitrep


async def _answer(ctx: BotContext, request: SitrepRequest, respond: Respond) -> None:
    if request.job_id is None:
        await respond(response_type="in_channel", **sitrep_message(await ctx.ops.sitrep()))
        return
    try:
        report = await ctx.ops.job_report(request.job_id)
    except JobLookupError as error:
        await respond(**unknown_job_message(error.job_id, SITREP_USAGE))
        return
    await respond(response_type="in_channel", **job_report_message(report))
