"""Quiet hours hold neighbourhood mail (never time-critical) and the sweeper releases it once they are over."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core.jobs import sweep
from core.models import Delivery, Participant
from tests.integration.web_helpers import post, sign_in, web_app
from tests.mail.mail_support import CIRCLE_FORM
from tests.mail.test_mail_web import _setup


@pytest.fixture
def app(mail_config):
    yield from web_app(mail_config)


def test_quiet_hours_hold_mail_and_release_it_after(app, relay, work):
    """p1 is in their quiet hours: the relay gets p2's mail only and p1's waits in the ledger until their quiet
    hours end; when that moment has come the sweeper sends it, and p1 receives it once."""
    _setup(app)
    rt = app.extensions["uitkijk"]
    now = datetime.now(ZoneInfo(app.config["TIMEZONE"]))
    start, end = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0), \
        (now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    with rt.db.session() as session:
        p1 = session.scalar(select(Participant).where(Participant.email == "p1@example.nl"))
        p1.quiet_start, p1.quiet_end = start, end
        session.commit()
        p1_id = p1.id
    client = app.test_client()
    token = sign_in(client, "wijkagent@example.org")
    assert post(client, "/mail/inquiries/new", token, {**CIRCLE_FORM, "step": "send"}).status_code == 302
    work()
    assert [m.rcpt_tos[0] for m in relay.wait_for(1)] == ["p2@example.nl"]
    with rt.db.session() as session:
        held = session.scalar(select(Delivery).where(Delivery.participant_id == p1_id))
        assert held.state == "queued" and held.not_before is not None
        assert held.not_before.astimezone(now.tzinfo).time() == end
    sweep(rt)
    work()
    assert [m.rcpt_tos[0] for m in relay.messages()] == ["p2@example.nl"]  # still quiet: nothing more went out

    with rt.db.session() as session:  # the quiet hours are over: the clock has reached not_before
        session.execute(update(Delivery).where(Delivery.id == held.id)
                        .values(not_before=datetime.now(ZoneInfo("UTC")) - timedelta(seconds=1)))
        session.commit()
    sweep(rt)
    work()
    received = [m.rcpt_tos[0] for m in relay.wait_for(2)]
    assert sorted(received) == ["p1@example.nl", "p2@example.nl"]
    sweep(rt)
    work()
    assert len(relay.messages()) == 2  # released once, not again
