"""An inquiry from compose to update through the core, the RQ worker and a real SMTP relay."""
import pytest
from sqlalchemy import select

from core.errors import Conflict, ValidationError
from core.inquiries import InquiryService, MailAuthor, check_draft, replies_of
from core.inquiry_replies import ReplyService
from core.mail_jobs import enqueue_mails
from core.mail_links import LinkRefused
from core.models import Delivery, Inquiry, MailPreference
from tests.mail.mail_support import (CIRCLE_FORM, mail_participant, municipality, parsed, police_sender, reply_link,
                                     staff)


def _setup(session):
    people = [mail_participant(session, 1, 0), mail_participant(session, 2, 40),
              mail_participant(session, 3, 55, address="bounce-3@example.nl"),
              mail_participant(session, 4, 45, confirmed=False),
              mail_participant(session, 5, 30, inquiries=False),
              mail_participant(session, 6, 400)]
    police_sender(session)
    return people, staff(session, "police")


def test_inquiry_reaches_the_street_reply_and_update(mail_rt, relay, work):
    """Only confirmed, willing participants in the circle get the mail; a bounce stops the address; the update reaches everyone mailed."""
    with mail_rt.db.session() as session:
        people, user = _setup(session)
        draft = check_draft(session, CIRCLE_FORM, MailAuthor.of_user(user))
        service = InquiryService(session, mail_rt.config)
        count, _skipped, content = service.preview(draft)
        assert count == 3  # 1, 2 and the bouncing 3; not the unconfirmed 4, the unwilling 5, the far 6
        inquiry, due = service.send(draft, actor="user:police@example.org")
        session.commit()
        inquiry_id, bouncer = inquiry.id, people[2].id
    enqueue_mails(mail_rt.queues.normal, due)
    work()
    received = relay.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in received) == ["p1@example.nl", "p2@example.nl"]
    with mail_rt.db.session() as session:
        states = dict(session.execute(select(Delivery.to_address, Delivery.state)
                                      .where(Delivery.inquiry_id == inquiry_id)).all())
        assert states == {"p1@example.nl": "sent", "p2@example.nl": "sent", "bounce-3@example.nl": "bounced"}
        assert session.get(MailPreference, bouncer).confirmed_address is None

    msg = next(parsed(m) for m in received if m.rcpt_tos[0] == "p1@example.nl")
    assert msg["Subject"] == CIRCLE_FORM["subject"]
    assert "Zag u iemand op een rode fiets?" in msg.get_body(("plain",)).get_content()
    token = reply_link(msg).rsplit("/", 1)[1]
    with mail_rt.db.session() as session:
        replies = ReplyService(session, mail_rt.config)
        replies.submit(replies.open(token), {"story": "Ik zag een man met een rode fiets.", "when": "rond 3 uur",
                                             "may_contact": "1", "contact_number": "06 12345678"})
        session.commit()
    with mail_rt.db.session() as session:
        [reply] = replies_of(session, inquiry_id)
        assert reply.noticed and reply.contact_number == "+31612345678"
        inquiry = session.get(Inquiry, inquiry_id)
        due = InquiryService(session, mail_rt.config).send_update(inquiry, "De verdachte is aangehouden.", True, "test")
        session.commit()
    enqueue_mails(mail_rt.queues.normal, due)
    work()
    updates = [parsed(m) for m in relay.wait_for(4)[2:]]
    assert sorted(m["To"] for m in updates) == ["p1@example.nl", "p2@example.nl"]
    assert all("De verdachte is aangehouden." in m.get_body(("plain",)).get_content() for m in updates)
    with mail_rt.db.session() as session:
        replies = ReplyService(session, mail_rt.config)
        with pytest.raises(Conflict):
            replies.submit(replies.open(token), {"story": "nog iets"})


def test_tampered_reply_link_is_refused(mail_rt):
    """A reply link with one character changed opens nothing."""
    with mail_rt.db.session() as session:
        with pytest.raises(LinkRefused):
            ReplyService(session, mail_rt.config).open("eyJkIjoxfQ.tampered.sig")


def test_municipality_staff_cannot_mail_another_municipality(mail_rt):
    """Municipality staff sending to another municipality get a clear error naming the area."""
    with mail_rt.db.session() as session:
        mail_participant(session, 1, 0)
        other = mail_participant(session, 2, 0, municipality_code="0363").municipality
        own = municipality(session, "0457")
        user = staff(session, "municipality", municipality_id=own.id)
        with pytest.raises(ValidationError) as caught:
            check_draft(session, {"kind": "information", "subject": "Zakkenrollers", "body": "Let op.",
                                  "area_type": "municipality", "municipality": other.code}, MailAuthor.of_user(user))
        assert caught.value.field == "area.code"
