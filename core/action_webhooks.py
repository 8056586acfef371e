"""Webhooks out for action events: a control-room system hears an action launched, changed and ended.

The delivery rows are written in the transaction that makes the event (so an event committed is never
lost, and one rolled back is never sent) and enqueued after commit. Each body is signed like the partners'
webhooks (core.webhook_post) and retried with the same backoff; delivery is at least once, so a receiver
keeps the body's `id` and ignores a repeat. A subscription bound to a control room hears only its actions.

Retries and several workers can deliver an action's events out of order, so each event carries its number
among the action's events (`sequence`, also in X-Uitkijk-Sequence): 1 for the launch, then one more per
event, counted on the action's row in the event's transaction, so the numbers have no gaps (a rolled-back
event gives its number back) and two concurrent events cannot share one. A receiver orders by it, and a
gap tells it an event is still on its way (or was sent before it subscribed).
"""
import json
import logging
import secrets as token_source
from datetime import timedelta
from functools import partial

from redis.exceptions import RedisError
from sqlalchemy import func, or_, select

from . import audit, runtime, secrets
from .errors import NotFound, ValidationError
from .models import Action, ActionWebhook, ActionWebhookDelivery, ControlRoom, utcnow
from .webhook_post import EVENT_HEADER, attempt, check_url

log = logging.getLogger(__name__)

AGENT = "Uitkijk-action-webhook/1"
SEQUENCE_HEADER = "X-Uitkijk-Sequence"


def _room(session, control_room_id):
    if control_room_id is None:
        return None
    if isinstance(control_room_id, bool) or not isinstance(control_room_id, int) \
            or session.get(ControlRoom, control_room_id) is None:
        raise ValidationError("control_room_id", "must be the id of a control room, or null for every room")
    return control_room_id


def create(session, url, control_room_id, actor, config):
    """A subscription; returns (subscription, secret). The secret is shown once and stored sealed."""
    url = check_url(url, config)
    room = _room(session, control_room_id)
    secret = token_source.token_urlsafe(32)
    hook = ActionWebhook(url=url, secret=secrets.seal(config, secret), control_room_id=room, active=True,
                         created_by=actor)
    session.add(hook)
    session.flush()
    audit.record(session, actor, "create", "action_webhook", hook.id, {"url": url, "control_room_id": room})
    return hook, secret


def get(session, hook_id, room_id=None):
    """The subscription; NotFound also when it belongs to another room than `room_id` (a bound token's)."""
    hook = session.get(ActionWebhook, hook_id)
    if hook is None or (room_id is not None and hook.control_room_id != room_id):
        raise NotFound("webhook", hook_id)
    return hook


def list_webhooks(session, room_id=None):
    query = select(ActionWebhook).order_by(ActionWebhook.id)
    if room_id is not None:
        query = query.where(ActionWebhook.control_room_id == room_id)
    return list(session.scalars(query))


def update(session, hook, changes, actor, config):
    """Change url, active or control_room_id; `new_secret: true` replaces the secret (returned, else None)."""
    if "url" in changes:
        hook.url = check_url(changes["url"], config)
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise ValidationError("active", "must be true or false")
        hook.active = changes["active"]
    if "control_room_id" in changes:
        hook.control_room_id = _room(session, changes["control_room_id"])
    secret = None
    if changes.get("new_secret") is True:
        secret = token_source.token_urlsafe(32)
        hook.secret = secrets.seal(config, secret)
    audit.record(session, actor, "change", "action_webhook", hook.id,
                 {"url": hook.url, "active": hook.active, "control_room_id": hook.control_room_id,
                  "new_secret": secret is not None})
    return secret


def delete(session, hook, actor):
    audit.record(session, actor, "delete", "action_webhook", hook.id, {"url": hook.url})
    session.delete(hook)


def overview(session):
    """[(subscription, room name or None, {state: count})] for the admin list."""
    counts = {}
    for hook_id, state, n in session.execute(
            select(ActionWebhookDelivery.webhook_id, ActionWebhookDelivery.state, func.count())
            .group_by(ActionWebhookDelivery.webhook_id, ActionWebhookDelivery.state)):
        counts.setdefault(hook_id, {})[state] = n
    rows = session.execute(select(ActionWebhook, ControlRoom.name)
                           .outerjoin(ControlRoom, ControlRoom.id == ActionWebhook.control_room_id)
                           .order_by(ActionWebhook.id))
    return [(hook, room, counts.get(hook.id, {})) for hook, room in rows]


def delivery_log(session, hook_id, limit=200):
    """The subscription's latest deliveries, newest first."""
    return list(session.scalars(select(ActionWebhookDelivery).where(ActionWebhookDelivery.webhook_id == hook_id)
                                .order_by(ActionWebhookDelivery.id.desc()).limit(limit)))


def _next_sequence(session, action):
    """The event's number: the action row's counter raised by one in the database (an UPDATE, which on
    PostgreSQL holds the row until commit, so a concurrent event waits and takes the next number)."""
    action.event_sequence = Action.event_sequence + 1
    session.flush()
    return action.event_sequence  # read back from the row just updated


def record(session, action, event, change=None):
    """Inside the event's transaction: number the event, and write one queued row per active subscription
    that hears this action's room; returns their ids, for `enqueue` after commit."""
    sequence = _next_sequence(session, action)
    hooks = session.scalars(select(ActionWebhook.id).where(
        ActionWebhook.active.is_(True),
        or_(ActionWebhook.control_room_id.is_(None), ActionWebhook.control_room_id == action.control_room_id)))
    payload = {"event": event, "change": change, "occurred_at": utcnow().isoformat(), "action": {
        "id": action.id, "code": action.code, "kind": action.kind, "title": action.title,
        "status": action.status, "result": action.result, "control_room_id": action.control_room_id,
        "area": action.area, "launched_at": action.launched_at.isoformat() if action.launched_at else None,
        "ended_at": action.ended_at.isoformat() if action.ended_at else None}}
    rows = [ActionWebhookDelivery(webhook_id=hook_id, action_id=action.id, event=event, sequence=sequence,
                                  payload=payload, state="queued") for hook_id in hooks]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def enqueue(rt, delivery_ids):
    """After commit. If Redis is down the rows stay queued in the log (requeue_stale sends them later)."""
    try:
        for delivery_id in delivery_ids:
            rt.queues.urgent.enqueue(deliver, delivery_id, result_ttl=0, failure_ttl=7 * 86400)
    except RedisError:  # the action is committed; a lost enqueue must not fail it
        log.exception("action webhook deliveries %s not enqueued; they stay queued in the log", delivery_ids)


def requeue_stale(rt, now=None):
    """Enqueue again the queued rows no queue holds (Redis was down or lost them): due for a while."""
    now = now or utcnow()
    late = now - timedelta(seconds=rt.config["REQUEUE_AFTER_S"])
    with rt.db.session() as session:
        ids = list(session.scalars(select(ActionWebhookDelivery.id).where(
            ActionWebhookDelivery.state == "queued",
            or_(ActionWebhookDelivery.next_attempt_at.is_(None) & (ActionWebhookDelivery.created_at < late),
                ActionWebhookDelivery.next_attempt_at < late))))
    enqueue(rt, ids)
    return ids


def _request(config, session, row):
    hook = session.get(ActionWebhook, row.webhook_id)
    body = json.dumps({"id": row.id, "sequence": row.sequence, **row.payload}, ensure_ascii=False,
                      sort_keys=True).encode()
    headers = {EVENT_HEADER: row.event, SEQUENCE_HEADER: str(row.sequence)}
    return hook.url, secrets.reveal(config, hook.secret), body, headers


@runtime.job
def deliver(rt, delivery_id):
    """Send one delivery (an RQ job); a row already delivered or failed is left alone."""
    return attempt(rt, ActionWebhookDelivery, delivery_id, partial(_request, rt.config), deliver, AGENT)
