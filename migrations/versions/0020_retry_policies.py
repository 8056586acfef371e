"""admins set per action kind how alerts are retried after busy, no answer and failed attempts

Revision ID: 0020_retry_policies
Revises: 0019_webhook_sequence
"""
import sqlalchemy as sa
from alembic import op

from core.models import UtcDateTime

revision = "0020_retry_policies"
down_revision = "0019_webhook_sequence"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retry_policies",
        sa.Column("kind", sa.String(length=20), primary_key=True),
        sa.Column("busy_retry_s", sa.Integer(), nullable=False),
        sa.Column("no_answer_retry_s", sa.Integer(), nullable=False),
        sa.Column("failed_retry_s", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade():
    op.drop_table("retry_policies")
