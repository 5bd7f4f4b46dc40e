"""workers registry, queue alerts; runs.queue and a python job's progress (runs.progress, runs.progress_text)

Revision ID: 0012_workers
Revises: 0011_runs_claimed_by
Create Date: 2026-12-02 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0012_workers'
down_revision = '0011_runs_claimed_by'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('progress', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('progress_text', sa.String(length=200), nullable=True))
    op.create_table(
        'workers',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('queues', sa.JSON(), nullable=False),
        sa.Column('concurrency', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_workers')),
    )
    op.create_index('ix_workers_heartbeat_at', 'workers', ['heartbeat_at'])
    op.create_table(
        'queue_alerts',
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('served_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('channel_id', sa.String(length=32), nullable=True),
        sa.Column('message_ts', sa.String(length=32), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('queue', name=op.f('pk_queue_alerts')),
    )


def downgrade() -> None:
    op.drop_table('queue_alerts')
    op.drop_index('ix_workers_heartbeat_at', table_name='workers')
    op.drop_table('workers')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('progress_text')
        batch_op.drop_column('progress')
        batch_op.drop_column('queue')
