"""Replicas on PostgreSQL under a short chaos run: real ``python -m bot run`` processes, the leader killed
with SIGKILL, then the new leader frozen with SIGSTOP and resumed. No fire runs twice, none is lost, and the
resumed frozen leader fires nothing. Takeover times are measured by bench/chaos.py, not asserted here."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cluster import Cluster, audit_fires, fires_started_after, write_jobs
from tests.support.databases import create_test_database, drop_test_database, postgres_reachable
from tests.support.eventually import eventually

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(150)]

INTERVAL = timedelta(seconds=2)


@pytest.fixture
def cluster_database() -> Iterator[str]:
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = create_test_database()
    yield url
    drop_test_database(url)


async def test_killed_and_frozen_leaders_neither_double_nor_lose_a_fire(cluster_database: str, tmp_path: Path) -> None:
    jobs_file = tmp_path / "jobs.yml"
    write_jobs(jobs_file, tmp_path, count=5, interval_s=int(INTERVAL.total_seconds()))
    cluster = Cluster(cluster_database, tmp_path, jobs_file)
    alice, bob = cluster.add("alice"), cluster.add("bob")
    try:
        cluster.start(alice)
        assert await cluster.wait_leader() is alice
        cluster.start(bob)
        await _until(lambda: cluster.role(bob), "standby")
        await asyncio.sleep(3)

        cluster.signal(alice, signal.SIGKILL)
        assert await cluster.wait_leader(timeout=15, other_than=alice) is bob
        cluster.start(alice)
        await _until(lambda: cluster.role(alice), "standby")
        await asyncio.sleep(3)

        cluster.signal(bob, signal.SIGSTOP)
        assert await cluster.wait_leader(timeout=15, other_than=bob) is alice
        await asyncio.sleep(2)
        resumed_at = datetime.now(UTC)
        cluster.signal(bob, signal.SIGCONT)
        await _until(lambda: cluster.role(bob), "standby")
        await asyncio.sleep(3)
        until = datetime.now(UTC) - INTERVAL
    finally:
        cluster.stop_all()

    audit = await audit_fires(cluster_database, tmp_path, INTERVAL, until)
    assert audit.doubled == 0
    assert audit.lost == 0, audit.lost_examples
    assert audit.ran > 0
    assert fires_started_after(bob.log, resumed_at) == []
    assert "no longer leads" in bob.log.read_text() or "now standby" in bob.log.read_text()


async def _until(ask, expected: str) -> None:  # type: ignore[no-untyped-def]
    async def reached() -> bool:
        return bool(await ask() == expected)

    await eventually(reached, within=20, every=0.1)


async def test_a_rolling_restart_loses_no_fire(cluster_database: str, tmp_path: Path) -> None:
    jobs_file = tmp_path / "jobs.yml"
    write_jobs(jobs_file, tmp_path, count=5, interval_s=int(INTERVAL.total_seconds()))
    cluster = Cluster(cluster_database, tmp_path, jobs_file)
    alice, bob = cluster.add("alice"), cluster.add("bob")
    try:
        cluster.start(alice)
        assert await cluster.wait_leader() is alice
        cluster.start(bob)
        await _until(lambda: cluster.role(bob), "standby")
        await asyncio.sleep(2)
        for replica in (alice, bob):  # each in turn, as a deploy would: SIGTERM, wait for exit, start again
            assert replica.process is not None
            replica.process.send_signal(signal.SIGTERM)
            assert replica.process.wait(20) == 0
            cluster.start(replica)
            await _until(lambda r=replica: cluster.role(r), "standby")  # type: ignore[misc]
            await asyncio.sleep(2)
        until = datetime.now(UTC) - INTERVAL
    finally:
        cluster.stop_all()

    audit = await audit_fires(cluster_database, tmp_path, INTERVAL, until)
    assert (audit.doubled, audit.lost) == (0, 0), audit.lost_examples
    assert audit.ran > 0
    assert "this replica is shutting down" in alice.log.read_text()
