"""jobs and runs

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 23:00:19.195218
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('jobs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('paused_by', sa.String(length=64), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=True),
    sa.Column('next_run_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_table('runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('retry_of', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('fixit_plan_id', sa.String(length=36), nullable=True),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.BigInteger(), nullable=True),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error_class', sa.String(length=16), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('output_tail', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_created_at_status', ['created_at', 'status'], unique=False)
        batch_op.create_index('ix_runs_job_id_id', ['job_id', 'id'], unique=False)
        batch_op.create_index('ix_runs_retry_at', ['retry_at'], unique=False, sqlite_where=sa.text('retry_at IS NOT NULL'), postgresql_where=sa.text('retry_at IS NOT NULL'))
        batch_op.create_index('ix_runs_running', ['job_id'], unique=False, sqlite_where=sa.text("status = 'running'"), postgresql_where=sa.text("status = 'running'"))

    


def downgrade() -> None:
    
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_running', sqlite_where=sa.text("status = 'running'"), postgresql_where=sa.text("status = 'running'"))
        batch_op.drop_index('ix_runs_retry_at', sqlite_where=sa.text('retry_at IS NOT NULL'), postgresql_where=sa.text('retry_at IS NOT NULL'))
        batch_op.drop_index('ix_runs_job_id_id')
        batch_op.drop_index('ix_runs_created_at_status')

    op.drop_table('runs')
    op.drop_table('jobs')
    
