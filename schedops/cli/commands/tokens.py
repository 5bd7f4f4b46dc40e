"""``schedops tokens create NAME --role ROLE [--acting-as U…] | list | revoke NAME``: HTTP API tokens.

Tokens are managed only from the server's own shell: whoever can run this can read the database anyway."""

from __future__ import annotations

import argparse
from datetime import datetime

from core.api_tokens import ApiToken, ApiTokenStore, TokenError, TokenRole, check_acting_as, check_name
from core.audit import AuditOutcome, record
from core.clock import utc_now
from core.config import Settings
from core.storage.database import Database
from core.text_table import text_table
from schedops.cli import EXIT_BAD_INPUT, CommandError
from schedops.cli.database import with_database


def execute(args: argparse.Namespace, settings: Settings) -> int:
    if args.tokens_command == "list":
        return with_database(settings, _list, read_only=True)
    if args.tokens_command == "create":
        try:  # refused before the database is touched
            check_name(args.name)
            check_acting_as(args.acting_as)
        except TokenError as error:
            raise CommandError([str(error)], EXIT_BAD_INPUT) from None
        return with_database(settings, lambda db: _create(db, args.name, TokenRole(args.role), args.acting_as))
    return with_database(settings, lambda db: _revoke(db, args.name))


async def _create(db: Database, name: str, role: TokenRole, acting_as: str | None) -> int:
    now = utc_now()
    try:
        token, secret = await ApiTokenStore(db).create(name, role, acting_as=acting_as, now=now)
    except TokenError as error:
        raise CommandError([str(error)], EXIT_BAD_INPUT) from None
    detail = f"role {token.role}" + (f", acting as {token.acting_as}" if token.acting_as else "")
    await record(
        db, at=now, actor="cli", action="token.create", target=f"token:{name}", outcome=AuditOutcome.OK, detail=detail
    )
    print(secret)
    print(f"API token {name!r} ({detail}) created. It is shown only this once: store it now.")
    return 0


async def _revoke(db: Database, name: str) -> int:
    now = utc_now()
    await ApiTokenStore(db).revoke(name, now=now)  # TokenLookupError: one line, exit 1
    await record(db, at=now, actor="cli", action="token.revoke", target=f"token:{name}", outcome=AuditOutcome.OK)
    print(f"API token {name!r} revoked.")
    return 0


async def _list(db: Database) -> int:
    print(tokens_table(await ApiTokenStore(db).list()))
    return 0


def tokens_table(tokens: list[ApiToken]) -> str:
    if not tokens:
        return "no API tokens"
    rows = [
        (t.name, t.role.value, t.acting_as or "-", _when(t.created_at), _when(t.last_used_at), _state(t))
        for t in tokens
    ]
    return text_table(("NAME", "ROLE", "ACTING AS", "CREATED", "LAST USED", "STATE"), rows)


def _state(token: ApiToken) -> str:
    return "active" if token.revoked_at is None else f"revoked {_when(token.revoked_at)}"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"
