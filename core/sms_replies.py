"""What an SMS from a participant means: unsubscribe, subscribe again, or a tip for an action.

Provider-neutral: the Twilio webhook (sms/inbound.py) hands over the sender, the text and the
provider's message id. Every outcome is idempotent, so a provider that delivers the same
message twice changes nothing the second time (``changed`` is then False).
"""
import logging
import re
from dataclasses import dataclass

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError

from . import audit
from .fatigue import leaving_detail
from .models import Action, Delivery, PhoneNumber, Tip
from .numbers import mask

log = logging.getLogger(__name__)

STOP_WORDS = frozenset({"STOP", "AFMELDEN"})
START_WORDS = frozenset({"START", "AANMELDEN"})
MAX_TIP_CHARS = 1600  # Twilio's longest inbound body
# A tip goes to an action this number was alerted about by a send that left us.
ALERTED_STATES = ("sending", "sent", "delivered", "answered", "voicemail")
ACTOR = "sms-reply"

_PUNCTUATION = re.compile(r"[\s.!?,;:'\"]+")


@dataclass(frozen=True)
class ReplyOutcome:
    """What a reply did. kind: unsubscribed | resubscribed | tip | unknown_number | no_action."""

    kind: str
    changed: bool
    language: str = "nl"
    action_id: int | None = None
    tip_id: int | None = None


def keyword_of(body):
    """Return "STOP" or "START" when the whole message is one of their words, else None.

    Case, surrounding spaces and punctuation do not matter; "stop de auto" is not a keyword.
    """
    word = _PUNCTUATION.sub("", body or "").upper()
    if word in STOP_WORDS:
        return "STOP"
    if word in START_WORDS:
        return "START"
    return None


def handle_reply(session, from_e164, body, provider_ref):
    """Apply one inbound SMS from ``from_e164``; ``provider_ref`` (the message id) deduplicates tips."""
    if not provider_ref:
        raise ValueError("provider_ref: empty")
    number = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == from_e164)) if from_e164 else None
    language = number.participant.language if number is not None else "nl"
    keyword = keyword_of(body)
    if keyword is not None:
        if number is None:
            log.info("SMS %s from unregistered %s ignored", keyword, mask(from_e164))
            return ReplyOutcome("unknown_number", changed=False)
        return set_subscription(session, number, subscribed=keyword == "START", actor=ACTOR)
    action_id = alerted_action(session, from_e164) if from_e164 else None
    if action_id is None:
        log.info("SMS from %s matches no active action it was alerted about", mask(from_e164))
        return ReplyOutcome("no_action", changed=False, language=language)
    tip_id, created = _add_tip(session, action_id, from_e164, (body or "").strip()[:MAX_TIP_CHARS], provider_ref)
    return ReplyOutcome("tip", changed=created, language=language, action_id=action_id, tip_id=tip_id)


def set_subscription(session, number, subscribed, actor):
    """Stop (or resume) alerts to one number; audited only when it really changes."""
    kind = "resubscribed" if subscribed else "unsubscribed"
    language = number.participant.language
    if number.unsubscribed == (not subscribed):
        return ReplyOutcome(kind, changed=False, language=language)
    moved = session.execute(update(PhoneNumber).where(and_(
        PhoneNumber.id == number.id, PhoneNumber.unsubscribed.is_(subscribed)))
        .values(unsubscribed=not subscribed)).rowcount == 1
    if moved:
        session.refresh(number)
        detail = {"number": mask(number.e164)}
        if not subscribed:
            detail |= leaving_detail(session, number.participant_id)
        audit.record(session, actor, kind, "phone_number", number.id, detail)
    return ReplyOutcome(kind, changed=moved, language=language)


def unsubscribe_number(session, e164, actor):
    """Mark a number unsubscribed (the provider says it opted out); False when unknown or already so."""
    number = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    if number is None:
        return False
    return set_subscription(session, number, subscribed=False, actor=actor).changed


def alerted_action(session, e164):
    """The most recently launched active action that alerted this number, or None."""
    return session.scalar(
        select(Action.id).join(Delivery, Delivery.action_id == Action.id)
        .where(and_(Delivery.to_e164 == e164, Delivery.purpose == "alert",
                    Delivery.state.in_(ALERTED_STATES), Action.status == "active"))
        .order_by(Action.launched_at.desc(), Action.id.desc()).limit(1))


def _add_tip(session, action_id, from_e164, text, provider_ref):
    existing = session.scalar(select(Tip.id).where(Tip.provider_ref == provider_ref))
    if existing is not None:
        return existing, False
    tip = Tip(action_id=action_id, source="sms", from_e164=from_e164, text=text, provider_ref=provider_ref)
    try:
        with session.begin_nested():
            session.add(tip)
            session.flush()
    except IntegrityError:  # the same message, delivered twice at once
        return session.scalar(select(Tip.id).where(Tip.provider_ref == provider_ref)), False
    log.info("SMS tip %s for action %s from %s", tip.id, action_id, mask(from_e164))
    return tip.id, True
