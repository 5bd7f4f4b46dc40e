"""The API's sitrep carries the same Workers facts as /sitrep and `schedops sitrep` (one application layer)."""

from __future__ import annotations

from core.clock import utc_now
from core.storage.workers_store import WorkerInfo, WorkerStore
from tests.support.api import Api


async def test_the_sitrep_lists_the_registered_workers(api: Api) -> None:
    _, quiet, _ = await api.call("GET", "/sitrep", as_="viewer")
    assert quiet["workers"] is None  # local execution and no worker: no section
    now = utc_now()
    await WorkerStore(api.ops.services.db).register(WorkerInfo("w1@db-host", "db-host", 7, ("db",), 2, now, now))

    status, sitrep, _ = await api.call("GET", "/sitrep", as_="viewer")

    assert status == 200
    [worker] = sitrep["workers"]["workers"]
    assert {key: worker[key] for key in ("name", "host", "pid", "queues", "concurrency", "online", "running")} == {
        "name": "w1@db-host",
        "host": "db-host",
        "pid": 7,
        "queues": ["db"],
        "concurrency": 2,
        "online": True,
        "running": [],
    }
    assert sitrep["workers"]["waiting"] == []
