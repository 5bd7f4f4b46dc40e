"""Cancel on a running run: ack at once, then ask Operations (who may is checked there, never read from the
button), and tell the clicker privately: "Cancelling run 42 of backup-db…", then how it ended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from application.run_cancel import CancelRefused
from bot.context import BotContext
from bot.responders import Respond, replier
from bot.views.running import cancel_outcome_message, cancel_refused_message, cancelling_message, unknown_run_message
from core.access import parse_run_id
from core.storage.runs_store import RunLookupError

# How long the clicker waits for the outcome: the executor notices within a second, then kills the process
# group; past this the answer says the run has not stopped yet (as `schedops runs cancel` does).
CANCEL_WAIT = timedelta(seconds=30)
# Another replica or a worker may carry the run out, which sends no event here: its row is read this often.
_POLL_SECONDS = 0.25


def handler(ctx: BotContext) -> Any:
    async def on_cancel(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        reply = replier(ctx.client, body, respond)
        ctx.spawn(cancel(ctx, body, str(action.get("value", "")), reply), what="cancelling the run", respond=reply)

    return on_cancel


async def cancel(
    ctx: BotContext, body: dict[str, Any], value: str, respond: Respond, *, wait: timedelta = CANCEL_WAIT
) -> None:
    async def say(message: Any) -> None:
        await respond(response_type="ephemeral", replace_original=False, **message)

    run_id = parse_run_id(value)  # anything but a run id is a forged or garbled click
    if run_id is None:
        await say(unknown_run_message())
        return
    channel = (body.get("channel") or {}).get("id")
    try:
        run = await ctx.ops.cancel_run(run_id, actor=body["user"]["id"], channel_id=channel)
    except RunLookupError:
        await say(unknown_run_message())
        return
    except CancelRefused as refusal:
        await say(cancel_refused_message(str(refusal)))
        return
    await say(cancelling_message(run))
    ended = await ctx.ops.wait_for_run(run.id, seconds=wait.total_seconds(), poll_seconds=_POLL_SECONDS)
    await say(cancel_outcome_message(ended, waited=wait))
