"""The console transports' outbox: what would have gone to phones, read by the API and the CLI."""
from sqlalchemy import select

from .models import OutboxMessage


def list_outbox(session, after_id=0, channel=None, limit=100, newest_first=False):
    """Outbox messages after `after_id` (a cursor), oldest first unless `newest_first`."""
    query = select(OutboxMessage).where(OutboxMessage.id > after_id)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    order = OutboxMessage.id.desc() if newest_first else OutboxMessage.id
    return session.scalars(query.order_by(order).limit(limit)).all()
