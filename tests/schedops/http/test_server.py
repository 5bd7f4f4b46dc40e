"""The health server over real sockets, in front of a real engine on a real database."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from application.metrics import Metrics
from core.engine import Engine
from core.jobs.spec import parse_job
from core.storage.database import Database
from schedops.http.server import HealthServer, HealthServerError
from tests.schedops.http.conftest import ServerFactory, url

UNREACHABLE_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:1/x"


async def get(client: aiohttp.ClientSession, server: HealthServer, path: str) -> tuple[int, Any]:
    async with client.get(url(server, path)) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


def codes(body: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in body["reasons"]]


@pytest.fixture
async def unreachable_db() -> AsyncIterator[Database]:
    database = Database(UNREACHABLE_POSTGRES)
    yield database
    await database.close()


@pytest.fixture
async def silent_db() -> AsyncIterator[Database]:
    """A PostgreSQL URL whose server accepts connections and never says a word."""
    accepted: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")
    yield database
    await database.close()
    for writer in accepted:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_healthz_answers_ok(serve: ServerFactory, client: aiohttp.ClientSession) -> None:
    server = await serve()
    assert await get(client, server, "/healthz") == (200, {"status": "ok"})


async def test_readyz_is_healthy_when_everything_works(serve: ServerFactory, client: aiohttp.ClientSession) -> None:
    server = await serve()
    assert await get(client, server, "/readyz") == (200, {"status": "healthy", "role": "leader", "reasons": []})


async def test_readyz_is_unhealthy_once_the_engine_shuts_down(
    serve: ServerFactory, client: aiohttp.ClientSession, engine: Engine
) -> None:
    server = await serve()
    await engine.shutdown()
    status, body = await get(client, server, "/readyz")
    assert status == 503 and body["status"] == "unhealthy" and codes(body) == ["scheduler_stopped"]
    assert await get(client, server, "/healthz") == (200, {"status": "ok"})


async def test_readyz_follows_the_slack_connection_when_slack_is_configured(
    serve: ServerFactory, client: aiohttp.ClientSession
) -> None:
    connected = [False]
    server = await serve(slack_connected=lambda: connected[0])
    status, body = await get(client, server, "/readyz")
    assert status == 503 and codes(body) == ["slack_disconnected"]
    assert "Slack" in body["reasons"][0]["text"]
    connected[0] = True
    assert (await get(client, server, "/readyz"))[0] == 200


async def test_readyz_answers_quickly_when_the_database_refuses(
    serve: ServerFactory, client: aiohttp.ClientSession, unreachable_db: Database
) -> None:
    server = await serve(db=unreachable_db)
    started = time.monotonic()
    status, body = await get(client, server, "/readyz")
    assert time.monotonic() - started < 2.5
    assert status == 503 and codes(body) == ["database_unreachable"]
    assert body["reasons"][0]["text"].startswith("The database cannot be reached")


async def test_readyz_gives_up_on_a_database_that_never_answers(
    serve: ServerFactory, client: aiohttp.ClientSession, silent_db: Database
) -> None:
    server = await serve(db=silent_db, ping_timeout=0.3)
    started = time.monotonic()
    status, body = await get(client, server, "/readyz")
    assert time.monotonic() - started < 2
    assert status == 503 and body["reasons"] == [
        {"code": "database_unreachable", "text": "The database cannot be reached: no answer within 0.3s."}
    ]


async def test_metrics_count_a_real_run(
    serve: ServerFactory, client: aiohttp.ClientSession, engine: Engine, metrics: Metrics
) -> None:
    server = await serve()
    for job_id, target in [("nap", "tests.support.tasks:nap"), ("boom", "tests.support.tasks:boom")]:
        spec = {"id": job_id, "kind": "python", "target": target, "schedule": {"interval": "1h"}}
        if job_id == "nap":
            spec["kwargs"] = {"seconds": 0}
        await engine.add_job(parse_job(spec), actor="alice")
        await (await engine.run_now(job_id, actor="alice")).wait()
    await engine.events.drain()

    async with client.get(url(server, "/metrics")) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == metrics.content_type
        text = await response.text()
    assert 'schedops_runs_total{job="nap",status="succeeded"} 1.0' in text
    assert 'schedops_runs_total{job="boom",status="failed"} 1.0' in text
    assert 'schedops_run_duration_seconds_count{job="nap"} 1.0' in text
    assert "schedops_scheduler_running 1.0" in text
    assert "schedops_slack_connected 0.0" in text
    # Manual runs are not late for anything: no scheduler lag was observed.
    assert "schedops_scheduler_lag_seconds_count 0.0" in text


async def test_a_taken_port_is_named_in_the_error(engine: Engine, metrics: Metrics) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = HealthServer(port, "127.0.0.1", db=engine.db, engine=engine, metrics=metrics)
        with pytest.raises(HealthServerError, match=f"127.0.0.1:{port}: the port is already in use") as raised:
            await server.start()
    assert raised.value.port == port
    await server.stop()


async def test_it_stops_listening_when_stopped(serve: ServerFactory, client: aiohttp.ClientSession) -> None:
    server = await serve()
    await server.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(client, server, "/healthz")
