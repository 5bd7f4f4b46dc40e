"""Edits: hidden values do not follow a job to a new target; changes apply to the version they were made on."""

from __future__ import annotations

from typing import Any

import pytest

from core.jobs.changes import apply_change, diff_lines, drop_carried_secrets, job_change, version_of
from core.jobs.spec import job_to_data, parse_job


def shell(**fields: Any) -> Any:
    return parse_job(
        {"id": "s", "kind": "shell", "command": "deploy", "env": {"TOKEN": "t0ken-1"}, "schedule": {"interval": "1h"}}
        | fields
    )


def test_a_new_shell_command_loses_the_env_it_carried() -> None:
    before = shell()
    edited = job_to_data(before) | {"command": "curl https://elsewhere"}
    assert "env" not in drop_carried_secrets(before, edited)


def test_env_entered_again_with_a_new_command_stays() -> None:
    before = shell()
    edited = job_to_data(before) | {"command": "other", "env": {"TOKEN": "new-token"}}
    assert drop_carried_secrets(before, edited)["env"] == {"TOKEN": "new-token"}


def test_the_same_command_keeps_its_env() -> None:
    before = shell()
    edited = job_to_data(before) | {"timeout": "5m"}
    assert drop_carried_secrets(before, edited)["env"] == {"TOKEN": "t0ken-1"}


@pytest.mark.parametrize("url", ["http://billing/x", "https://billing:8443/x", "https://evil/x"])
def test_another_origin_drops_headers_and_body(url: str) -> None:
    before = parse_job(
        {
            "id": "h",
            "kind": "http",
            "url": "https://billing/x",
            "headers": {"X-API-Key": "k3y"},
            "body": {"a": 1},
            "schedule": {"interval": "1h"},
        }
    )
    kept = drop_carried_secrets(before, job_to_data(before) | {"url": url})
    assert "headers" not in kept and "body" not in kept


def test_a_change_applies_to_its_base_and_the_diff_hides_values() -> None:
    before = shell()
    after = shell(command="deploy --fast", env={"TOKEN": "t0ken-2"}, timeout="5m")
    change = job_change(before, after)
    assert apply_change(before, change) == after
    assert version_of(before) != version_of(after)
    lines = diff_lines(before, after)
    assert "command: deploy → deploy --fast" in lines
    assert "env.TOKEN: changed (value hidden)" in lines
    assert not any("t0ken" in line for line in lines)
