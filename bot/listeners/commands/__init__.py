from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.listeners.commands import fixit, jobs, sitrep


def register(app: AsyncApp, ctx: BotContext) -> None:
    app.command("/sitrep")(sitrep.handler(ctx))
    app.command("/fixit")(fixit.handler(ctx))
    app.command("/jobs")(jobs.handler(ctx))
