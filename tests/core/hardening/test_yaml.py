"""Issue 9, item 6: the jobs file refuses aliases that multiply (or contain) a value, and answers deep nesting
with one line. Anchors that repeat a value (a shared base job) keep working."""

from __future__ import annotations

import pytest

from core.jobs.jobsfile import JobsFileError, parse_jobs_document

LAUGHS = """\
x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
jobs:
  - id: laughs
    kind: python
    target: m:f
    schedule: {interval: 1h}
    kwargs: {x: *e}
"""


def test_aliases_that_multiply_a_value_are_refused_before_they_expand() -> None:
    with pytest.raises(JobsFileError) as raised:
        parse_jobs_document(LAUGHS, "jobs.yml")
    (line,) = raised.value.lines
    assert line.startswith("jobs.yml: YAML aliases expand this file to 141,184 values") and "multiply" in line


def test_an_alias_inside_the_value_it_names_is_refused() -> None:
    text = "jobs:\n  - &j {id: x, kind: http, url: 'http://h/', schedule: {interval: 1h}, body: *j}\n"
    with pytest.raises(JobsFileError) as raised:
        parse_jobs_document(text, "jobs.yml")
    assert raised.value.lines == ["jobs.yml: line 2: a YAML alias refers to a value that contains it"]


@pytest.mark.parametrize("closed", [True, False])
def test_deep_nesting_is_one_line_not_a_recursion_error(closed: bool) -> None:
    text = "jobs: " + "[" * 20_000 + ("]" * 20_000 if closed else "")
    with pytest.raises(JobsFileError) as raised:
        parse_jobs_document(text, "jobs.yml")
    assert raised.value.lines == ["jobs.yml: line 1: nested more than 32 levels deep; a jobs file never needs that"]
