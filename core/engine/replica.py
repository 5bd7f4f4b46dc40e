"""One schedops process among replicas on one database: it follows leadership (core.engine.leadership) and
does what its role asks.

- Leader: takes over as start-up does (runs left running are marked interrupted, or followed when they are
  on workers; fire times missed in the gap run once within grace or are recorded missed; owed retries run),
  fires schedules, carries out run requests from standbys, pings ``heartbeat_url`` every minute.
- Standby: answers job control; a run asked for here is forwarded to the leader (core.engine.forwarding).
- Both: follow job changes made elsewhere (NOTIFY, and a poll every second), and keep a row in ``replicas``
  with a heartbeat, for the sitrep.

On SQLite there is one process (its file lock), which leads from start to stop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core.engine.engine import Engine
from core.engine.forwarding import Forwarder, serve_run_requests
from core.engine.leadership import Leadership, LeadershipTimings, Role, RoleChanged, SoleLeadership
from core.engine.replica_watch import JobWatch
from core.engine.takeover import rewind_unrecorded_fires
from core.events import JobChanged
from core.storage.database import database_error_name, database_unavailable
from core.storage.leader_lock import LeaderLock, LockTimings
from core.storage.notify import notify
from core.storage.replicas_store import ReplicaInfo, ReplicaStore
from core.storage.run_requests_store import RunRequestStore

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReplicaTimings:
    beat_every: float = 2.0
    poll_every: float = 1.0
    heartbeat_url_every: float = 60.0
    # A replica is listed while its last heartbeat is this recent.
    alive_within: timedelta = timedelta(seconds=10)


class Replica:
    def __init__(
        self,
        engine: Engine,
        *,
        heartbeat_url: str | None = None,
        timings: ReplicaTimings | None = None,
        lock_timings: LockTimings | None = None,
        leadership_timings: LeadershipTimings | None = None,
    ) -> None:
        self.engine = engine
        self.id = str(uuid.uuid4())
        self.host = socket.gethostname()
        self.timings = timings or ReplicaTimings()
        self.heartbeat_url = heartbeat_url
        self.store = ReplicaStore(engine.db)
        self.on_role_change: list[Callable[[Role], None]] = []
        self._watch = JobWatch(engine)
        self._requests = RunRequestStore(engine.db)
        self._wake = asyncio.Event()
        self._changes: asyncio.Queue[RoleChanged] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self.leadership: Leadership | SoleLeadership
        if engine.db.dialect == "postgresql":
            lock = LeaderLock(engine.db.url, timings=lock_timings, on_notify=self._notified)
            self.leadership = Leadership(lock, timings=leadership_timings, on_change=self._changes.put_nowait)
            engine.fence = self.leadership.holds
            engine.forward = Forwarder(engine.db, engine.clock)
        else:
            self.leadership = SoleLeadership()
        self.role_since = engine.clock()

    @property
    def role(self) -> Role:
        return self.leadership.role

    @property
    def leading(self) -> bool:
        return self.leadership.leading

    async def start(self) -> None:
        now = self.engine.clock()
        info = ReplicaInfo(self.id, self.host, os.getpid(), self.role.value, now, now, now)
        await self.store.register(info)
        self.engine.events.subscribe(JobChanged, self._tell_others)
        if isinstance(self.leadership, SoleLeadership):
            await self.engine.start()
        else:
            await self._watch.snapshot()
            self._spawn(self.leadership.run())
            self._spawn(self._follow())
            self._spawn(self._watch_jobs())
        self._spawn(self._beat())
        if self.heartbeat_url:
            self._spawn(self._ping_heartbeat_url())
        log.info("replica %s on %s started as %s", self.id[:8], self.host, self.role.value)

    async def close(self, grace: timedelta) -> None:
        """Stop: let runs finish (up to ``grace``), then give up leadership so a standby takes over at once."""
        self._closing = True
        await self.engine.shutdown(grace=grace)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if isinstance(self.leadership, Leadership):
            await self.leadership.resign("this replica is shutting down")
        with suppress(Exception):
            await self.store.leave(self.id)

    # -- role changes -------------------------------------------------------------------------------------

    async def _follow(self) -> None:
        while True:
            change = await self._changes.get()
            self.role_since = self.engine.clock()
            for callback in self.on_role_change:
                callback(change.role)
            try:
                if change.role is Role.LEADER:
                    await self._take_over()
                else:
                    await self.engine.stand_down()
                    await self._watch.sync(follow_next_fire=True)
            except Exception as error:
                if database_unavailable(error):  # an outage: its type says it all, a traceback would not
                    why = database_error_name(error)
                    log.warning("changing role to %s failed (%s); giving leadership up", change.role.value, why)
                else:
                    log.exception("changing role to %s failed; giving leadership up", change.role.value)
                assert isinstance(self.leadership, Leadership)
                await self.leadership.resign("taking over failed")
                await self.engine.stand_down()
            await self._beat_once()

    async def _take_over(self) -> None:
        if self._closing:
            assert isinstance(self.leadership, Leadership)
            await self.leadership.resign("elected while shutting down")
            return
        now = self.engine.clock()
        moved = await rewind_unrecorded_fires(
            self.engine.jobs, self.engine.runs, default_timezone=self.engine.default_timezone, now=now
        )
        await self.engine.start()
        await self._watch.snapshot()
        self._wake.set()  # run requests that waited for a leader
        log.info("replica %s took over as leader (%d job(s) had an unrecorded fire)", self.id[:8], moved)

    # -- following the others -----------------------------------------------------------------------------

    def _notified(self, payload: str) -> None:
        self._wake.set()

    async def _tell_others(self, event: JobChanged) -> None:
        await notify(self.engine.db, f"job:{event.job_id}")

    async def _watch_jobs(self) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.timings.poll_every)
            self._wake.clear()
            try:
                await self._watch.sync(follow_next_fire=not self.engine.running)
                if self.engine.running:
                    await serve_run_requests(self._requests, self.engine, self.engine.clock)
            except Exception as error:
                log.warning("could not follow changes from other replicas (%s); will try again", type(error).__name__)

    # -- being seen ---------------------------------------------------------------------------------------

    async def _beat(self) -> None:
        while True:
            await self._beat_once()
            await asyncio.sleep(self.timings.beat_every)

    async def _beat_once(self) -> None:
        try:
            now = self.engine.clock()
            await self.store.beat(self.id, role=self.role.value, role_since=self.role_since, now=now)
        except Exception as error:
            log.warning("could not record this replica's heartbeat (%s)", type(error).__name__)

    async def _ping_heartbeat_url(self) -> None:
        assert self.heartbeat_url is not None
        import aiohttp  # only with a heartbeat URL: a CLI command builds replicas that never ping

        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                if self.engine.running:
                    await _ping(session, self.heartbeat_url)
                await asyncio.sleep(self.timings.heartbeat_url_every)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(coroutine))


async def _ping(session: aiohttp.ClientSession, url: str) -> None:
    import aiohttp

    try:
        async with session.get(url) as response:
            if response.status >= 400:
                log.warning("the heartbeat URL answered HTTP %d", response.status)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not ping the heartbeat URL (%s)", type(error).__name__)
