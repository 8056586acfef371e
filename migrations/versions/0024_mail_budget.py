"""an inquiry counts the participants in its area it skipped because they had their weekly budget of mail

Revision ID: 0024_mail_budget
Revises: 0023_launch_approvals
"""
import sqlalchemy as sa
from alembic import op

revision = "0024_mail_budget"
down_revision = "0023_launch_approvals"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("skipped_over_budget", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("skipped_over_budget")
