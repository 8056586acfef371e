"""Test data for neighbourhood mail: participants with confirmed addresses, staff, senders."""
import email
import email.policy
import re

from core.accounts import create_user
from core.mail_address import preference
from core.models import MailSender, Municipality
from lab.factories import participant

STREET = "Dorpsstraat {n}, 1381 AB Weesp"


def municipality(session, code="0457", name="Weesp"):
    found = session.query(Municipality).filter_by(code=code).one_or_none()
    if found is None:
        found = Municipality(code=code, name=name)
        session.add(found)
        session.flush()
    return found


def mail_participant(session, n, distance_m, confirmed=True, address=None, municipality_code="0457", **prefs):
    """A participant n metres east of CENTRE, living at Dorpsstraat n, with a (confirmed) e-mail address."""
    municipality(session, municipality_code, "Weesp" if municipality_code == "0457" else f"Gemeente {municipality_code}")
    p = participant(session, f"+3161234{n:04d}", distance_m, email=address or f"p{n}@example.nl",
                    municipality=municipality_code)
    p.locations[0].address = STREET.format(n=n)
    pref = preference(session, p.id)
    if confirmed:
        pref.confirmed_address = p.email
    for key, value in prefs.items():
        setattr(pref, key, value)
    session.flush()
    return p


def police_sender(session):
    sender = MailSender(display_name="Politie Basisteam Weesp", address="wijkmail@politie.example.nl")
    session.add(sender)
    session.flush()
    return sender


def municipality_sender(session, municipality_id):
    sender = MailSender(display_name="Gemeente Weesp", address="info@weesp.example.nl", municipality_id=municipality_id)
    session.add(sender)
    session.flush()
    return sender


def staff(session, role, email=None, municipality_id=None):
    return create_user(session, email or f"{role}@example.org", role.title(), "correct horse battery", role,
                       municipality_id)


def parsed(received):
    return email.message_from_bytes(received.data, policy=email.policy.default)


def reply_link(msg):
    text = msg.get_body(("plain",)).get_content()
    return re.search(r"(http://\S+/reply/[A-Za-z0-9_.-]+)\s", text).group(1)


CIRCLE_FORM = {"kind": "inquiry", "subject": "Inbraak Dorpsstraat: heeft u iets gezien?",
               "body": "Afgelopen nacht is er ingebroken aan de Dorpsstraat.\n\nWij zoeken getuigen.",
               "questions": "Zag u iemand op een rode fiets?\nHoorde u glasgerinkel?",
               "area_type": "circle", "address": "Dorpsstraat 1, 1381 AB Weesp", "radius_m": "60"}
