"""participants, actions and the delivery ledger

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 00:52:35.862274
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.models.UtcDateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', core.models.UtcDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('verb', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('control_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('free_number', sa.String(length=32), nullable=False),
    sa.Column('general_line', sa.String(length=120), nullable=True),
    sa.Column('voice_backend', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('municipalities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('operators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('control_room_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('dial_string', sa.String(length=120), nullable=False),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['control_room_id'], ['control_rooms.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('external_ref', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('quiet_start', sa.Time(), nullable=True),
    sa.Column('quiet_end', sa.Time(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_ref')
    )
    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('client_request_id', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('time_critical', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('area', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('closing_text', sa.Text(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('control_room_id', sa.Integer(), nullable=False),
    sa.Column('launched_by', sa.String(length=120), nullable=False),
    sa.Column('ended_by', sa.String(length=120), nullable=True),
    sa.Column('launched_at', core.models.UtcDateTime(), nullable=False),
    sa.Column('ended_at', core.models.UtcDateTime(), nullable=True),
    sa.Column('alert_prompt', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status in ('active', 'ended')", name='ck_action_status'),
    sa.ForeignKeyConstraint(['control_room_id'], ['control_rooms.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_request_id')
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ux_action_active_code', ['code'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('participant_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('cell', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('participant_id', 'kind')
    )
    with op.batch_alter_table('participant_locations', schema=None) as batch_op:
        batch_op.create_index('ix_location_cell_cover', ['cell', 'lat', 'lon', 'participant_id'], unique=False)

    op.create_table('phone_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('e164', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('unsubscribed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('e164')
    )
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_numbers_participant_id'), ['participant_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('phone_number_id', sa.Integer(), nullable=True),
    sa.Column('to_e164', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('purpose', sa.String(length=7), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', core.models.UtcDateTime(), nullable=True),
    sa.Column('enqueued_at', core.models.UtcDateTime(), nullable=True),
    sa.Column('claimed_at', core.models.UtcDateTime(), nullable=True),
    sa.Column('claim_token', sa.String(length=16), nullable=True),
    sa.Column('provider_ref', sa.String(length=64), nullable=True),
    sa.Column('transport', sa.String(length=16), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('updated_at', core.models.UtcDateTime(), nullable=False),
    sa.CheckConstraint("state in ('queued','sending','sent','delivered','answered','failed','cancelled')", name='ck_delivery_state'),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['phone_number_id'], ['phone_numbers.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('action_id', 'participant_id', 'channel', 'purpose', name='ux_delivery_once')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_batch', ['action_id', 'channel', 'purpose', 'rank'], unique=False)
        batch_op.create_index('ix_delivery_number', ['to_e164', 'action_id'], unique=False)
        batch_op.create_index('ix_delivery_state', ['state', 'enqueued_at'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('transport', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('to_e164', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', core.models.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade():
    op.drop_table('outbox')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_state')
        batch_op.drop_index('ix_delivery_number')
        batch_op.drop_index('ix_delivery_batch')

    op.drop_table('deliveries')
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_numbers_participant_id'))

    op.drop_table('phone_numbers')
    with op.batch_alter_table('participant_locations', schema=None) as batch_op:
        batch_op.drop_index('ix_location_cell_cover')

    op.drop_table('participant_locations')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ux_action_active_code', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.drop_table('actions')
    op.drop_table('participants')
    op.drop_table('operators')
    op.drop_table('municipalities')
    op.drop_table('control_rooms')
    op.drop_table('audit_events')
    op.drop_table('api_tokens')
