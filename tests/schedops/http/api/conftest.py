from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from application.operations import Operations
from application.services import Services
from core.config import load_settings
from sandbox.fake_slack import ALICE, BOB, CAROL
from tests.support.api import Api, start_api

ADMIN, APPROVER, REQUESTER = ALICE, BOB, CAROL


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/schedops.db",
            "SCHEDOPS_ADMINS": ADMIN,
            "SCHEDOPS_APPROVERS": f"{APPROVER},{REQUESTER}",
            "PORT": "0",
        },
        env_file=None,
    )
    built = Services.build(settings)
    await built.db.migrate()
    await built.engine.start()
    yield built
    await built.engine.shutdown(grace=timedelta(seconds=2))
    await built.events.drain()
    await built.close()


@pytest.fixture
async def api(services: Services) -> AsyncIterator[Api]:
    running = await start_api(await Operations.create(services, fixit_backoff=timedelta(0)), write_burst=1000)
    await running.token("viewer", "viewer")
    await running.token("operator", "operator", acting_as=REQUESTER)
    await running.token("admin", "admin")
    await running.token("approver", "operator", acting_as=APPROVER)
    yield running
    await running.close()


def nap_job(job_id: str = "nap", **fields: object) -> dict[str, object]:
    return {
        "id": job_id,
        "kind": "python",
        "target": "tests.support.tasks:nap",
        "kwargs": {"seconds": 0},
        "schedule": {"interval": "1h"},
        **fields,
    }
