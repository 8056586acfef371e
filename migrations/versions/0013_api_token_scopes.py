"""api_token_scopes: what a token may do, until when, who made it and when it was last used

Revision ID: 0013_api_token_scopes
Revises: 0012_token_room
"""
from alembic import op
import sqlalchemy as sa

from core.models import UtcDateTime

revision = "0013_api_token_scopes"
down_revision = "0012_token_room"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        # Existing tokens keep working for nothing until an admin gives them scopes (or replaces them).
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("expires_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", UtcDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        for column in ("last_used_at", "created_by", "expires_at", "scopes"):
            batch_op.drop_column(column)
