"""A running API for tests: schedops' HTTP server on a free port serving /api/v1 over a given Operations, with
one token per role, called over a real socket."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp

from application.operations import Operations
from core.api_tokens import ApiTokenStore, TokenRole
from schedops.http.api import create_api
from schedops.http.server import HealthServer


@dataclass
class Api:
    server: HealthServer
    ops: Operations
    session: aiohttp.ClientSession
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/api/v1"

    async def token(self, name: str, role: str, acting_as: str | None = None) -> str:
        store = ApiTokenStore(self.ops.services.db)
        _, secret = await store.create(name, TokenRole(role), acting_as=acting_as, now=self.ops.clock())
        self.tokens[name] = secret
        return secret

    async def call(self, method: str, path: str, *, as_: str | None, **kwargs: Any) -> tuple[int, Any, Any]:
        """(status, body as JSON or text, headers); ``as_`` names a token made by ``token``."""
        headers = dict(kwargs.pop("headers", {}))
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(as_, as_)}"
        async with self.session.request(method, self.base + path, headers=headers, **kwargs) as response:
            text = await response.text()
            is_json = "json" in response.headers.get("Content-Type", "")
            return response.status, (await response.json(content_type=None) if is_json else text), response.headers

    async def close(self) -> None:
        await self.session.close()
        await self.server.stop()


async def start_api(ops: Operations, **api_options: Any) -> Api:
    services = ops.services
    server = HealthServer(
        0,
        "127.0.0.1",
        db=services.db,
        engine=services.engine,
        metrics=services.metrics,
        api=create_api(ops, **api_options),
    )
    await server.start()
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
    return Api(server, ops, session)
