"""Previous / Next on the job list: the same message, another page."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext
from bot.listeners.commands.jobs import job_list_page
from bot.parsing import parse_page
from bot.responders import Respond


def handler(ctx: BotContext) -> Any:
    async def on_page(ack: Any, action: dict[str, Any], respond: Respond) -> None:
        await ack()
        page = parse_page(str(action.get("value", "1")))
        ctx.spawn(_turn(ctx, page, respond), what="turning the page", respond=respond)

    return on_page


async def _turn(ctx: BotContext, page: int, respond: Respond) -> None:
    await respond(replace_original=True, **await job_list_page(ctx, page))
