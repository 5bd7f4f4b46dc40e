"""Outgoing webhooks as automation triggers: run failed and recovered, approval requested and decided, job
changed, as signed JSON to every SCHEDOPS_WEBHOOKS endpoint. Each event is recorded in the outbox first
(one row per endpoint), then delivered; a failed delivery is retried with backoff, and what a stopped process
still owed is delivered after the next start. Receivers dedupe on ``delivery_id``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp

from application.services import Services
from core.approvals import Approval
from core.clock import Clock
from core.events import ApprovalDecided, ApprovalRequested, Event, JobChanged, RunFailed, RunRecovered
from core.runs import RunRecord
from core.webhooks.outbox import Delivery, WebhookOutbox
from core.webhooks.signing import signed_headers

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10)


def event_payload(event: Event) -> tuple[str, dict[str, Any]] | None:
    """The event's name and data, or None for events webhooks do not carry."""
    match event:
        case RunFailed(run=run, final=True, cancelled_by=None):  # a cancel is no failure to report
            return "run.failed", _run(run)
        case RunRecovered(run=run, failures=failures):
            return "run.recovered", {**_run(run), "failures_before": failures}
        case ApprovalRequested(approval=approval, door=door):
            return "approval.requested", {**_approval(approval), "door": door}
        case ApprovalDecided(approval=approval, door=door):
            return "approval.decided", {**_approval(approval), "door": door}
        case JobChanged(job_id=job_id, change=change, actor=actor):
            return "job.changed", {"job_id": job_id, "change": change, "actor": actor}
    return None


class WebhookDispatcher:
    def __init__(self, services: Services, *, clock: Clock, sweep_every: float = 5.0) -> None:
        self._services = services
        self._endpoints = {endpoint.url: endpoint for endpoint in services.settings.webhook_endpoints}
        self._outbox = WebhookOutbox(services.db)
        self._clock = clock
        self._sweep_every = sweep_every
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    def subscribe(self) -> None:
        for event_type in (RunFailed, RunRecovered, ApprovalRequested, ApprovalDecided, JobChanged):
            self._services.events.subscribe(event_type, self.record)

    async def record(self, event: Event) -> None:
        """Put ``event`` in the outbox for every endpoint, then wake the sender."""
        payload = event_payload(event)
        if payload is None or not self._endpoints:
            return
        name, data = payload
        now = self._clock()
        for url in self._endpoints:
            body = {"event": name, "at": now.isoformat(), "data": data}
            delivery_id = await self._outbox.add(url, name, json.dumps(body), now=now)
            log.debug("webhook %s queued for %s (delivery %d)", name, url, delivery_id)
        self._wake.set()

    def start(self) -> None:
        """Deliver in the background: at once when an event is recorded, and every ``sweep_every`` seconds."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._http is not None:
            await self._http.close()

    async def deliver_due(self) -> int:
        """Send every delivery that is due now; returns how many were delivered."""
        delivered = 0
        for delivery in await self._outbox.due(now=self._clock()):
            delivered += await self._send(delivery)
        return delivered

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except Exception:  # the database may be away for a moment: the outbox keeps what is owed
                log.exception("webhook delivery sweep failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._sweep_every):
                    await self._wake.wait()
            self._wake.clear()

    async def _send(self, delivery: Delivery) -> bool:
        endpoint = self._endpoints.get(delivery.url)
        now = self._clock()
        if endpoint is None:  # the endpoint left SCHEDOPS_WEBHOOKS: its secret is gone, so is the delivery
            await self._outbox.failed(delivery, "endpoint no longer configured", now=now, permanent=True)
            return False
        body = json.dumps({"delivery_id": delivery.id, **json.loads(delivery.body)}).encode()
        headers = {"Content-Type": "application/json", **signed_headers(endpoint.secret, body, now=now)}
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._http.post(endpoint.url, data=body, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            error_text = f"{type(error).__name__}: {error}"
            retry = await self._outbox.failed(delivery, error_text, now=now, permanent=False)
            log.info("webhook %d to %s failed (%s)%s", delivery.id, delivery.url, error_text, _will(retry))
            return False
        if 200 <= status < 300:
            await self._outbox.delivered(delivery, now=now)
            return True
        # A 4xx (but a timeout or rate limit) will not change on retry: the receiver refuses this delivery.
        permanent = 400 <= status < 500 and status not in {408, 429}
        retry = await self._outbox.failed(delivery, f"HTTP {status}", now=now, permanent=permanent)
        log.info("webhook %d to %s answered %d%s", delivery.id, delivery.url, status, _will(retry))
        return False


def _will(retry: bool) -> str:
    return "; will retry" if retry else "; given up"


def _run(run: RunRecord) -> dict[str, Any]:
    return {
        "job_id": run.job_id,
        "run_id": run.id,
        "status": run.status.value,
        "trigger": run.trigger.value,
        "error_class": None if run.error_class is None else run.error_class.value,
        "error_message": run.error_message,
        "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
    }


def _approval(approval: Approval) -> dict[str, Any]:
    return {
        "approval_id": approval.id,
        "action": approval.action.value,
        "summary": approval.request.describe(),
        "requested_by": approval.requested_by,
        "status": approval.status.value,
        "decided_by": approval.decided_by,
    }
