"""Leadership through PostgreSQL's advisory lock, on a real server: one leader, a standby that takes over when
it goes, and a leader that stops firing the moment it cannot confirm."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from core.engine.leadership import Leadership, Role, RoleChanged
from core.storage.leader_lock import LeaderLock, LockConnectionError

pytestmark = pytest.mark.postgres


@pytest.fixture
async def url(postgres_url: str) -> AsyncIterator[str]:
    yield postgres_url


def replica(url: str, changes: list[RoleChanged]) -> Leadership:
    return Leadership(LeaderLock(url), on_change=changes.append)


async def test_one_replica_leads_and_a_standby_takes_over_when_it_resigns(url: str) -> None:
    alice_changes: list[RoleChanged] = []
    bob_changes: list[RoleChanged] = []
    alice, bob = replica(url, alice_changes), replica(url, bob_changes)
    try:
        await alice.step()
        await bob.step()
        assert (alice.role, bob.role) == (Role.LEADER, Role.STANDBY)
        assert await alice.holds() and not await bob.holds()

        await alice.resign("shutting down")
        await bob.step()
        assert (alice.role, bob.role) == (Role.STANDBY, Role.LEADER)
        assert [c.role for c in alice_changes] == [Role.LEADER, Role.STANDBY]
        assert alice_changes[-1].reason == "shutting down"
        assert [c.role for c in bob_changes] == [Role.LEADER]
    finally:
        await alice.resign("test over")
        await bob.resign("test over")


async def test_a_leader_whose_session_the_server_ended_stops_at_once_and_the_standby_leads(url: str) -> None:
    changes: list[RoleChanged] = []
    alice, bob = replica(url, changes), replica(url, [])
    try:
        await alice.step()
        assert alice.leading
        await _terminate_lock_sessions(url)  # as the server does for a frozen or vanished client

        alice._confirmed_at = float("-inf")  # the lease has run out: the next fire must confirm first
        assert not await alice.holds()
        assert alice.role is Role.STANDBY
        assert "could not confirm" in changes[-1].reason
        await bob.step()
        assert bob.leading
    finally:
        await alice.resign("test over")
        await bob.resign("test over")


async def test_the_lock_connection_asks_the_server_to_drop_a_silent_client_in_seconds(url: str) -> None:
    lock = LeaderLock(url)
    try:
        assert await lock.try_acquire()
        settings = lock.timings.server_settings()
        assert int(settings["idle_session_timeout"]) <= 5000
        assert int(settings["tcp_user_timeout"]) <= 5000
        assert int(settings["tcp_keepalives_idle"]) * 1 + 3 <= 10
    finally:
        await lock.release()


async def _terminate_lock_sessions(url: str) -> None:
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
    )
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'schedops-leader-lock'"
            " AND datname = current_database()"
        )
    finally:
        await connection.close()


async def test_a_lock_connection_whose_listen_fails_or_is_cancelled_is_closed(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[asyncpg.Connection] = []
    listening = asyncio.Event()

    async def failing_listen(self: asyncpg.Connection, *_: object) -> None:
        opened.append(self)
        raise asyncpg.InterfaceError("LISTEN failed")

    async def hanging_listen(self: asyncpg.Connection, *_: object) -> None:
        opened.append(self)
        listening.set()
        await asyncio.sleep(60)

    monkeypatch.setattr(asyncpg.connection.Connection, "add_listener", failing_listen)
    with pytest.raises(LockConnectionError, match="LISTEN failed"):
        await LeaderLock(url, on_notify=lambda _payload: None).try_acquire()
    monkeypatch.setattr(asyncpg.connection.Connection, "add_listener", hanging_listen)
    attempt = asyncio.create_task(LeaderLock(url, on_notify=lambda _payload: None).try_acquire())
    await listening.wait()
    attempt.cancel()  # a replica stopping while its lock connects
    await asyncio.gather(attempt, return_exceptions=True)

    assert len(opened) == 2 and all(connection.is_closed() for connection in opened)


async def test_a_release_cancelled_part_way_still_closes_the_connection(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = LeaderLock(url)
    assert await lock.try_acquire()
    connection = lock._connection
    assert connection is not None
    unlocking = asyncio.Event()

    async def slow_execute(self: asyncpg.Connection, *_: object, **__: object) -> str:
        unlocking.set()
        await asyncio.sleep(60)
        return ""

    monkeypatch.setattr(asyncpg.connection.Connection, "execute", slow_execute)
    release = asyncio.create_task(lock.release())
    await unlocking.wait()
    release.cancel()
    await asyncio.gather(release, return_exceptions=True)

    assert connection.is_closed()
