"""neighbourhood mail: inquiries, replies and photos, mail preferences and senders; mail deliveries

Revision ID: 0006_neighbourhood_mail
Revises: 0005_regions
Create Date: 2026-12-01 21:57:38.885190
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0006_neighbourhood_mail'
down_revision = '0005_regions'
branch_labels = None
depends_on = None

OLD_STATES = "state in ('queued','sending','sent','delivered','answered','failed','cancelled')"
NEW_STATES = "state in ('queued','sending','sent','delivered','answered','failed','cancelled','bounced')"


def upgrade():
    op.create_table('mail_senders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('mail_preferences',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_address', sa.String(length=254), nullable=True),
    sa.Column('confirmed_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('bounced_address', sa.String(length=254), nullable=True),
    sa.Column('bounced_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('bounce_reason', sa.String(length=200), nullable=True),
    sa.Column('inquiries', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('information', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('alerts', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id')
    )
    op.create_table('inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('subject', sa.String(length=150), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('photo', sa.String(length=80), nullable=True),
    sa.Column('area', sa.JSON(), nullable=False),
    sa.Column('area_label', sa.String(length=200), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('update_text', sa.Text(), nullable=True),
    sa.Column('update_sent_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('open', 'closed')", name='ck_inquiry_status'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], ),
    sa.ForeignKeyConstraint(['sender_id'], ['mail_senders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('inquiry_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('noticed', sa.Boolean(), nullable=False),
    sa.Column('story', sa.Text(), nullable=True),
    sa.Column('when_text', sa.String(length=200), nullable=True),
    sa.Column('may_contact', sa.Boolean(), nullable=False),
    sa.Column('contact_number', sa.String(length=16), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('delivery_id')
    )
    with op.batch_alter_table('inquiry_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiry_replies_inquiry_id'), ['inquiry_id'], unique=False)

    op.create_table('reply_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reply_id'], ['inquiry_replies.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reply_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_photos_reply_id'), ['reply_id'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inquiry_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('to_address', sa.String(length=254), nullable=True))
        batch_op.alter_column('action_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index('ix_delivery_inquiry', ['inquiry_id', 'purpose', 'rank'], unique=False)
        batch_op.create_unique_constraint('ux_delivery_mail_once', ['inquiry_id', 'participant_id', 'channel', 'purpose'])
        batch_op.create_foreign_key('fk_deliveries_inquiry_id', 'inquiries', ['inquiry_id'], ['id'])
        batch_op.drop_constraint('ck_delivery_state', type_='check')
        batch_op.create_check_constraint('ck_delivery_state', NEW_STATES)
        batch_op.create_check_constraint('ck_delivery_owner', '(action_id is null) <> (inquiry_id is null)')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('ck_user_role', type_='check')
        batch_op.create_check_constraint('ck_user_role', "role in ('admin', 'operator', 'police', 'municipality')")

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_address', sa.String(length=254), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('to_address')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('ck_user_role', type_='check')
        batch_op.create_check_constraint('ck_user_role', "role in ('admin', 'operator', 'municipality')")

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('ck_delivery_owner', type_='check')
        batch_op.drop_constraint('ck_delivery_state', type_='check')
        batch_op.create_check_constraint('ck_delivery_state', OLD_STATES)
        batch_op.drop_constraint('fk_deliveries_inquiry_id', type_='foreignkey')
        batch_op.drop_constraint('ux_delivery_mail_once', type_='unique')
        batch_op.drop_index('ix_delivery_inquiry')
        batch_op.alter_column('action_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('to_address')
        batch_op.drop_column('inquiry_id')

    with op.batch_alter_table('reply_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_photos_reply_id'))

    op.drop_table('reply_photos')
    with op.batch_alter_table('inquiry_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiry_replies_inquiry_id'))

    op.drop_table('inquiry_replies')
    op.drop_table('inquiries')
    op.drop_table('mail_preferences')
    op.drop_table('mail_senders')
