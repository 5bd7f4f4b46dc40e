"""The App Home tab: a dashboard (health, failing jobs with Retry, next runs), kept fresh by bot.workflows.home."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext


def handler(ctx: BotContext) -> Any:
    async def on_home_opened(ack: Any, event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab", "home") == "home":
            ctx.spawn(ctx.home.opened(str(event["user"])), what="drawing the Home tab")

    return on_home_opened
