"""The job form: opened by `/jobs new` and `/jobs edit ID`, submitted through the view listener."""

from __future__ import annotations

from bot.context import BotContext
from bot.responders import Respond
from bot.usage import JOBS_USAGE
from bot.views.common import error_message, unknown_job_message
from bot.views.job_form import job_form_modal
from core.storage.jobs_store import JobLookupError


async def open_form(ctx: BotContext, trigger_id: str, channel_id: str, job_id: str | None, respond: Respond) -> None:
    """Open the form (trigger ids expire after 3 s, so this runs straight after the ack)."""
    existing = None
    if job_id is not None:
        try:
            job = await ctx.ops.job(job_id)
        except JobLookupError:
            await respond(**unknown_job_message(job_id, JOBS_USAGE))
            return
        refusal = ctx.ops.refused_kind(job.spec.kind)
        if refusal is not None:
            await respond(**error_message(f"`{job_id}`: {refusal}", JOBS_USAGE))
            return
        existing = job.spec
    view = job_form_modal(
        existing=existing, allow_shell=ctx.settings.allow_shell_from_slack, private_metadata=channel_id
    )
    await ctx.client.views_open(trigger_id=trigger_id, view=view)
