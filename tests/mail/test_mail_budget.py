"""The weekly budget of neighbourhood mail: a participant who had MAIL_WEEKLY_BUDGET inquiries or information
mails in seven days is skipped and counted, in the preview and the inquiry; the update still reaches everyone
mailed; mails older than a week no longer count."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core import runtime
from core.errors import ValidationError
from core.inquiries import InquiryService, MailAuthor, check_draft
from core.mail_jobs import enqueue_mails
from core.models import Delivery, Inquiry, User, utcnow
from tests.integration.web_helpers import post, sign_in, web_app
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, police_sender, staff

NEAR_ONLY = {**CIRCLE_FORM, "radius_m": "20"}  # the participant at the address, not the neighbour 40 m away


@pytest.fixture
def mail_rt(mail_config):
    current = runtime.configure({**mail_config, "MAIL_WEEKLY_BUDGET": 2})
    yield current
    runtime.uninstall()


def _send(session, form, user):
    service = InquiryService(session, runtime.get().config)
    inquiry, due = service.send(check_draft(session, form, MailAuthor.of_user(user)), actor="test")
    session.commit()
    return inquiry.id, due


def test_a_participant_over_budget_is_skipped_and_counted(mail_rt, relay, work):
    with mail_rt.db.session() as session:
        mail_participant(session, 1, 0)
        mail_participant(session, 2, 40)
        police_sender(session)
        user = staff(session, "police")
        user_id = user.id
        earlier = [_send(session, NEAR_ONLY, user)[0] for _ in range(2)]  # p1 has had two this week
        service = InquiryService(session, mail_rt.config)
        count, skipped, _ = service.preview(check_draft(session, CIRCLE_FORM, MailAuthor.of_user(user)))
        assert (count, skipped) == (1, 1)
        inquiry_id, due = _send(session, CIRCLE_FORM, user)
        assert session.get(Inquiry, inquiry_id).skipped_over_budget == 1
        assert session.scalars(select(Delivery.to_address).where(Delivery.inquiry_id == inquiry_id)).all() == [
            "p2@example.nl"]
        with pytest.raises(ValidationError) as refused:
            service.send(check_draft(session, NEAR_ONLY, MailAuthor.of_user(user)), actor="test")
        assert refused.value.field == "area" and "2" in str(refused.value)
        session.rollback()
    enqueue_mails(mail_rt.queues.normal, due)
    work()
    assert [m.rcpt_tos[0] for m in relay.wait_for(1)] == ["p2@example.nl"]

    with mail_rt.db.session() as session:  # an update is never skipped: it reaches everyone the inquiry did
        due = InquiryService(session, mail_rt.config).send_update(session.get(Inquiry, inquiry_id), "Opgelost.",
                                                                  True, "test")
        session.commit()
    enqueue_mails(mail_rt.queues.normal, due)
    work()
    assert [m.rcpt_tos[0] for m in relay.wait_for(2)[1:]] == ["p2@example.nl"]

    with mail_rt.db.session() as session:  # a week later the budget is free again
        session.execute(update(Inquiry).where(Inquiry.id.in_(earlier))
                        .values(created_at=utcnow() - timedelta(days=7, minutes=1)))
        session.commit()
        user = session.get(User, user_id)
        draft = check_draft(session, NEAR_ONLY, MailAuthor.of_user(user))
        count, skipped, _ = InquiryService(session, mail_rt.config).preview(draft)
        assert (count, skipped) == (1, 0)


def test_the_compose_preview_and_the_inquiry_page_say_who_was_skipped(mail_config, relay):
    for app in web_app({**mail_config, "MAIL_WEEKLY_BUDGET": 1}):
        with app.extensions["uitkijk"].db.session() as session:
            mail_participant(session, 1, 0)
            mail_participant(session, 2, 40)
            police_sender(session)
            staff(session, "police", "wijkagent@example.org")
        client = app.test_client()
        token = sign_in(client, "wijkagent@example.org")
        assert post(client, "/mail/inquiries/new", token, {**NEAR_ONLY, "step": "send"}).status_code == 302
        preview = post(client, "/mail/inquiries/new", token, {**CIRCLE_FORM, "step": "preview"}).get_data(as_text=True)
        assert 'id="preview-count">1<' in preview
        assert "1 deelnemer in het gebied wordt overgeslagen: die kreeg deze week al 1 berichten." in preview
        sent = post(client, "/mail/inquiries/new", token, {**CIRCLE_FORM, "step": "send"})
        page = client.get(sent.headers["Location"]).get_data(as_text=True)
        assert 'id="skipped-over-budget"' in page and "Overgeslagen" in page
