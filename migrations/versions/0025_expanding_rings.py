"""an action may widen by itself while nobody responds: its radii, the ring it is at, when the next is due

Revision ID: 0025_expanding_rings
Revises: 0024_mail_budget
"""
import sqlalchemy as sa
from alembic import op

from core.models import UtcDateTime

revision = "0025_expanding_rings"
down_revision = "0024_mail_budget"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("widen_radii", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("widen_every_s", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("widen_ring", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("widen_next_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("widen_stopped", sa.String(length=12), nullable=True))
        batch.create_index("ix_actions_widen_next_at", ["widen_next_at"])


def downgrade():
    with op.batch_alter_table("actions") as batch:
        batch.drop_index("ix_actions_widen_next_at")
        for column in ("widen_stopped", "widen_next_at", "widen_ring", "widen_every_s", "widen_radii"):
            batch.drop_column(column)
