"""trunks, inbound calls, tips, users and number confirmations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:41:05.870678
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('backend', sa.String(length=10), nullable=False),
    sa.Column('control_room_id', sa.Integer(), nullable=True),
    sa.Column('dial_template', sa.String(length=120), nullable=True),
    sa.Column('caller_id', sa.String(length=32), nullable=True),
    sa.Column('channel_limit', sa.Integer(), nullable=False),
    sa.Column('calls_per_second', sa.Float(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['control_room_id'], ['control_rooms.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role in ('admin', 'operator', 'municipality')", name='ck_user_role'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('inbound_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('backend', sa.String(length=10), nullable=False),
    sa.Column('call_ref', sa.String(length=64), nullable=False),
    sa.Column('caller_e164', sa.String(length=16), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('alerted', sa.Boolean(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('route', sa.JSON(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('started_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('connected_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('wait_s', sa.Float(), nullable=True),
    sa.Column('talk_s', sa.Float(), nullable=True),
    sa.Column('origin', sa.String(length=12), server_default='free_number', nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_ref')
    )
    with op.batch_alter_table('inbound_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_calls_action_id'), ['action_id'], unique=False)

    op.create_table('number_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_number_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['phone_number_id'], ['phone_numbers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('number_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_number_confirmations_phone_number_id'), ['phone_number_id'], unique=False)

    op.create_table('tips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('inbound_call_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=5), nullable=False),
    sa.Column('from_e164', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('recording', sa.String(length=300), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('provider_ref', sa.String(length=64), nullable=True),
    sa.Column('created_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('heard', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ),
    sa.ForeignKeyConstraint(['inbound_call_id'], ['inbound_calls.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_ref')
    )
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tips_action_id'), ['action_id'], unique=False)

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_from_response', sa.Boolean(), nullable=True))



def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('result_from_response')

    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tips_action_id'))

    op.drop_table('tips')
    with op.batch_alter_table('number_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_number_confirmations_phone_number_id'))

    op.drop_table('number_confirmations')
    with op.batch_alter_table('inbound_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_calls_action_id'))

    op.drop_table('inbound_calls')
    op.drop_table('users')
    op.drop_table('trunks')
