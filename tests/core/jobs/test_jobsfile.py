"""The jobs file is accepted or refused as a whole, and every refusal names the file, the job and the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from core.jobs.jobsfile import JobsFileError, load_jobs_file, parse_jobs_document
from core.jobs.spec import CronSchedule, HttpJob, IntervalSchedule, ShellJob

REPO = Path(__file__).parents[3]
BRIEF_EXAMPLE = """\
jobs:
  - id: nightly-backup
    kind: shell
    command: ["pg_dump", "-f", "/backups/db.sql", "app"]
    schedule: {cron: "0 2 * * *", timezone: "Europe/Berlin"}
    timeout: 10m
    retries: {max: 3, backoff: 30s}
  - id: ping-api
    kind: http
    url: https://api.example.com/health
    schedule: {interval: 1m}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(JobsFileError) as caught:
        parse_jobs_document(dedent(text), "jobs.yml")
    return caught.value.lines


def one_job(fields: str, job_id: str = "x") -> str:
    head = f"jobs:\n  - id: {job_id}\n" if job_id else "jobs:\n  - name: nameless\n"
    return head + "".join(f"    {line}\n" for line in dedent(fields).strip().splitlines())


SHELL = "kind: shell\ncommand: [ls]\n"


def test_it_reads_a_valid_file_into_job_specs() -> None:
    backup, ping = parse_jobs_document(BRIEF_EXAMPLE, "jobs.yml")
    assert isinstance(backup, ShellJob)
    assert backup.command == ["pg_dump", "-f", "/backups/db.sql", "app"]
    assert backup.schedule == CronSchedule(cron="0 2 * * *", timezone="Europe/Berlin")
    assert (backup.timeout, backup.retries.max, backup.retries.backoff) == (
        timedelta(minutes=10),
        3,
        timedelta(seconds=30),
    )
    assert isinstance(ping, HttpJob)
    assert ping.schedule == IntervalSchedule(interval=timedelta(minutes=1))


def test_an_explicitly_empty_jobs_list_is_valid() -> None:
    assert parse_jobs_document("jobs: []\n", "jobs.yml") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            one_job(SHELL + 'schedule: {cron: "61 * * * *"}', "nightly-backup"),
            "jobs.yml: job 'nightly-backup': schedule.cron: bad cron expression '61 * * * *': ",
        ),
        (
            one_job("kind: shel\ncommand: [ls]\nschedule: {interval: 1m}"),
            "jobs.yml: job 'x': kind: unknown kind 'shel' (use shell, http, python, celery or digest)",
        ),
        (
            one_job("command: [ls]\nschedule: {interval: 1m}"),
            "jobs.yml: job 'x': kind: missing (use shell, http, python, celery or digest)",
        ),
        (one_job(SHELL + "schedule: {interval: 1m}", job_id=""), "jobs.yml: jobs[0]: id: missing"),
        (one_job(SHELL + "schedule: {interval: 1m}", job_id="Bad_ID"), "jobs.yml: job 'Bad_ID': id: must be 1-64"),
        (
            one_job(SHELL + "schedule: {interval: 1m}\ntimeot: 5m"),
            "jobs.yml: job 'x': timeot: unknown field (did you mean 'timeout'?)",
        ),
        (one_job(SHELL), "jobs.yml: job 'x': schedule: missing"),
        (
            one_job(SHELL + "schedule: {every: 5m}"),
            "jobs.yml: job 'x': schedule: schedule needs one of cron, interval or at",
        ),
        (
            one_job(SHELL + "schedule: {interval: 5m, cron: '@daily'}"),
            "jobs.yml: job 'x': schedule.interval: a schedule takes only one of cron, interval or at",
        ),
        (
            one_job(SHELL + "schedule: {intervall: 5m}"),
            "jobs.yml: job 'x': schedule: schedule needs one of cron, interval or at",
        ),
        (
            one_job(SHELL + "schedule: {cron: '@daily', timezone: Mars/Olympus}"),
            "jobs.yml: job 'x': schedule.timezone: unknown time zone 'Mars/Olympus' (use an IANA name",
        ),
        (
            one_job(SHELL + "schedule: {interval: 5 minutes}"),
            "jobs.yml: job 'x': schedule.interval: expected a duration like 30s, 5m, 2h, 1d or a number of",
        ),
        (
            one_job(SHELL + "schedule: {at: 2026-12-01 09:00}"),
            "jobs.yml: job 'x': schedule.at: give the time with an offset or Z, e.g. 2026-12-01T09:00:00Z",
        ),
        (
            one_job(SHELL + "schedule: {interval: 1m}\nretries: {max: 3, backof: 30s}"),
            "jobs.yml: job 'x': retries.backof: unknown field (did you mean 'backoff'?)",
        ),
        (
            one_job(SHELL + "schedule: {interval: 1m}\nretries: {max: 99}"),
            "jobs.yml: job 'x': retries.max: Input should be less than or equal to 20",
        ),
        (
            one_job("kind: shell\ncommand: [pg_dump, 3]\nschedule: {interval: 1m}"),
            "jobs.yml: job 'x': command: give a list of strings (run without a shell) or one string (run with sh -c)",
        ),
        (
            one_job(SHELL + "schedule: {interval: 1m}\nenv: {HOME: [a]}"),
            "jobs.yml: job 'x': env.HOME: Input should be a valid string, got ['a']",
        ),
        (
            one_job("kind: http\nurl: https://x.test\nexpect_status: [200, ok]\nschedule: {interval: 1m}"),
            "jobs.yml: job 'x': expect_status[1]: Input should be a valid integer, unable to parse string as an",
        ),
        (
            one_job(SHELL + "schedule: {interval: 1m}\nenabled: maybe"),
            "jobs.yml: job 'x': enabled: Input should be a valid boolean, unable to interpret input, got 'maybe'",
        ),
        (
            one_job("kind: python\ntarget: m:f\nkwargs: {1: one}\nschedule: {interval: 1m}"),
            "jobs.yml: job 'x': kwargs[1] (a key): Input should be a valid string, got 1",
        ),
        ("jobs:\n  - just a string\n", "jobs.yml: jobs[0]: expected a job (a mapping of fields), got a string"),
        ("jobs:\n  - [a, b]\n", "jobs.yml: jobs[0]: expected a job (a mapping of fields), got a list"),
    ],
)
def test_each_problem_names_the_file_the_job_and_the_field(text: str, expected: str) -> None:
    lines = problems(text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "jobs.yml: expected a mapping with a 'jobs' list at the top level, got an empty file"),
        ("# only a comment\n", "jobs.yml: expected a mapping with a 'jobs' list at the top level, got an empty file"),
        ("- id: a\n", "jobs.yml: expected a mapping with a 'jobs' list at the top level, got a list"),
        ("just text\n", "jobs.yml: expected a mapping with a 'jobs' list at the top level, got a string"),
        ("{}\n", "jobs.yml: jobs: missing (the top level needs a 'jobs' list; write 'jobs: []' for none)"),
        ("jobs:\n", "jobs.yml: jobs: expected a list of jobs (write 'jobs: []' for none), got nothing"),
        ("jobs: {a: 1}\n", "jobs.yml: jobs: expected a list of jobs (write 'jobs: []' for none), got a mapping"),
    ],
)
def test_it_refuses_a_file_without_a_jobs_list(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_it_refuses_unknown_top_level_keys() -> None:
    assert problems("jobs: []\nversion: 2\njbos: []\n") == [
        "jobs.yml: unknown top-level key 'version' (the top level holds only 'jobs')",
        "jobs.yml: unknown top-level key 'jbos' (the top level holds only 'jobs')",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "jobs:\n  - id: a\n    command: [ls\n",
            "jobs.yml: line 4: bad YAML: expected ',' or ']', but got '<stream end>'",
        ),
        ("jobs:\n  - id: a\n    name: a: b\n", "jobs.yml: line 3: bad YAML: mapping values are not allowed here"),
        ("jobs:\n\t- id: a\n", "jobs.yml: line 2: bad YAML: found character '\\t' that cannot start any token"),
        (
            "jobs:\n  - id: a\n    schedule: {cron: */5 * * * *}\n",
            "jobs.yml: line 3: bad YAML: expected alphabetic or numeric character, but found '/' "
            '(quote values that start with *, e.g. cron: "*/5 * * * *")',
        ),
        ("jobs: []\n---\njobs: []\n", "jobs.yml: line 2: bad YAML: expected a single document in the stream, but"),
        ("jobs: [*nowhere]\n", "jobs.yml: line 1: bad YAML: found undefined alias 'nowhere'"),
        (
            "jobs: !!python/object/apply:os.system [echo pwned]\n",
            "jobs.yml: line 1: bad YAML: could not determine a constructor for the tag",
        ),
    ],
)
def test_it_reports_bad_yaml_with_its_line_number(text: str, expected: str) -> None:
    lines = problems(text)
    assert len(lines) == 1
    assert lines[0].startswith(expected)


def test_it_refuses_a_key_given_twice_rather_than_keeping_the_last() -> None:
    text = one_job(SHELL + "schedule: {interval: 1m}\nschedule: {interval: 1h}")
    assert problems(text) == ["jobs.yml: line 6: duplicate key 'schedule'"]
    assert problems("jobs: []\njobs: []\n") == ["jobs.yml: line 2: duplicate key 'jobs'"]
    text = "jobs:\n  - {id: a, kind: python, target: m:f, kwargs: {1: a, '1': b}, schedule: {interval: 1m}}\n"
    assert problems(text) == ["jobs.yml: job 'a': kwargs[1] (a key): Input should be a valid string, got 1"]


def test_yaml_anchors_and_merge_keys_work() -> None:
    text = """\
    jobs:
      - &base {id: a, kind: shell, command: [ls], schedule: {interval: 1m}, timeout: 5m}
      - {<<: *base, id: b}
    """
    first, second = parse_jobs_document(dedent(text), "jobs.yml")
    assert (first.id, second.id, second.timeout) == ("a", "b", timedelta(minutes=5))


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["a", "b", "c", "a"], "jobs.yml: duplicate id 'a' (jobs[0] and jobs[3])"),
        (["a", "a", "b", "a"], "jobs.yml: duplicate id 'a' (jobs[0], jobs[1] and jobs[3])"),
    ],
)
def test_it_refuses_duplicate_ids(ids: list[str], expected: str) -> None:
    text = "jobs:\n" + "".join(
        f"  - {{id: {i}, kind: shell, command: [ls], schedule: {{interval: 1m}}}}\n" for i in ids
    )
    assert problems(text) == [expected]


def test_it_collects_every_problem_and_refuses_the_whole_file() -> None:
    text = """\
    jobs:
      - {id: good, kind: shell, command: [ls], schedule: {interval: 1m}}
      - {id: a, kind: shel, command: [ls], schedule: {interval: 1m}}
      - {kind: http, url: ftp://x, schedule: {interval: 1m}}
      - {id: c, kind: python, target: nope, schedule: {cron: "0 25 * * *"}}
      - {id: a, kind: shell, command: [ls], schedule: {interval: 1m}}
    surprise: true
    """
    lines = problems(text)
    assert lines[0] == "jobs.yml: unknown top-level key 'surprise' (the top level holds only 'jobs')"
    assert "jobs.yml: job 'a': kind: unknown kind 'shel' (use shell, http, python, celery or digest)" in lines
    assert "jobs.yml: jobs[2]: id: missing" in lines
    assert any(line.startswith("jobs.yml: jobs[2]: url: url must start with http://") for line in lines)
    assert any(line.startswith("jobs.yml: job 'c': target: target must look like") for line in lines)
    assert any(line.startswith("jobs.yml: job 'c': schedule.cron: bad cron expression '0 25 * * *'") for line in lines)
    assert lines[-1] == "jobs.yml: duplicate id 'a' (jobs[1] and jobs[4])"
    assert len(lines) == 7
    assert not any("'good'" in line for line in lines)


def test_the_error_carries_its_lines_and_reads_as_one_message() -> None:
    error = JobsFileError(["jobs.yml: a", "jobs.yml: b"])
    assert error.lines == ["jobs.yml: a", "jobs.yml: b"]
    assert str(error) == "jobs.yml: a; jobs.yml: b"


def test_it_loads_a_file_and_names_it_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yml"
    path.write_text(BRIEF_EXAMPLE, encoding="utf-8")
    assert [spec.id for spec in load_jobs_file(path)] == ["nightly-backup", "ping-api"]
    path.write_text("jobs:\n  - {id: x}\n", encoding="utf-8")
    with pytest.raises(JobsFileError) as caught:
        load_jobs_file(str(path))
    assert caught.value.lines == [f"{path}: job 'x': kind: missing (use shell, http, python, celery or digest)"]


def test_it_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(JobsFileError) as caught:
        load_jobs_file(tmp_path / "missing.yml")
    assert caught.value.lines == [f"{tmp_path / 'missing.yml'}: cannot read the file: No such file or directory"]
    with pytest.raises(JobsFileError) as caught:
        load_jobs_file(tmp_path)
    assert caught.value.lines[0].startswith(f"{tmp_path}: cannot read the file: ")


def test_it_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yml"
    path.write_bytes(b"jobs:\n  - id: caf\xe9\n")
    with pytest.raises(JobsFileError) as caught:
        load_jobs_file(path)
    assert caught.value.lines == [f"{path}: not UTF-8 text (invalid continuation byte at byte 17)"]


def test_the_example_jobs_file_is_valid_and_shows_every_kind() -> None:
    specs = load_jobs_file(REPO / "jobs.yml", variables={"PORT": "8080"})
    assert {spec.kind for spec in specs} == {"shell", "http", "python", "digest"}
    assert any(isinstance(spec.schedule, CronSchedule) and spec.schedule.timezone for spec in specs)
    assert any(isinstance(spec, ShellJob) and isinstance(spec.command, str) for spec in specs)
    # Nothing answers the health check, and a digest needs Slack, until they are set up.
    assert {spec.id for spec in specs if not spec.enabled} == {"morning-sitrep"}


def test_the_example_python_job_counts_files_and_skips_hidden_folders(tmp_path: Path) -> None:
    from examples.tasks import count_files

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "b.txt").write_text("hello")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "c.py").write_text("ignored")
    assert count_files(str(tmp_path)) == {"directory": str(tmp_path), "suffix": None, "files": 2, "bytes": 11}
    assert count_files(str(tmp_path), suffix=".py")["files"] == 1
    with pytest.raises(NotADirectoryError):
        count_files(str(tmp_path / "b.txt"))
