"""The running sandbox: FakeSlack with the page mounted, on 127.0.0.1, and the settings that point schedops at it.

It listens on its own port, on loopback only, rather than on the health server: anyone who can reach the page
can act as an admin, so it must never be exposed the way a health port is (0.0.0.0 in a container), and its
long-lived connections (the bot's Socket Mode, the page's event stream) stay out of the health server's limits.
"""

from __future__ import annotations

import errno
import time
from types import TracebackType

from aiohttp import web
from pydantic import SecretStr

from core.config import Settings
from sandbox.commands import load_commands
from sandbox.fake_slack import OPS_CHANNEL, FakeSlack
from sandbox.page import SandboxPage
from sandbox.people import ADMINS, ALERT_CHANNEL, APPROVERS

BOT_TOKEN, APP_TOKEN = "xoxb-sandbox", "xapp-sandbox"


class SandboxError(RuntimeError):
    """The sandbox could not listen (its port is taken)."""

    def __init__(self, port: int, error: OSError) -> None:
        why = "the port is already in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
        super().__init__(
            f"sandbox cannot listen on 127.0.0.1:{port}: {why} "
            "(set SCHEDOPS_SANDBOX_PORT to a free port, 0 for any, or SCHEDOPS_SANDBOX=off)"
        )


class Sandbox:
    """`async with Sandbox(port) as sandbox:` then `sandbox.settings_for(settings)` and `sandbox.address`."""

    def __init__(self, port: int = 0, *, alert_channel: str | None = None) -> None:
        self.port = port
        self.alert_channel = alert_channel or ALERT_CHANNEL
        # Message timestamps from the real clock, so the page shows when things were said.
        self.fake = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, port=port, clock=time.time, mount=self._mount)

    def _mount(self, app: web.Application) -> None:
        channels = list(dict.fromkeys([OPS_CHANNEL, self.alert_channel]))
        SandboxPage(self.fake, channels, load_commands()).mount(app)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def start(self) -> None:
        try:
            await self.fake.start()
        except OSError as error:
            await self.fake.stop()
            raise SandboxError(self.port, error) from None

    async def stop(self) -> None:
        await self.fake.stop()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def address(self) -> str:
        return f"{self.fake.base_url}/sandbox"

    def settings_for(self, settings: Settings) -> Settings:
        """`settings` pointed at the sandbox, with its people as admins and approvers for this run."""
        return settings.model_copy(
            update={
                "slack_bot_token": SecretStr(BOT_TOKEN),
                "slack_app_token": SecretStr(APP_TOKEN),
                "slack_api_url": self.fake.api_url,
                "admins": ADMINS,
                "approvers": APPROVERS,
                "alert_channel": self.alert_channel,
            }
        )
