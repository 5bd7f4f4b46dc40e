"""The Workers section of /sitrep and the Home tab, a run's progress, and the stalled-queue alert: what they
say, and that at their largest, full of hostile text, they stay within Slack's limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.views.common import when
from bot.views.home import home_view
from bot.views.sitrep import sitrep_message
from bot.views.workers import (
    progress_words,
    queue_recovered_message,
    queue_stalled_message,
    workers_block,
)
from core.runs import RunTrigger
from core.sitrep.model import HealthLevel, RunningRun, Sitrep, WaitingQueue, WorkerLine, WorkersOverview
from tests.bot.views.checks import all_text, assert_message_ok, assert_view_ok
from tests.bot.views.factories import NOW, hostile, sitrep


def running(
    run_id: int, *, worker: str | None = "w1@db-host", progress: float | None = 0.4, text: str = ""
) -> RunningRun:
    return RunningRun(
        run_id=run_id,
        job_id="backup-db",
        title="backup-db",
        trigger=RunTrigger.SCHEDULE,
        started_at=NOW - timedelta(minutes=2),
        elapsed=timedelta(minutes=2),
        timeout=timedelta(hours=1),
        stuck=False,
        worker=worker,
        progress=progress,
        progress_text=text or None,
    )


def line(name: str, *, online: bool = True, runs: list[RunningRun] | None = None, **fields: object) -> WorkerLine:
    values: dict[str, object] = {
        "name": name,
        "host": "db-host",
        "pid": 4242,
        "queues": ["db"],
        "concurrency": 2,
        "online": online,
        "started_at": NOW - timedelta(hours=1),
        "last_seen": NOW - timedelta(seconds=3 if online else 600),
        "running": runs or [],
    }
    values.update(fields)
    return WorkerLine.model_validate(values)


def with_workers(overview: WorkersOverview | None, *, size: int = 0) -> Sitrep:
    return sitrep(size=size, level=HealthLevel.DEGRADED).model_copy(update={"workers": overview})


def largest() -> WorkersOverview:
    """50 workers (as many as the registry lists), each with hostile names, many queues and runs."""
    workers = [
        line(
            f"{hostile(150)}-{number}",
            online=number % 3 != 0,
            host=hostile(255),
            queues=[f"q{number}-{index}" + "x" * 55 for index in range(40)],
            runs=[running(number * 100 + index, text=hostile(200)) for index in range(20)],
        )
        for number in range(50)
    ]
    waiting = [WaitingQueue(queue=f"q{n}" + "x" * 60, runs=10_000, since=NOW, served=bool(n % 2)) for n in range(40)]
    return WorkersOverview(workers=workers, waiting=waiting)


def test_each_worker_says_online_or_offline_where_it_runs_what_it_consumes_and_what_it_does() -> None:
    overview = WorkersOverview(
        workers=[
            line("w1@db-host", runs=[running(12, text="copying table 3/7")]),
            line("w2@app-host", host="app-host", queues=["reports", "mail"]),
            line("w3@old-host", online=False, stopped_at=NOW - timedelta(minutes=10)),
            line("w4@gone-host", online=False),
            line("w5@cut-host", online=False, broker_lost_at=NOW - timedelta(minutes=3), last_seen=NOW),
        ]
    )
    text = all_text({"blocks": [workers_block(with_workers(overview))]})
    assert "*Workers (2 online of 5)*" in text
    assert ":large_green_circle: `w1@db-host` · db-host pid 4242 · queue `db` · running *backup-db* run 12" in text
    assert "run 12 · 40% copying table 3/7 · for 2m" in text
    assert "`w2@app-host` · app-host pid 4242 · queues `reports`, `mail` · idle" in text
    assert ":black_circle: `w3@old-host`" in text and "*offline*, stopped " in text
    assert "`w4@gone-host`" in text and "*offline*, last seen " in text
    cut_off = f"*offline*, cut off from its broker since {when(NOW - timedelta(minutes=3))}, last seen {when(NOW)}"
    assert "`w5@cut-host`" in text and cut_off in text


def test_waiting_queues_come_first_and_say_whether_any_worker_consumes_them() -> None:
    overview = WorkersOverview(
        workers=[line("w1@db-host")],
        waiting=[
            WaitingQueue(queue="reports", runs=3, since=NOW, served=False),
            WaitingQueue(queue="db", runs=1, since=NOW, served=True),
        ],
    )
    lines = all_text({"blocks": [workers_block(with_workers(overview))]}).splitlines()
    assert lines[1].startswith(":warning: Queue `reports`: 3 runs waiting since ")
    assert lines[1].endswith("*no online worker consumes it*")
    assert lines[2].startswith("Queue `db`: 1 run waiting since ") and lines[2].endswith("every worker on it is busy")


def test_the_section_is_left_out_without_workers_and_says_so_when_none_registered() -> None:
    assert workers_block(with_workers(None)) is None
    assert "Workers" not in all_text(sitrep_message(with_workers(None)))
    empty = all_text(sitrep_message(with_workers(WorkersOverview())))
    assert "*Workers (0 online of 0)*" in empty and "No worker has registered" in empty


def test_a_running_run_shows_its_progress_in_the_sitrep_and_the_home_tab() -> None:
    report = sitrep(size=0, level=HealthLevel.HEALTHY).model_copy(
        update={
            "running": [running(12, worker=None, text="copying table 3/7")],
            "workers": WorkersOverview(workers=[line("w1@db-host", runs=[running(13, progress=None)])]),
        }
    )
    text = all_text(sitrep_message(report))
    assert "· run 12 · scheduled · for 2m · 40% copying table 3/7" in text
    assert "running *backup-db* run 13 · for 2m" in text  # no progress reported: none shown
    assert "*Workers (1 online of 1)*" in all_text(home_view(report))


@pytest.mark.parametrize(
    ("progress", "text", "shown"),
    [
        (None, "", ""),
        (0.0, "", " · 0%"),
        (1.0, "done", " · 100% done"),
        (0.333, "a <b> & c", " · 33% a &lt;b&gt; &amp; c"),
    ],
)
def test_progress_words(progress: float | None, text: str, shown: str) -> None:
    assert progress_words(running(1, progress=progress, text=text)) == shown


def test_the_sitrep_and_the_home_tab_stay_within_limits_at_their_largest() -> None:
    report = with_workers(largest(), size=500)
    message = sitrep_message(report)
    assert_message_ok(message)
    assert re.search(r"_and \d+ more lines_", all_text(message))
    assert_view_ok(home_view(report, failing_limit=1000, upcoming_limit=500), surface="home")


def test_the_queue_alert_and_its_recovery_are_well_formed() -> None:
    stalled = queue_stalled_message("reports", waiting=3, since=NOW)
    assert_message_ok(stalled)
    text = all_text(stalled)
    assert ":warning: *Queue `reports` has no worker*: 3 runs wait on it, the oldest since " in text
    assert "`schedops worker --queue reports`" in text
    recovered = queue_recovered_message("reports", waited=1, at=NOW)
    assert_message_ok(recovered)
    assert "(1 run had waited)" in all_text(recovered)
    longest = "q" + "x" * 63
    assert_message_ok(queue_stalled_message(longest, waiting=10**9, since=NOW))
