"""A store method that fails its first calls, as a database that blinks would make it fail, then works again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def fail_first(
    monkeypatch: pytest.MonkeyPatch, owner: type, method: str, error: Exception, *, times: int | None
) -> Callable[[], int | None]:
    """Make the async ``owner.method`` raise ``error`` on its first ``times`` calls (every call when None), then
    call through. Returns how many failures are still to come (None: they never end)."""
    real = getattr(owner, method)
    left = [times]

    async def flaky(self: Any, *args: Any, **kwargs: Any) -> Any:
        if left[0] is None:
            raise error
        if left[0] > 0:
            left[0] -= 1
            raise error
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, flaky)
    return lambda: left[0]
