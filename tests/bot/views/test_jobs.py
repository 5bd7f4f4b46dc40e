from __future__ import annotations

import re
from typing import Any

import pytest

from bot import ids
from bot.views.jobs import (
    HISTORY_LIMIT,
    export_message,
    history_message,
    job_detail_message,
    job_done_message,
    jobs_help,
    jobs_list_message,
)
from core.jobs.spec import parse_job
from core.runs import RunStatus
from tests.bot.views.checks import all_text, assert_message_ok, buttons
from tests.bot.views.factories import NOW, hostile_run, many_jobs, run, spec, stored


def _page_buttons(message: Any) -> dict[str, str]:
    return {button["action_id"]: button["value"] for button in buttons(message)}


@pytest.mark.parametrize(
    ("count", "page", "page_size", "says", "previous", "next_"),
    [
        (1, 1, 20, "page 1 of 1", None, None),
        (20, 1, 20, "page 1 of 1", None, None),
        (21, 1, 20, "page 1 of 2", None, "2"),
        (21, 2, 20, "page 2 of 2", "1", None),
        (140, 2, 20, "page 2 of 7", "1", "3"),
        (140, 7, 20, "page 7 of 7", "6", None),
        (140, 0, 20, "page 1 of 7", None, "2"),  # below the first page: the first page
        (5, 3, 2, "page 3 of 3", "2", None),
        (300, 1, 1000, "page 1 of 3", None, "2"),  # a page holds at most 100
    ],
)
def test_the_job_list_pages(
    count: int, page: int, page_size: int, says: str, previous: str | None, next_: str | None
) -> None:
    message = jobs_list_message(many_jobs(count, name_length=10), page=page, page_size=page_size)
    assert_message_ok(message)
    assert says in all_text(message)
    pages = _page_buttons(message)
    assert pages.get(ids.JOBS_PAGE_PREVIOUS) == previous
    assert pages.get(ids.JOBS_PAGE_NEXT) == next_


def test_each_page_lists_its_own_jobs() -> None:
    jobs = many_jobs(45, name_length=10)
    text = all_text(jobs_list_message(jobs, page=3))
    assert [job.id for job in jobs if job.id in text] == [job.id for job in jobs[40:]]


@pytest.mark.parametrize(("count", "pages"), [(140, "7 pages"), (3, "1 page")])
def test_a_page_past_the_end_says_so_and_offers_the_last_page(count: int, pages: str) -> None:
    message = jobs_list_message(many_jobs(count, name_length=10), page=9)
    assert_message_ok(message)
    assert f"There is no page 9: {count} jobs make {pages}." in all_text(message)
    assert _page_buttons(message) == {ids.JOBS_PAGE_PREVIOUS: pages.split()[0]}


def test_an_empty_job_list_says_how_to_add_one() -> None:
    message = jobs_list_message([], page=1)
    assert "/jobs new" in all_text(message)
    assert buttons(message) == []


def test_a_job_line_shows_state_kind_and_schedule() -> None:
    text = all_text(jobs_list_message([stored(spec(schedule={"cron": "*/5 * * * *"}), paused=True)], page=1))
    assert "*backup*" in text and "shell" in text and "paused" in text
    assert "`cron */5 * * * *`" in text  # inline code: the stars must not turn bold


@pytest.mark.parametrize(("paused", "toggle"), [(False, ids.JOB_PAUSE), (True, ids.JOB_RESUME)])
def test_a_job_card_has_run_now_pause_or_resume_and_history(paused: bool, toggle: str) -> None:
    message = job_detail_message(stored(spec(), paused=paused), upcoming=[NOW], default_timezone="Europe/Berlin")
    assert_message_ok(message)
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in buttons(message)] == [
        ("Run now", ids.JOB_RUN, "backup"),
        ("Resume" if paused else "Pause", toggle, "backup"),
        ("History", ids.JOB_HISTORY, "backup"),
    ]


def test_a_job_card_explains_the_job_in_words() -> None:
    job = stored(spec(schedule={"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}))
    text = all_text(job_detail_message(job, upcoming=[NOW], default_timezone="UTC"))
    assert "At 09:00, Monday through Friday (Europe/Berlin time)" in text
    assert "Runs pg_dump app (through sh -c)." in text
    assert "2026-11-22 12:00 UTC" in text


def test_a_celery_job_card_names_the_task_and_queue_but_never_the_broker_password() -> None:
    celery = {"id": "sync", "kind": "celery", "task": "app.tasks.sync", "args": ["acct-secret"], "task_queue": "sync"}
    job = stored(parse_job({**celery, "broker": "amqp://team:s3cret-pw@broker:5672//", "schedule": {"interval": "1h"}}))
    message = job_detail_message(job, upcoming=[NOW], default_timezone="UTC")
    assert_message_ok(message)
    text = all_text(message)
    assert "Sends the Celery task app.tasks.sync to the sync queue through amqp://[hidden]@broker:5672//" in text
    assert "s3cret-pw" not in text and "acct-secret" not in text


def test_a_paused_job_card_has_no_next_runs() -> None:
    text = all_text(job_detail_message(stored(spec(), paused=True), upcoming=[NOW], default_timezone="UTC"))
    assert "none while it is paused" in text
    assert "<@U0ALICE>" in text


def test_history_shows_each_run_with_a_show_output_button() -> None:
    runs = [run(7, status=RunStatus.FAILED), run(6, status=RunStatus.SUCCEEDED, error=None), run(5, output=None)]
    message = history_message("backup", runs)
    assert_message_ok(message)
    assert [(b["text"]["text"], b["value"]) for b in buttons(message)] == [
        ("Show output", "7"),
        ("Show output", "6"),
        ("Show output", "5"),
    ]
    assert all(ids.matching(ids.SHOW_OUTPUT).match(b["action_id"]) for b in buttons(message))
    text = all_text(message)
    assert ":x: failed" in text and ":white_check_mark: succeeded" in text and "exit status 1" in text
    assert "1m33s" in text and "scheduled" in text


def test_a_run_with_nothing_to_show_has_no_button() -> None:
    message = history_message("backup", [run(status=RunStatus.MISSED, output=None, error=None)])
    assert buttons(message) == []


@pytest.mark.parametrize("count", [HISTORY_LIMIT, HISTORY_LIMIT + 1, 500])
def test_history_stays_within_fifty_blocks_and_says_what_it_left_out(count: int) -> None:
    message = history_message("backup", [hostile_run(i) for i in range(count)])
    assert_message_ok(message)
    assert len(buttons(message)) == HISTORY_LIMIT
    left_out = count - HISTORY_LIMIT
    assert (f"and {left_out} more run" in all_text(message)) == (left_out > 0)


def test_an_empty_history_says_so() -> None:
    assert "No runs of `backup` yet." in all_text(history_message("backup", []))


def test_a_short_export_is_shown_whole() -> None:
    yaml_text = "jobs:\n  - id: backup\n    kind: shell\n    command: echo `date` > /tmp/x\n"
    message = export_message(yaml_text)
    assert_message_ok(message)
    text = all_text(message)
    assert "command: echo `date` > /tmp/x" in text
    assert "schedops jobs export" not in text


def test_a_long_export_is_cut_with_a_pointer_to_the_cli() -> None:
    yaml_text = "".join(f"  - id: job-{n}\n    command: {'x' * 100}\n" for n in range(2000))
    message = export_message(yaml_text)
    assert_message_ok(message)
    assert re.search(r"showing the first [\d,]+ of 4,000 lines", all_text(message))
    assert "`schedops jobs export`" in all_text(message)


def test_job_done_keeps_the_actor_mention_and_escapes_the_rest() -> None:
    message = job_done_message("<@U0ALICE> paused `backup` <!channel>.")
    assert_message_ok(message)
    assert message["blocks"][0]["text"]["text"] == ":white_check_mark: <@U0ALICE> paused `backup` &lt;!channel&gt;."


def test_jobs_help_lists_the_commands() -> None:
    message = jobs_help()
    assert_message_ok(message)
    assert "/jobs history ID" in all_text(message)


def test_a_page_read_from_the_database_reads_like_a_slice_of_the_whole_list() -> None:
    jobs = many_jobs(45, name_length=10)
    whole = jobs_list_message(jobs, page=2)
    paged = jobs_list_message(jobs[20:40], page=2, total=45)
    assert paged == whole
