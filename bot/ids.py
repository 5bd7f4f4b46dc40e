"""Every action_id, block_id and callback_id the bot's views use, so listeners and views agree on one spelling.

Slack wants an action_id unique within a message or view, so a button repeated per row (Show output on each
run of a history, Retry on each failing job of the Home tab) carries a key: ``keyed(SHOW_OUTPUT, 42)`` is
``show_output:42``. Listeners register such buttons with ``matching(SHOW_OUTPUT)`` (a regex matching the bare
id and every keyed one) and read the id back with ``base(action_id)``; the button's ``value`` still carries
what it acts on.
"""

from __future__ import annotations

import re

_KEY_SEPARATOR = ":"

# -- action_ids: buttons ---------------------------------------------------------------------------------
APPROVE = "approve"  # value: the signed approve token
DENY = "deny"  # value: the signed deny token
JOBS_PAGE_PREVIOUS = "jobs_page_previous"  # value: the page number to show
JOBS_PAGE_NEXT = "jobs_page_next"  # value: the page number to show
SHOW_OUTPUT = "show_output"  # value: run id (keyed per run in a history)
RETRY = "retry"  # on failure alerts and the Home tab; value: job id (keyed per job on Home)
PAUSE = "pause"  # on failure alerts; value: job id
JOB_RUN = "job_run"  # job card "Run now"; value: job id
JOB_PAUSE = "job_pause"  # job card; value: job id
JOB_RESUME = "job_resume"  # job card; value: job id
JOB_HISTORY = "job_history"  # job card; value: job id
CANCEL_RUN = "cancel_run"  # on each running run shown (keyed per run); value: run id, never who may

# Buttons whose value is a job id.
JOB_BUTTONS = (RETRY, PAUSE, JOB_RUN, JOB_PAUSE, JOB_RESUME, JOB_HISTORY)

# -- callback_ids ----------------------------------------------------------------------------------------
JOB_FORM = "job_form"
OUTPUT_MODAL = "run_output"

# -- block_ids: the job form's inputs (each input's action_id is its block_id) -----------------------------
FORM_ID = "job_id"
FORM_NAME = "job_name"
FORM_KIND = "job_kind"
FORM_WHAT = "job_what"
FORM_SCHEDULE_KIND = "job_schedule_kind"
FORM_SCHEDULE = "job_schedule"
FORM_TIMEZONE = "job_timezone"
FORM_TIMEOUT = "job_timeout"
FORM_RETRIES = "job_retries"
FORM_OWNER = "job_owner"
FORM_BLOCKS = (
    FORM_ID,
    FORM_NAME,
    FORM_KIND,
    FORM_WHAT,
    FORM_SCHEDULE_KIND,
    FORM_SCHEDULE,
    FORM_TIMEZONE,
    FORM_TIMEOUT,
    FORM_RETRIES,
    FORM_OWNER,
)

# -- block_ids: actions blocks, and prefixes of per-row blocks (``keyed(prefix, key)``) ---------------------
APPROVAL_ACTIONS = "approval_actions"
ALERT_ACTIONS = "alert_actions"
JOB_ACTIONS = "job_actions"
JOB_REPORT_ACTIONS = "job_report_actions"
JOBS_PAGES = "jobs_pages"
HISTORY_RUN = "history_run"
HOME_FAILING = "home_failing"
RUNNING_RUN = "running_run"  # one running run's section, with its Cancel button
RUN_ACTIONS = "run_actions"  # the buttons under a "run started" reply


def keyed(identifier: str, key: object) -> str:
    """``identifier`` made unique for one row: ``show_output:42``."""
    return f"{identifier}{_KEY_SEPARATOR}{key}"


def base(identifier: str) -> str:
    """The bare id of a possibly keyed one: ``base("show_output:42") == "show_output"``."""
    return identifier.split(_KEY_SEPARATOR, 1)[0]


def matching(identifier: str) -> re.Pattern[str]:
    """A pattern for ``app.action(...)`` that matches ``identifier`` bare or keyed."""
    return re.compile(rf"^{re.escape(identifier)}(?:{_KEY_SEPARATOR}.+)?$")
