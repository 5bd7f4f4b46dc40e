from __future__ import annotations

import pytest

from bot import ids


def test_every_action_id_is_distinct() -> None:
    action_ids = [
        ids.APPROVE,
        ids.DENY,
        ids.JOBS_PAGE_PREVIOUS,
        ids.JOBS_PAGE_NEXT,
        ids.SHOW_OUTPUT,
        ids.CANCEL_RUN,
        *ids.JOB_BUTTONS,
    ]
    assert len(set(action_ids)) == len(action_ids)
    assert len(set(ids.FORM_BLOCKS)) == len(ids.FORM_BLOCKS)


@pytest.mark.parametrize(
    ("action_id", "matches"),
    [
        ("show_output", True),
        ("show_output:42", True),
        ("show_output:", False),
        ("show_outputs", False),
        ("xshow_output:1", False),
    ],
)
def test_matching_accepts_the_bare_and_the_keyed_id(action_id: str, matches: bool) -> None:
    assert bool(ids.matching(ids.SHOW_OUTPUT).match(action_id)) is matches


def test_base_undoes_keyed() -> None:
    assert ids.base(ids.keyed(ids.RETRY, "nightly.backup")) == ids.RETRY
    assert ids.base(ids.RETRY) == ids.RETRY
