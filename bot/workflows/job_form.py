"""The job form: opened by `/jobs new` and `/jobs edit ID`, submitted through the view listener."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext, Respond
from bot.parsing import JOBS_USAGE
from bot.views.common import error_message, unknown_job_message
from bot.views.job_form import CODE_KINDS, job_form_modal
from core.abc import RunHandle
from core.config import Settings
from core.engine import Engine
from core.jobs.spec import JobSpec
from core.runs import RunTrigger
from core.storage.jobs_store import StoredJob

CODE_OFF = (
    "{kind} jobs run code on the schedops host, so they can't be added or changed from Slack "
    "(SCHEDOPS_ALLOW_SHELL_FROM_SLACK is off)"
)


def refused_kind(kind: str, settings: Settings) -> str | None:
    """Why a job of ``kind`` may not be defined from Slack, or None when it may."""
    if kind in CODE_KINDS and not settings.allow_shell_from_slack:
        return CODE_OFF.format(kind=kind.capitalize())
    return None


async def open_form(ctx: BotContext, trigger_id: str, channel_id: str, job_id: str | None, respond: Respond) -> None:
    """Open the form (trigger ids expire after 3 s, so this runs straight after the ack)."""
    existing = None
    if job_id is not None:
        job = await ctx.services.engine.jobs.get(job_id)
        if job is None:
            await respond(**unknown_job_message(job_id, JOBS_USAGE))
            return
        refusal = refused_kind(job.spec.kind, ctx.settings)
        if refusal is not None:
            await respond(**error_message(f"`{job_id}`: {refusal}", JOBS_USAGE))
            return
        existing = job.spec
    view = job_form_modal(
        existing=existing, allow_shell=ctx.settings.allow_shell_from_slack, private_metadata=channel_id
    )
    await ctx.client.views_open(trigger_id=trigger_id, view=view)


def channel_responder(ctx: BotContext, channel_id: str, user_id: str) -> Respond:
    """A ``respond`` for surfaces without a response_url (modals): ephemeral to the user in the channel the
    form was opened from, or a message in that channel for in_channel replies."""

    async def respond(response_type: str = "ephemeral", **message: Any) -> None:
        message.pop("replace_original", None)
        if response_type == "in_channel":
            await ctx.client.chat_postMessage(channel=channel_id, **message)
        else:
            await ctx.client.chat_postEphemeral(channel=channel_id, user=user_id, **message)

    return respond


class SlackJobControl:
    """The engine as Slack may drive it (implements core.abc.JobControl). Kinds that run code are refused
    again when an action is carried out, not only when it is asked for: a request made while
    SCHEDOPS_ALLOW_SHELL_FROM_SLACK was on, and approved after it was turned off, must not slip through."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    async def add_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob:
        self._check(spec)
        return await self._engine.add_job(spec, actor=actor)

    async def update_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob:
        self._check(spec)
        return await self._engine.update_job(spec, actor=actor)

    async def remove_job(self, job_id: str, *, actor: str | None) -> None:
        await self._engine.remove_job(job_id, actor=actor)

    async def pause_job(self, job_id: str, *, actor: str | None) -> StoredJob:
        return await self._engine.pause_job(job_id, actor=actor)

    async def resume_job(self, job_id: str, *, actor: str | None) -> StoredJob:
        return await self._engine.resume_job(job_id, actor=actor)

    async def run_now(
        self,
        job_id: str,
        *,
        actor: str | None,
        trigger: RunTrigger = RunTrigger.MANUAL,
        fixit_plan_id: str | None = None,
    ) -> RunHandle:
        return await self._engine.run_now(job_id, actor=actor, trigger=trigger, fixit_plan_id=fixit_plan_id)

    def _check(self, spec: JobSpec) -> None:
        refusal = refused_kind(spec.kind, self._settings)
        if refusal is not None:
            raise PermissionError(refusal)
