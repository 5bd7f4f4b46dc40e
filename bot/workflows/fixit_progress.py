"""Carries out an approved fix-it plan and shows its progress, item by item, on the approval message."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from application.services import Services
from bot.context import deciding
from bot.views.approvals import approval_decided_message
from bot.views.fixit import fixit_result_lines
from core.approvals import ApprovalStore
from core.fixit.describe import describe_plan
from core.fixit.execute import execute_plan
from core.fixit.model import FixitResult, ItemResult
from core.fixit.store import PlanStore

log = logging.getLogger(__name__)


class FixitRunner:
    def __init__(
        self, services: Services, client: AsyncWebClient, *, backoff: timedelta = timedelta(seconds=30)
    ) -> None:
        self._services = services
        self._client = client
        self._approvals = ApprovalStore(services.db)
        self._plans = PlanStore(services.db)
        self._backoff = backoff

    async def __call__(self, plan_id: str, actor: str) -> Any:
        plan = (await self._plans.get_plan(plan_id)).plan
        details = describe_plan(plan).splitlines()
        progress: list[str] = ["Running the retries…"]
        await self._show(details, progress)

        async def on_progress(item: ItemResult) -> None:
            progress.append(f"{item.job_id}: {item.outcome.value} after {item.attempts} attempt(s) — {item.reason}")
            await self._show(details, progress)

        result: FixitResult = await execute_plan(
            self._services.db,
            plan_id,
            self._services.engine,
            clock=self._services.engine.clock,
            on_progress=on_progress,
            backoff=self._backoff,
            actor=actor,
        )
        log.info("fix-it plan %s: %s", plan_id, " / ".join(fixit_result_lines(result)))
        return result

    async def _show(self, details: list[str], progress: list[str]) -> None:
        current = deciding.get()
        if current is None:
            return
        # Progress is a courtesy: whatever goes wrong showing it, the plan goes on and its result is posted.
        try:
            approval = await self._approvals.get(current.approval_id)
            message = approval_decided_message(approval, details=details, progress=progress)
            await self._client.chat_update(channel=current.message.channel, ts=current.message.ts, **message)
        except SlackApiError as error:
            log.warning("could not show fix-it progress: %s", error.response.get("error"))
        except Exception:
            log.exception("could not show fix-it progress")
