from __future__ import annotations

from typing import Any

from core.jobs.spec import parse_job


def job(kind: str, **fields: Any) -> Any:
    """A validated job of ``kind``; fields as in a jobs file."""
    return parse_job({"id": f"{kind}-job", "kind": kind, "schedule": {"interval": "1h"}, **fields})
