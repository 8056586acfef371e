"""deliveries: an index on escalated_from (its few escalations only), which deleting a delivery looks up

Revision ID: 0033_delivery_escalated_index
Revises: 0032_mail_alerts_only
"""
import sqlalchemy as sa
from alembic import op

revision = "0033_delivery_escalated_index"
down_revision = "0032_mail_alerts_only"
branch_labels = None
depends_on = None

WHERE = sa.text("escalated_from IS NOT NULL")


def upgrade():
    op.create_index("ix_delivery_escalated_from", "deliveries", ["escalated_from"], sqlite_where=WHERE,
                    postgresql_where=WHERE)


def downgrade():
    op.drop_index("ix_delivery_escalated_from", table_name="deliveries")
