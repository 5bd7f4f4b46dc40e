from __future__ import annotations

import pytest

from core.storage.database import Database
from core.storage.instance_lock import InstanceLock, InstanceLockedError


async def test_only_one_scheduler_holds_a_database_at_a_time(db: Database) -> None:
    other = Database(db.url)
    first, second = InstanceLock(db), InstanceLock(other)
    try:
        await first.acquire()
        with pytest.raises(InstanceLockedError, match="another schedops"):
            await second.acquire()

        await first.release()
        await second.acquire()
    finally:
        await first.release()
        await second.release()
        await other.close()
