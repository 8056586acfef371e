"""What a participant chooses with the keypad during an alert call, applied to the register at once:
stop alert calls to this number (reversed by the self-service page or an SMS START, core.sms_replies), or
get future alerts on this mobile number by SMS instead of a call. Audited; the reach points follow the
register by their triggers, so the next launch already sees the change."""
from sqlalchemy import and_, select, update

from . import audit
from .models import Delivery, PhoneNumber
from .numbers import mask
from .sms_replies import set_subscription

ACTOR = "keypad"
CHOICES = ("stop_calls", "sms_instead")


def apply_choice(session, delivery_id, call_id, choice):
    """Apply `choice` to the number the delivery called, if `call_id` is its current attempt (a late or
    forged request changes nothing); True when the register changed."""
    if choice not in CHOICES:
        raise ValueError(f"choice: unknown {choice!r}")
    number = session.scalar(select(PhoneNumber).join(Delivery, Delivery.phone_number_id == PhoneNumber.id).where(
        and_(Delivery.id == delivery_id, Delivery.provider_ref == call_id, Delivery.channel == "voice")))
    if number is None:
        return False
    if choice == "stop_calls":
        return set_subscription(session, number, subscribed=False, actor=ACTOR).changed
    if number.kind != "mobile":
        return False  # a landline cannot take an SMS
    moved = session.execute(update(PhoneNumber).where(and_(PhoneNumber.id == number.id,
                                                           PhoneNumber.channel == "voice"))
                            .values(channel="sms")).rowcount == 1
    if moved:
        audit.record(session, ACTOR, "channel-changed", "phone_number", number.id,
                     {"number": mask(number.e164), "from": "voice", "to": "sms"})
    return moved
