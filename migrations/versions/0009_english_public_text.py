"""english_public_text: a public action's English headline and description, written by the operator

Revision ID: 0009_english_public_text
Revises: 0008_privacy
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_english_public_text"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_en", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("message_en", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_column("message_en")
        batch_op.drop_column("title_en")
