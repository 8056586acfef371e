"""webhooks out for action events: subscriptions and their delivery log; partner deliveries get the
same next_attempt_at (one delivery-log shape for both)

Revision ID: 0015_action_webhooks
Revises: 0014_reached_index
"""
import sqlalchemy as sa
from alembic import op

from core.models import UtcDateTime

revision = "0015_action_webhooks"
down_revision = "0014_reached_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "action_webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.JSON(), nullable=False),
        sa.Column("control_room_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["control_room_id"], ["control_rooms.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_webhooks_control_room_id", "action_webhooks", ["control_room_id"])
    op.create_table(
        "action_webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("state in ('queued', 'delivered', 'failed')", name="ck_action_webhook_delivery_state"),
        sa.ForeignKeyConstraint(["webhook_id"], ["action_webhooks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_webhook_deliveries_webhook_id", "action_webhook_deliveries", ["webhook_id"])
    with op.batch_alter_table("partner_deliveries") as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", UtcDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("partner_deliveries") as batch_op:
        batch_op.drop_column("next_attempt_at")
    op.drop_index("ix_action_webhook_deliveries_webhook_id", table_name="action_webhook_deliveries")
    op.drop_table("action_webhook_deliveries")
    op.drop_index("ix_action_webhooks_control_room_id", table_name="action_webhooks")
    op.drop_table("action_webhooks")
