"""webhooks out number each action's events (1 for the launch, then one more per event) so a receiver can
order them and see a gap: a counter on the action, the number on each delivery

Deliveries written before this migration get their numbers here: an action's events in the order they were
recorded (all subscriptions' rows of one event share its `occurred_at`), and the action's counter goes on
after the last, so an action still active keeps counting without a gap.

Revision ID: 0019_webhook_sequence
Revises: 0018_reach_points
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_webhook_sequence"
down_revision = "0018_reach_points"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("actions") as batch_op:
        batch_op.add_column(sa.Column("event_sequence", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("action_webhook_deliveries") as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
    _number_earlier_events(op.get_bind())
    with op.batch_alter_table("action_webhook_deliveries") as batch_op:
        batch_op.alter_column("sequence", existing_type=sa.Integer(), nullable=False)


def _number_earlier_events(bind):
    deliveries = sa.table("action_webhook_deliveries", sa.column("id", sa.Integer), sa.column("action_id", sa.Integer),
                          sa.column("payload", sa.JSON), sa.column("sequence", sa.Integer))
    actions = sa.table("actions", sa.column("id", sa.Integer), sa.column("event_sequence", sa.Integer))
    numbers = {}  # action id -> {occurred_at: sequence}
    for row_id, action_id, payload in bind.execute(
            sa.select(deliveries.c.id, deliveries.c.action_id, deliveries.c.payload).order_by(deliveries.c.id)):
        events = numbers.setdefault(action_id, {})
        sequence = events.setdefault(payload.get("occurred_at"), len(events) + 1)
        bind.execute(deliveries.update().where(deliveries.c.id == row_id).values(sequence=sequence))
    for action_id, events in numbers.items():
        bind.execute(actions.update().where(actions.c.id == action_id).values(event_sequence=len(events)))


def downgrade():
    with op.batch_alter_table("action_webhook_deliveries") as batch_op:
        batch_op.drop_column("sequence")
    with op.batch_alter_table("actions") as batch_op:
        batch_op.drop_column("event_sequence")
