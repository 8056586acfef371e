"""Partner webhooks: every publication message POSTed to each registered partner, signed, retried.

The body is the message's JSON feed item. The signature is an HMAC-SHA256, with the partner's
secret, of "<timestamp>.<body>": headers X-Uitkijk-Timestamp and X-Uitkijk-Signature: sha256=<hex>.
A partner checks the signature and that the timestamp is recent (replays are refused). A failed
attempt (no answer, not 2xx) is retried with exponential backoff on RQ's scheduler; a message
withdrawn by a Cancel before it got through is never sent (its log row says "withdrawn"). Delivery is
at least once: a partner keeps the message `id` it has seen and ignores a repeat.
"""
import hashlib
import hmac
import json
import logging
import random
import time
from datetime import timedelta

import requests
from sqlalchemy import select

from core import runtime, secrets
from core.models import Partner, PartnerDelivery, PublicationEvent, utcnow

from .feeds import json_item

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Uitkijk-Signature"
TIMESTAMP_HEADER = "X-Uitkijk-Timestamp"
EVENT_HEADER = "X-Uitkijk-Event"


def signature(secret, timestamp, body):
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


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


@runtime.job
def deliver(rt, delivery_id):
    """Send one partner delivery (an RQ job); idempotent: a delivered or withdrawn row is left alone."""
    config = rt.config
    with rt.db.session() as session:
        row = session.get(PartnerDelivery, delivery_id, with_for_update=True)
        if row is None or row.state != "queued":
            return row.state if row else None
        event = session.get(PublicationEvent, row.event_id)
        if event.withdrawn:
            row.state, row.last_error = "withdrawn", "withdrawn by the Cancel before delivery"
            return row.state
        partner = session.get(Partner, row.partner_id)
        body = json.dumps(json_item(event, config), ensure_ascii=False, sort_keys=True).encode()
        url, secret = partner.url, secrets.reveal(config, partner.secret)
        row.attempts += 1
        row.last_attempt_at = utcnow()
        attempts = row.attempts
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp, EVENT_HEADER: event.msg_type,
               SIGNATURE_HEADER: signature(secret, timestamp, body), "User-Agent": "Uitkijk-partner-webhook/1"}
    status, error = None, None
    try:
        response = requests.post(url, data=body, headers=headers, timeout=config["PARTNER_TIMEOUT_S"],
                                 allow_redirects=False)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except requests.RequestException as exc:
        error = f"{exc.__class__.__name__}"
    with rt.db.session() as session:
        row = session.get(PartnerDelivery, delivery_id, with_for_update=True)
        row.last_status = status
        if error is None:
            row.state, row.delivered_at, row.last_error = "delivered", utcnow(), None
            return row.state
        row.last_error = error[:200]
        if attempts >= config["PARTNER_MAX_ATTEMPTS"]:
            row.state = "failed"
            log.warning("partner delivery %s failed for good after %d attempts: %s", delivery_id, attempts, error)
            return row.state
    delay = min(config["PARTNER_RETRY_MAX_S"], config["PARTNER_RETRY_BASE_S"] * 2 ** (attempts - 1))
    delay *= random.uniform(1.0, 1.2)
    rt.queues.urgent.enqueue_in(timedelta(seconds=delay), deliver, delivery_id, result_ttl=0)
    log.info("partner delivery %s: %s, attempt %d, next in %.0f s", delivery_id, error, attempts, delay)
    return "queued"
