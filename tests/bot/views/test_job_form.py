from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot import ids
from bot.views.job_form import ERROR_LIMIT, form_errors, job_form_modal, read_form_metadata, read_job_form
from core.jobs.spec import HttpJob, JobSpec, parse_job
from tests.bot.views.checks import assert_view_ok


def submitted(view: dict[str, Any], **typed: str | None) -> dict[str, Any]:
    """``view.state.values`` as Slack sends them: what the form showed, with ``typed`` changes."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        value = typed.get(block_id)
        if element["type"] == "static_select":
            option = element.get("initial_option")
            if block_id in typed:
                option = next((o for o in element["options"] if o["value"] == value), None)
            state = {"type": "static_select", "selected_option": option}
        else:
            state = {"type": element["type"], "value": value if block_id in typed else element.get("initial_value")}
        values[block_id] = {element["action_id"]: state}
    return values


SPECS: dict[str, dict[str, Any]] = {
    "shell string": {
        "kind": "shell",
        "command": "pg_dump app | gzip > /backups/app.gz",
        "schedule": {"cron": "0 2 * * *"},
    },
    "shell argv with env": {
        "kind": "shell",
        "command": ["pg_dump", "--file", "my dump.sql"],
        "env": {"PGPASSWORD": "secret"},
        "cwd": "/srv",
        "schedule": {"cron": "0 2 * * 1-5", "timezone": "Europe/Berlin", "jitter": "5m"},
        "name": "Nightly <backup>",
        "timeout": "2h",
        "retries": {"max": 3, "backoff": "1m"},
    },
    "http": {
        "kind": "http",
        "url": "https://example.com/ping?x=1",
        "method": "POST",
        "headers": {"Authorization": "Bearer x"},
        "schedule": {"interval": "15m", "jitter": "30s"},
    },
    "python": {
        "kind": "python",
        "target": "app.tasks:cleanup",
        "kwargs": {"days": 7},
        "schedule": {"at": "2026-12-01T09:00:00Z"},
    },
    "celery": {
        "kind": "celery",
        "task": "app.tasks.sync",
        "args": ["acme"],
        "kwargs": {"full": True},
        "task_queue": "sync",
        "broker": "amqp://team:pw@broker:5672//",
        "schedule": {"interval": "1h"},
    },
    "digest": {"kind": "digest", "channel": "C0OPS", "window": "12h", "schedule": {"cron": "@daily"}},
    "disabled with description": {
        "kind": "http",
        "url": "http://localhost:8080/",
        "description": "pings",
        "enabled": False,
        "max_instances": 3,
        "schedule": {"interval": "1h"},
    },
}


@pytest.mark.parametrize("data", SPECS.values(), ids=SPECS.keys())
def test_an_unchanged_edit_form_gives_the_same_job_back(data: dict[str, Any]) -> None:
    spec = parse_job({"id": "nightly.backup", **data})
    view = job_form_modal(existing=spec, allow_shell=True, private_metadata="C0OPS")
    assert_view_ok(view)
    read = read_job_form(submitted(view), private_metadata=view["private_metadata"], existing=spec)
    assert parse_job(read) == spec


def test_a_filled_new_form_gives_the_job() -> None:
    view = job_form_modal(existing=None, allow_shell=True)
    typed = {
        ids.FORM_ID: "nightly-backup",
        ids.FORM_NAME: "Nightly backup",
        ids.FORM_KIND: "shell",
        ids.FORM_WHAT: "pg_dump app > /tmp/app.sql",
        ids.FORM_SCHEDULE_KIND: "cron",
        ids.FORM_SCHEDULE: " 0  2 * * * ",
        ids.FORM_TIMEZONE: "Europe/Berlin",
        ids.FORM_TIMEOUT: "30m",
        ids.FORM_RETRIES: "2",
    }
    spec = parse_job(read_job_form(submitted(view, **typed), private_metadata=view["private_metadata"]))
    assert spec == parse_job(
        {
            "id": "nightly-backup",
            "name": "Nightly backup",
            "kind": "shell",
            "command": "pg_dump app > /tmp/app.sql",
            "schedule": {"cron": "0 2 * * *", "timezone": "Europe/Berlin"},
            "timeout": "30m",
            "retries": {"max": 2},
        }
    )


def test_the_form_sets_shows_and_refuses_an_owner() -> None:
    view = job_form_modal(existing=None, allow_shell=True)
    typed = {
        ids.FORM_ID: "report",
        ids.FORM_KIND: "http",
        ids.FORM_WHAT: "https://example.com/report",
        ids.FORM_SCHEDULE_KIND: "interval",
        ids.FORM_SCHEDULE: "1h",
        ids.FORM_OWNER: "U0CAROL",
    }
    spec = parse_job(read_job_form(submitted(view, **typed), private_metadata=view["private_metadata"]))
    assert spec.owner == "U0CAROL"

    edit = job_form_modal(existing=spec, allow_shell=True)
    [owner] = [block for block in edit["blocks"] if block.get("block_id") == ids.FORM_OWNER]
    assert owner["element"]["initial_value"] == "U0CAROL"

    bad = read_job_form(
        submitted(view, **{**typed, ids.FORM_OWNER: "carol"}), private_metadata=view["private_metadata"]
    )
    with pytest.raises(ValidationError) as refused:
        parse_job(bad)
    assert set(form_errors(refused.value, editing=False)) == {ids.FORM_OWNER}


def test_changing_the_kind_drops_the_old_kinds_fields_but_keeps_common_ones() -> None:
    spec = parse_job({"id": "j", **SPECS["shell argv with env"]})
    view = job_form_modal(existing=spec, allow_shell=True)
    values = submitted(view, **{ids.FORM_KIND: "http", ids.FORM_WHAT: "https://example.com/"})
    changed = parse_job(read_job_form(values, private_metadata=view["private_metadata"], existing=spec))
    assert isinstance(changed, HttpJob) and changed.url == "https://example.com/"
    assert changed.retries == spec.retries and changed.timeout == spec.timeout


def test_an_edited_argv_command_becomes_a_command_line() -> None:
    spec = parse_job({"id": "j", **SPECS["shell argv with env"]})
    view = job_form_modal(existing=spec, allow_shell=True)
    values = submitted(view, **{ids.FORM_WHAT: "pg_dump --all"})
    assert read_job_form(values, private_metadata=view["private_metadata"], existing=spec)["command"] == "pg_dump --all"


def test_the_job_id_cannot_be_changed_on_edit() -> None:
    spec = parse_job({"id": "nightly.backup", **SPECS["http"]})
    view = job_form_modal(existing=spec, allow_shell=False, private_metadata="C0OPS")
    assert ids.FORM_ID not in [block.get("block_id") for block in view["blocks"]]
    assert "`nightly.backup`" in view["blocks"][0]["text"]["text"]
    assert read_form_metadata(view["private_metadata"]).job_id == "nightly.backup"
    assert read_form_metadata(view["private_metadata"]).context == "C0OPS"
    forged = submitted(view) | {ids.FORM_ID: {ids.FORM_ID: {"type": "plain_text_input", "value": "other"}}}
    assert read_job_form(forged, private_metadata=view["private_metadata"], existing=spec)["id"] == "nightly.backup"


def _kinds(view: dict[str, Any]) -> list[str]:
    kind = next(block for block in view["blocks"] if block.get("block_id") == ids.FORM_KIND)
    return [option["value"] for option in kind["element"]["options"]]


@pytest.mark.parametrize(("allow_shell", "offered"), [(True, True), (False, False)])
def test_shell_is_offered_only_when_allowed(allow_shell: bool, offered: bool) -> None:
    view = job_form_modal(existing=None, allow_shell=allow_shell)
    assert ("shell" in _kinds(view)) is offered
    assert ("python" in _kinds(view)) is offered
    assert ("celery" in _kinds(view)) is offered
    assert view["callback_id"] == ids.JOB_FORM


def test_editing_a_shell_job_without_shell_allowed_leaves_the_kind_to_choose() -> None:
    view = job_form_modal(existing=parse_job({"id": "j", **SPECS["shell string"]}), allow_shell=False)
    assert_view_ok(view)
    kind = next(block for block in view["blocks"] if block.get("block_id") == ids.FORM_KIND)
    assert "initial_option" not in kind["element"]


def _errors(**typed: str | None) -> dict[str, str]:
    view = job_form_modal(existing=None, allow_shell=True)
    filled = {
        ids.FORM_ID: "j",
        ids.FORM_KIND: "shell",
        ids.FORM_WHAT: "true",
        ids.FORM_SCHEDULE_KIND: "cron",
        ids.FORM_SCHEDULE: "0 2 * * *",
        **typed,
    }
    data = read_job_form(submitted(view, **filled), private_metadata=view["private_metadata"])
    with pytest.raises(ValidationError) as raised:
        parse_job(data)
    return form_errors(raised.value)


@pytest.mark.parametrize(
    ("typed", "block_id", "says"),
    [
        ({ids.FORM_SCHEDULE: "every tuesday"}, ids.FORM_SCHEDULE, "bad cron expression"),
        ({ids.FORM_SCHEDULE: None}, ids.FORM_SCHEDULE, "required"),
        ({ids.FORM_SCHEDULE_KIND: "interval", ids.FORM_SCHEDULE: "soon"}, ids.FORM_SCHEDULE, "expected a duration"),
        ({ids.FORM_SCHEDULE_KIND: "at", ids.FORM_SCHEDULE: "2026-12-01T09:00"}, ids.FORM_SCHEDULE, "with an offset"),
        ({ids.FORM_TIMEZONE: "Mars/Olympus"}, ids.FORM_TIMEZONE, "unknown time zone"),
        (
            {ids.FORM_SCHEDULE_KIND: "interval", ids.FORM_SCHEDULE: "5m", ids.FORM_TIMEZONE: "UTC"},
            ids.FORM_TIMEZONE,
            "only a cron",
        ),
        ({ids.FORM_ID: "Not An Id!"}, ids.FORM_ID, "1 to 64 characters"),
        ({ids.FORM_ID: None}, ids.FORM_ID, "required"),
        ({ids.FORM_KIND: None}, ids.FORM_KIND, "choose a kind"),
        ({ids.FORM_KIND: "http", ids.FORM_WHAT: "ftp://x"}, ids.FORM_WHAT, "url must start with"),
        ({ids.FORM_KIND: "python", ids.FORM_WHAT: "cleanup"}, ids.FORM_WHAT, "module:function"),
        ({ids.FORM_WHAT: None}, ids.FORM_WHAT, "required"),
        ({ids.FORM_TIMEOUT: "a while"}, ids.FORM_TIMEOUT, "expected a duration"),
        ({ids.FORM_TIMEOUT: "0s"}, ids.FORM_TIMEOUT, "must be positive"),
        ({ids.FORM_RETRIES: "99"}, ids.FORM_RETRIES, "less than or equal to 20"),
        ({ids.FORM_NAME: "n" * 201}, ids.FORM_NAME, "at most 200"),
    ],
)
def test_each_problem_is_shown_on_its_input(typed: dict[str, str | None], block_id: str, says: str) -> None:
    errors = _errors(**typed)
    assert block_id in errors
    assert says in errors[block_id]
    assert all(len(message) <= ERROR_LIMIT for message in errors.values())
    assert set(errors) <= set(ids.FORM_BLOCKS)


def test_problem_lines_are_mapped_by_their_field() -> None:
    errors = form_errors(
        [
            "id: a job with this id already exists",
            "kind: shell jobs cannot be added from Slack",
            "schedule.cron: bad cron expression",
            "env.X: not allowed",
            "something else entirely",
        ]
    )
    assert errors[ids.FORM_ID] == "a job with this id already exists"
    assert errors[ids.FORM_KIND] == "shell jobs cannot be added from Slack"
    assert errors[ids.FORM_SCHEDULE] == "bad cron expression"
    assert errors[ids.FORM_WHAT].startswith("env.X: not allowed")
    assert "something else entirely" in errors[ids.FORM_WHAT]


def test_many_problems_on_one_input_are_cut_to_slacks_limit() -> None:
    errors = form_errors([f"schedule: problem {n} " + "x" * 100 for n in range(10)])
    assert len(errors[ids.FORM_SCHEDULE]) == ERROR_LIMIT
    assert errors[ids.FORM_SCHEDULE].startswith("problem 0 ")


def test_on_edit_id_problems_go_to_an_input_that_exists() -> None:
    assert form_errors(["id: taken"], editing=True) == {ids.FORM_NAME: "id: taken"}


def test_kept_fields_that_fail_are_named_on_what_to_run() -> None:
    spec: JobSpec = parse_job({"id": "j", **SPECS["http"]})
    view = job_form_modal(existing=spec, allow_shell=True)
    data = read_job_form(submitted(view), private_metadata=view["private_metadata"], existing=spec)
    data["headers"] = {"X": 1}
    with pytest.raises(ValidationError) as raised:
        parse_job(data)
    assert form_errors(raised.value)[ids.FORM_WHAT].startswith("headers.X: ")
