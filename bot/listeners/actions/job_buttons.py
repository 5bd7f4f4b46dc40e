"""Buttons that act on a job (Retry and Pause on alerts; Run now, Pause, Resume, History on a job card):
the same rules as the /jobs commands: admins act, anyone else asks for approval."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.context import BotContext
from bot.responders import Respond, clicked_message, replier
from bot.usage import JOBS_USAGE
from bot.views.jobs import history_message
from bot.workflows import approvals as acting
from core.approvals import ActionRequest

_REQUESTS = {
    ids.RETRY: ActionRequest.run_job,
    ids.JOB_RUN: ActionRequest.run_job,
    ids.PAUSE: ActionRequest.pause_job,
    ids.JOB_PAUSE: ActionRequest.pause_job,
    ids.JOB_RESUME: ActionRequest.resume_job,
}
ACTIONS = (*_REQUESTS, ids.JOB_HISTORY)


def handler(ctx: BotContext) -> Any:
    async def on_job_button(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        reply = replier(ctx.client, body, respond)
        ctx.spawn(_act(ctx, body, action, reply), what="acting on the job", respond=reply)

    return on_job_button


async def _act(ctx: BotContext, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    job_id = str(action.get("value", ""))
    action_id = ids.base(action["action_id"])
    if action_id == ids.JOB_HISTORY:
        runs = await ctx.ops.history(job_id, 10)
        await respond(response_type="ephemeral", replace_original=False, **history_message(job_id, runs))
        return
    clicked = clicked_message(body)
    thread = (body.get("message") or {}).get("thread_ts") or (clicked.ts if clicked else None)

    async def reply(response_type: str = "ephemeral", **message: Any) -> None:
        # What an admin did from an alert belongs in the alert's thread, not in a new top-level message.
        if response_type == "in_channel" and clicked and thread:
            await ctx.client.chat_postMessage(channel=clicked.channel, thread_ts=thread, **message)
        else:
            await respond(response_type=response_type, replace_original=False, **message)

    request = _REQUESTS[action_id](job_id)
    channel = clicked.channel if clicked else ""
    await acting.submit(ctx, request, actor=body["user"]["id"], channel_id=channel, respond=reply, usage=JOBS_USAGE)
