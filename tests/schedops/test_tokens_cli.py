"""`schedops tokens`: created once and shown once, stored hashed, listed without the token, revoked; and the
commands that need no API never import it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.api_tokens import hash_token
from tests.schedops.test_cli import JOBS, _env, schedops


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "jobs.yml").write_text(JOBS)
    return tmp_path


def test_a_token_is_printed_once_and_only_its_hash_is_stored(workdir: Path) -> None:
    created = schedops(workdir, "tokens", "create", "ci", "--role", "operator", "--acting-as", "U0CAROL")
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[0]
    assert token.startswith("sops_")
    with sqlite3.connect(workdir / "s.db") as connection:
        [(stored,)] = connection.execute("SELECT token_hash FROM api_tokens").fetchall()
    assert stored == hash_token(token) and token not in (workdir / "s.db").read_bytes().decode("latin-1")

    listed = schedops(workdir, "tokens", "list")
    assert "ci" in listed.stdout and "operator" in listed.stdout and "U0CAROL" in listed.stdout
    assert token not in listed.stdout and "active" in listed.stdout


def test_a_token_is_revoked_and_its_name_never_reused(workdir: Path) -> None:
    schedops(workdir, "tokens", "create", "ci", "--role", "viewer")
    assert schedops(workdir, "tokens", "revoke", "ci").returncode == 0
    assert "revoked" in schedops(workdir, "tokens", "list").stdout
    again = schedops(workdir, "tokens", "create", "ci", "--role", "viewer")
    assert again.returncode == 2 and "exists already" in again.stderr
    unknown = schedops(workdir, "tokens", "revoke", "nope")
    assert unknown.returncode == 1 and "no API token named 'nope'" in unknown.stderr


@pytest.mark.parametrize(
    ("name", "acting_as", "says"), [("Bad Name", None, "bad token name"), ("ci", "alice", "bad Slack user id")]
)
def test_a_bad_name_or_user_is_one_line_and_nothing_is_stored(
    workdir: Path, name: str, acting_as: str | None, says: str
) -> None:
    extra = ["--acting-as", acting_as] if acting_as else []
    refused = schedops(workdir, "tokens", "create", name, "--role", "admin", *extra)
    assert refused.returncode == 2 and says in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert not (workdir / "s.db").exists()  # refused before any database was opened


@pytest.mark.parametrize("command", [["check"], ["jobs", "list"], ["tokens", "list"]])
def test_commands_that_need_no_api_never_import_it(workdir: Path, command: list[str]) -> None:
    schedops(workdir, "tokens", "create", "ci", "--role", "viewer")  # a database to read
    probe = (
        "import sys; from schedops.cli import main; code = main(sys.argv[1:]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'fastapi', 'starlette', 'schedops'} "
        "and (m.startswith(('fastapi', 'starlette')) or m.startswith('schedops.http'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *command],
        cwd=workdir,
        env=_env(workdir, None),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.splitlines()[-1] == "[]"
