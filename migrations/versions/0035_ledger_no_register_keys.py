"""deliveries: no foreign keys to participants and phone_numbers (core.erasure keeps erasures and the ledger's
writers apart by a lock): on PostgreSQL each row written checked and locked its participant's and number's rows,
40 % of writing a national ledger

Revision ID: 0035_ledger_no_register_keys
Revises: 0034_outbox_delivery_index
"""
from alembic import op
import sqlalchemy as sa

revision = "0035_ledger_no_register_keys"
down_revision = "0034_outbox_delivery_index"
branch_labels = None
depends_on = None

# SQLite's foreign keys have no names: batch mode names them by this convention to drop them.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
KEYS = (("participant_id", "participants", "CASCADE"), ("phone_number_id", "phone_numbers", "SET NULL"))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("deliveries", naming_convention=NAMING) as batch_op:
            for column, referred, _ in KEYS:
                batch_op.drop_constraint(f"fk_deliveries_{column}_{referred}", type_="foreignkey")
        return
    for key in sa.inspect(bind).get_foreign_keys("deliveries"):
        if (key["constrained_columns"][0], key["referred_table"]) in {(c, r) for c, r, _ in KEYS}:
            op.drop_constraint(key["name"], "deliveries", type_="foreignkey")


def downgrade():
    # Rows whose participant or number is gone would break the keys: as the keys' own ON DELETE would have left them.
    op.execute("DELETE FROM deliveries WHERE participant_id IS NOT NULL"
               " AND participant_id NOT IN (SELECT id FROM participants)")
    op.execute("UPDATE deliveries SET phone_number_id = NULL WHERE phone_number_id IS NOT NULL"
               " AND phone_number_id NOT IN (SELECT id FROM phone_numbers)")
    with op.batch_alter_table("deliveries") as batch_op:
        for column, referred, on_delete in KEYS:
            batch_op.create_foreign_key(f"fk_deliveries_{column}", referred, [column], ["id"], ondelete=on_delete)
