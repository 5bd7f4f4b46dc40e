from __future__ import annotations

from datetime import timedelta

import pytest

from bot.parsing import FixitRequest, JobsRequest, ParseError, SitrepRequest, parse_fixit, parse_jobs, parse_sitrep
from core.fixit.model import FixitMode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SitrepRequest()),
        ("  ", SitrepRequest()),
        ("help", SitrepRequest(help=True)),
        ("nightly-backup", SitrepRequest(job_id="nightly-backup")),
    ],
)
def test_sitrep_reads(text: str, expected: SitrepRequest) -> None:
    assert parse_sitrep(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", FixitRequest()),
        ("greedy", FixitRequest(mode=FixitMode.GREEDY)),
        ("--dry-run conservative", FixitRequest(mode=FixitMode.CONSERVATIVE, dry_run=True)),
        ("\u2014dry-run", FixitRequest(dry_run=True)),
        ("--max-retries 5 --window 6h", FixitRequest(max_retries=5, window=timedelta(hours=6))),
        ("--job a --job b --job a", FixitRequest(job_ids=("a", "b"))),
        ("help", FixitRequest(help=True)),
    ],
)
def test_fixit_reads(text: str, expected: FixitRequest) -> None:
    assert parse_fixit(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("reckless", "I don't understand `reckless`"),
        ("greedy balanced", "give one mode only"),
        ("--max-retries", "`--max-retries` needs a value"),
        ("--max-retries lots", "`--max-retries` must be a whole number from 1 to 10"),
        ("--max-retries 0", "`--max-retries` must be a whole number from 1 to 10"),
        ("--max-retries \u00b2", "`--max-retries` must be a whole number from 1 to 10"),
        ("--window forever", "`--window forever` is not a duration"),
        ("--window 90d", "`--window` must be between 1m and 30d"),
        ("--job Bad!", "`Bad!` is not a job id"),
        ("`@channel`", "I don't understand `'@channel'`"),
        ("x" * 500, "I don't understand `" + "x" * 39 + "…`"),
    ],
)
def test_fixit_explains_bad_input(text: str, problem: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_fixit(text)
    assert refused.value.problem.startswith(problem)
    assert "/fixit" in refused.value.usage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", JobsRequest("list")),
        ("list", JobsRequest("list", number=1)),
        ("list 3", JobsRequest("list", number=3)),
        ("show nightly-backup", JobsRequest("show", "nightly-backup")),
        ("HISTORY nightly-backup", JobsRequest("history", "nightly-backup", number=10)),
        ("history nightly-backup 25", JobsRequest("history", "nightly-backup", number=25)),
        ("run a", JobsRequest("run", "a")),
        ("pause a", JobsRequest("pause", "a")),
        ("resume a", JobsRequest("resume", "a")),
        ("edit a", JobsRequest("edit", "a")),
        ("remove a", JobsRequest("remove", "a")),
        ("new", JobsRequest("new")),
        ("export", JobsRequest("export")),
        ("--help", JobsRequest("help")),
    ],
)
def test_jobs_reads(text: str, expected: JobsRequest) -> None:
    assert parse_jobs(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("explode", "`explode` is not a `/jobs` command"),
        ("show", "`/jobs show` needs a job id"),
        ("history a 0", "the number of runs must be a whole number from 1 to 50"),
        ("history a 51", "the number of runs must be a whole number from 1 to 50"),
        ("history a many", "the number of runs must be a whole number from 1 to 50"),
        ("list -1", "`/jobs list` takes an optional page number"),
        ("list \u00b2", "`/jobs list` takes an optional page number"),
        ("history a \u0663", "the number of runs must be a whole number from 1 to 50"),
        ("run a b", "`/jobs run` takes one job id"),
        ("new thing", "`/jobs new` takes no arguments"),
        ("show <!channel>", "`<!channel>` is not a job id"),
        ("показать задачу", "`показать` is not a `/jobs` command"),
    ],
)
def test_jobs_explains_bad_input(text: str, problem: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_jobs(text)
    assert refused.value.problem.startswith(problem)


@pytest.mark.parametrize(("text", "page"), [("mine", 1), ("mine 3", 3)])
def test_jobs_mine_lists_the_callers_jobs_a_page_at_a_time(text: str, page: int) -> None:
    assert parse_jobs(text) == JobsRequest("mine", number=page)


@pytest.mark.parametrize(
    ("text", "extra"),
    [
        ("next 0 2 * * *", {"cron": "0 2 * * *"}),
        ("next 0 2 * * 1-5 Europe/Berlin", {"cron": "0 2 * * 1-5", "timezone": "Europe/Berlin"}),
        ("next @daily Australia/Sydney", {"cron": "@daily", "timezone": "Australia/Sydney"}),
    ],
)
def test_jobs_next_takes_a_cron_expression_and_an_optional_zone(text: str, extra: dict[str, str]) -> None:
    assert parse_jobs(text) == JobsRequest("next", extra=extra)


@pytest.mark.parametrize("text", ["next", "next 0 2 * *", "next 0 2 * * * Europe/Berlin extra", "next @daily a b"])
def test_jobs_next_refuses_anything_else(text: str) -> None:
    with pytest.raises(ParseError, match="five cron fields"):
        parse_jobs(text)
