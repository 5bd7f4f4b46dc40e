"""``schedops audit``: the audit log, newest first."""

from __future__ import annotations

import argparse

from core.audit import query_audit, render_audit
from core.config import Settings
from core.storage.database import Database
from schedops.cli.database import with_database


def execute(args: argparse.Namespace, settings: Settings) -> int:
    async def audit(db: Database) -> int:
        print(render_audit(await query_audit(db, actor=args.actor, action=args.action, limit=args.limit)))
        return 0

    return with_database(settings, audit, read_only=True)
