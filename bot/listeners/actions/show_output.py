"""Show output: the run's whole kept output in a modal (opened at once: trigger ids expire in 3 s)."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext, Respond, replier
from bot.views.common import notice_message
from bot.views.output import output_modal
from core.access import audit_read, may_read_output, output_refusal, parse_run_id
from core.storage.runs_store import RunLookupError


def handler(ctx: BotContext) -> Any:
    async def on_show_output(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        reply = replier(ctx, body, respond)
        ctx.spawn(_open(ctx, body, str(action.get("value", "")), reply), what="opening the output", respond=reply)

    return on_show_output


async def _open(ctx: BotContext, body: dict[str, Any], value: str, respond: Respond) -> None:
    reader, run_id = body["user"]["id"], parse_run_id(value)
    allowed = may_read_output(reader, ctx.settings)
    channel = (body.get("channel") or {}).get("id")
    target = f"run:{run_id}" if run_id is not None else None
    await audit_read(
        ctx.services.db, at=ctx.clock(), reader=reader, what="run.output", target=target, channel_id=channel,
        allowed=allowed,
    )  # fmt: skip
    if not allowed:
        await respond(replace_original=False, **notice_message(output_refusal(ctx.settings)))
        return
    try:
        run = await ctx.services.engine.runs.get(run_id if run_id is not None else 0)
    except RunLookupError:
        await respond(replace_original=False, **notice_message("That run is no longer in the history."))
        return
    await ctx.client.views_open(trigger_id=body["trigger_id"], view=output_modal(run))
