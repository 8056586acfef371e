"""alerts by e-mail are reach points too: a point of channel "email" (the confirmed address, no number) per
location of a participant who chose them, so a launch finds them by the same read of its area

The table's triggers and SQLite's R*Tree are made again (they name the columns and watch mail_preferences
now) and every point is written again.

Revision ID: 0021_email_reach_points
Revises: 0020_retry_policies
"""
import sqlalchemy as sa
from alembic import op

from migrations.reach_points_ddl import POINTS_0018, POINTS_0021, uninstall

revision = "0021_email_reach_points"
down_revision = "0020_retry_policies"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    uninstall(connection)
    with op.batch_alter_table("reach_points") as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=254), nullable=True))
        batch_op.alter_column("phone_number_id", existing_type=sa.Integer(), nullable=True)
    POINTS_0021.install(connection)
    POINTS_0021.backfill(connection)


def downgrade():
    connection = op.get_bind()
    uninstall(connection)
    connection.exec_driver_sql("DELETE FROM reach_points WHERE channel = 'email'")
    with op.batch_alter_table("reach_points") as batch_op:
        batch_op.alter_column("phone_number_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("address")
    POINTS_0018.install(connection)
    POINTS_0018.backfill(connection)
