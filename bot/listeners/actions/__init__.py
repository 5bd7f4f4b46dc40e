from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import ids
from bot.context import BotContext
from bot.listeners.actions import cancel_run, decision, job_buttons, pages, show_output


def register(app: AsyncApp, ctx: BotContext) -> None:
    on_decision = decision.handler(ctx)
    app.action(ids.APPROVE)(on_decision)
    app.action(ids.DENY)(on_decision)
    on_job_button = job_buttons.handler(ctx)
    for action_id in job_buttons.ACTIONS:
        app.action(ids.matching(action_id))(on_job_button)
    on_page = pages.handler(ctx)
    app.action(ids.JOBS_PAGE_PREVIOUS)(on_page)
    app.action(ids.JOBS_PAGE_NEXT)(on_page)
    app.action(ids.matching(ids.SHOW_OUTPUT))(show_output.handler(ctx))
    app.action(ids.matching(ids.CANCEL_RUN))(cancel_run.handler(ctx))
