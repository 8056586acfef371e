"""an action kind may escalate a participant not reached on one channel to their next (voice, SMS, e-mail, in an
order an admin sets); an escalated delivery keeps the delivery it escalated from and why

Revision ID: 0030_channel_escalation
Revises: 0029_address_position_index
"""
import sqlalchemy as sa
from alembic import op

revision = "0030_channel_escalation"
down_revision = "0029_address_position_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("retry_policies") as batch:
        batch.add_column(sa.Column("escalate", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("escalation_order", sa.String(length=40), nullable=False,
                                   server_default="voice,sms,email"))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("escalated_from", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=40), nullable=True))
        batch.create_foreign_key("fk_delivery_escalated_from", "deliveries", ["escalated_from"], ["id"],
                                 ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("fk_delivery_escalated_from", type_="foreignkey")
        batch.drop_column("reason")
        batch.drop_column("escalated_from")
    with op.batch_alter_table("retry_policies") as batch:
        batch.drop_column("escalation_order")
        batch.drop_column("escalate")
