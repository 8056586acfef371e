"""reach points: the register's rows a launch reads, joined beforehand and indexed by the database's
spatial engine (SQLite R*Tree; PostGIS when the server has it), kept by triggers

Revision ID: 0018_reach_points
Revises: 0017_address_table
"""
import sqlalchemy as sa
from alembic import op

from migrations.reach_points_ddl import POINTS_0018, uninstall

revision = "0018_reach_points"
down_revision = "0017_address_table"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reach_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("phone_number_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=5), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reach_points_participant_id", "reach_points", ["participant_id"])
    op.create_index("ix_reach_points_cell", "reach_points", ["cell"])
    connection = op.get_bind()
    # The points as this revision has them: numbers only (0021 adds the e-mail points).
    POINTS_0018.install(connection)
    POINTS_0018.backfill(connection)


def downgrade():
    uninstall(op.get_bind())
    op.drop_index("ix_reach_points_cell", table_name="reach_points")
    op.drop_index("ix_reach_points_participant_id", table_name="reach_points")
    op.drop_table("reach_points")
