"""A spoken call's outcome in the ledger: the one place that records it.

Both sides of a call write here: the AMI event listener (voice.call_events: answered,
busy, no answer, congestion, hang-up, Asterisk restarted) and the FastAGI alert flow
(ivr: the key pressed, how often the alert was played, where the caller was put through).

The delivery stays in "sending" while its call is up and becomes "answered" when the
call ends ("voicemail" when the flow left its message on an answering machine instead), so
a call cut off by an Asterisk restart can still go back to "queued" and be retried. Every update names the call (`call_id`, the Asterisk Uniqueid of that
attempt, kept as the delivery's provider_ref): an event of an earlier attempt, arriving
late, changes nothing.

What a call leaves in `Delivery.detail`:
    call          the current attempt's call id (once it is dialled)
    trunk         the trunk it was dialled on
    prompt        the store key of the audio the call plays (the alert or the closing text)
    answered_at   ISO time the participant answered (absent: never answered)
    on_line_s     seconds on the line after answering (a transfer to an operator included)
    listened_s    seconds listened to the alert: from the flow when it says, else on_line_s
    cause         Q.850 hang-up cause
    key           the last key the participant pressed in the alert flow
    alert_plays   how often the alert was played
    routed_to     where a press 1 was put through to
    voicemail     true when a machine answered and the flow left its short message
    history       [{call, outcome, cause?}] of the attempts that did not reach anyone
"""
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update

from . import ledger
from .jobs import after_reached, escalate, retry_or_fail, send_closing
from .keypad_choices import apply_choice
from .models import Action, Delivery, utcnow
from .numbers import mask

log = logging.getLogger(__name__)

# Outcomes of a call that reached nobody, and whether another attempt may help.
RETRIED_OUTCOMES = {"busy", "no answer", "congestion", "not set up", "no response", "interrupted"}
FINAL_OUTCOMES = {"not in service"}
KEYS = set("0123456789*#")
# What answering-machine detection may say (ivr.steps.AMD_STATUSES, kept as Delivery.amd_status).
AMD_STATUSES = {"human", "machine", "notsure", "key"}


def _locked(session, delivery_id, call_id):
    """The delivery, locked, if `call_id` is its current attempt; None otherwise."""
    delivery = session.execute(
        select(Delivery).where(and_(Delivery.id == delivery_id, Delivery.provider_ref == call_id))
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    return delivery


def _merge(delivery, **facts):
    detail = dict(delivery.detail or {})
    detail.update({k: v for k, v in facts.items() if v is not None})
    delivery.detail = detail
    return detail


def dialling(session, delivery_id, claim_token, call_id, prompt=None, trunk=None):
    """Just before the Originate: is this delivery still this claim's to call?

    Returns "call" (and records `call_id` as the provider reference), "cancelled" when the
    alert's action ended while the call waited for a slot, or "gone" when the delivery was
    taken back (sweeper) or settled meanwhile.
    """
    row = session.execute(
        select(Delivery, Action.status).join(Action, Action.id == Delivery.action_id)
        .where(Delivery.id == delivery_id).with_for_update(of=Delivery)
        .execution_options(populate_existing=True)).first()
    if row is None:
        return "gone"
    delivery, action_status = row
    if delivery.state != "sending" or delivery.claim_token != claim_token:
        return "gone"
    if delivery.purpose == "alert" and action_status != "active":
        ledger.transition(session, delivery_id, "cancelled", error="action ended")
        return "cancelled"
    delivery.provider_ref = call_id
    delivery.updated_at = utcnow()
    _merge(delivery, call=call_id, prompt=prompt, trunk=trunk)
    return "call"


def placed(session, delivery_id, call_id):
    """The provider took the call (Asterisk acknowledged the Originate, Twilio created it). Only from
    then on does a lease that ran out mean the call went out (core.ledger.stale marks it sent); before,
    nobody was called and the sweeper sends it again."""
    delivery = _locked(session, delivery_id, call_id)
    if delivery is None:
        return False
    _merge(delivery, placed=True)
    return True


def answered(session, delivery_id, call_id, at=None):
    """The participant picked up (AMI Newstate Up / OriginateResponse, or the flow started)."""
    delivery = _locked(session, delivery_id, call_id)
    if delivery is None or (delivery.detail or {}).get("answered_at"):
        return False
    _merge(delivery, answered_at=(at or utcnow()).isoformat())
    return True


def flow_facts(session, delivery_id, call_id, *, key=None, alert_plays=None, routed_to=None, listened_s=None,
               amd_status=None, amd_cause=None, voicemail=None):
    """What the alert flow learnt: the key pressed, plays of the alert, the transfer target, the
    seconds the participant listened before being put through (wins over the seconds on the line),
    what answering-machine detection said and whether the flow left its voicemail message."""
    if amd_status is not None and amd_status not in AMD_STATUSES:
        raise ValueError(f"amd_status: expected one of {sorted(AMD_STATUSES)}, got {amd_status!r}")
    if key is not None and key not in KEYS:
        raise ValueError(f"key: expected one of 0-9 * #, got {key!r}")
    if alert_plays is not None and (not isinstance(alert_plays, int) or alert_plays < 0):
        raise ValueError(f"alert_plays: expected a count, got {alert_plays!r}")
    delivery = _locked(session, delivery_id, call_id)
    if delivery is None:
        return False
    if listened_s is not None and (isinstance(listened_s, bool) or not isinstance(listened_s, (int, float))
                                   or listened_s < 0):
        raise ValueError(f"listened_s: expected seconds, got {listened_s!r}")
    facts = {"key": key, "alert_plays": alert_plays, "routed_to": routed_to,
             "listened_s": None if listened_s is None else round(listened_s, 1), "voicemail": voicemail}
    if amd_status is not None:
        delivery.amd_status, delivery.amd_cause = amd_status, str(amd_cause)[:40] if amd_cause else None
    if not (delivery.detail or {}).get("answered_at"):
        facts["answered_at"] = utcnow().isoformat()  # a flow runs only on an answered call
    detail = _merge(delivery, **facts)
    if voicemail is False and delivery.state == "voicemail":  # a key proved a person after the call ended
        session.flush()
        ledger.transition(session, delivery_id, "answered", detail=detail)
    return True


class AlertCallLedger:
    """What a call flow tells the ledger, for runners that hold no database session: each call
    commits on its own, at once."""

    def __init__(self, db):
        self.db = db

    def answered(self, delivery_id, call_id):
        with self.db.session() as session:
            return answered(session, delivery_id, call_id)

    def flow_facts(self, delivery_id, call_id, **facts):
        with self.db.session() as session:
            return flow_facts(session, delivery_id, call_id, **facts)

    def keypad_choice(self, delivery_id, call_id, choice):
        with self.db.session() as session:
            return apply_choice(session, delivery_id, call_id, choice)


def ended(rt, session, delivery_id, call_id, cause=None, at=None):
    """The call hung up. An answered call becomes "answered" with the seconds listened, or
    "voicemail" when the flow left its message on a machine (not reached: nobody heard it yet).

    Returns the new state, or None when the call was never answered (its OriginateResponse
    decides) or the event is stale.
    """
    delivery = _locked(session, delivery_id, call_id)
    if delivery is None:
        return None
    detail = delivery.detail or {}
    if not detail.get("answered_at"):
        return None
    listened = ((at or utcnow()) - datetime.fromisoformat(detail["answered_at"])).total_seconds()
    on_line = round(max(0.0, listened), 1)
    detail = _merge(delivery, on_line_s=on_line, cause=cause,
                    listened_s=None if "listened_s" in detail else on_line)
    state = "voicemail" if detail.get("voicemail") else "answered"
    if not ledger.transition(session, delivery_id, state, detail=detail, error=None):
        return None
    log.info("call %s to %s %s, %.0f s on the line, key %s", call_id, mask(delivery.to_e164), state,
             detail["listened_s"], detail.get("key", "-"))
    if state == "answered":
        after_reached(rt, session, delivery)
    else:
        escalate(rt, session, delivery, "voicemail")
        closing_on_tape(rt, session, delivery)
    return state


def not_reached(rt, session, delivery_id, call_id, outcome, cause=None):
    """The call reached nobody: retried for busy, no answer and the like, failed otherwise.

    Returns "retry", "failed" or None (stale event).
    """
    if outcome not in RETRIED_OUTCOMES | FINAL_OUTCOMES:
        raise ValueError(f"outcome: unknown {outcome!r}")
    delivery = _locked(session, delivery_id, call_id)
    if delivery is None or delivery.state not in ("sending", "sent"):
        return None
    detail = delivery.detail or {}
    attempt = {"call": call_id, "outcome": outcome}
    if cause is not None:
        attempt["cause"] = cause
    if detail.get("answered_at"):
        attempt["answered_at"] = detail["answered_at"]
    history = [*detail.get("history", []), attempt]
    detail = {k: v for k, v in detail.items() if k in ("call", "prompt", "history")}
    detail["history"] = history
    delivery.detail = detail
    log.info("call %s to %s: %s", call_id, mask(delivery.to_e164), outcome)
    if outcome in FINAL_OUTCOMES or delivery.state != "sending":
        ledger.transition(session, delivery_id, "failed", error=outcome, detail=detail)
        escalate(rt, session, delivery, outcome)
        return "failed"
    session.flush()
    retry_or_fail(rt, session, delivery, outcome, None)
    state = session.scalar(select(Delivery.state).where(Delivery.id == delivery_id))
    return "failed" if state == "failed" else "retry"


@dataclass(frozen=True)
class OrphanedCall:
    """A dialled call whose call service stopped looking after it (see take_over_orphans)."""

    delivery_id: int
    call_id: str
    answered_at: datetime | None  # what the ledger already knows: the flow ran, or Newstate Up was seen


def take_over_orphans(session, trunk, idle_since, limit=500):
    """Dialled calls on `trunk` whose lease nobody renewed since `idle_since`: the call service that placed
    them died (kill -9, a crashed machine) with their outcomes. Each is taken over here: its lease renewed
    under a row lock (PostgreSQL skips rows another call service is taking), so neither a second call service
    nor the sweeper (which would mark it merely `sent`) takes it too. Calls still waiting for a slot are not
    dialled (`detail.call` is not their current attempt) and stay with the sweeper."""
    rows = session.scalars(
        select(Delivery).where(and_(Delivery.channel == "voice", Delivery.state == "sending",
                                    Delivery.provider_ref.isnot(None), Delivery.claimed_at < idle_since))
        .order_by(Delivery.claimed_at).limit(limit).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)).all()
    now, orphans = utcnow(), []
    for delivery in rows:
        detail = delivery.detail or {}
        if detail.get("call") != delivery.provider_ref or detail.get("trunk") != trunk:
            continue
        delivery.claimed_at = now
        answered_at = detail.get("answered_at")
        orphans.append(OrphanedCall(delivery.id, delivery.provider_ref,
                                    datetime.fromisoformat(answered_at) if answered_at else None))
    return orphans


def renew_leases(session, delivery_ids):
    """Keep calls that wait for a slot or are up out of the sweeper's hands (their lease is held)."""
    if not delivery_ids:
        return 0
    result = session.execute(update(Delivery).where(and_(
        Delivery.id.in_(delivery_ids), Delivery.state == "sending")).values(claimed_at=utcnow()))
    return result.rowcount


def closing_on_tape(rt, session, delivery):
    """A voicemail left after its action ended: the machine's tape gets how it ended too."""
    action = session.get(Action, delivery.action_id)
    if delivery.purpose == "alert" and action.status == "ended":
        send_closing(rt, session, delivery, action.time_critical)
