"""Everything the system holds on one participant (a GDPR access request), as one JSON-ready dict.

It reads the same places core.erasure erases, so what an export shows is what leaving removes.
Secrets are not personal data and stay out: code hashes, link tokens, provider references.
"""
from pathlib import Path

from sqlalchemy import select

from .erasure import identity, outbox_of, replies_of, tips_of
from .models import Action, AuditEvent, Delivery, InboundCall, MailPreference, NumberConfirmation, PhoneNumber
from .participants import get_participant, participant_as_dict


def _time(value):
    return value.isoformat() if value else None


def _deliveries(session, participant_id):
    rows = session.execute(select(Delivery, Action.code, Action.title).outerjoin(Action, Action.id == Delivery.action_id)
                           .where(Delivery.participant_id == participant_id).order_by(Delivery.id)).all()
    return [{"action": {"code": code, "title": title} if delivery.action_id else None,
             "inquiry_id": delivery.inquiry_id, "channel": delivery.channel, "purpose": delivery.purpose,
             "to": delivery.to_e164 or delivery.to_address, "state": delivery.state, "distance_m": delivery.distance_m,
             "attempts": delivery.attempts, "updated_at": _time(delivery.updated_at)} for delivery, code, title in rows]


def _confirmations(session, participant_id):
    rows = session.execute(select(NumberConfirmation, PhoneNumber.e164)
                           .join(PhoneNumber, PhoneNumber.id == NumberConfirmation.phone_number_id)
                           .where(PhoneNumber.participant_id == participant_id).order_by(NumberConfirmation.id)).all()
    return [{"number": e164, "expires_at": _time(c.expires_at), "confirmed_at": _time(c.confirmed_at),
             "attempts": c.attempts} for c, e164 in rows]


def _mail(session, participant_id):
    pref = session.get(MailPreference, participant_id)
    if pref is None:
        return None
    return {"confirmed_address": pref.confirmed_address, "confirmed_at": _time(pref.confirmed_at),
            "bounced_address": pref.bounced_address, "bounced_at": _time(pref.bounced_at),
            "bounce_reason": pref.bounce_reason,
            "wants": {"inquiries": pref.inquiries, "information": pref.information, "alerts": pref.alerts}}


def _calls(session, who):
    if not who.call_ids:
        return []
    calls = session.scalars(select(InboundCall).where(InboundCall.id.in_(who.call_ids)).order_by(InboundCall.id))
    return [{"from": c.caller_e164, "action_id": c.action_id, "outcome": c.outcome, "started_at": _time(c.started_at),
             "ended_at": _time(c.ended_at), "talk_s": c.talk_s} for c in calls]


def _history(session, participant_id):
    """The audit trail about them: who created, changed, read or exported their record, and when."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "participant",
                                                      AuditEvent.subject_id == str(participant_id))
                             .order_by(AuditEvent.id))
    return [{"at": _time(e.at), "who": e.actor, "what": e.verb} for e in events]


def export_participant(session, participant_id, recordings_dir=None):
    """The participant's whole record: registration, confirmations, mail, alerts sent, calls, tips,
    replies to neighbourhood mail, messages as sent, and who touched the record."""
    participant = get_participant(session, participant_id)
    who = identity(session, participant_id)
    root = Path(recordings_dir) if recordings_dir else None
    return {
        "participant": {**participant_as_dict(participant), "created_at": _time(participant.created_at)},
        "confirmations": _confirmations(session, participant_id),
        "mail": _mail(session, participant_id),
        "deliveries": _deliveries(session, participant_id),
        "calls": _calls(session, who),
        "tips": [{"action_id": t.action_id, "source": t.source, "from": t.from_e164, "text": t.text,
                  "recording": bool(t.recording), "recording_kept": bool(root and t.recording
                                                                        and (root / t.recording).is_file()),
                  "duration_s": t.duration_s, "created_at": _time(t.created_at)} for t in tips_of(session, who)],
        "inquiry_replies": [{"inquiry_id": r.inquiry_id, "noticed": r.noticed, "story": r.story,
                             "when": r.when_text, "may_contact": r.may_contact, "contact_number": r.contact_number,
                             "photos": len(r.photos), "created_at": _time(r.created_at),
                             "updated_at": _time(r.updated_at)} for r in replies_of(session, who)],
        "messages": [{"channel": m.channel, "to": m.to_e164 or m.to_address, "body": m.body,
                      "created_at": _time(m.created_at)} for m in outbox_of(session, who)],
        "history": _history(session, participant_id),
    }
