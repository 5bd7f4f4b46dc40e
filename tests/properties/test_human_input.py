"""Property-based tests of every parser of human input (issue 9): slash command text, durations, cron, the
jobs file and form submissions. Whatever the input, no exception but the parser's own refusal escapes, and
every refusal is one clear line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot import ids
from bot.parsing import ParseError, parse_fixit, parse_jobs, parse_sitrep
from bot.views.job_form import form_errors, read_job_form
from core.durations import MAX_DURATION, DurationError, parse_duration
from core.jobs.cron import CronError, cron_trigger
from core.jobs.jobsfile import JobsFileError, parse_jobs_document
from core.jobs.spec import parse_job
from core.jobs.triggers import first_fire_time

RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200)

# Words the parsers know, mixed with anything at all: random text alone rarely reaches the deeper branches.
WORDS = st.sampled_from(
    [
        "list", "show", "run", "pause", "resume", "edit", "remove", "new", "export", "help", "history", "page",
        "--window", "--job", "--max-retries", "--dry-run", "greedy", "balanced", "conservative", "inf", "nan",
        "1e20", "-1", "0", "99999999999999999999", "24h", "3000000d", "1h30m", "backup", "\u2014dry-run", "`", "*",
    ]
)  # fmt: skip
COMMAND_TEXT = st.one_of(
    st.text(max_size=80), st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join)
)


def one_line(message: str) -> None:
    assert message.strip() and "\n" not in message and "Traceback" not in message


@RELAXED
@given(COMMAND_TEXT)
def test_slash_command_text_parses_or_is_refused_in_one_line(text: str) -> None:
    for parse in (parse_sitrep, parse_fixit, parse_jobs):
        try:
            parse(text)
        except ParseError as error:
            one_line(error.problem)


DURATION_INPUT = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\s*[-+]?[0-9.e]{1,25}[smhdw]?([0-9]{1,5}[smhdw])*\s*", fullmatch=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**400),
    st.booleans(),
    st.none(),
    st.timedeltas(),
)


@RELAXED
@given(DURATION_INPUT, st.timedeltas(min_value=timedelta(0), max_value=MAX_DURATION * 2))
def test_a_duration_is_finite_and_bounded_or_refused_in_one_line(value: Any, maximum: timedelta) -> None:
    try:
        parsed = parse_duration(value, maximum=maximum)
    except DurationError as error:
        one_line(str(error))
        return
    assert timedelta(0) <= parsed <= min(maximum, MAX_DURATION)


CRON_FIELD = st.one_of(
    st.sampled_from(["*", "*/5", "0", "59", "60", "1-5", "5-1", "MON-FRI", "JAN", "L", "?", "#", "1,2,3", "*/0"]),
    st.text(alphabet="0123456789*/,-LW#?", min_size=1, max_size=6),
)
CRON = st.one_of(
    st.text(max_size=40),
    st.lists(CRON_FIELD, min_size=1, max_size=7).map(" ".join),
    st.sampled_from(["@hourly", "@daily", "@yearly", "@reboot", "@every"]),
)


@RELAXED
@given(CRON)
def test_a_cron_expression_builds_a_trigger_or_is_refused_in_one_line(expression: str) -> None:
    try:
        cron_trigger(expression, UTC)
    except CronError as error:
        one_line(str(error))
    data = {"id": "c", "kind": "python", "target": "m:f", "schedule": {"cron": expression}}
    try:
        spec = parse_job(data)
    except ValidationError as error:
        for detail in error.errors():
            one_line(detail["msg"])
        return
    first_fire_time(spec, "UTC", datetime(2026, 1, 1, tzinfo=UTC))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), WORDS)
YAML_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.one_of(WORDS, st.text(max_size=8)), children, max_size=4)
    ),
    max_leaves=20,
)
JOB_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=10), st.just("job")),
        "kind": st.sampled_from(["shell", "http", "python", "digest", "cron", ""]),
        "schedule": st.one_of(
            YAML_VALUES,
            st.fixed_dictionaries({"interval": DURATION_INPUT.filter(lambda v: not isinstance(v, timedelta))}),
            st.fixed_dictionaries({"cron": CRON}),
        ),
        "timeout": DURATION_INPUT.filter(lambda v: not isinstance(v, timedelta)),
        "url": st.one_of(st.text(max_size=30), st.just("http://h:99999/"), st.just("http://[::1/x")),
        "command": YAML_VALUES,
        "target": st.text(max_size=20),
        "kwargs": YAML_VALUES,
        "retries": YAML_VALUES,
    },
)


@RELAXED
@given(st.one_of(st.text(max_size=200), st.lists(JOB_FIELDS, max_size=3).map(lambda jobs: {"jobs": jobs})))
def test_a_jobs_file_is_accepted_or_refused_with_one_line_per_problem(document: Any) -> None:
    text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True)
    try:
        parse_jobs_document(text, "jobs.yml")
    except JobsFileError as error:
        assert error.lines
        for line in error.lines:
            one_line(line)
            assert line.startswith("jobs.yml: ")


FORM_TEXT = st.one_of(st.none(), st.text(max_size=40), WORDS, st.just("1e20"), st.just("inf"))
KINDS = st.one_of(st.none(), st.sampled_from(["shell", "http", "python", "digest", "nonsense"]))
SCHEDULE_KINDS = st.one_of(st.none(), st.sampled_from(["cron", "interval", "at", "bogus"]))


def _text(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def _choice(value: str | None) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": None if value is None else {"value": value}}


@RELAXED
@given(
    FORM_TEXT,
    KINDS,
    FORM_TEXT,
    SCHEDULE_KINDS,
    FORM_TEXT,
    FORM_TEXT,
    FORM_TEXT,
    st.one_of(st.none(), st.text(max_size=3)),
)
def test_a_form_submission_is_a_job_or_inline_errors(
    job_id: str | None,
    kind: str | None,
    what: str | None,
    schedule_kind: str | None,
    schedule: str | None,
    timeout: str | None,
    timezone: str | None,
    retries: str | None,
) -> None:
    fields = {
        ids.FORM_ID: _text(job_id),
        ids.FORM_KIND: _choice(kind),
        ids.FORM_WHAT: _text(what),
        ids.FORM_SCHEDULE_KIND: _choice(schedule_kind),
        ids.FORM_SCHEDULE: _text(schedule),
        ids.FORM_TIMEOUT: _text(timeout),
        ids.FORM_TIMEZONE: _text(timezone),
        ids.FORM_RETRIES: _choice(retries),
    }
    values = {block: {block: element} for block, element in fields.items()}
    data = read_job_form(values, private_metadata="")
    try:
        parse_job(data)
    except ValidationError as error:
        errors = form_errors(error)
        assert errors
        for message in errors.values():
            one_line(message)
