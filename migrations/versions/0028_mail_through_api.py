"""neighbourhood mail through the API: an inquiry is written by a web user or by an API token, and a token
may be bound to a municipality (it then acts as that municipality's staff)

Revision ID: 0028_mail_through_api
Revises: 0027_approval_escalation
"""
import sqlalchemy as sa
from alembic import op

revision = "0028_mail_through_api"
down_revision = "0027_approval_escalation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("municipality_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_api_tokens_municipality_id", "municipalities", ["municipality_id"], ["id"])
    with op.batch_alter_table("inquiries") as batch:
        batch.alter_column("created_by", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("created_by_token_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_inquiries_created_by_token_id", "api_tokens", ["created_by_token_id"], ["id"])
        batch.create_check_constraint("ck_inquiry_author", "(created_by IS NULL) <> (created_by_token_id IS NULL)")


def downgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_constraint("ck_inquiry_author", type_="check")
        batch.drop_constraint("fk_inquiries_created_by_token_id", type_="foreignkey")
        batch.drop_column("created_by_token_id")
        batch.alter_column("created_by", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("fk_api_tokens_municipality_id", type_="foreignkey")
        batch.drop_column("municipality_id")
