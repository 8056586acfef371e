"""token room: an API token may be bound to one control room's actions

Revision ID: 0012_token_room
Revises: 0011_reached_at
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_token_room"
down_revision = "0011_reached_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("control_room_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_api_tokens_control_room_id", "control_rooms", ["control_room_id"], ["id"])


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_tokens_control_room_id", type_="foreignkey")
        batch_op.drop_column("control_room_id")
