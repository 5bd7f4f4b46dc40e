"""A whole schedops (scheduler, database, Slack bot) talking Socket Mode to FakeSlack over real sockets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from application.services import Services
from bot.slack.session import SlackSession
from core.config import Settings, load_settings
from core.jobs.spec import parse_job
from sandbox.fake_slack import ALICE, BOB, CAROL, OPS_CHANNEL, FakeSlack
from tests.support.databases import migrated_sqlite

ADMIN, REQUESTER, APPROVER = ALICE, CAROL, BOB
__all__ = ["ADMIN", "APPROVER", "OPS_CHANNEL", "REQUESTER", "Bot", "start_bot"]


@dataclass
class Bot:
    services: Services
    session: SlackSession
    slack: FakeSlack

    @property
    def engine(self) -> Any:
        return self.services.engine

    async def add_job(self, **fields: Any) -> None:
        data: dict[str, Any] = {"kind": "python", "schedule": {"interval": "1h"}, "kwargs": {}}
        data.update(fields)
        await self.engine.add_job(parse_job(data), actor=None)

    async def command(self, command: str, text: str = "", *, user: str = ADMIN) -> Any:
        """Send a slash command; returns the ack (its payload and latency)."""
        envelope = await self.slack.deliver(self.slack.slash_command(command, text, user_id=user))
        return await envelope.ack()

    async def click(self, action_id: str, value: str, *, user: str, message_ts: str, strict: bool = True) -> Any:
        payload = self.slack.block_action(action_id, value, user_id=user, message_ts=message_ts, strict=strict)
        envelope = await self.slack.deliver(payload)
        return await envelope.ack()

    async def settle(self) -> None:
        """Let background work (replies, runs, events) finish."""
        for _ in range(3):
            await self.session.ctx.drain()
            await self.engine.wait_idle()
            await self.services.events.drain()

    async def stop(self) -> None:
        await self.session.close()
        await self.engine.shutdown(grace=timedelta(seconds=2))
        await self.services.close()


def bot_settings(slack: FakeSlack, workdir: Path, **environ: str) -> Settings:
    """Settings for a schedops whose Slack is ``slack``: alice admin, bob and carol approvers, #ops for alerts."""
    return load_settings(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/schedops.db",
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_API_URL": slack.api_url,
            "SCHEDOPS_ADMINS": ADMIN,
            "SCHEDOPS_APPROVERS": f"{APPROVER},{REQUESTER}",
            "SCHEDOPS_ALERT_CHANNEL": OPS_CHANNEL,
            "PORT": "0",
            **environ,
        },
        env_file=None,
    )


async def start_bot(slack: FakeSlack, workdir: Path, *, sweep_every: float = 60, **environ: str) -> Bot:
    # A restart on the same workdir keeps its database; a first start gets a copy of the migrated template.
    database = workdir / "schedops.db"
    if not database.exists():
        migrated_sqlite(database)
    settings = bot_settings(slack, workdir, **environ)
    services = Services.build(settings)
    await services.db.migrate()  # as the process does at start-up; on the migrated copy, a check
    session = await SlackSession.attach(
        services, ping_interval=0.5, expiry_sweep_every=sweep_every, home_refresh_seconds=0.1
    )
    await services.engine.start()
    session.start()
    await slack.wait_connected()
    return Bot(services, session, slack)
