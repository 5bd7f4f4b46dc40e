from __future__ import annotations

import asyncio
import functools
import logging

import pytest

from core.config import Settings
from core.secrets import SIGNING_SECRET, signing_secret, stored_secret
from core.storage.database import Database
from tests.support.clock import ManualClock


async def test_it_generates_a_signing_secret_once_and_keeps_it_across_restarts(
    db: Database, clock: ManualClock
) -> None:
    first = await signing_secret(db, Settings(), now=clock())
    restarted = Database(db.url)
    try:
        again = await signing_secret(restarted, Settings(), now=clock())
    finally:
        await restarted.close()

    assert first == again
    assert len(first) >= 43  # 32 random bytes, URL-safe


async def test_two_processes_starting_at_once_end_with_the_same_secret(db: Database, clock: ManualClock) -> None:
    processes = [db, *(Database(db.url) for _ in range(3))]
    try:
        for attempt in range(5):
            name = f"race-{attempt}"
            secrets = await asyncio.gather(
                *(
                    stored_secret(process, name, now=clock(), generate=functools.partial(str, f"{name}-by-{index}"))
                    for index, process in enumerate(processes)
                )
            )
            assert len(set(secrets)) == 1
            assert secrets[0].startswith(f"{name}-by-")
    finally:
        await asyncio.gather(*(process.close() for process in processes[1:]))


async def test_a_configured_secret_wins_and_nothing_is_stored(db: Database, clock: ManualClock) -> None:
    settings = Settings.model_validate({"SCHEDOPS_SIGNING_SECRET": "configured-secret-of-at-least-32-bytes"})

    assert await signing_secret(db, settings, now=clock()) == "configured-secret-of-at-least-32-bytes"

    generated = await stored_secret(db, SIGNING_SECRET, now=clock(), generate=lambda: "generated-now")
    assert generated == "generated-now"


async def test_the_stored_secret_never_reaches_a_log_line(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # SQL parameters and result rows, as echo would

    secret = await stored_secret(db, "leak-check", now=clock(), generate=lambda: "do-not-print-me-1234")
    await stored_secret(db, "leak-check", now=clock())

    assert secret == "do-not-print-me-1234"
    assert "app_secrets" in caplog.text  # the statements were logged...
    assert "do-not-print-me-1234" not in caplog.text  # ...without the secret
