"""The App Home tab: a dashboard (health, failing jobs with Retry, next runs), fresh each time it opens."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext
from bot.reports import current_sitrep
from bot.views.home import home_view


def handler(ctx: BotContext) -> Any:
    async def on_home_opened(ack: Any, event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab", "home") == "home":
            ctx.spawn(publish_home(ctx, str(event["user"])), what="drawing the Home tab")

    return on_home_opened


async def publish_home(ctx: BotContext, user_id: str) -> None:
    view = home_view(await current_sitrep(ctx.services))
    await ctx.client.views_publish(user_id=user_id, view=view)
