"""Twilio's message status callbacks, applied to the delivery ledger.

Each callback names its delivery in the URL (``?delivery=12``, signed by Twilio with the rest)
and carries the message SID, the status and, on failure, Twilio's error code. The ledger's
allowed transitions make a repeated or late callback a no-op.
"""
import logging

from core import ledger
from core.models import Delivery
from core.numbers import mask
from core.sms_replies import unsubscribe_number

log = logging.getLogger(__name__)

UNSUBSCRIBED_CODE = 21610
FAILED_STATUSES = ("undelivered", "failed")


def apply_message_status(session, delivery_id, message_sid, status, error_code=None):
    """Move the delivery to what Twilio reports; True when the ledger changed."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != "sms":
        log.warning("message status %s for unknown SMS delivery %s ignored", status, delivery_id)
        return False
    if delivery.provider_ref and message_sid and delivery.provider_ref != message_sid:
        log.warning("message status for delivery %s names %s, not its message %s: ignored",
                    delivery_id, message_sid, delivery.provider_ref)
        return False
    # A callback can overtake the worker that is still recording the send: keep the SID here too.
    fields = {"provider_ref": message_sid} if message_sid else {}
    if status == "delivered":
        return ledger.transition(session, delivery_id, "delivered", error=None, **fields)
    if status == "sent":
        return ledger.transition(session, delivery_id, "sent", **fields) if delivery.state == "sending" else False
    if status in FAILED_STATUSES:
        code = _error_code(error_code)
        moved = ledger.transition(session, delivery_id, "failed",
                                  error=f"{code or 'twilio'}: message {status}", **fields)
        if moved:
            log.info("SMS delivery %s to %s %s (error %s)", delivery_id, mask(delivery.to_e164), status, code)
            if code == UNSUBSCRIBED_CODE:
                unsubscribe_number(session, delivery.to_e164, actor="twilio")
        return moved
    return False  # queued, accepted, sending, scheduled, read...: nothing the ledger records


def _error_code(raw):
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None
