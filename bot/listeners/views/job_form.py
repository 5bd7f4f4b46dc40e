"""The job form's submission: invalid input is shown inline in the form; a valid job is added or changed
by the usual rules (admins at once, anyone else through an approval request)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bot.context import BotContext
from bot.responders import channel_responder
from bot.usage import JOBS_USAGE
from bot.views.job_form import form_errors, read_form_metadata, read_job_form
from bot.workflows import approvals as acting
from core.approvals import ActionRequest
from core.jobs.spec import parse_job


def handler(ctx: BotContext) -> Any:
    async def on_job_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = read_form_metadata(view.get("private_metadata", ""))
        editing = meta.job_id is not None
        # One primary-key read before the ack: errors must travel in the ack to show in the form.
        existing = await ctx.ops.find_job(meta.job_id) if meta.job_id else None
        data = read_job_form(
            view["state"]["values"],
            private_metadata=view.get("private_metadata", ""),
            existing=existing.spec if existing else None,
        )
        try:
            spec = parse_job(data)
        except ValidationError as error:
            await ack(response_action="errors", errors=form_errors(error, editing=editing))
            return
        problems = []
        refusal = ctx.ops.refused_kind(spec.kind)
        if refusal is not None:
            problems.append(f"kind: {refusal}")
        if not editing and await ctx.ops.find_job(spec.id) is not None:
            problems.append(f"id: a job with id {spec.id} already exists; use /jobs edit {spec.id}")
        if problems:
            await ack(response_action="errors", errors=form_errors(problems, editing=editing))
            return
        await ack()
        actor = body["user"]["id"]
        respond = channel_responder(ctx.client, meta.context, actor)
        if existing is not None:  # the change and the version it was made against, never a whole snapshot
            request = ActionRequest.update_job(spec, base=existing.spec)
        else:
            request = ActionRequest.add_job(spec)
        work = acting.submit(ctx, request, actor=actor, channel_id=meta.context, respond=respond, usage=JOBS_USAGE)
        ctx.spawn(work, what="saving the job", respond=respond)

    return on_job_form
