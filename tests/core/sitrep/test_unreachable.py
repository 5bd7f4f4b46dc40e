"""With the database down, build_sitrep still answers: unhealthy, saying why, never raising."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.sitrep import HealthLevel, ReasonCode, build_sitrep, render_sitrep
from core.storage.database import Database
from tests.support.clock import ManualClock


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


@pytest.fixture(
    params=[
        pytest.param("postgres", id="postgres-closed-port"),
        pytest.param("sqlite", id="sqlite-directory"),
    ]
)
async def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "postgres":
        url = f"postgresql+asyncpg://schedops:secret-password@127.0.0.1:{closed_port()}/schedops"
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}"  # a directory: the file cannot be opened
    before = set(threading.enumerate())
    database = Database(url)
    yield database
    await database.close()
    # aiosqlite stops the worker thread of a failed connect without waiting for it; let it finish while the
    # event loop is still open, or it reports "Event loop is closed" from its thread.
    for thread in set(threading.enumerate()) - before:
        await asyncio.to_thread(thread.join, 5)


async def test_it_is_unhealthy_when_the_database_cannot_be_reached(unreachable: Database, clock: ManualClock) -> None:
    report = await build_sitrep(unreachable, now=clock.now, scheduler_running=True, default_timezone="UTC")

    assert report.health.level is HealthLevel.UNHEALTHY
    [reason] = report.health.reasons
    assert reason.code is ReasonCode.DATABASE_UNREACHABLE
    assert reason.text.startswith("The database cannot be reached: ")
    assert report.database_error is not None
    assert (report.jobs, report.runs, report.on_time, report.failing_jobs) == (None, None, None, [])
    assert "secret-password" not in report.model_dump_json()
    assert "Database   unreachable: " in render_sitrep(report)


async def test_a_stopped_scheduler_is_reported_too(unreachable: Database, clock: ManualClock) -> None:
    report = await build_sitrep(unreachable, now=clock.now, scheduler_running=False, default_timezone="UTC")

    assert [reason.code for reason in report.health.reasons] == [
        ReasonCode.SCHEDULER_STOPPED,
        ReasonCode.DATABASE_UNREACHABLE,
    ]


async def test_a_database_that_never_answers_counts_as_unreachable_after_the_timeout(clock: ManualClock) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts the connection, never says a word
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    database = Database(f"postgresql+asyncpg://schedops@127.0.0.1:{port}/schedops")
    try:
        report = await build_sitrep(
            database,
            now=clock.now,
            scheduler_running=True,
            default_timezone="UTC",
            database_timeout=timedelta(milliseconds=200),
        )
    finally:
        await database.close()
        server.close()
        await server.wait_closed()

    assert report.database_error == "no answer within 0.2s"
    assert report.health.level is HealthLevel.UNHEALTHY


async def test_a_naive_now_is_refused(db: Database, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="aware"):
        await build_sitrep(db, now=clock.now.replace(tzinfo=None), scheduler_running=True, default_timezone="UTC")
