"""The names and addresses neighbourhood mail leaves from, configured by admins (web page and CLI).

A sender without a municipality is the police's (inquiries); one with a municipality carries that
municipality's information mail. The display name goes into the From header, so a line break in it
(a header injection) is refused.
"""
from sqlalchemy import select

from . import audit
from .errors import NotFound, ValidationError
from .mail_address import check_address
from .models import MailSender, Municipality


def list_senders(session):
    return session.scalars(select(MailSender).order_by(MailSender.municipality_id.is_not(None), MailSender.id)).all()


def sender_as_dict(session, sender):
    """The sender as the API shows it, its municipality by code (None: the police's)."""
    municipality = session.get(Municipality, sender.municipality_id) if sender.municipality_id else None
    return {"id": sender.id, "display_name": sender.display_name, "address": sender.address,
            "municipality": municipality.code if municipality else None}


def get_sender(session, sender_id):
    sender = session.get(MailSender, sender_id)
    if sender is None:
        raise NotFound("mail sender", sender_id)
    return sender


def save_sender(session, data, actor, sender_id=None):
    """Create (sender_id None) or change a sender from form or CLI values; nothing changes on bad input."""
    name = (data.get("display_name") or "").strip()
    if not name:
        raise ValidationError("display_name", "is required")
    if len(name) > 120:
        raise ValidationError("display_name", "may be at most 120 characters")
    if any(c in name for c in "\r\n\0") or any(ord(c) < 32 for c in name):
        raise ValidationError("display_name", "may not contain line breaks or control characters")
    address = check_address(data.get("address"), "address")
    code = (data.get("municipality") or "").strip()
    municipality_id = None
    if code:
        municipality_id = session.scalar(select(Municipality.id).where(Municipality.code == code))
        if municipality_id is None:
            raise ValidationError("municipality", "%(code)s is not a known municipality code", code=code)
    sender = MailSender() if sender_id is None else get_sender(session, sender_id)
    sender.display_name, sender.address, sender.municipality_id = name, address, municipality_id
    session.add(sender)
    session.flush()
    audit.record(session, actor, "mail-sender-added" if sender_id is None else "mail-sender-changed", "mail_sender",
                 sender.id, {"address": address, "municipality": code or None})
    return sender
