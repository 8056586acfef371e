"""Delivery-status notifications read from the bounce Maildir: a 5.x.x failure bounces the delivery and the address."""
import mailbox

from core import runtime
from core.inquiries import InquiryService, MailAuthor, check_draft
from core.models import Delivery, MailPreference
from mail.bounces import parse_dsn, process_bounce_mailbox
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, police_sender, staff

DSN = """From: MAILER-DAEMON@relay.example.nl
To: wijkmail@politie.example.nl
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.nl

Final-Recipient: rfc822; {address}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B
Content-Type: text/rfc822-headers

Message-ID: <{reference}@politie.example.nl>
Subject: Inbraak

--B--
"""


def test_a_delay_is_no_bounce():
    """Action: delayed with 4.x.x is the relay's to retry: no bounce."""
    raw = DSN.format(address="p1@example.nl", action="delayed", status="4.4.1", reference="u1.abc").encode()
    assert parse_dsn(raw) == []


def test_hard_bounce_from_the_maildir_stops_the_address(config, tmp_path):
    """A failed DSN naming our Message-ID marks the delivery bounced and unconfirms the address; the DSN is removed."""
    rt = runtime.configure(config)
    try:
        with rt.db.session() as session:
            p = mail_participant(session, 1, 0)
            police_sender(session)
            user = staff(session, "police")
            InquiryService(session, rt.config).send(check_draft(session, CIRCLE_FORM, MailAuthor.of_user(user)))
            delivery = session.query(Delivery).one()
            delivery.state, delivery.provider_ref = "sent", "u1.0123456789abcdef"
            session.commit()
            pid = p.id
        box = mailbox.Maildir(tmp_path / "bounces", create=True)
        box.add(DSN.format(address="p1@example.nl", action="failed", status="5.1.1",
                           reference="u1.0123456789abcdef").encode())
        with rt.db.session() as session:
            assert process_bounce_mailbox(session, str(tmp_path / "bounces")) == 1
        with rt.db.session() as session:
            assert session.query(Delivery).one().state == "bounced"
            pref = session.get(MailPreference, pid)
            assert pref.confirmed_address is None and pref.bounced_address == "p1@example.nl"
        assert len(mailbox.Maildir(tmp_path / "bounces")) == 0
    finally:
        runtime.uninstall()
