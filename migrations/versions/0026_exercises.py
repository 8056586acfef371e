"""exercises: an action may be an exercise, sent only to participants marked as test or staff

Revision ID: 0026_exercises
Revises: 0025_expanding_rings
"""
import sqlalchemy as sa
from alembic import op

revision = "0026_exercises"
down_revision = "0025_expanding_rings"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on SQLite too: a batch copy of participants would break the reach points' triggers.
    op.add_column("participants", sa.Column("test", sa.Boolean(), nullable=False, server_default=sa.text("false")))
    op.add_column("actions", sa.Column("exercise", sa.Boolean(), nullable=False, server_default=sa.text("false")))


def downgrade():
    op.drop_column("actions", "exercise")
    op.drop_column("participants", "test")
