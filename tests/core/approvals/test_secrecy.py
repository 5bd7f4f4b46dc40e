"""The signing secret and the tokens never appear in a log line, an error message or the audit log."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from core.approvals import ActionRequest, ApprovalRefused, ApprovalService
from core.audit import query_audit, render_audit
from core.engine import Engine
from core.secrets import SIGNING_SECRET, stored_secret
from core.storage.database import Database
from tests.core.approvals.conftest import FixitCalls, make_settings, pending, tokens
from tests.support.clock import ManualClock


async def _every_path(service: ApprovalService, clock: ManualClock) -> tuple[list[str], list[str]]:
    """Walk through every refusal and outcome; returns the tokens used and every error message shown."""
    used: list[str] = []
    shown: list[str] = []

    async def click(token: str, actor: str) -> None:
        used.append(token)
        try:
            await service.decide(token, actor=actor, channel_id="C1")
        except ApprovalRefused as refusal:
            shown.extend([str(refusal), repr(refusal)])

    first = await pending(service)
    approve, deny = tokens(service, first)
    await click(approve, "dave")  # not an approver
    await click(approve[:-1], "bob")  # truncated
    await click(approve[:-1] + ("A" if approve[-1] != "A" else "B"), "bob")  # tampered
    await click(approve, "bob")  # executed
    await click(approve, "carol")  # replayed
    await click(deny, "carol")  # already decided
    own = await pending(service, ActionRequest.pause_job("backup"), actor="bob")
    await click(tokens(service, own)[0], "bob")  # own request
    late = await pending(service, ActionRequest.fixit("plan-1"))
    clock.advance(timedelta(hours=2))
    await click(tokens(service, late)[0], "bob")  # expired
    await service.expire_overdue()
    return used, shown


async def test_no_secret_or_token_leaks_anywhere(
    db: Database, engine: Engine, fixit: FixitCalls, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # SQL parameters and result rows, as echo would
    # Created here, so that generating and storing the key happens while everything is logged.
    service = await ApprovalService.create(db, make_settings(), control=engine, run_fixit=fixit, clock=clock)

    used, shown = await _every_path(service, clock)

    secret = await stored_secret(db, SIGNING_SECRET, now=clock())
    entries = await query_audit(db, limit=1000)
    audited = render_audit(entries) + "".join(repr(entry) for entry in entries)
    assert len(shown) == 2 * 7 and len([e for e in entries if not e.action.startswith("job.")]) == 14
    assert "approval" in caplog.text  # the steps were logged...
    for text in (caplog.text, audited, *shown):  # ...and nothing secret was
        assert secret not in text
        for token in used:
            assert token not in text
            assert token.rsplit(".", 1)[1] not in text  # not even the signature alone
