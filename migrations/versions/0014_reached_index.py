"""time-to-reach timeline: an index the quantile query reads in order instead of sorting

Revision ID: 0014_reached_index
Revises: 0013_api_token_scopes
"""
from alembic import op

revision = "0014_reached_index"
down_revision = "0013_api_token_scopes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_delivery_reached", "deliveries", ["action_id", "purpose", "channel", "reached_at"])


def downgrade():
    op.drop_index("ix_delivery_reached", table_name="deliveries")
