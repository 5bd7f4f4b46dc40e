from __future__ import annotations

from pathlib import Path

from sandbox.commands import FALLBACK, Command, load_commands


def test_the_manifests_commands_come_with_their_usage_hints() -> None:
    commands = {c.command: c for c in load_commands()}
    assert set(commands) == {"/sitrep", "/fixit", "/jobs"}
    assert commands["/jobs"].usage_hint.startswith("[list | show ID")


def test_alternatives_of_a_hint_become_one_suggestion_each() -> None:
    jobs = Command("/jobs", "", "[list | show ID | pause ID]")
    assert jobs.suggestions() == ["/jobs", "/jobs list", "/jobs show ID", "/jobs pause ID"]


def test_a_hint_of_options_is_suggested_whole() -> None:
    fixit = Command("/fixit", "", "[conservative|balanced] [--dry-run]")
    assert fixit.suggestions() == ["/fixit", "/fixit [conservative|balanced] [--dry-run]"]
    assert Command("/x", "", "").suggestions() == ["/x"]


def test_without_a_manifest_the_commands_still_work_without_hints(tmp_path: Path) -> None:
    assert [c.command for c in load_commands(tmp_path / "missing.yml")] == list(FALLBACK)
    (tmp_path / "broken.yml").write_text("features: [")
    assert [c.usage_hint for c in load_commands(tmp_path / "broken.yml")] == ["", "", ""]
