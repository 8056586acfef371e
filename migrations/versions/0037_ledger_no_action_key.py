"""deliveries: no foreign key to actions; on PostgreSQL its check ran as a trigger for each row written, a sixth
of writing a national ledger. Actions are never deleted, and every ledger row is written in the transaction that
creates or moves its action (core.ledger_rings), so the key guarded nothing the writers do not

Revision ID: 0037_ledger_no_action_key
Revises: 0036_ledger_partial_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = "0037_ledger_no_action_key"
down_revision = "0036_ledger_partial_indexes"
branch_labels = None
depends_on = None

# SQLite's foreign keys have no names: batch mode names them by this convention to drop them.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("deliveries", naming_convention=NAMING) as batch_op:
            batch_op.drop_constraint("fk_deliveries_action_id_actions", type_="foreignkey")
        return
    for key in sa.inspect(bind).get_foreign_keys("deliveries"):
        if key["constrained_columns"] == ["action_id"]:
            op.drop_constraint(key["name"], "deliveries", type_="foreignkey")


def downgrade():
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.create_foreign_key("fk_deliveries_action_id", "actions", ["action_id"], ["id"])
