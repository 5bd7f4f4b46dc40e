"""What a change did to a job definition, in words fit for the audit log: one ``field: old -> new`` per changed
field, credential-bearing values hidden, and which door the change came through."""

from __future__ import annotations

from typing import Any

from core.jobs.spec import JobSpec
from core.redaction import redacted_job_data

DEFAULT = "(default)"
_VALUE_LIMIT = 80


def spec_changes(before: JobSpec | None, after: JobSpec | None) -> list[str]:
    """``field: old -> new`` for each field that differs (nested fields dotted, ``schedule.cron``); a field
    left out shows as ``(default)``. Values that may hold credentials show as ``[hidden]`` on both sides."""
    old = _flat(redacted_job_data(before)) if before is not None else {}
    new = _flat(redacted_job_data(after)) if after is not None else {}
    if not old or not new:  # added or removed: the whole definition, once
        return [
            f"{key}: {_shown(value)}" for key, value in sorted((old or new).items(), key=lambda i: _reading_order(i[0]))
        ]
    lines = []
    for key in sorted(old.keys() | new.keys(), key=_reading_order):
        if old.get(key, DEFAULT) != new.get(key, DEFAULT):
            lines.append(f"{key}: {_shown(old.get(key, DEFAULT))} -> {_shown(new.get(key, DEFAULT))}")
    if before is not None and after is not None and not lines and before != after:
        lines.append("hidden values changed")  # e.g. an env value: the change is recorded, never the value
    return lines


def door_of(actor: str | None) -> str:
    """The door an actor's change came through: ``cli:alice`` -> cli, ``api:token`` -> api, a bare Slack user
    id -> slack, None (schedops itself) -> schedops."""
    if actor is None:
        return "schedops"
    prefix, colon, _ = actor.partition(":")
    return prefix if colon else "slack"


def describe_change(via: str, changes: list[str]) -> str:
    """The audit detail: ``via jobs file: timeout: '30s' -> '1m'; name: 'Nightly' -> (default)``."""
    return f"via {via}: " + ("; ".join(changes) if changes else "no change to the definition")


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and key != "kwargs":
            flat.update(_flat(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _reading_order(key: str) -> tuple[int, str]:
    leading = ("id", "kind", "name")
    return (leading.index(key), key) if key in leading else (len(leading), key)


def _shown(value: Any) -> str:
    if value == DEFAULT:
        return DEFAULT
    text = repr(value)
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 3] + "..."
