"""Twilio's call status callbacks for alert and closing calls, applied through core.alert_calls.

The callback URL names the delivery and our attempt id (signed by Twilio with the rest), so
a callback of an earlier attempt, or one repeated by Twilio, changes nothing.
"""
from datetime import timedelta

from core import alert_calls
from core.models import Delivery, utcnow

# CallStatus of a call that reached nobody -> the outcome core.alert_calls retries or fails.
NOT_REACHED = {"busy": "busy", "no-answer": "no answer", "canceled": "interrupted"}
# SIP answers that say the number does not exist: retrying will not help.
NOT_IN_SERVICE_SIP = {"404", "410", "484", "604"}
FINAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


def apply_call_status(rt, session, delivery_id, attempt, form):
    """Record what Twilio reports about the call; returns what happened (or None: nothing)."""
    status = form.get("CallStatus")
    if status == "in-progress":
        return "answered" if alert_calls.answered(session, delivery_id, attempt) else None
    if status == "completed":
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.state != "sending":
            return None  # already settled: a repeated callback
        duration = _seconds(form.get("CallDuration"))
        alert_calls.answered(session, delivery_id, attempt, at=utcnow() - timedelta(seconds=duration))
        return alert_calls.ended(rt, session, delivery_id, attempt)
    if status in NOT_REACHED:
        return alert_calls.not_reached(rt, session, delivery_id, attempt, NOT_REACHED[status])
    if status == "failed":
        outcome = "not in service" if form.get("SipResponseCode") in NOT_IN_SERVICE_SIP else "not set up"
        return alert_calls.not_reached(rt, session, delivery_id, attempt, outcome)
    return None  # queued, initiated, ringing


def _seconds(raw):
    try:
        return max(0.0, float(raw))
    except (TypeError, ValueError):
        return 0.0
