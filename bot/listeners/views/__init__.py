from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import ids
from bot.context import BotContext
from bot.listeners.views import job_form


def register(app: AsyncApp, ctx: BotContext) -> None:
    app.view(ids.JOB_FORM)(job_form.handler(ctx))
