"""replicas: fencing of schedule fires, the replicas registry, and run requests forwarded to the leader

Revision ID: 0009_replicas_fencing
Revises: 0006
Create Date: 2026-11-24 09:00:00.000000
"""

from datetime import timedelta

from alembic import op
import sqlalchemy as sa


revision = '0009_replicas_fencing'
down_revision = '0008_harden_bounded_durations'
branch_labels = None
depends_on = None

_SCHEDULED = sa.text("\"trigger\" = 'schedule'")
_UNCLAIMED = sa.text('claimed_at IS NULL')


def _separate_duplicate_fires() -> None:
    """History from before the fence may hold a fire time run twice. Both rows are kept; each later one's
    fire time moves on by a microsecond per duplicate, so the unique index can be built."""
    runs = sa.table(
        'runs', sa.column('id'), sa.column('job_id'), sa.column('trigger'),
        sa.column('scheduled_at', sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    groups = bind.execute(
        sa.select(runs.c.job_id, runs.c.scheduled_at)
        .where(runs.c.trigger == 'schedule', runs.c.scheduled_at.is_not(None))
        .group_by(runs.c.job_id, runs.c.scheduled_at)
        .having(sa.func.count() > 1)
    ).all()
    for job_id, scheduled_at in groups:
        ids = bind.execute(
            sa.select(runs.c.id)
            .where(runs.c.trigger == 'schedule', runs.c.job_id == job_id, runs.c.scheduled_at == scheduled_at)
            .order_by(runs.c.id)
        ).scalars().all()
        for step, run_id in enumerate(ids[1:], start=1):
            moved = scheduled_at + timedelta(microseconds=step)
            bind.execute(sa.update(runs).where(runs.c.id == run_id).values(scheduled_at=moved))


def upgrade() -> None:
    _separate_duplicate_fires()
    # Fencing in the data: one row per (job, fire time) of schedule-triggered runs, whatever its outcome
    # (ran, skipped for overlap, missed), so two processes that both believe they lead cannot run one fire twice.
    op.create_index(
        'ux_runs_schedule_fire',
        'runs',
        ['job_id', 'scheduled_at'],
        unique=True,
        sqlite_where=_SCHEDULED,
        postgresql_where=_SCHEDULED,
    )
    op.create_table(
        'replicas',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('role_since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('led_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_replicas')),
    )
    op.create_index('ix_replicas_heartbeat_at', 'replicas', ['heartbeat_at'])
    op.create_table(
        'run_requests',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('job_id', sa.String(length=64), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=True),
        sa.Column('fixit_plan_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_run_requests')),
    )
    op.create_index(
        'ix_run_requests_unclaimed', 'run_requests', ['id'], sqlite_where=_UNCLAIMED, postgresql_where=_UNCLAIMED
    )


def downgrade() -> None:
    op.drop_index('ix_run_requests_unclaimed', table_name='run_requests')
    op.drop_table('run_requests')
    op.drop_index('ix_replicas_heartbeat_at', table_name='replicas')
    op.drop_table('replicas')
    op.drop_index('ux_runs_schedule_fire', table_name='runs')
