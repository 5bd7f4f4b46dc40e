"""Job definitions and schedules in plain English, for people reading a report rather than a jobs file.

Cron expressions go through cron-descriptor, told that day-of-week counts from Sunday = 0 (crontab's
numbering, which schedops keeps: see core.jobs.cron) and to use a 24-hour clock. Nothing secret is ever
described: environment and header values, URL passwords and query strings are left out.
"""

from __future__ import annotations

import shlex
from datetime import timedelta
from zoneinfo import ZoneInfo

from cron_descriptor import (  # type: ignore[import-untyped]
    ExpressionDescriptor,
    FormatError,
    MissingFieldException,
    Options,
    WrongArgumentException,
)

from core.durations import format_duration, spelled_out
from core.jobs.cron import expand_nickname
from core.jobs.spec import (
    CeleryJob,
    CronSchedule,
    DigestJob,
    HttpJob,
    IntervalSchedule,
    JobSpec,
    PythonJob,
    ShellJob,
)
from core.redaction import redacted_url


def describe_cron(expression: str) -> str:
    """``0 9 * * 1-5`` as ``At 09:00, Monday through Friday``; the expression itself if it cannot be put
    into words."""
    options = Options()
    options.day_of_week_start_index_zero = True
    options.use_24hour_time_format = True
    options.verbose = False
    try:
        return str(ExpressionDescriptor(expand_nickname(expression), options).get_description())
    except (FormatError, MissingFieldException, WrongArgumentException):
        return f"On cron {expression}"


def describe_schedule(spec: JobSpec, default_timezone: str) -> str:
    """When the job fires, in words, with its time zone for a cron schedule."""
    schedule = spec.schedule
    if isinstance(schedule, CronSchedule):
        text = f"{describe_cron(schedule.cron)} ({schedule.timezone or default_timezone} time)"
    elif isinstance(schedule, IntervalSchedule):
        text = f"Every {spelled_out(schedule.interval)}"
    else:
        local = schedule.at.astimezone(ZoneInfo(default_timezone))
        return f"Once, at {local:%Y-%m-%d %H:%M} ({default_timezone} time)"
    if schedule.jitter:
        text += f", up to {spelled_out(schedule.jitter)} later at random"
    return text


def schedule_expression(spec: JobSpec, default_timezone: str | None) -> str:
    """The schedule as written in a jobs file: ``cron 0 9 * * 1-5 (Europe/Berlin)``, ``every 15m``. A cron
    without a zone of its own shows ``default_timezone``, or none when that is not known (None)."""
    schedule = spec.schedule
    if isinstance(schedule, CronSchedule):
        zone = schedule.timezone or default_timezone
        return f"cron {schedule.cron}" + (f" ({zone})" if zone else "")
    if isinstance(schedule, IntervalSchedule):
        return f"every {format_duration(schedule.interval)}"
    return f"at {schedule.at.isoformat()}"


def describe_job(spec: JobSpec, *, default_misfire_grace: timedelta) -> list[str]:
    """What the job does and how it behaves, one sentence each."""
    lines = [_action(spec)]
    if not spec.enabled:
        lines.append("Disabled: it does not run on its schedule.")
    lines.append(f"Gives up after {spelled_out(spec.timeout)}.")
    retries = spec.retries
    if retries.max:
        times = "once" if retries.max == 1 else f"up to {retries.max} times"
        lines.append(f"Retries a failed run {times}, after {spelled_out(retries.backoff)}, doubling each time.")
    else:
        lines.append("Does not retry a failed run.")
    if spec.max_instances == 1:
        lines.append("Never runs twice at once: a run due while one is going is skipped.")
    else:
        lines.append(f"Runs up to {spec.max_instances} at once.")
    grace = spec.grace(default_misfire_grace)
    lines.append(f"A scheduled run more than {spelled_out(grace)} late is recorded as missed.")
    if spec.alert_channel:
        lines.append(f"Alerts go to {spec.alert_channel}.")
    return lines


def _action(spec: JobSpec) -> str:
    if isinstance(spec, ShellJob):
        return _shell(spec)
    if isinstance(spec, HttpJob):
        expected = ", ".join(str(status) for status in spec.expect_status)
        text = f"Calls {spec.method} {redacted_url(spec.url)} and expects HTTP {expected}"
        if spec.headers:
            text += f", sending the headers {', '.join(sorted(spec.headers))}"
        return text + "."
    if isinstance(spec, PythonJob):
        arguments = f" with {', '.join(sorted(spec.kwargs))}" if spec.kwargs else ""
        return f"Calls the Python function {spec.target}{arguments}."
    if isinstance(spec, CeleryJob):
        return _celery(spec)
    assert isinstance(spec, DigestJob)
    when = " when health is not healthy" if spec.only_when_unhealthy else ""
    return f"Posts the sitrep of the last {spelled_out(spec.window)} to {spec.channel}{when}."


def _shell(spec: ShellJob) -> str:
    if isinstance(spec.command, list):
        text = f"Runs {shlex.join(spec.command)} (without a shell)"
    else:
        text = f"Runs {spec.command} (through sh -c)"
    if spec.cwd:
        text += f" in {spec.cwd}"
    if spec.env:
        text += f", setting {', '.join(sorted(spec.env))}"
    return text + "."


def _celery(spec: CeleryJob) -> str:
    queue = f"the {spec.task_queue} queue" if spec.task_queue else "its app's default queue"
    broker = redacted_url(spec.broker) if spec.broker else "SCHEDOPS_CELERY_BROKER_URL"
    text = f"Sends the Celery task {spec.task} to {queue} through {broker}"
    if spec.args:
        text += f", with {len(spec.args)} positional argument" + ("s" if len(spec.args) > 1 else "")
    if spec.kwargs:
        text += f", with {', '.join(sorted(spec.kwargs))}"
    if not spec.wait_for_result:
        return text + "; the run succeeds once the task is sent."
    if spec.result_backend:
        return text + f", and follows its result in {redacted_url(spec.result_backend)}."
    return text + ", and follows its result in SCHEDOPS_CELERY_RESULT_BACKEND (without one, succeeds once sent)."
