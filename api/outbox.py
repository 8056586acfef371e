"""The console transports' outbox: what would have gone to phones."""
from flask import jsonify, request
from core.outbox import list_outbox as outbox_messages
from web.db_session import session

from . import bp, int_arg, requires


@bp.get("/outbox")
@requires("outbox")
def list_outbox():
    messages = outbox_messages(session(), int_arg("after_id", 0, 0, 2 ** 62), request.args.get("channel"),
                               int_arg("limit", 100, 1, 1000))
    return jsonify([{"id": m.id, "delivery_id": m.delivery_id, "transport": m.transport, "channel": m.channel,
                     "to": m.to_e164, "body": m.body, "created_at": m.created_at.isoformat()}
                    for m in messages])
