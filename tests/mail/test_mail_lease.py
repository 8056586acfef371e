"""A batch of mail at the relay's rate may outlast its lease: what the sweeper took back meanwhile is sent once."""
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from core import ledger
from core.inquiries import InquiryService, MailAuthor, check_draft
from core.mail_jobs import send_mails
from core.models import Delivery, utcnow
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, police_sender, staff


def test_mail_the_sweeper_took_back_mid_batch_is_sent_once(mail_rt, relay):
    """While the first mail of a batch waits at the relay, the lease of the rest runs out (the mail at the
    relay renewed its own) and the sweeper takes them back: the batch leaves them to the job that has
    them now, and every address gets one mail."""
    with mail_rt.db.session() as session:
        for n, distance in enumerate((0, 20, 40), start=1):
            mail_participant(session, n, distance)
        police_sender(session)
        user = staff(session, "police")
        draft = check_draft(session, CIRCLE_FORM, MailAuthor.of_user(user))
        _inquiry, due = InquiryService(session, mail_rt.config).send(draft)
        session.commit()
    transport = mail_rt.transports["email"]
    send, taken_back = transport.send, []

    def slow_send(session, mail):
        if not taken_back:  # the first mail took longer than the lease: the sweeper ran meanwhile
            with mail_rt.db.session() as other:
                other.execute(update(Delivery).where(Delivery.state == "sending", Delivery.id != mail.delivery_id)
                              .values(claimed_at=utcnow() - timedelta(hours=1)))
                taken_back.extend(ledger.stale(other, mail_rt.config["DELIVERY_LEASE_S"], 0))
        return send(session, mail)

    transport.send = slow_send
    send_mails.with_runtime(mail_rt, due)
    assert len(taken_back) == 2
    transport.send = send
    send_mails.with_runtime(mail_rt, taken_back)
    received = relay.wait_for(3)
    assert Counter(m.rcpt_tos[0] for m in received) == Counter(f"p{n}@example.nl" for n in (1, 2, 3))
    with mail_rt.db.session() as session:
        assert session.scalars(select(Delivery.state).where(Delivery.id.in_(due))).all() == ["sent"] * 3
