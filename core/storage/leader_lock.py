"""The leader's lock: PostgreSQL's session advisory lock (the one schedops has always taken, same key), held
on a connection of its own with settings that make the server free a dead or frozen holder's lock in seconds.

- ``tcp_keepalives_*``: the server probes an idle client and drops it after a few unanswered probes, instead
  of the operating system's default of two hours; ``tcp_user_timeout`` does the same for unacknowledged data.
- ``idle_session_timeout``: a process that is alive but frozen (SIGSTOP, a stalled event loop) still answers
  keepalives from its kernel; it no longer confirms, so the server ends its session, which frees the lock.
  The holder confirms well within this (see core.engine.leadership), so a healthy leader never meets it.

Notifications (LISTEN) arrive on the same connection: one connection per replica for both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from core.storage.instance_lock import ADVISORY_KEY

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "schedops"


@dataclass(frozen=True, slots=True)
class LockTimings:
    """Seconds. ``idle_session`` must stay well above how often the leader confirms."""

    connect_timeout: float = 3.0
    query_timeout: float = 1.0
    idle_session: float = 4.0
    keepalive_idle: int = 2
    keepalive_interval: int = 1
    keepalive_count: int = 3
    user_timeout: float = 4.0

    def server_settings(self) -> dict[str, str]:
        return {
            "application_name": "schedops-leader-lock",
            "idle_session_timeout": str(int(self.idle_session * 1000)),
            "tcp_keepalives_idle": str(self.keepalive_idle),
            "tcp_keepalives_interval": str(self.keepalive_interval),
            "tcp_keepalives_count": str(self.keepalive_count),
            "tcp_user_timeout": str(int(self.user_timeout * 1000)),
            "statement_timeout": str(int(self.query_timeout * 1000)),
        }


class LockConnectionError(RuntimeError):
    """The lock's connection failed or did not answer in time (the lock must be taken as lost)."""


class LeaderLock:
    """``try_acquire()`` and ``confirm()`` on one connection, reconnecting after a failure; ``on_notify``
    receives each payload sent on the ``schedops`` channel."""

    def __init__(
        self, url: str, *, timings: LockTimings | None = None, on_notify: Callable[[str], None] | None = None
    ) -> None:
        self._url = make_url(url)
        self.timings = timings or LockTimings()
        self._on_notify = on_notify
        self._connection: asyncpg.Connection | None = None

    async def try_acquire(self) -> bool:
        """Take the lock if it is free (never waits for it). Raises LockConnectionError."""
        return bool(await self._query("SELECT pg_try_advisory_lock($1)"))

    async def confirm(self) -> bool:
        """Whether this session still holds the lock: asked of the server, so an answer proves the session
        is alive now. Raises LockConnectionError when the server does not answer in time, or when the
        session is gone (never confirmed on a new session, which could not hold the lock)."""
        if self._connection is None or self._connection.is_closed():
            self.drop()
            raise LockConnectionError("the lock's connection was closed (the server ended the session)")
        return bool(
            await self._query(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1)"
            )
        )

    async def release(self) -> None:
        """Unlock (best effort) and close: a standby takes over at its next try instead of at a timeout."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            with suppress(Exception):
                async with asyncio.timeout(self.timings.query_timeout):
                    await connection.execute("SELECT pg_advisory_unlock_all()")
                    await connection.close()
        finally:  # also when the stop is cancelled part-way: the connection never outlives the release
            connection.terminate()

    def drop(self) -> None:
        """Forget the connection at once, without a round trip (the server ends the session and frees the lock)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()

    async def _query(self, sql: str) -> Any:
        try:
            connection = await self._connect()
            return await connection.fetchval(sql, ADVISORY_KEY, timeout=self.timings.query_timeout)
        except Exception as error:  # whatever went wrong, the lock cannot be vouched for (asyncpg has
            # errors outside its PostgresError/InterfaceError trees, e.g. InternalClientError on a cut session)
            self.drop()
            raise LockConnectionError(f"{type(error).__name__}: {_first_line(error)}") from None

    async def _connect(self) -> asyncpg.Connection:
        if self._connection is not None and not self._connection.is_closed():
            return self._connection
        import asyncpg  # PostgreSQL only: a SQLite schedops (and every CLI command) never loads it

        url = self._url
        connection = await asyncpg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
            timeout=self.timings.connect_timeout,
            server_settings=self.timings.server_settings(),
        )
        try:
            if self._on_notify is not None:
                on_notify = self._on_notify
                await connection.add_listener(CHANNEL, lambda _c, _pid, _channel, payload: on_notify(payload))
        except BaseException:  # LISTEN failed, or the try was cancelled: nobody else holds this connection
            connection.terminate()
            raise
        self._connection = connection
        return connection


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [""])[0][:200]
