"""The add / edit job modal, reading its submission back into job data, and showing problems on its inputs.

Round trip: ``read_job_form(state.values, private_metadata=..., existing=spec)`` of an unchanged form gives
data that ``parse_job`` turns back into ``spec``. Fields the form does not show (env, headers, jitter, ...)
are kept from ``existing``, so editing a job in Slack never drops them; they are not put in the view, where
Slack would hold a copy of values that may be secret.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from application.job_kinds import CODE_KINDS
from bot import ids
from bot.views import blocks
from bot.views.common import truncate
from bot.views.form_errors import ERROR_LIMIT, ID_RULE, WHAT_FIELD, form_errors
from core.durations import format_duration
from core.jobs.changes import drop_carried_secrets
from core.jobs.jobsfile import JOB_CLASSES
from core.jobs.spec import CronSchedule, HttpJob, IntervalSchedule, JobSpec, ShellJob, job_to_data
from core.redaction import redacted_url

__all__ = ["ERROR_LIMIT", "FormMetadata", "form_errors", "job_form_modal", "read_form_metadata", "read_job_form"]

INPUT_LIMIT = 3000
_KIND_LABELS = {
    "shell": "Shell command",
    "http": "HTTP request",
    "python": "Python function",
    "celery": "Celery task of your app",
    "digest": "Sitrep digest to a channel",
}
_SCHEDULE_LABELS = {"cron": "Cron expression", "interval": "Every (interval)", "at": "Once, at a time"}
_COMMON_FIELDS = set.intersection(*(set(job_class.model_fields) for job_class in JOB_CLASSES.values()))


@dataclass(frozen=True, slots=True)
class FormMetadata:
    """What the form carries through Slack: the job being edited (None: a new job) and the caller's context."""

    job_id: str | None
    context: str


def read_form_metadata(private_metadata: str) -> FormMetadata:
    try:
        data = json.loads(private_metadata or "{}")
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    job_id = data.get("job_id")
    return FormMetadata(job_id if isinstance(job_id, str) else None, str(data.get("context") or ""))


def job_form_modal(*, existing: JobSpec | None, allow_shell: bool, private_metadata: str = "") -> dict[str, Any]:
    """The form to add a job (``existing`` None) or change one; ``private_metadata`` comes back as
    ``read_form_metadata(...).context``."""
    metadata = json.dumps({"job_id": existing.id if existing else None, "context": private_metadata})
    if len(metadata) > 3000:
        raise ValueError("private_metadata is limited to 3000 characters by Slack")
    body: list[blocks.Block] = []
    if existing is None:
        hint = f"{ID_RULE}; it cannot be changed later."
        body.append(_text_input(ids.FORM_ID, "Job id", None, hint=hint, max_length=64, placeholder="backup-db"))
    else:
        body.append(blocks.section(f"*Job id:* `{existing.id}` (cannot be changed)"))
    body += [
        _text_input(ids.FORM_NAME, "Name", existing.name if existing else None, optional=True, max_length=200),
        _kind_select(existing, allow_shell),
        _text_input(
            ids.FORM_WHAT,
            "What to run",
            _what(existing),
            hint="Shell: a command line (run with sh -c) · HTTP: the URL to call · Python: module:function · "
            "Celery: the task name (app.tasks.sync) · Digest: the channel to post to",
        ),
        _select(ids.FORM_SCHEDULE_KIND, "Schedule", _SCHEDULE_LABELS, _schedule_kind(existing)),
        _text_input(
            ids.FORM_SCHEDULE,
            "When",
            _schedule_value(existing),
            hint="cron: 0 9 * * 1-5 · interval: 15m or 1h30m · once: 2026-12-01T09:00:00Z",
        ),
        _text_input(
            ids.FORM_TIMEZONE,
            "Time zone",
            _timezone(existing),
            optional=True,
            hint="For a cron schedule: an IANA name such as Europe/Berlin; empty for the server's default.",
        ),
        _text_input(ids.FORM_TIMEOUT, "Timeout", format_duration(existing.timeout) if existing else "1h"),
        _retries_input(existing),
        _text_input(
            ids.FORM_OWNER,
            "Owner",
            existing.owner if existing else None,
            optional=True,
            max_length=32,
            hint="A Slack user id (U012ABCDEF): failure alerts mention them and /jobs mine lists it. Empty: you.",
        ),
    ]
    return {
        "type": "modal",
        "callback_id": ids.JOB_FORM,
        "title": blocks.plain("Edit job" if existing else "New job", 24),
        "submit": blocks.plain("Save", 24),
        "close": blocks.plain("Cancel", 24),
        "private_metadata": metadata,
        "blocks": body,
    }


def _text_input(
    block_id: str,
    label: str,
    initial: str | None,
    *,
    optional: bool = False,
    hint: str | None = None,
    max_length: int = INPUT_LIMIT,
    placeholder: str | None = None,
) -> blocks.Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": block_id, "max_length": max_length}
    if initial:
        element["initial_value"] = truncate(initial, max_length)
    if placeholder:
        element["placeholder"] = blocks.plain(placeholder, 150)
    return _input(block_id, label, element, optional=optional, hint=hint)


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool, hint: str | None) -> blocks.Block:
    block: blocks.Block = {
        "type": "input",
        "block_id": block_id,
        "label": blocks.plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = blocks.plain(hint, 2000)
    return block


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": blocks.plain(label, 75), "value": value}


def _select(block_id: str, label: str, choices: dict[str, str], initial: str | None) -> blocks.Block:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": block_id,
        "options": [_option(value, text) for value, text in choices.items()],
    }
    if initial in choices:
        element["initial_option"] = _option(initial, choices[initial])
    return _input(block_id, label, element, optional=False, hint=None)


def _kind_select(existing: JobSpec | None, allow_shell: bool) -> blocks.Block:
    # Without SCHEDOPS_ALLOW_SHELL_FROM_SLACK, kinds that run code (shell, python, celery) are not offered: a
    # Slack account must not become a remote shell by default.
    kinds = {kind: label for kind, label in _KIND_LABELS.items() if kind not in CODE_KINDS or allow_shell}
    return _select(ids.FORM_KIND, "Kind", kinds, existing.kind if existing else None)


def _retries_input(existing: JobSpec | None) -> blocks.Block:
    element = {
        "type": "number_input",
        "action_id": ids.FORM_RETRIES,
        "is_decimal_allowed": False,
        "min_value": "0",
        "max_value": "20",
        "initial_value": str(existing.retries.max if existing else 0),
    }
    hint = "How many times a failed run is tried again automatically (0 to 20)."
    return _input(ids.FORM_RETRIES, "Retries", element, optional=True, hint=hint)


def _what(spec: JobSpec | None) -> str | None:
    if spec is None:
        return None
    if isinstance(spec, HttpJob):
        return redacted_url(spec.url)  # a URL's password and query string never travel to Slack
    value = getattr(spec, WHAT_FIELD[spec.kind])
    return shlex.join(value) if isinstance(value, list) else str(value)


def _schedule_kind(spec: JobSpec | None) -> str:
    if spec is None or isinstance(spec.schedule, CronSchedule):
        return "cron"
    return "interval" if isinstance(spec.schedule, IntervalSchedule) else "at"


def _schedule_value(spec: JobSpec | None) -> str | None:
    if spec is None:
        return None
    value = job_to_data(spec)["schedule"][_schedule_kind(spec)]
    return str(value)


def _timezone(spec: JobSpec | None) -> str | None:
    return spec.schedule.timezone if spec is not None and isinstance(spec.schedule, CronSchedule) else None


def read_job_form(values: dict[str, Any], *, private_metadata: str, existing: JobSpec | None = None) -> dict[str, Any]:
    """``view.state.values`` as job data for ``parse_job``. Pass the job being edited as ``existing`` to keep
    the fields the form does not show (kind-specific ones only while the kind stays the same)."""
    kind = _read(values, ids.FORM_KIND)
    data = _kept(existing, kind)
    job_id = read_form_metadata(private_metadata).job_id or _read(values, ids.FORM_ID)
    _set(data, "id", job_id)
    _set(data, "kind", kind)
    _set(data, "name", _read(values, ids.FORM_NAME))
    if kind in WHAT_FIELD:
        _set(data, WHAT_FIELD[kind], _read_what(_read(values, ids.FORM_WHAT), existing, kind))
    data["schedule"] = _read_schedule(values, existing)
    _set(data, "timeout", _read(values, ids.FORM_TIMEOUT))
    retries = _read(values, ids.FORM_RETRIES)
    if retries is not None:
        data["retries"] = {**data.get("retries", {}), "max": retries}
    _set(data, "owner", _read(values, ids.FORM_OWNER))
    return drop_carried_secrets(existing, data)


def _read(values: dict[str, Any], block_id: str) -> str | None:
    element = (values.get(block_id) or {}).get(block_id) or {}
    if element.get("type") == "static_select" or "selected_option" in element:
        option = element.get("selected_option")
        return str(option["value"]) if option else None
    value = element.get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value


def _kept(existing: JobSpec | None, kind: str | None) -> dict[str, Any]:
    if existing is None:
        return {}
    data = job_to_data(existing)
    if kind != existing.kind:
        data = {key: value for key, value in data.items() if key in _COMMON_FIELDS}
    return data


def _read_what(text: str | None, existing: JobSpec | None, kind: str) -> Any:
    # An argv command shown as a command line stays an argv list while it is left unchanged.
    if isinstance(existing, ShellJob) and kind == "shell" and isinstance(existing.command, list):
        return existing.command if text == shlex.join(existing.command) else text
    if isinstance(existing, HttpJob) and kind == "http" and text == redacted_url(existing.url):
        return existing.url  # left as shown: keep the real URL behind the redacted one
    return text


def _read_schedule(values: dict[str, Any], existing: JobSpec | None) -> dict[str, Any]:
    schedule_kind = _read(values, ids.FORM_SCHEDULE_KIND) or "cron"
    schedule: dict[str, Any] = {}
    if existing is not None and _schedule_kind(existing) == schedule_kind:
        schedule = dict(job_to_data(existing)["schedule"])  # keeps the jitter
    _set(schedule, schedule_kind, _read(values, ids.FORM_SCHEDULE))
    _set(schedule, "timezone", _read(values, ids.FORM_TIMEZONE))
    return schedule
