"""Every view at its largest stays inside Slack's limits, has a text fallback, and forges nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.views.alerts import failure_alert_message, recovered_alert_message, repeat_failure_reply
from bot.views.approvals import approval_decided_message, approval_request_message, refusal_message
from bot.views.common import error_message, notice_message
from bot.views.fixit import fixit_help, fixit_plan_message
from bot.views.home import home_view
from bot.views.job_form import job_form_modal
from bot.views.jobs import (
    export_message,
    history_message,
    job_detail_message,
    job_done_message,
    jobs_help,
    jobs_list_message,
)
from bot.views.output import output_modal
from bot.views.sitrep import job_report_message, sitrep_help, sitrep_message
from core.approvals.errors import (
    AlreadyDecided,
    ApprovalExpired,
    ApprovalLookupError,
    BadToken,
    NoApprovers,
    NotAnApprover,
    OwnRequest,
)
from core.approvals.model import ActionRequest, ApprovalStatus
from core.jobs.export import export_jobs_yaml
from core.runs import RunStatus
from core.sitrep.model import HealthLevel, JobReport, RunSummary
from tests.bot.views.checks import assert_message_ok, assert_view_ok
from tests.bot.views.factories import (
    ALICE,
    NOW,
    approval,
    hostile,
    hostile_output,
    hostile_run,
    many_jobs,
    plan,
    run,
    sitrep,
    spec,
    stored,
)

HUGE = hostile(50_000)
TOKEN = "t" * 120


def _job_report(size: int) -> JobReport:
    summary = RunSummary(
        run_id=1,
        job_id="backup",
        title=hostile(200),
        trigger="schedule",
        attempt=2,
        status=RunStatus.FAILED,
        created_at=NOW,
        started_at=NOW,
        duration=None,
        error_message=hostile(2000),
        output_tail=hostile_output(),
    )
    big = sitrep(size=size)
    return JobReport(
        generated_at=NOW,
        timezone="UTC",
        job_id="backup",
        title=hostile(200),
        kind="shell",
        description=hostile(2000),
        definition=[hostile(500)] * size,
        schedule=hostile(300),
        schedule_expression="cron */5 * * * * " + hostile(100),
        enabled=True,
        paused=True,
        paused_by=hostile(50),
        paused_at=NOW,
        next_runs=[NOW] * size,
        running=big.running,
        last_runs=[summary] * size,
        success_rate=0.5,
        sample_size=size,
        consecutive_failures=size,
        last_succeeded_at=None,
    )


def _big_spec() -> Any:
    return spec(
        "x" * 64,
        name=hostile(200),
        description=hostile(2000),
        command=hostile(3000),
        env={"A" * 50: hostile(100)},
        alert_channel=hostile(80),
    )


MESSAGES: dict[str, Callable[[], Any]] = {
    "sitrep, everything x500": lambda: sitrep_message(sitrep(size=500)),
    "sitrep, empty and healthy": lambda: sitrep_message(sitrep(size=0, level=HealthLevel.HEALTHY)),
    "sitrep, database down": lambda: sitrep_message(sitrep(size=2, database_error=HUGE)),
    "job report, largest": lambda: job_report_message(_job_report(500)),
    "job report, no runs": lambda: job_report_message(_job_report(0)),
    "sitrep help": sitrep_help,
    "job list, 500 jobs, page 1": lambda: jobs_list_message(many_jobs(500), page=1),
    "job list, 500 jobs, last page": lambda: jobs_list_message(many_jobs(500), page=25),
    "job list, 500 jobs, page past the end": lambda: jobs_list_message(many_jobs(500), page=10_000),
    "job list, pages of 100": lambda: jobs_list_message(many_jobs(300), page=2, page_size=100),
    "job list, pages of 10,000": lambda: jobs_list_message(many_jobs(300), page=1, page_size=10_000),
    "job list, empty": lambda: jobs_list_message([], page=1),
    "job detail, largest": lambda: job_detail_message(
        stored(_big_spec(), paused=True), upcoming=[NOW] * 100, default_timezone="Europe/Berlin"
    ),
    "history, 500 runs with 8 KiB outputs": lambda: history_message("x" * 64, [hostile_run(i) for i in range(500)]),
    "history, empty": lambda: history_message("backup", []),
    "jobs help": jobs_help,
    "export, 500 jobs": lambda: export_message(export_jobs_yaml([job.spec for job in many_jobs(500)])),
    "export, hostile text": lambda: export_message(HUGE),
    "export, empty": lambda: export_message(""),
    "job done": lambda: job_done_message(HUGE.replace("<@U0EVIL>", "<@U0ALICE>")),
    "fix-it plan, 500 items, dry run": lambda: fixit_plan_message(plan(500), dry_run=True),
    "fix-it plan, 500 items": lambda: fixit_plan_message(plan(500), dry_run=False),
    "fix-it plan, empty": lambda: fixit_plan_message(plan(0), dry_run=True),
    "fix-it help": fixit_help,
    "approval request, 500 detail lines": lambda: approval_request_message(
        approval(requested_by=hostile(100)), approve_token=TOKEN, deny_token=TOKEN, details=[hostile(300)] * 500
    ),
    "approval request, fix-it": lambda: approval_request_message(
        approval(request=ActionRequest.fixit("p" * 200)), approve_token=TOKEN, deny_token=TOKEN, details=[]
    ),
    "alert, 8 KiB hostile output": lambda: failure_alert_message(_big_spec(), hostile_run(), consecutive_failures=99),
    "alert, no output": lambda: failure_alert_message(spec(), run(output=None, error=None), consecutive_failures=1),
    "alert, repeat in thread": lambda: repeat_failure_reply(hostile_run(), consecutive_failures=12),
    "alert, recovered": lambda: recovered_alert_message(_big_spec(), run(status=RunStatus.SUCCEEDED), failures=7),
    "error message": lambda: error_message(HUGE, HUGE),
    "notice": lambda: notice_message(HUGE),
}


@pytest.mark.parametrize("build", MESSAGES.values(), ids=MESSAGES.keys())
def test_it_stays_within_slack_limits(build: Callable[[], Any]) -> None:
    assert_message_ok(build())


@pytest.mark.parametrize("status", list(ApprovalStatus))
def test_a_decided_approval_at_its_largest_stays_within_limits(status: ApprovalStatus) -> None:
    message = approval_decided_message(
        approval(status, requested_by=hostile(60), decided_by=hostile(60)),
        details=[hostile(300)] * 500,
        progress=[hostile(300)] * 500,
        result="\n".join([hostile(300)] * 500),
    )
    assert_message_ok(message)


REFUSALS = [
    BadToken(),
    ApprovalExpired("appr-1", NOW),
    AlreadyDecided(approval(ApprovalStatus.EXECUTED, decided_by=hostile(50))),
    NotAnApprover(ALICE),
    OwnRequest(ALICE),
    NoApprovers(),
    ApprovalLookupError("appr-1"),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda refusal: type(refusal).__name__)
def test_every_refusal_stays_within_limits(refusal: Any) -> None:
    assert_message_ok(refusal_message(refusal))


def test_the_output_modal_at_its_largest_stays_within_limits() -> None:
    assert_view_ok(output_modal(hostile_run(10**15)))


def test_an_output_modal_of_nothing_stays_within_limits() -> None:
    assert_view_ok(output_modal(run(output=None, error=None)))


@pytest.mark.parametrize("allow_shell", [True, False])
@pytest.mark.parametrize("existing", [None, "largest"])
def test_the_job_form_stays_within_limits(existing: str | None, allow_shell: bool) -> None:
    job = _big_spec() if existing else None
    assert_view_ok(job_form_modal(existing=job, allow_shell=allow_shell, private_metadata="C" * 2000))


@pytest.mark.parametrize("failing_limit", [0, 10, 100, 10_000])
def test_the_home_tab_stays_within_limits(failing_limit: int) -> None:
    assert_view_ok(home_view(sitrep(size=500), failing_limit=failing_limit, upcoming_limit=500), surface="home")


def test_a_quiet_home_tab_stays_within_limits() -> None:
    assert_view_ok(home_view(sitrep(size=0, level=HealthLevel.HEALTHY)), surface="home")
