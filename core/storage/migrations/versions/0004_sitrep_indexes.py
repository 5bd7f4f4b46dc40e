"""sitrep indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:30:00.000000
"""

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Covers the sitrep's window counts and its ORDER BY duration_ms percentiles: no table lookups.
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_created_at_status_duration_ms', ['created_at', 'status', 'duration_ms'], unique=False)
        # A prefix of the new index: keeping it would only cost writes.
        batch_op.drop_index('ix_runs_created_at_status')


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_created_at_status', ['created_at', 'status'], unique=False)
        batch_op.drop_index('ix_runs_created_at_status_duration_ms')
