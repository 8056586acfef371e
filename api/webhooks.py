"""Webhooks out for action events, managed by the control-room system that receives them.

The secret is write-only: shown once when created (or replaced with `new_secret: true`), stored sealed.
A token bound to a control room sees, creates and changes only subscriptions of its own room.
"""
from flask import current_app, g, jsonify

from core import action_webhooks, secrets
from core.errors import ValidationError
from web.db_session import session

from . import bp, int_arg, json_body, requires, room_filter

FIELDS = {"url", "active", "control_room_id", "new_secret"}


def webhook_payload(hook, secret=None):
    payload = {"id": hook.id, "url": hook.url, "control_room_id": hook.control_room_id, "active": hook.active,
               "secret": secrets.describe(hook.secret), "created_at": hook.created_at.isoformat()}
    if secret is not None:
        payload["new_secret"] = secret
    return payload


def attempts_payload(row):
    """A delivery-log row's attempt columns (models.WebhookAttempts), shared by the partners' log."""
    def when(value):
        return value.isoformat() if value else None
    return {"id": row.id, "state": row.state, "attempts": row.attempts, "last_status": row.last_status,
            "last_error": row.last_error, "created_at": when(row.created_at),
            "next_attempt_at": when(row.next_attempt_at), "delivered_at": when(row.delivered_at)}


def delivery_payload(row):
    return {**attempts_payload(row), "action_id": row.action_id, "event": row.event, "sequence": row.sequence,
            "payload": row.payload}


def _changes():
    data = json_body(FIELDS, "webhook")
    bound = room_filter()
    if bound is not None and "control_room_id" in data and data["control_room_id"] != bound:
        raise ValidationError("control_room_id", "this token may only use control room %(id)s", id=bound)
    return data


@bp.get("/webhooks")
@requires("webhooks")
def list_webhooks():
    return jsonify([webhook_payload(h) for h in action_webhooks.list_webhooks(session(), room_filter())])


@bp.post("/webhooks")
@requires("webhooks")
def create_webhook():
    data = _changes()
    db = session()
    bound = room_filter()
    hook, secret = action_webhooks.create(db, data.get("url"), bound if bound is not None
                                          else data.get("control_room_id"), g.api_actor, current_app.config)
    db.commit()
    return jsonify(webhook_payload(hook, secret)), 201


@bp.get("/webhooks/<int:webhook_id>")
@requires("webhooks")
def show_webhook(webhook_id):
    return jsonify(webhook_payload(action_webhooks.get(session(), webhook_id, room_filter())))


@bp.patch("/webhooks/<int:webhook_id>")
@requires("webhooks")
def update_webhook(webhook_id):
    db = session()
    hook = action_webhooks.get(db, webhook_id, room_filter())
    secret = action_webhooks.update(db, hook, _changes(), g.api_actor, current_app.config)
    db.commit()
    return jsonify(webhook_payload(hook, secret))


@bp.delete("/webhooks/<int:webhook_id>")
@requires("webhooks")
def delete_webhook(webhook_id):
    db = session()
    action_webhooks.delete(db, action_webhooks.get(db, webhook_id, room_filter()), g.api_actor)
    db.commit()
    return "", 204


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@requires("webhooks")
def webhook_deliveries(webhook_id):
    db = session()
    hook = action_webhooks.get(db, webhook_id, room_filter())
    rows = action_webhooks.delivery_log(db, hook.id, int_arg("limit", 100, 1, 1000))
    return jsonify([delivery_payload(r) for r in rows])
