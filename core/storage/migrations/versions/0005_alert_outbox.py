"""alert outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 23:57:30.833248
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('recovered_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('recovered_after', sa.Integer(), nullable=True))
        batch_op.alter_column('message_ts',
               existing_type=sa.VARCHAR(length=32),
               nullable=True)

    


def downgrade() -> None:
    
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.alter_column('message_ts',
               existing_type=sa.VARCHAR(length=32),
               nullable=False)
        batch_op.drop_column('recovered_after')
        batch_op.drop_column('recovered_run_id')
        batch_op.drop_column('last_run_id')

    
