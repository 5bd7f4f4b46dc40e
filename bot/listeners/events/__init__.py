from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.listeners.events import app_home


def register(app: AsyncApp, ctx: BotContext) -> None:
    app.event("app_home_opened")(app_home.handler(ctx))
