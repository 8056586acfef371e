"""deliveries: the neighbourhood-mail keys hold mails alone and the time-to-reach index reached alerts alone
(partial indexes): every alert written put a NULL entry into each, three of the eight B-trees a national
ledger's 2,000,000 rows were written into

Revision ID: 0036_ledger_partial_indexes
Revises: 0035_ledger_no_register_keys
"""
from alembic import op
import sqlalchemy as sa

revision = "0036_ledger_partial_indexes"
down_revision = "0035_ledger_no_register_keys"
branch_labels = None
depends_on = None

MAIL_KEY = ["inquiry_id", "participant_id", "channel", "purpose"]
INQUIRY = ["inquiry_id", "purpose", "rank"]
REACHED = ["action_id", "purpose", "channel", "reached_at"]


def _partial(column):
    where = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


def upgrade():
    # A unique constraint of SQLite's is part of its table: batch mode rebuilds the table without it.
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint("ux_delivery_mail_once", type_="unique")
    op.drop_index("ix_delivery_inquiry", table_name="deliveries")
    op.drop_index("ix_delivery_reached", table_name="deliveries")
    op.create_index("ux_delivery_mail_once", "deliveries", MAIL_KEY, unique=True, **_partial("inquiry_id"))
    op.create_index("ix_delivery_inquiry", "deliveries", INQUIRY, **_partial("inquiry_id"))
    op.create_index("ix_delivery_reached", "deliveries", REACHED, **_partial("reached_at"))


def downgrade():
    op.drop_index("ix_delivery_reached", table_name="deliveries")
    op.drop_index("ix_delivery_inquiry", table_name="deliveries")
    op.drop_index("ux_delivery_mail_once", table_name="deliveries")
    op.create_index("ix_delivery_reached", "deliveries", REACHED)
    op.create_index("ix_delivery_inquiry", "deliveries", INQUIRY)
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.create_unique_constraint("ux_delivery_mail_once", MAIL_KEY)
