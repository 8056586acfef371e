"""The console transports' outbox: what would have gone to phones."""
from flask import jsonify, request
from sqlalchemy import select

from core.models import OutboxMessage
from web.db_session import session

from . import bp, int_arg


@bp.get("/outbox")
def list_outbox():
    query = select(OutboxMessage).where(OutboxMessage.id > int_arg("after_id", 0, 0, 2 ** 62))
    if request.args.get("channel"):
        query = query.where(OutboxMessage.channel == request.args["channel"])
    query = query.order_by(OutboxMessage.id).limit(int_arg("limit", 100, 1, 1000))
    return jsonify([{"id": m.id, "delivery_id": m.delivery_id, "transport": m.transport, "channel": m.channel,
                     "to": m.to_e164, "body": m.body, "created_at": m.created_at.isoformat()}
                    for m in session().scalars(query)])
