"""operator SIP secret: a softphone operator's sealed SIP password

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:08:58.225100
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sip_secret', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.drop_column('sip_secret')
