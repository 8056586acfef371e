"""four eyes: launches that wait for a second person's approval

Revision ID: 0023_launch_approvals
Revises: 0022_voicemail
"""
import sqlalchemy as sa
from alembic import op

from core.models import UtcDateTime

revision = "0023_launch_approvals"
down_revision = "0022_voicemail"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "launch_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("launch", sa.JSON(), nullable=False),
        sa.Column("client_request_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("control_room_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("impact", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("rejection", sa.Text(), nullable=True),
        sa.CheckConstraint("status in ('awaiting', 'approved', 'rejected')", name="ck_launch_approval_status"),
        sa.ForeignKeyConstraint(["control_room_id"], ["control_rooms.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_request_id"),
    )
    op.create_index("ix_launch_approvals_control_room_id", "launch_approvals", ["control_room_id"])


def downgrade():
    op.drop_index("ix_launch_approvals_control_room_id", "launch_approvals")
    op.drop_table("launch_approvals")
