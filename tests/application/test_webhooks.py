"""Outgoing webhooks: signed like Slack's requests, recorded before sending, redelivered until accepted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from application.services import Services
from application.webhooks import WebhookDispatcher
from core.config import load_settings
from core.events import JobChanged
from core.webhooks.outbox import MAX_ATTEMPTS
from core.webhooks.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadWebhookSignature,
    StaleWebhook,
    sign,
    signed_headers,
    verify,
)

SECRET = "a-webhook-secret-of-32-characters"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_signature_verifies_for_the_same_body_and_time() -> None:
    headers = signed_headers(SECRET, b'{"event":"x"}', now=NOW)
    verify(SECRET, b'{"event":"x"}', timestamp=headers[TIMESTAMP_HEADER], signature=headers[SIGNATURE_HEADER], now=NOW)


@pytest.mark.parametrize(
    ("body", "secret"), [(b'{"event":"y"}', SECRET), (b'{"event":"x"}', "another-secret-of-enough-length")]
)
def test_a_tampered_body_or_another_secret_is_refused(body: bytes, secret: str) -> None:
    headers = signed_headers(SECRET, b'{"event":"x"}', now=NOW)
    with pytest.raises(BadWebhookSignature):
        verify(secret, body, timestamp=headers[TIMESTAMP_HEADER], signature=headers[SIGNATURE_HEADER], now=NOW)


def test_a_replayed_delivery_is_refused_after_five_minutes() -> None:
    headers = signed_headers(SECRET, b"{}", now=NOW)
    later = NOW + timedelta(minutes=5, seconds=1)
    with pytest.raises(StaleWebhook):
        verify(SECRET, b"{}", timestamp=headers[TIMESTAMP_HEADER], signature=headers[SIGNATURE_HEADER], now=later)


def test_the_signature_is_hmac_sha256_over_version_timestamp_and_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"v1:1796115600:{}", hashlib.sha256).hexdigest()
    assert sign(SECRET, 1796115600, b"{}") == f"v1={expected}"


class Receiver:
    """A local endpoint that answers the statuses it is given, in turn, and keeps what it received."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    endpoint = Receiver([])
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield endpoint, f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    await runner.cleanup()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def _dispatcher(tmp_path: Path, url: str, clock: Clock) -> tuple[WebhookDispatcher, Services]:
    settings = load_settings(
        {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db", "SCHEDOPS_WEBHOOKS": f"{url}#{SECRET}"},
        env_file=None,
    )
    services = Services.build(settings)
    await services.db.migrate()
    return WebhookDispatcher(services, clock=clock), services  # delivered by hand: deliver_due()


async def test_a_delivery_is_signed_and_redelivered_until_accepted(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    endpoint.statuses = [500, 503]
    clock = Clock()
    dispatcher, services = await _dispatcher(tmp_path, url, clock)
    try:
        await dispatcher.record(JobChanged("backup", "paused", "U0ALICE"))
        assert await dispatcher.deliver_due() == 0  # 500
        assert await dispatcher.deliver_due() == 0  # not due again before its backoff
        clock.now += timedelta(seconds=30)
        assert await dispatcher.deliver_due() == 0  # 503
        clock.now += timedelta(minutes=1)
        assert await dispatcher.deliver_due() == 1
        delivered_at = clock.now
        clock.now += timedelta(hours=2)
        assert await dispatcher.deliver_due() == 0  # delivered once, never again
    finally:
        await dispatcher.close()
        await services.close()

    assert len(endpoint.received) == 3
    bodies = [json.loads(body) for _, body in endpoint.received]
    assert {body["delivery_id"] for body in bodies} == {bodies[0]["delivery_id"]}  # receivers can dedupe
    assert bodies[0]["event"] == "job.changed" and bodies[0]["data"]["change"] == "paused"
    headers, body = endpoint.received[-1]
    verify(SECRET, body, timestamp=headers[TIMESTAMP_HEADER], signature=headers[SIGNATURE_HEADER], now=delivered_at)
    assert SECRET not in json.dumps([str(h) for h, _ in endpoint.received])


async def test_a_refusing_receiver_is_given_up_on_and_an_unreachable_one_after_max_attempts(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    endpoint.statuses = [400]
    clock = Clock()
    dispatcher, services = await _dispatcher(tmp_path, url, clock)
    try:
        await dispatcher.record(JobChanged("backup", "paused", None))
        await dispatcher.deliver_due()
        clock.now += timedelta(days=1)
        await dispatcher.deliver_due()
        assert len(endpoint.received) == 1  # 400: permanent, not retried
    finally:
        await dispatcher.close()
        await services.close()
    assert MAX_ATTEMPTS > 1
