"""Show output: the run's whole kept output in a modal (opened at once: trigger ids expire in 3 s)."""

from __future__ import annotations

from typing import Any

from application.operations import OutputRefused
from bot.context import BotContext
from bot.responders import Respond, replier
from bot.views.common import notice_message
from bot.views.output import output_modal
from core.storage.runs_store import RunLookupError


def handler(ctx: BotContext) -> Any:
    async def on_show_output(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        reply = replier(ctx.client, body, respond)
        ctx.spawn(_open(ctx, body, str(action.get("value", "")), reply), what="opening the output", respond=reply)

    return on_show_output


async def _open(ctx: BotContext, body: dict[str, Any], value: str, respond: Respond) -> None:
    channel = (body.get("channel") or {}).get("id")
    try:
        run = await ctx.ops.read_output(value, reader=body["user"]["id"], channel_id=channel)
    except OutputRefused as refusal:
        await respond(replace_original=False, **notice_message(str(refusal)))
        return
    except RunLookupError:
        await respond(replace_original=False, **notice_message("That run is no longer in the history."))
        return
    await ctx.client.views_open(trigger_id=body["trigger_id"], view=output_modal(run))
