"""Problems with a submitted job form, keyed by the input that should show them (Slack's
``response_action: errors``), each within Slack's 150 characters."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from bot import ids
from bot.views.common import truncate
from core.jobs.jobsfile import JOB_CLASSES

ERROR_LIMIT = 150
ID_RULE = "1 to 64 characters of a-z, 0-9, _ . or -, starting with a letter or digit"
# The one "what to run" input holds a different field for each kind.
WHAT_FIELD = {"shell": "command", "http": "url", "python": "target", "celery": "task", "digest": "channel"}
_FIELD_BLOCKS = {
    "id": ids.FORM_ID,
    "name": ids.FORM_NAME,
    "kind": ids.FORM_KIND,
    **dict.fromkeys(WHAT_FIELD.values(), ids.FORM_WHAT),
    "schedule": ids.FORM_SCHEDULE,
    "timeout": ids.FORM_TIMEOUT,
    "retries": ids.FORM_RETRIES,
    "owner": ids.FORM_OWNER,
}


def form_errors(error: ValidationError | list[str], *, editing: bool = False) -> dict[str, str]:
    """Problems keyed by the input block they belong to, for ``ack(response_action="errors", errors=...)``.
    ``error`` is parse_job's ValidationError or lines such as ``"id: a job with this id already exists"``.
    With ``editing`` there is no id input, so id problems are shown on the name."""
    found: dict[str, list[str]] = {}
    pairs = _validation_problems(error) if isinstance(error, ValidationError) else map(_line_problem, error)
    for block_id, message in pairs:
        if editing and block_id == ids.FORM_ID:
            block_id, message = ids.FORM_NAME, f"id: {message}"
        found.setdefault(block_id, [])
        if message not in found[block_id]:
            found[block_id].append(message)
    return {block_id: truncate("; ".join(messages), ERROR_LIMIT) for block_id, messages in found.items()}


def _validation_problems(error: ValidationError) -> Iterable[tuple[str, str]]:
    for detail in error.errors():
        loc = [str(part) for part in detail["loc"]]
        if loc and loc[0] in JOB_CLASSES:
            loc = loc[1:]
        if not loc:  # the kind decides which fields exist
            yield ids.FORM_KIND, "choose a kind"
            continue
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] in {"missing", "schedule"}:  # "schedule": none of cron, interval or at was given
            message = "required"
        elif detail["type"] == "string_pattern_mismatch" and loc == ["id"]:
            message = ID_RULE
        elif detail["type"] == "extra_forbidden" and loc[-1] == "timezone":
            message = "only a cron schedule takes a time zone"
        block_id = _block_for(loc)
        if block_id == ids.FORM_WHAT and loc[0] not in WHAT_FIELD.values():
            message = f"{'.'.join(loc)}: {message}"  # a field the form does not show
        yield block_id, message


def _block_for(loc: list[str]) -> str:
    if loc[0] == "schedule" and loc[-1] == "timezone":
        return ids.FORM_TIMEZONE
    return _FIELD_BLOCKS.get(loc[0], ids.FORM_WHAT)


def _line_problem(line: str) -> tuple[str, str]:
    field, colon, message = line.partition(":")
    path = field.strip().split(".")
    if colon and path[0] in _FIELD_BLOCKS:
        return _block_for(path), message.strip()
    return ids.FORM_WHAT, line.strip()
