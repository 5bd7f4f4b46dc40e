"""The handler tier: Slack workflows called directly, over a real SQLite file, the real application layer and
a real Slack client talking to FakeSlack over loopback (its fault injection stands in for Slack's errors)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from application.operations import Operations
from application.services import Services
from bot.slack.client import make_web_client
from core.config import Settings
from core.jobs.spec import parse_job
from sandbox.fake_slack import FakeSlack
from tests.e2e.harness import ADMIN, APPROVER, REQUESTER, bot_settings
from tests.support.databases import migrated_sqlite

__all__ = ["ADMIN", "APPROVER", "REQUESTER", "Said", "World"]


@dataclass
class Said:
    """A ``respond`` that remembers what it was asked to say."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, **message: Any) -> None:
        self.messages.append(message)

    @property
    def text(self) -> str:
        return "\n".join(str(message) for message in self.messages)


@dataclass
class World:
    slack: FakeSlack
    client: AsyncWebClient
    services: Services
    ops: Operations

    @property
    def settings(self) -> Settings:
        return self.services.settings

    async def add_job(self, job_id: str = "backup", **fields: Any) -> None:
        data: dict[str, Any] = {
            "id": job_id,
            "kind": "http",
            "url": "http://127.0.0.1:9/",
            "schedule": {"interval": "1h"},
        }
        data.update(fields)
        await self.services.engine.add_job(parse_job(data), actor=None)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeSlack() as slack:
        migrated_sqlite(tmp_path / "schedops.db")
        settings = bot_settings(slack, tmp_path)
        services = Services.build(settings)
        await services.db.migrate()
        try:
            yield World(slack, make_web_client(settings), services, await Operations.create(services))
        finally:
            await services.engine.shutdown(grace=timedelta(seconds=1))
            await services.close()
