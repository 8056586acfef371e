"""the offline address table (BAG extract) and, on a participant's location, the address it came from
and its CBS wijk and buurt

Revision ID: 0017_address_table
Revises: 0016_user_language
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_address_table"
down_revision = "0016_user_language"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("postcode", sa.String(length=6), nullable=False),
        sa.Column("house_number", sa.Integer(), nullable=False),
        sa.Column("house_letter", sa.String(length=1), nullable=False),
        sa.Column("addition", sa.String(length=4), nullable=False),
        sa.Column("street", sa.String(length=80), nullable=False),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.Column("street_key", sa.String(length=80), nullable=False),
        sa.Column("city_key", sa.String(length=80), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("wijk_code", sa.String(length=10), nullable=True),
        sa.Column("wijk_name", sa.String(length=80), nullable=True),
        sa.Column("buurt_code", sa.String(length=12), nullable=True),
        sa.Column("buurt_name", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("postcode", "house_number", "house_letter", "addition", name="ux_address_key"),
    )
    op.create_index("ix_address_street", "addresses", ["city_key", "street_key", "house_number"])
    op.create_index("ix_address_wijk", "addresses", ["wijk_code"])
    with op.batch_alter_table("participant_locations") as batch:
        batch.add_column(sa.Column("postcode", sa.String(length=6), nullable=True))
        batch.add_column(sa.Column("house_number", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("wijk_code", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("buurt_code", sa.String(length=12), nullable=True))


def downgrade():
    with op.batch_alter_table("participant_locations") as batch:
        for column in ("buurt_code", "wijk_code", "house_number", "postcode"):
            batch.drop_column(column)
    op.drop_index("ix_address_wijk", "addresses")
    op.drop_index("ix_address_street", "addresses")
    op.drop_table("addresses")
