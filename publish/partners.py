"""Partner webhooks: every publication message POSTed to each registered partner, signed, retried.

The body is the message's JSON feed item, signed by core.webhook_post (HMAC of timestamp and body).
A partner checks the signature and that the timestamp is recent (replays are refused). A failed
attempt (no answer, not 2xx) is retried with exponential backoff on RQ's scheduler; a message
withdrawn by a Cancel before it got through is never sent (its log row says "withdrawn"). Delivery is
at least once: a partner keeps the message `id` it has seen and ignores a repeat.
"""
import json
from datetime import timedelta
from functools import partial

from sqlalchemy import select

from core import runtime, secrets
from core.webhook_post import EVENT_HEADER, attempt
from core.models import Partner, PartnerDelivery, PublicationEvent, utcnow

from .feeds import json_item


def fan_out(session, event):
    """One queued delivery row per active partner for this message; returns their ids."""
    partners = session.scalars(select(Partner.id).where(Partner.active.is_(True))).all()
    rows = [PartnerDelivery(partner_id=pid, event_id=event.id, state="queued") for pid in partners]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def enqueue_deliveries(rt, delivery_ids):
    for delivery_id in delivery_ids:
        rt.queues.urgent.enqueue(deliver, delivery_id, result_ttl=0, failure_ttl=7 * 86400)


def requeue_stale(rt, now=None):
    """Enqueue again what the log holds as queued but no queue does (Redis was down, or lost its jobs):
    never tried for REQUEUE_AFTER_S, or last tried longer ago than the longest backoff allows."""
    now = now or utcnow()
    config = rt.config
    never = now - timedelta(seconds=config["REQUEUE_AFTER_S"])
    lost = now - timedelta(seconds=config["PARTNER_RETRY_MAX_S"] * 1.2 + config["REQUEUE_AFTER_S"])
    with rt.db.session() as session:
        ids = list(session.scalars(select(PartnerDelivery.id).where(
            PartnerDelivery.state == "queued",
            ((PartnerDelivery.last_attempt_at.is_(None) & (PartnerDelivery.created_at < never))
             | (PartnerDelivery.last_attempt_at < lost)))))
    enqueue_deliveries(rt, ids)
    return ids


def _request(config, session, row):
    """The partner's address, secret, body and headers (the event type); None when a Cancel withdrew the
    message first."""
    event = session.get(PublicationEvent, row.event_id)
    if event.withdrawn:
        row.state, row.last_error = "withdrawn", "withdrawn by the Cancel before delivery"
        return None
    partner = session.get(Partner, row.partner_id)
    body = json.dumps(json_item(event, config), ensure_ascii=False, sort_keys=True).encode()
    return partner.url, secrets.reveal(config, partner.secret), body, {EVENT_HEADER: event.msg_type}


@runtime.job
def deliver(rt, delivery_id):
    """Send one partner delivery (an RQ job); idempotent: a delivered or withdrawn row is left alone."""
    return attempt(rt, PartnerDelivery, delivery_id, partial(_request, rt.config), deliver,
                   "Uitkijk-partner-webhook/1")
