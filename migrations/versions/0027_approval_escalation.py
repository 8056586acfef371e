"""supervisors: accounts marked supervisor get the launches left waiting for approval; an approval keeps when it was
escalated to them

Revision ID: 0027_approval_escalation
Revises: 0026_exercises
"""
import sqlalchemy as sa
from alembic import op

from core.models import UtcDateTime

revision = "0027_approval_escalation"
down_revision = "0026_exercises"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("supervisor", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("launch_approvals") as batch:
        batch.add_column(sa.Column("escalated_at", UtcDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("launch_approvals") as batch:
        batch.drop_column("escalated_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("supervisor")
