"""A job's return value as it is kept with its run: JSON when it can be, else a bounded repr()."""

from __future__ import annotations

import json
from typing import Any

RESULT_MAX_CHARS = 64 * 1024
REPR_MAX_CHARS = 2000


def keepable(value: Any) -> Any:
    """``value`` in its JSON form when it is JSON-serializable (tuples become lists, keys become strings);
    longer than RESULT_MAX_CHARS of JSON, the cut JSON text; otherwise its bounded ``repr()``."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return bounded_repr(value)
    if len(text) > RESULT_MAX_CHARS:
        return text[: RESULT_MAX_CHARS - 1] + "…"
    return json.loads(text)


def bounded_repr(value: Any, limit: int = REPR_MAX_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters; never raises."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object (repr failed)>"
    return text if len(text) <= limit else text[: limit - 1] + "…"
