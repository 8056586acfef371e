"""Alerts by e-mail: an extra delivery beside the SMS for those who chose it, received by a real SMTP server."""
import email
import email.policy

import pytest
from sqlalchemy import select

from core.models import Delivery, MailPreference, ReachPoint
from lab import factories
from tests.conftest import app_for


@pytest.fixture
def app(mail_config):
    yield from app_for(mail_config)


def _setup(app):
    """Three participants in the circle with an SMS number: one chose alerts by e-mail, one only
    inquiries by mail, one has an unconfirmed address."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        chose = factories.participant(s, "0612345678", 100, email="alerts@example.nl", language="nl")
        inquiries = factories.participant(s, "0612345679", 200, email="inquiries@example.nl")
        unconfirmed = factories.participant(s, "0612345670", 300, email="unconfirmed@example.nl")
        s.add_all([MailPreference(participant_id=chose.id, confirmed_address="alerts@example.nl", alerts=True),
                   MailPreference(participant_id=inquiries.id, confirmed_address="inquiries@example.nl",
                                  alerts=False),
                   MailPreference(participant_id=unconfirmed.id, confirmed_address="old@example.nl", alerts=True)])
        s.commit()
        return room, operators, chose.id


def _parsed(received):
    return email.message_from_bytes(received.data, policy=email.policy.default)


def test_alert_and_closing_by_mail_beside_the_sms(app, relay, auth, work):
    """Who chose alerts by e-mail gets the alert by SMS and by mail, and the closing message both ways; the mail
    as received has From, subject, both parts with the alert and the free number, and one-click unsubscribe."""
    room, operators, chose = _setup(app)
    client = app.test_client()
    with app.extensions["uitkijk"].db.session() as s:
        points = s.execute(select(ReachPoint.participant_id, ReachPoint.channel, ReachPoint.address)
                           .where(ReachPoint.channel == "email")).all()
    assert points == [(chose, "email", "alerts@example.nl")]
    launched = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth)
    assert launched.status_code == 201, launched.json
    action = launched.json
    work()
    [alert] = relay.wait_for(1)
    assert alert.rcpt_tos == ("alerts@example.nl",)
    msg = _parsed(alert)
    assert msg["From"].addresses[0].addr_spec == app.config["MAIL_FROM_ADDRESS"]
    assert msg["Subject"] == f"Uitkijk: oproep van de politie (actie {action['code']})"
    assert msg["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/mail/unsubscribe/")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    for part in (text, html):
        assert "rode fiets" in part and action["code"] in part
    assert "oproepen van Uitkijk ook per e-mail" in text
    deliveries = client.get(f"/api/actions/{action['id']}/deliveries?limit=100", headers=auth).json
    assert sorted((d["participant_id"], d["channel"]) for d in deliveries if d["participant_id"] == chose) == [
        (chose, "email"), (chose, "sms")]
    assert [d["channel"] for d in deliveries].count("email") == 1
    assert {d["state"] for d in deliveries} == {"sent"}

    ended = client.post(f"/api/actions/{action['id']}/end",
                        json={"result": "suspect_caught", "closing_text": "Dank voor het uitkijken."}, headers=auth)
    assert ended.status_code == 200, ended.json
    work()
    received = relay.wait_for(2)
    assert len(received) == 2
    closing = _parsed(received[1])
    assert closing["Subject"] == f"Uitkijk: de actie is beëindigd (actie {action['code']})"
    assert "De verdachte is aangehouden." in closing.get_body(("plain",)).get_content()
    with app.extensions["uitkijk"].db.session() as s:
        closings = s.execute(select(Delivery.channel, Delivery.state).where(
            Delivery.action_id == action["id"], Delivery.participant_id == chose,
            Delivery.purpose == "closing")).all()
    assert sorted(closings) == [("email", "sent"), ("sms", "sent")]


def test_unsubscribing_from_alerts_by_mail_removes_the_point(app, relay):
    """The one-click unsubscribe from alerts by e-mail takes the e-mail point out of what a launch reads; the SMS stays."""
    _, _, chose = _setup(app)
    client = app.test_client()
    from core.mail_links import MailLinks
    url = MailLinks(app.config).unsubscribe_url(chose, "alerts")
    response = client.post(url.replace("http://127.0.0.1:5000", ""), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code in (200, 204), response.status_code
    with app.extensions["uitkijk"].db.session() as s:
        channels = set(s.scalars(select(ReachPoint.channel).where(ReachPoint.participant_id == chose)))
    assert channels == {"sms"}


def test_a_refused_alert_address_bounces_and_stops_mail_there(app, relay, auth, work):
    """The relay refuses the address at RCPT: the alert mail is bounced in the ledger, the SMS still goes, and
    the address is no longer confirmed (no e-mail point any more)."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        p = factories.participant(s, "0612345678", 100, email="bounce-me@example.nl")
        s.add(MailPreference(participant_id=p.id, confirmed_address="bounce-me@example.nl", alerts=True))
        s.commit()
        pid = p.id
    client = app.test_client()
    launched = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth)
    assert launched.status_code == 201, launched.json
    work()
    assert relay.messages() == []
    with app.extensions["uitkijk"].db.session() as s:
        states = dict(s.execute(select(Delivery.channel, Delivery.state).where(Delivery.participant_id == pid)).all())
        assert states == {"email": "bounced", "sms": "sent"}
        assert s.get(MailPreference, pid).confirmed_address is None
        assert set(s.scalars(select(ReachPoint.channel).where(ReachPoint.participant_id == pid))) == {"sms"}
