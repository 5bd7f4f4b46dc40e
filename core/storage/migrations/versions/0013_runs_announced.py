"""runs.announced: whether a run's end was announced (alerts, retries); every existing run counts as announced

Revision ID: 0013_runs_announced
Revises: 0012_workers
Create Date: 2026-12-01 00:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0013_runs_announced'
down_revision = '0012_workers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        # The server default marks every existing run announced: only runs dispatched from now on can be owed.
        batch_op.add_column(sa.Column('announced', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_index(
        'ix_runs_unannounced',
        'runs',
        ['id'],
        sqlite_where=sa.text('NOT announced'),
        postgresql_where=sa.text('NOT announced'),
    )


def downgrade() -> None:
    op.drop_index('ix_runs_unannounced', table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('announced')
