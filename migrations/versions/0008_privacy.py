"""privacy: a delivery outlives its participant's erasure; self-service links can be revoked

Revision ID: 0008_privacy
Revises: 0007_streaming_launch
"""
from alembic import op
import sqlalchemy as sa

from core.models import UtcDateTime

revision = "0008_privacy"
down_revision = "0007_streaming_launch"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("participant_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("links_revoked_at", UtcDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("links_revoked_at")
    op.execute("DELETE FROM deliveries WHERE participant_id IS NULL")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("participant_id", existing_type=sa.Integer(), nullable=False)
