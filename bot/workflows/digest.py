"""Digest jobs: post the sitrep to a channel on the job's schedule (optionally only when not healthy)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from application.operations import Operations
from bot.slack.errors import UNREACHABLE, is_permanent, reason
from bot.views.sitrep import sitrep_message
from core.executors.progress import Progress
from core.jobs.spec import DigestJob, JobSpec
from core.runs import ErrorClass, ExecutionResult, RunStatus
from core.sitrep.model import HealthLevel


class DigestExecutor:
    def __init__(self, ops: Operations, client: AsyncWebClient) -> None:
        self._ops = ops
        self._client = client

    async def execute(self, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
        assert isinstance(spec, DigestJob)
        sitrep = await self._ops.sitrep(window=spec.window)
        if spec.only_when_unhealthy and sitrep.health.level is HealthLevel.HEALTHY:
            return ExecutionResult(status=RunStatus.SUCCEEDED, result={"posted": False, "health": "healthy"})
        try:
            posted = await self._client.chat_postMessage(channel=spec.channel, **sitrep_message(sitrep))
        except SlackApiError as error:
            kind = ErrorClass.PERMANENT if is_permanent(error) else ErrorClass.TRANSIENT
            return ExecutionResult.failure(f"Slack refused the digest: {reason(error)}", kind)
        except UNREACHABLE as error:
            return ExecutionResult.failure(f"Slack unreachable: {reason(error)}", ErrorClass.TRANSIENT)
        return ExecutionResult(
            status=RunStatus.SUCCEEDED,
            result={"posted": True, "ts": posted["ts"], "health": sitrep.health.level.value},
        )
