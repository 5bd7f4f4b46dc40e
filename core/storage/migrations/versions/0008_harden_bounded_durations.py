"""bound stored durations

Revision ID: 0008_harden_bounded_durations
Revises: 0006
Create Date: 2026-11-30 18:50:00.000000

Durations are now bounded where they are parsed (a year for a timeout or an interval, a day for jitter and
retry backoff, 30 days for a misfire grace or a digest window). A definition stored before, with ``inf`` or
``3000000d``, would no longer load: this brings each such value down to its bound, so every stored job loads
and can be scheduled. Self-contained on purpose: a migration must not change when the application does.
"""

import json
import math
import re
from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0008_harden_bounded_durations'
down_revision = '0006'
branch_labels = None
depends_on = None

_DAY = 86400
# (path in the stored definition, the longest it may be in seconds, its text at that bound)
_BOUNDS = (
    (('timeout',), 365 * _DAY, '365d'),
    (('schedule', 'interval'), 365 * _DAY, '365d'),
    (('schedule', 'jitter'), _DAY, '1d'),
    (('retries', 'backoff'), _DAY, '1d'),
    (('misfire_grace',), 30 * _DAY, '30d'),
    (('window',), 30 * _DAY, '30d'),
)
_UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': _DAY, 'w': 7 * _DAY}
_PART = re.compile(r'(\d+(?:\.\d+)?)([smhdw])')


def _seconds(value: Any) -> float:
    """The stored duration in seconds; inf for anything the old parser took that is not finite."""
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        text = str(value).strip().lower().replace(' ', '')
        try:
            seconds = sum(float(number) * _UNITS[unit] for number, unit in _PART.findall(text))
        except OverflowError:
            seconds = math.inf
    return math.inf if math.isnan(seconds) else seconds


def _bounded(spec: dict[str, Any]) -> bool:
    changed = False
    for path, limit, text in _BOUNDS:
        parent: Any = spec
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or parent.get(path[-1]) is None:
            continue
        if _seconds(parent[path[-1]]) > limit:
            parent[path[-1]] = text
            changed = True
    return changed


def upgrade() -> None:
    bind = op.get_bind()
    jobs = sa.table('jobs', sa.column('id', sa.String), sa.column('spec', sa.JSON), sa.column('next_run_time'))
    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        spec = json.loads(spec) if isinstance(spec, str) else spec
        if isinstance(spec, dict) and _bounded(spec):
            # The schedule changed: let the engine work the next fire time out anew.
            bind.execute(jobs.update().where(jobs.c.id == job_id).values(spec=spec, next_run_time=None))


def downgrade() -> None:
    pass  # the bounded values are valid for older versions too
