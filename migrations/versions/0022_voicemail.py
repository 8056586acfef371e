"""an alert call a machine answered is a delivery of its own state, `voicemail`, with what answering-machine
detection said (status and cause) kept on every answered call for tuning its parameters

Revision ID: 0022_voicemail
Revises: 0021_email_reach_points
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_voicemail"
down_revision = "0021_email_reach_points"
branch_labels = None
depends_on = None

OLD_STATES = "state in ('queued','sending','sent','delivered','answered','failed','cancelled','bounced')"
NEW_STATES = "state in ('queued','sending','sent','delivered','answered','voicemail','failed','cancelled','bounced')"


def upgrade():
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("amd_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("amd_cause", sa.String(length=40), nullable=True))
        batch.drop_constraint("ck_delivery_state", type_="check")
        batch.create_check_constraint("ck_delivery_state", NEW_STATES)


def downgrade():
    op.execute("UPDATE deliveries SET state = 'answered' WHERE state = 'voicemail'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("ck_delivery_state", type_="check")
        batch.create_check_constraint("ck_delivery_state", OLD_STATES)
        batch.drop_column("amd_cause")
        batch.drop_column("amd_status")
