"""time-to-reach timeline: when each delivery first counted as reached

Revision ID: 0011_reached_at
Revises: 0010_cap_signing_keys
"""
from alembic import op
import sqlalchemy as sa

from core.models import UtcDateTime

revision = "0011_reached_at"
down_revision = "0010_cap_signing_keys"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reached_at", UtcDateTime(), nullable=True))
    # Deliveries reached before: their last change is the best time known.
    op.execute("UPDATE deliveries SET reached_at = updated_at WHERE state = 'answered' "
               "OR (state IN ('sent', 'delivered') AND channel <> 'voice')")


def downgrade():
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("reached_at")
