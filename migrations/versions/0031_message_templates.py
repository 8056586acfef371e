"""message templates: what an operator starts a launch from, per kind and control room

Revision ID: 0031_message_templates
Revises: 0030_channel_escalation
"""
import sqlalchemy as sa
from alembic import op

from core.models import UtcDateTime

revision = "0031_message_templates"
down_revision = "0030_channel_escalation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("control_room_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["control_room_id"], ["control_rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_templates_control_room_id", "message_templates", ["control_room_id"])


def downgrade():
    op.drop_index("ix_message_templates_control_room_id", table_name="message_templates")
    op.drop_table("message_templates")
