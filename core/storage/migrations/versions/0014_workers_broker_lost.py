"""workers.broker_lost_at: since when a worker has been cut off from its broker (None while it is connected)

Revision ID: 0014_workers_broker_lost
Revises: 0013_runs_announced
Create Date: 2026-12-01 16:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_workers_broker_lost'
down_revision = '0013_runs_announced'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broker_lost_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_column('broker_lost_at')
