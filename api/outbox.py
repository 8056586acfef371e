"""The console transports' outbox: what would have gone to phones (numbers and texts in full, so each
read is audited as a personal-data read)."""
from flask import g, jsonify, request

from core import audit
from core.outbox import list_outbox as outbox_messages
from web.db_session import session

from . import bp, int_arg, requires


@bp.get("/outbox")
@requires("outbox")
def list_outbox():
    db = session()
    messages = outbox_messages(db, int_arg("after_id", 0, 0, 2 ** 62), request.args.get("channel"),
                               int_arg("limit", 100, 1, 1000))
    if messages:
        audit.record(db, g.api_actor, "view", "outbox", None, {"ids": [messages[0].id, messages[-1].id]})
        db.commit()
    return jsonify([{"id": m.id, "delivery_id": m.delivery_id, "transport": m.transport, "channel": m.channel,
                     "to": m.to_e164, "body": m.body, "created_at": m.created_at.isoformat()}
                    for m in messages])
