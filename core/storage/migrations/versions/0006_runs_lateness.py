"""runs lateness

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 00:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# started_at - scheduled_at in whole milliseconds, rounded up, for schedule-triggered runs that started: what
# RunStore.add writes from now on. Exact to the microsecond on both backends, so a run counts as on time
# exactly when it started within its grace. PostgreSQL 14+ extracts an interval's epoch as an exact numeric.
# SQLite's date functions round to the millisecond, so it reads the text SQLAlchemy stores
# ('YYYY-MM-DD HH:MM:SS.ffffff') in two parts: whole seconds through strftime, microseconds as digits. Its
# integer division and remainder round toward zero: "quotient, plus one if the remainder is positive" rounds
# up on either side of zero.
_MICROS = (
    "((strftime('%s', substr(started_at, 1, 19)) - strftime('%s', substr(scheduled_at, 1, 19))) * 1000000"
    " + CAST(substr(started_at, 21, 6) AS INTEGER) - CAST(substr(scheduled_at, 21, 6) AS INTEGER))"
)
_BACKFILL = {
    'postgresql': 'ceil(extract(epoch FROM started_at - scheduled_at) * 1000)',
    'sqlite': f'{_MICROS} / 1000 + ({_MICROS} % 1000 > 0)',
}


def upgrade() -> None:
    op.add_column('runs', sa.Column('lateness_ms', sa.BigInteger(), nullable=True))
    lateness = _BACKFILL[op.get_bind().dialect.name]
    op.execute(
        f"UPDATE runs SET lateness_ms = {lateness} "
        "WHERE \"trigger\" = 'schedule' AND started_at IS NOT NULL AND scheduled_at IS NOT NULL"
    )
    # The sitrep's window index, now led by status (a range of created_at per status: counts without a sort)
    # and carrying what its on-time count needs, so that count no longer reads table rows.
    op.create_index(
        'ix_runs_status_created_at_duration_ms_trigger_lateness_ms',
        'runs',
        ['status', 'created_at', 'duration_ms', 'trigger', 'lateness_ms'],
        unique=False,
        postgresql_include=['scheduled_at', 'job_id'],
    )
    op.drop_index('ix_runs_created_at_status_duration_ms', table_name='runs')


def downgrade() -> None:
    op.create_index('ix_runs_created_at_status_duration_ms', 'runs', ['created_at', 'status', 'duration_ms'], unique=False)
    op.drop_index('ix_runs_status_created_at_duration_ms_trigger_lateness_ms', table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('lateness_ms')
