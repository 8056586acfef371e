"""outbox: an index on delivery_id, which deleting a delivery looks up to set its outbox rows' link NULL

Revision ID: 0034_outbox_delivery_index
Revises: 0033_delivery_escalated_index
"""
from alembic import op

revision = "0034_outbox_delivery_index"
down_revision = "0033_delivery_escalated_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_outbox_delivery_id", "outbox", ["delivery_id"])


def downgrade():
    op.drop_index("ix_outbox_delivery_id", table_name="outbox")
