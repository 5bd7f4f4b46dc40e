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
    return timedelta(seconds=seconds)


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


_WORD_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))
_SPELLED_UNITS = (("week", 604_800), *_WORD_UNITS)


def spelled_out(delta: timedelta) -> str:
    """Every unit, for definitions: ``1 hour 30 minutes``, ``2 weeks``; sub-second parts are rounded away."""
    remaining = round(abs(delta.total_seconds()))
    parts = []
    for name, size in _SPELLED_UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(_counted(count, name))
    return " ".join(parts) or "0 seconds"


def roughly(delta: timedelta) -> str:
    """The largest whole unit, for ages and distances in time: ``3 hours``, ``45 seconds``, ``2 days``."""
    seconds = abs(int(delta.total_seconds()))
    for name, size in _WORD_UNITS:
        if seconds >= size:
            return _counted(seconds // size, name)
    return "0 seconds"


def _counted(count: int, name: str) -> str:
    return f"{count} {name}{'' if count == 1 else 's'}"
