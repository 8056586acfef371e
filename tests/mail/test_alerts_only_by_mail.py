"""Alerts only by e-mail: who chose it with a confirmed address gets the alert and the closing message by mail,
received by a real SMTP server, and no call or SMS; without a confirmed address the choice is refused; a bounce
sends the alerts to their numbers again, or, with no number, the impact preview reports them as not reachable."""
import pytest
from sqlalchemy import func, select

from core.mail_address import record_hard_bounce
from core.models import Delivery, MailPreference, OutboxMessage, Participant, PhoneNumber, ReachPoint
from core.signup import make_link_token
from lab import factories
from tests.integration.web_helpers import csrf_token, make_user, sign_in, web_app
from tests.mail.mail_support import parsed

ONLY = "only@example.nl"


@pytest.fixture
def app(mail_config):
    yield from web_app({**mail_config, "ESTIMATE_MIN_PARTICIPANTS": 1})


def _people(app, alerts_only=True, confirmed=ONLY):
    """In the circle: one who chose alerts only by e-mail (SMS number too), at 100 m; a neighbour by SMS at 200 m."""
    with app.extensions["uitkijk"].db.session() as s:
        room, operators = factories.control_room(s)
        only = factories.participant(s, "0612345678", 100, email=ONLY)
        factories.participant(s, "0612345679", 200)
        s.add(MailPreference(participant_id=only.id, confirmed_address=confirmed, alerts=alerts_only,
                             alerts_only=alerts_only))
        s.commit()
        return room, operators, only.id


def _channels(app, participant_id):
    with app.extensions["uitkijk"].db.session() as s:
        return set(s.scalars(select(ReachPoint.channel).where(ReachPoint.participant_id == participant_id)))


def _impact(client, room, operator, auth):
    response = client.post("/api/actions", json=factories.launch_body(room, operator, 1000, dry_run=True),
                           headers=auth)
    assert response.status_code == 200, response.json
    return response.json["impact"]


def test_alert_and_closing_only_by_mail(app, relay, auth, work):
    """The alert and the closing message reach them by mail only: no call or SMS delivery, nothing in the outbox
    for their number; the neighbour gets the SMS as ever. The impact preview counts them under e-mail."""
    room, operators, only = _people(app)
    client = app.test_client()
    assert _channels(app, only) == {"email"}
    impact = _impact(client, room, operators[0], auth)
    assert {c: v["reached"] for c, v in impact["channels"].items()} == {"voice": 0, "sms": 1, "email": 1}
    assert impact["participants"] == 2 and impact["unreachable"] == 0
    launched = client.post("/api/actions", json=factories.launch_body(room, operators[0], 1000), headers=auth)
    assert launched.status_code == 201, launched.json
    action = launched.json
    work()
    [alert] = relay.wait_for(1)
    assert alert.rcpt_tos == (ONLY,)
    assert parsed(alert)["Subject"] == f"Uitkijk: oproep van de politie (actie {action['code']})"
    assert "rode fiets" in parsed(alert).get_body(("plain",)).get_content()
    ended = client.post(f"/api/actions/{action['id']}/end",
                        json={"result": "suspect_caught", "closing_text": "Dank voor het uitkijken."}, headers=auth)
    assert ended.status_code == 200, ended.json
    work()
    closing = relay.wait_for(2)[1]
    assert closing.rcpt_tos == (ONLY,)
    assert "De verdachte is aangehouden." in parsed(closing).get_body(("plain",)).get_content()
    with app.extensions["uitkijk"].db.session() as s:
        theirs = s.execute(select(Delivery.purpose, Delivery.channel, Delivery.state)
                           .where(Delivery.participant_id == only)).all()
        assert sorted(theirs) == [("alert", "email", "sent"), ("closing", "email", "sent")]
        assert s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.to_e164 == "+31612345678")) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.to_e164 == "+31612345679")) == 2  # the neighbour: alert and closing


def test_a_bounce_sends_the_alerts_to_their_number_again(app, relay, auth):
    """Their address bounces: the number is a reach point again and the preview counts them under SMS."""
    room, operators, only = _people(app)
    with app.extensions["uitkijk"].db.session() as s:
        record_hard_bounce(s, only, ONLY, "550 5.1.1 no such user")
        s.commit()
    assert _channels(app, only) == {"sms"}
    impact = _impact(app.test_client(), room, operators[0], auth)
    assert {c: v["reached"] for c, v in impact["channels"].items()} == {"voice": 0, "sms": 2, "email": 0}
    assert impact["unreachable"] == 0


def test_without_a_number_through_the_api_and_not_reachable_after_a_bounce(app, relay, auth):
    """Through the API a participant with a confirmed address chooses alerts only by e-mail and gives up their
    number; once the address bounces, the preview reports them as not reachable (a flag with the count)."""
    room, operators, only = _people(app)
    client = app.test_client()
    body = {"email": ONLY, "phones": [], "mail": {"alerts_only": True},
            "home": {"lat": factories.point_east(100)[0], "lon": factories.point_east(100)[1]}}
    changed = client.put(f"/api/participants/{only}", json=body, headers=auth)
    assert changed.status_code == 200, changed.json
    assert changed.json["phones"] == []
    assert changed.json["mail"] == {"confirmed": True, "inquiries": True, "information": True, "alerts": True,
                                    "alerts_only": True}
    assert _channels(app, only) == {"email"}
    with app.extensions["uitkijk"].db.session() as s:
        record_hard_bounce(s, only, ONLY, "550 5.1.1 no such user")
        s.commit()
    assert _channels(app, only) == set()
    impact = _impact(client, room, operators[0], auth)
    assert impact["unreachable"] == 1
    assert [f for f in impact["flags"] if f["flag"] == "unreachable"][0]["value"] == 1
    # Choosing calls and SMS again needs a number.
    refused = client.put(f"/api/participants/{only}", json={**body, "mail": {"alerts_only": False}}, headers=auth)
    assert refused.status_code == 400 and refused.json["field"] == "phones"


def test_the_api_refuses_alerts_only_without_a_confirmed_address(app, relay, auth):
    """A new participant (their address cannot be confirmed yet) and one whose address is unconfirmed: 400 naming
    mail.alerts_only, nothing written."""
    _room, _operators, only = _people(app, alerts_only=False, confirmed="old@example.nl")
    client = app.test_client()
    home = {"lat": factories.point_east(300)[0], "lon": factories.point_east(300)[1]}
    with app.extensions["uitkijk"].db.session() as s:
        before = s.scalar(select(func.count()).select_from(Participant))
    created = client.post("/api/participants", json={"email": "new@example.nl", "phones": [], "home": home,
                                                     "mail": {"alerts_only": True}}, headers=auth)
    assert created.status_code == 400 and created.json["field"] == "mail.alerts_only", created.json
    changed = client.put(f"/api/participants/{only}", json={"email": ONLY, "phones": ["0612345678"], "home": home,
                                                           "mail": {"alerts_only": True}}, headers=auth)
    assert changed.status_code == 400 and changed.json["field"] == "mail.alerts_only", changed.json
    bad = client.put(f"/api/participants/{only}", json={"email": ONLY, "phones": ["0612345678"], "home": home,
                                                       "mail": {"alerts_only": "ja"}}, headers=auth)
    assert bad.status_code == 400 and bad.json["field"] == "mail.alerts_only", bad.json
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == before
        assert s.get(MailPreference, only).alerts_only is False
        assert s.get(Participant, only).locations[0].lat == pytest.approx(factories.point_east(100)[0])
    assert _channels(app, only) == {"sms"}


def _manage_form(app, only, **choices):
    lat, lon = factories.point_east(100)
    return {"email": ONLY, "language": "nl", "home_lat": f"{lat:.6f}", "home_lon": f"{lon:.6f}",
            "mail_choices": "1", "mail_inquiries": "on", "mail_information": "on", **choices}


def test_self_service_refuses_alerts_only_without_a_confirmed_address(app, relay):
    """On the self-service page the choice is refused at its field, in Dutch, while the address is unconfirmed;
    once it is confirmed the same choice is saved and their number takes no more alerts."""
    _room, _operators, only = _people(app, alerts_only=False, confirmed=None)
    public = app.test_client()
    manage = f"/my/{make_link_token(app.config['SECRET_KEY'].encode(), only, 'manage')}"
    form = _manage_form(app, only, mail_alerts="on", mail_alerts_only="on")
    refused = public.post(manage, data={**form, "csrf_token": csrf_token(public, manage)})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "vraagt een bevestigd e-mailadres" in page
    assert 'id="mail_alerts_only" name="mail_alerts_only" checked aria-invalid="true"' in page
    with app.extensions["uitkijk"].db.session() as s:
        assert (s.get(MailPreference, only).alerts_only, s.get(MailPreference, only).alerts) == (False, False)
        s.get(MailPreference, only).confirmed_address = ONLY
        s.commit()
    assert _channels(app, only) == {"sms"}
    saved = public.post(manage, data={**form, "csrf_token": csrf_token(public, manage)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert _channels(app, only) == {"email"}
    assert 'name="mail_alerts_only" checked' in public.get(manage).get_data(as_text=True)


def test_staff_form_sets_alerts_only_and_removes_the_number(app, relay):
    """Staff tick alerts only by e-mail for a participant with a confirmed address and remove their number."""
    _room, _operators, only = _people(app, alerts_only=False)
    client = app.test_client()
    token = sign_in(client, make_user(app, "admin"))
    form = {**_manage_form(app, only, mail_alerts_only="on"), "csrf_token": token}
    saved = client.post(f"/participants/{only}", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(func.count()).select_from(PhoneNumber).where(PhoneNumber.participant_id == only)) == 0
        assert (s.get(MailPreference, only).alerts_only, s.get(MailPreference, only).alerts) == (True, True)
    assert _channels(app, only) == {"email"}
    page = client.get(f"/participants/{only}").get_data(as_text=True)
    assert 'name="mail_alerts_only" checked' in page
