"""streaming launch: how far an action's ledger got, and how many alerts it plans

Revision ID: 0007_streaming_launch
Revises: 0006_neighbourhood_mail
"""
from alembic import op
import sqlalchemy as sa

from core.models import UtcDateTime

revision = "0007_streaming_launch"
down_revision = "0006_neighbourhood_mail"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_m", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ledger_rows", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("ledger_done_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("planned", sa.Integer(), nullable=True))
    # Actions launched before: their ledger was written whole.
    op.execute("UPDATE actions SET ledger_done_at = launched_at")


def downgrade():
    with op.batch_alter_table("actions", schema=None) as batch_op:
        for column in ("planned", "ledger_done_at", "ledger_rows", "ledger_m"):
            batch_op.drop_column(column)
