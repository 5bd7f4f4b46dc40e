"""Asks a running schedops (on this host) whether its scheduler runs, for CLI commands in another process."""

from __future__ import annotations

import aiohttp


async def scheduler_answers(port: int, *, seconds: float = 1.0) -> bool:
    """True when a schedops on 127.0.0.1:``port`` answers /readyz without a scheduler_stopped reason."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as session,
            session.get(f"http://127.0.0.1:{port}/readyz") as response,
        ):
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False
    reasons = body.get("reasons", []) if isinstance(body, dict) else []
    return not any(isinstance(r, dict) and r.get("code") == "scheduler_stopped" for r in reasons)
