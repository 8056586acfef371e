"""A participant's e-mail address: double opt-in, the choices per kind, unsubscribing and hard bounces.

Mail goes only to an address whose confirmation link came back (MailPreference.confirmed_address
equal to the participant's current e-mail). Staff entering or a participant changing an address
both end here: the new address gets a confirmation mail and nothing else until it is confirmed.
"""
import logging
import re

from sqlalchemy import select

from . import audit, ledger
from .errors import N_, ValidationError
from .mail_links import LinkRefused, MailLinks
from .mail_texts import OutgoingMail, confirmation_mail
from .models import Delivery, MailPreference, Participant, utcnow
from .transports import PermanentFailure, TransientFailure

log = logging.getLogger(__name__)

# Deliberately simple: one @, a dot in the domain, no spaces. The relay decides the rest (and bounces).
ADDRESS = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


MAIL_CHOICES = ("inquiries", "information", "alerts", "alerts_only")
DEFAULT_MAIL_CHOICES = ("inquiries", "information")  # what a participant gets by mail until they choose


def masked_address(address):
    """An address as logs and the API show it: p***@example.nl."""
    local, _, domain = (address or "").rpartition("@")
    return f"{local[:1]}***@{domain}"


def check_address(raw, field="email"):
    address = (raw or "").strip()
    if len(address) > 254 or not ADDRESS.match(address):
        raise ValidationError(field, "is not a valid e-mail address")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def preference(session, participant_id):
    """The participant's mail preferences (created with the defaults when missing)."""
    found = session.get(MailPreference, participant_id)
    if found is None:
        found = MailPreference(participant_id=participant_id,
                               **{kind: kind in DEFAULT_MAIL_CHOICES for kind in MAIL_CHOICES})
        session.add(found)
        session.flush()
    return found


def mail_status(session, participant):
    """'none', 'unconfirmed', 'bounced' or 'confirmed': what the self-service and staff pages show."""
    if not participant.email:
        return "none"
    pref = session.get(MailPreference, participant.id)
    if pref and pref.confirmed_address == participant.email:
        return "confirmed"
    if pref and pref.bounced_address == participant.email:
        return "bounced"
    return "unconfirmed"


ONLY_CONFIRMED = N_("needs a confirmed e-mail address: confirm it first with the link in the confirmation mail")


def set_choices(session, participant, choices, field="mail.alerts_only"):
    """Set what the participant wants by mail (MAIL_CHOICES -> bool; one left out stays as it was).

    Choosing alerts only by e-mail is refused (naming `field`) unless the participant's address is
    confirmed; once chosen it stays through a bounce or a new address, while their numbers take the
    alerts again (core.reach_points). It implies alerts by e-mail."""
    pref = preference(session, participant.id)
    if choices.get("alerts_only") and not pref.alerts_only and mail_status(session, participant) != "confirmed":
        raise ValidationError(field, ONLY_CONFIRMED)
    for kind in MAIL_CHOICES:
        if kind in choices:
            setattr(pref, kind, bool(choices[kind]))
    pref.alerts = pref.alerts or pref.alerts_only
    session.flush()


class AddressConfirmation:
    """Sends confirmation links and takes them back."""

    def __init__(self, session, transport, config):
        self.session = session
        self.transport = transport
        self.config = config
        self.links = MailLinks(config)

    def request(self, participant):
        """Send the confirmation link to the participant's current address, unless it is confirmed already."""
        if not participant.email or mail_status(self.session, participant) == "confirmed":
            return False
        url = self.links.confirm_url(participant.id, participant.email)
        mail = OutgoingMail(participant.email, self.config["MAIL_FROM_NAME"], self.config["MAIL_FROM_ADDRESS"],
                            confirmation_mail(participant.language, url))
        try:
            self.transport.send_direct(self.session, mail)
        except PermanentFailure as exc:
            raise ValidationError("email", "this address cannot receive mail (%(code)s)", code=exc.code) from None
        except TransientFailure:
            raise ValidationError("email", "the confirmation mail could not be sent right now; try again later") from None
        return True

    def confirm(self, token):
        """Take a confirmation link back; returns the participant. LinkRefused when it is no good any more."""
        participant_id, address = self.links.read_confirm(token)
        participant = self.session.get(Participant, participant_id)
        if participant is None or participant.email != address:
            raise LinkRefused("invalid")
        pref = preference(self.session, participant_id)
        pref.confirmed_address, pref.confirmed_at = address, utcnow()
        pref.bounced_address = pref.bounced_at = pref.bounce_reason = None
        audit.record(self.session, "participant", "mail-confirmed", "participant", participant_id)
        self.session.flush()
        return participant


def unsubscribe(session, config, token):
    """One-click unsubscribe (RFC 8058): the kind named in the link is switched off. Returns the kind."""
    participant_id, kind = MailLinks(config).read_unsubscribe(token)
    if session.get(Participant, participant_id) is None:
        raise LinkRefused("invalid")
    setattr(preference(session, participant_id), kind, False)
    audit.record(session, "participant", "mail-unsubscribed", "participant", participant_id, {"kind": kind})
    session.flush()
    return kind


def record_hard_bounce(session, participant_id, address, reason):
    """Stop mail to an address that bounced hard, until the participant confirms it again."""
    pref = preference(session, participant_id)
    if pref.confirmed_address == address:
        pref.confirmed_address = None
    pref.bounced_address, pref.bounced_at, pref.bounce_reason = address, utcnow(), reason[:200]
    session.flush()


def bounce_from_dsn(session, message_id, recipient, reason):
    """A delivery-status notification read from the bounce mailbox: mark the delivery and the address."""
    delivery = session.scalar(select(Delivery).where(Delivery.provider_ref == message_id,
                                                     Delivery.channel == "email"))
    if delivery is None or (recipient and delivery.to_address and recipient.lower() != delivery.to_address.lower()):
        return False
    ledger.transition(session, delivery.id, "bounced", error=reason[:200])
    record_hard_bounce(session, delivery.participant_id, delivery.to_address, reason)
    return True
