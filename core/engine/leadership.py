"""Who fires schedules: exactly one replica, the holder of PostgreSQL's advisory lock (core.storage.leader_lock).

A standby tries for the lock every ``try_every`` seconds. The leader confirms it every ``confirm_every``
seconds, and a fire goes ahead only while the last confirmation is younger than ``lease`` (else the fire
confirms first): a leader that is frozen or cut off stops firing the moment it cannot confirm, and the
server has ended its session (freeing the lock for a standby) by then. Each change of role is reported with
its reason to ``on_change``, in order, and logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core.storage.leader_lock import LockConnectionError

log = logging.getLogger(__name__)


class Role(StrEnum):
    LEADER = "leader"
    STANDBY = "standby"


@dataclass(frozen=True, slots=True)
class RoleChanged:
    role: Role
    reason: str


class Lock(Protocol):
    async def try_acquire(self) -> bool: ...

    async def confirm(self) -> bool: ...

    async def release(self) -> None: ...

    def drop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LeadershipTimings:
    try_every: float = 0.5
    confirm_every: float = 0.5
    lease: float = 2.0


class Leadership:
    """The role of this replica, kept by ``run()`` (a task for the life of the process)."""

    def __init__(
        self,
        lock: Lock,
        *,
        timings: LeadershipTimings | None = None,
        on_change: Callable[[RoleChanged], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = lock
        self.timings = timings or LeadershipTimings()
        self._on_change = on_change
        self._monotonic = monotonic
        self.role = Role.STANDBY
        self.changes = 0
        self._confirmed_at = float("-inf")
        self._confirming: asyncio.Lock = asyncio.Lock()
        self._problem_logged = False

    @property
    def leading(self) -> bool:
        return self.role is Role.LEADER

    async def run(self) -> None:
        while True:
            await self.step()
            delay = self.timings.confirm_every if self.leading else self.timings.try_every
            await asyncio.sleep(delay)

    async def step(self) -> None:
        """One try for the lock (standby) or one confirmation (leader)."""
        if self.leading:
            await self._confirm()
        else:
            await self._try()

    async def holds(self) -> bool:
        """Whether this replica may fire now: it leads and has confirmed within the lease (or confirms now)."""
        if not self.leading:
            return False
        if self._monotonic() - self._confirmed_at < self.timings.lease:
            return True
        return await self._confirm()

    async def resign(self, reason: str) -> None:
        """Give the lock up (shutting down): a standby takes over at its next try."""
        was_leading = self.leading
        self.role = Role.STANDBY
        await self._lock.release()
        if was_leading:
            self._changed(Role.STANDBY, reason)

    async def _try(self) -> None:
        try:
            got = await self._lock.try_acquire()
        except LockConnectionError as error:
            self._log_problem_once(f"cannot reach PostgreSQL to try for leadership ({error}); trying again")
            return
        self._problem_logged = False
        if got:
            self._confirmed_at = self._monotonic()
            self.role = Role.LEADER
            self._changed(Role.LEADER, "took the leader lock (no other replica held it)")

    async def _confirm(self) -> bool:
        async with self._confirming:
            if not self.leading:
                return False
            started = self._monotonic()
            if started - self._confirmed_at < self.timings.lease / 4:
                return True  # confirmed a moment ago by a concurrent caller
            try:
                held = await self._lock.confirm()
                reason = "the server says this session no longer holds the leader lock"
            except LockConnectionError as error:
                held, reason = False, f"could not confirm the leader lock: {error}"
            if held and self._monotonic() - started < self.timings.lease:
                self._confirmed_at = started
                return True
            if held:
                reason = f"confirming the leader lock took longer than the {self.timings.lease:g}s lease"
            self.role = Role.STANDBY
            self._lock.drop()  # the session goes, and with it any lock it still had
            self._changed(Role.STANDBY, reason)
            return False

    def _changed(self, role: Role, reason: str) -> None:
        self.changes += 1
        level = logging.WARNING if role is Role.STANDBY else logging.INFO
        log.log(level, "leadership: this replica is now %s: %s", role.value, reason)
        if self._on_change is not None:
            self._on_change(RoleChanged(role, reason))

    def _log_problem_once(self, message: str) -> None:
        if not self._problem_logged:
            log.warning(message)
            self._problem_logged = True


class SoleLeadership:
    """SQLite: one process (held by its file lock, core.storage.instance_lock) is always the leader."""

    role = Role.LEADER
    leading = True
    changes = 0

    async def holds(self) -> bool:
        return True
