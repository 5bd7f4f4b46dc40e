"""runs.claimed_by, runs.cancel_requested_by: the worker that took a dispatched run; who asked to cancel it; its worker's last heartbeat

Revision ID: 0011_runs_claimed_by
Revises: 0010_api_tokens
Create Date: 2026-11-30 19:50:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0011_runs_claimed_by'
down_revision = '0010_api_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('cancel_requested_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('cancel_requested_by')
        batch_op.drop_column('claimed_by')
