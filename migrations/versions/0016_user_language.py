"""staff choose the web's language on their account (the language switcher remembers it)

Revision ID: 0016_user_language
Revises: 0015_action_webhooks
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_user_language"
down_revision = "0015_action_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
