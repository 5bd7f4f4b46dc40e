"""Issue 9, item 6: the jobs file refuses YAML aliases and answers deep nesting with one line."""

from __future__ import annotations

import pytest

from core.jobs.jobsfile import JobsFileError, parse_jobs_document

LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
jobs:
  - id: laughs
    kind: python
    target: m:f
    schedule: {interval: 1h}
    kwargs: {x: *b}
"""


def test_aliases_are_refused_before_they_expand() -> None:
    with pytest.raises(JobsFileError) as raised:
        parse_jobs_document(LAUGHS, "jobs.yml")
    assert raised.value.lines == [
        "jobs.yml: line 2: YAML aliases (*a) are not allowed in a jobs file; write the value out"
    ]


def test_an_alias_inside_a_body_is_refused() -> None:
    text = "jobs:\n  - &j {id: x, kind: http, url: 'http://h/', schedule: {interval: 1h}, body: *j}\n"
    with pytest.raises(JobsFileError, match="aliases"):
        parse_jobs_document(text, "jobs.yml")


@pytest.mark.parametrize("closed", [True, False])
def test_deep_nesting_is_one_line_not_a_recursion_error(closed: bool) -> None:
    text = "jobs: " + "[" * 20_000 + ("]" * 20_000 if closed else "")
    with pytest.raises(JobsFileError) as raised:
        parse_jobs_document(text, "jobs.yml")
    assert raised.value.lines == ["jobs.yml: line 1: nested more than 32 levels deep; a jobs file never needs that"]
