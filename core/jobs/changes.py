"""Changes to a job's definition: what an edit changes, shown as a before/after diff, stored as a change
against a known version, the rule that a job pointed somewhere new loses the secrets it carried, and what a
change did in words fit for the audit log (with the door it came through).

Pure functions of definitions; nothing here reads the database.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from core.jobs.spec import CeleryJob, HttpJob, JobSpec, ShellJob, job_to_data, parse_job
from core.redaction import HIDDEN, redacted_job_data

# The values an approver never sees (core.redaction), per kind: they belong to the target they were set for.
HIDDEN_FIELDS = {"shell": ("env",), "http": ("headers", "body"), "celery": ("args", "kwargs")}
_DIFF_LIMIT = 120
DEFAULT = "(default)"
_VALUE_LIMIT = 80


def version_of(spec: JobSpec) -> str:
    """A fingerprint of a definition: an edit records the version it was made against."""
    canonical = json.dumps(job_to_data(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def retargeted(before: JobSpec, after: JobSpec) -> bool:
    """Whether ``after`` points the job somewhere new: an HTTP job at another origin (scheme, host, port),
    a shell job running another command, or a celery job sending another task or to another broker."""
    if isinstance(before, HttpJob) and isinstance(after, HttpJob):
        return _origin(before.url) != _origin(after.url)
    if isinstance(before, CeleryJob) and isinstance(after, CeleryJob):
        brokers = (before.broker, after.broker)
        return before.task != after.task or _origin(brokers[0] or "") != _origin(brokers[1] or "")
    if isinstance(before, ShellJob) and isinstance(after, ShellJob):
        return before.command != after.command
    return False


def drop_carried_secrets(before: JobSpec | None, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (an edited job, fields kept from ``before`` where the editor did not show them) without the
    hidden values carried over from ``before`` when the edit points the job somewhere new: a member who
    changes billing-ping's URL to their own server must not receive its Authorization header. Values
    entered again (different from before's) stay."""
    if before is None or data.get("kind") != before.kind or before.kind not in HIDDEN_FIELDS:
        return data
    try:
        after = parse_job(data)
    except ValueError:
        return data  # invalid anyway: the form shows why
    if not retargeted(before, after):
        return data
    old = job_to_data(before)
    return {key: value for key, value in data.items() if key not in HIDDEN_FIELDS[before.kind] or value != old.get(key)}


def diff_lines(before: JobSpec, after: JobSpec) -> list[str]:
    """Every changed field as ``field: old → new``, hidden values named but never shown."""
    raw_before, raw_after = _flat(job_to_data(before)), _flat(job_to_data(after))
    shown_before, shown_after = _flat(redacted_job_data(before)), _flat(redacted_job_data(after))
    lines = []
    for key in sorted(set(raw_before) | set(raw_after)):
        if raw_before.get(key) == raw_after.get(key):
            continue
        old, new = shown_before.get(key, "(none)"), shown_after.get(key, "(none)")
        if old == new == HIDDEN:
            lines.append(f"{key}: changed (value hidden)")
        else:
            lines.append(f"{key}: {_short(old)} → {_short(new)}")
    return lines


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
        # Payloads (an HTTP body, a python job's kwargs) are one value each: their inside is the job's business.
        if isinstance(value, dict) and value and key not in {"body", "kwargs"}:
            flat.update(_flat(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _DIFF_LIMIT else text[: _DIFF_LIMIT - 1] + "…"


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        return parts.scheme, (parts.hostname or ""), parts.port
    except ValueError:
        return None


def job_change(before: JobSpec, after: JobSpec) -> dict[str, Any]:
    """What an edit changes, field by field: ``{"set": {field: value}, "unset": [field]}`` in jobs-file form."""
    old, new = job_to_data(before), job_to_data(after)
    return {
        "set": {key: value for key, value in new.items() if old.get(key) != value},
        "unset": sorted(key for key in old if key not in new),
    }


def apply_change(current: JobSpec, change: dict[str, Any]) -> JobSpec:
    """``current`` with ``change`` (from job_change) applied; raises pydantic.ValidationError if invalid."""
    data = {key: value for key, value in job_to_data(current).items() if key not in change.get("unset", ())}
    data.update(change.get("set", {}))
    return parse_job(data)


def _reading_order(key: str) -> tuple[int, str]:
    leading = ("id", "kind", "name")
    return (leading.index(key), key) if key in leading else (len(leading), key)


def _shown(value: Any) -> str:
    if value == DEFAULT:
        return DEFAULT
    text = repr(value)
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 3] + "..."
