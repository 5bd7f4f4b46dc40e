"""Slash command text to typed requests. Pure: every wrong input becomes a ParseError that says what was
wrong, and the command's usage is shown with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from bot.usage import FIXIT_USAGE, JOBS_USAGE, SITREP_USAGE
from core.durations import MAX_WINDOW, DurationError, parse_duration
from core.fixit.model import FixitMode
from core.jobs.spec import JOB_ID_PATTERN

MAX_HISTORY = 50
MAX_RETRIES = 10
_JOB_ID = re.compile(JOB_ID_PATTERN)
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_NUMBER = re.compile(r"[0-9]{1,6}")
# Slack turns quotes and dashes "smart" on some clients: "—dry-run" must still mean --dry-run.
_SMART = str.maketrans({"\u2014": "--", "\u2013": "--", "\u201c": '"', "\u201d": '"'})


class ParseError(ValueError):
    """What was wrong with the command text, and the usage to show."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage


@dataclass(frozen=True)
class SitrepRequest:
    job_id: str | None = None
    help: bool = False


@dataclass(frozen=True)
class FixitRequest:
    mode: FixitMode = FixitMode.BALANCED
    dry_run: bool = False
    max_retries: int = 3
    window: timedelta = timedelta(hours=24)
    job_ids: tuple[str, ...] = ()
    help: bool = False


@dataclass(frozen=True)
class JobsRequest:
    action: str  # list, mine, show, history, run, pause, resume, new, edit, remove, export, help
    job_id: str | None = None
    number: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _words(text: str) -> list[str]:
    return text.translate(_SMART).split()


def _job_id(word: str, usage: str) -> str:
    if not _JOB_ID.match(word):
        raise ParseError(f"`{_shown(word)}` is not a job id (lowercase letters, digits, `-`, `_`, `.`)", usage)
    return word


def _shown(word: str, limit: int = 40) -> str:
    """User text echoed back: bounded and stripped of backticks so it cannot break the formatting."""
    clean = word.replace("`", "'")
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def parse_sitrep(text: str) -> SitrepRequest:
    words = _words(text)
    if not words:
        return SitrepRequest()
    if words[0].lower() in {"help", "-h", "--help"}:
        return SitrepRequest(help=True)
    if len(words) > 1:
        raise ParseError("`/sitrep` takes at most one job id", SITREP_USAGE)
    return SitrepRequest(job_id=_job_id(words[0], SITREP_USAGE))


def parse_fixit(text: str) -> FixitRequest:
    words = _words(text)
    if words and words[0].lower() in {"help", "-h", "--help"}:
        return FixitRequest(help=True)
    values: dict[str, object] = {}
    job_ids: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        lowered = word.lower()
        if lowered in {mode.value for mode in FixitMode}:
            if "mode" in values:
                raise ParseError("give one mode only", FIXIT_USAGE)
            values["mode"] = FixitMode(lowered)
        elif lowered == "--dry-run":
            values["dry_run"] = True
        elif lowered in {"--max-retries", "--window", "--job"}:
            if index + 1 >= len(words):
                raise ParseError(f"`{lowered}` needs a value", FIXIT_USAGE)
            index += 1
            _fixit_option(lowered, words[index], values, job_ids)
        else:
            raise ParseError(f"I don't understand `{_shown(word)}`", FIXIT_USAGE)
        index += 1
    return FixitRequest(job_ids=tuple(dict.fromkeys(job_ids)), **values)  # type: ignore[arg-type]


def _fixit_option(option: str, value: str, values: dict[str, object], job_ids: list[str]) -> None:
    if option == "--job":
        job_ids.append(_job_id(value, FIXIT_USAGE))
    elif option == "--max-retries":
        if not _NUMBER.fullmatch(value) or not 1 <= int(value) <= MAX_RETRIES:
            raise ParseError(f"`--max-retries` must be a whole number from 1 to {MAX_RETRIES}", FIXIT_USAGE)
        values["max_retries"] = int(value)
    else:
        try:
            window = parse_duration(value, maximum=MAX_WINDOW)
        except DurationError as error:
            if error.too_long:
                raise ParseError("`--window` must be between 1m and 30d", FIXIT_USAGE) from None
            raise ParseError(f"`--window {_shown(value)}` is not a duration like 6h, 24h or 7d", FIXIT_USAGE) from None
        if window < timedelta(minutes=1):
            raise ParseError("`--window` must be between 1m and 30d", FIXIT_USAGE)
        values["window"] = window


_NEEDS_ID = {"show", "history", "run", "pause", "resume", "edit", "remove"}
_NO_ARGS = {"new", "export", "help"}


def parse_jobs(text: str) -> JobsRequest:
    words = _words(text)
    if not words:
        return JobsRequest("list")
    action = words[0].lower()
    rest = words[1:]
    if action in {"-h", "--help"}:
        action = "help"
    if action in {"list", "mine"}:
        return JobsRequest(action, number=_page(rest))
    if action == "next":
        return _next_fires(rest)
    if action in _NO_ARGS:
        if rest:
            raise ParseError(f"`/jobs {action}` takes no arguments", JOBS_USAGE)
        return JobsRequest(action)
    if action not in _NEEDS_ID:
        raise ParseError(f"`{_shown(words[0])}` is not a `/jobs` command", JOBS_USAGE)
    if not rest:
        raise ParseError(f"`/jobs {action}` needs a job id, e.g. `/jobs {action} nightly-backup`", JOBS_USAGE)
    job_id = _job_id(rest[0], JOBS_USAGE)
    if action == "history":
        return JobsRequest("history", job_id, number=_history_count(rest[1:]))
    if len(rest) > 1:
        raise ParseError(f"`/jobs {action}` takes one job id", JOBS_USAGE)
    return JobsRequest(action, job_id)


def _next_fires(rest: list[str]) -> JobsRequest:
    fields = 1 if rest and rest[0].startswith("@") else 5
    if not fields <= len(rest) <= fields + 1:
        raise ParseError("`/jobs next` takes five cron fields (or @daily, ...) and an optional time zone", JOBS_USAGE)
    extra = {"cron": " ".join(rest[:fields])}
    if len(rest) > fields:
        extra["timezone"] = rest[fields]
    return JobsRequest("next", extra=extra)


def parse_page(value: str) -> int:
    """A page number from a button value; 1 for anything else."""
    return int(value) if _NUMBER.fullmatch(value) and int(value) > 0 else 1


def _page(rest: list[str]) -> int:
    if not rest:
        return 1
    if len(rest) > 1 or not _NUMBER.fullmatch(rest[0]) or int(rest[0]) < 1:
        raise ParseError("`/jobs list` takes an optional page number (1, 2, ...)", JOBS_USAGE)
    return int(rest[0])


def _history_count(rest: list[str]) -> int:
    if not rest:
        return 10
    if len(rest) > 1 or not _NUMBER.fullmatch(rest[0]) or not 1 <= int(rest[0]) <= MAX_HISTORY:
        raise ParseError(f"the number of runs must be a whole number from 1 to {MAX_HISTORY}", JOBS_USAGE)
    return int(rest[0])
