"""Slack listeners, one per file, registered by surface."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.listeners import actions, commands, events, outsiders, views


def register_listeners(app: AsyncApp, ctx: BotContext) -> None:
    app.use(outsiders.guard(ctx.settings))
    commands.register(app, ctx)
    actions.register(app, ctx)
    views.register(app, ctx)
    events.register(app, ctx)
