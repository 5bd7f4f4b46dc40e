"""Durations as people write them in configuration: ``30s``, ``5m``, ``2h``, ``1d``, ``1h30m`` or seconds."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+")


class DurationError(ValueError):
    """A value that is not a duration."""


def parse_duration(value: object) -> timedelta:
    """Parse ``value`` into a non-negative timedelta.

    Accepts a timedelta, a number of seconds (int, float or numeric string) or unit strings such as ``90s``,
    ``5m``, ``1h30m``, ``2d``. Raises DurationError naming the accepted forms otherwise.
    """
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise DurationError(f"expected a duration like 30s, 5m, 2h, 1d or a number of seconds, got {value!r}")
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value)
    else:
        raise DurationError(f"expected a duration like 30s, 5m, 2h, 1d or a number of seconds, got {value!r}")
    if seconds < 0:
        raise DurationError(f"a duration cannot be negative, got {value!r}")
    try:
        return timedelta(seconds=seconds)
    except (OverflowError, ValueError):  # beyond timedelta's 999999999 days, or nan
        raise DurationError(f"a duration must be finite and under 999999999 days, got {value!r}") from None


def _parse_text(text: str) -> float:
    compact = text.strip().lower().replace(" ", "")
    try:
        return float(compact)
    except ValueError:
        pass
    if not compact or not _WHOLE.fullmatch(compact):
        raise DurationError(f"expected a duration like 30s, 5m, 2h, 1d or a number of seconds, got {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in _PART.findall(compact))


def format_duration(delta: timedelta) -> str:
    """The exact unit form of ``delta`` (``1h30m``, ``45s``, ``0.25s``, ``0s``); parse_duration reads it back."""
    total = delta.total_seconds()
    if total != int(total):
        return f"{total:.6f}".rstrip("0") + "s"
    remaining = int(total)
    if remaining == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def human_duration(delta: timedelta | None) -> str:
    """A measured duration for people: ``850ms``, ``12.3s``, ``4m30s``; ``-`` when unknown."""
    if delta is None:
        return "-"
    seconds = delta.total_seconds()
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:.1f}s" if seconds < 60 else format_duration(timedelta(seconds=round(seconds)))
