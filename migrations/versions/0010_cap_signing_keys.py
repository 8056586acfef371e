"""cap_signing_keys: the CAP signing key and certificate uploaded by an admin, the key sealed

Revision ID: 0010_cap_signing_keys
Revises: 0009_english_public_text
"""
from alembic import op
import sqlalchemy as sa

from core.models import UtcDateTime

revision = "0010_cap_signing_keys"
down_revision = "0009_english_public_text"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cap_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cert_pem", sa.Text(), nullable=False),
        sa.Column("key", sa.JSON(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=100), nullable=False),
        sa.Column("not_after", UtcDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.Column("replaced_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("cap_signing_keys")
