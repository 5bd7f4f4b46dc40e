"""Leadership through PostgreSQL's advisory lock, on a real server: one leader, a standby that takes over when
it goes, and a leader that stops firing the moment it cannot confirm."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from core.engine.leadership import Leadership, Role, RoleChanged
from core.storage.leader_lock import LeaderLock

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
