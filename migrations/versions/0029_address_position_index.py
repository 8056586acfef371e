"""the address table is searched by position too: the follow page shows an action's centre as the nearest
address, and a full BAG extract is millions of rows

Revision ID: 0029_address_position_index
Revises: 0028_mail_through_api
"""
from alembic import op

revision = "0029_address_position_index"
down_revision = "0028_mail_through_api"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_address_position", "addresses", ["lat", "lon"])


def downgrade():
    op.drop_index("ix_address_position", table_name="addresses")
