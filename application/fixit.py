"""Fix-it as the application carries it out: an approved plan's retries, with progress told to whoever
asked (the Slack message of the approval, an API caller, a terminal)."""

from __future__ import annotations

import logging
from datetime import timedelta

from application.services import Services
from core.abc import Progress
from core.fixit.describe import result_summary
from core.fixit.execute import execute_plan
from core.fixit.model import FixitResult, ItemResult

log = logging.getLogger(__name__)

STARTED = "Running the retries…"


def progress_line(item: ItemResult) -> str:
    """One finished item of a plan, as progress shows it."""
    return f"{item.job_id}: {item.outcome.value} after {item.attempts} attempt(s) — {item.reason}"


class FixitRunner:
    """Carries out an approved plan (``core.approvals.FixitRunner``): ``progress`` hears a line when the
    retries start and one per finished item."""

    def __init__(self, services: Services, *, backoff: timedelta = timedelta(seconds=30)) -> None:
        self._services = services
        self._backoff = backoff

    async def __call__(self, plan_id: str, actor: str, progress: Progress | None = None) -> FixitResult:
        tell = progress or _silent
        await tell(STARTED)

        async def on_item(item: ItemResult) -> None:
            await tell(progress_line(item))

        result = await execute_plan(
            self._services.db,
            plan_id,
            self._services.engine,
            clock=self._services.engine.clock,
            on_progress=on_item,
            backoff=self._backoff,
            actor=actor,
        )
        log.info("%s", result_summary(result))
        return result


async def _silent(line: str) -> None:
    return None
