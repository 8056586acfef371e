"""Public sign-up: codes by SMS and call, confirmation, the self-service link, and leaving."""
import re
import time
from datetime import timedelta

import itsdangerous
import pytest
from sqlalchemy import select

from app import create_app
from core.models import AuditEvent, NumberConfirmation, OutboxMessage, Participant, PhoneNumber, utcnow
from core.selection import participants_in_circle
from core.signup import make_link_token
from lab.factories import CENTRE
from tests.integration.admin_web import post

MOBILE, LANDLINE = "0612345678", "0201234567"


@pytest.fixture(autouse=True)
def daytime(signup_clock):
    """Sign-ups happen at noon unless a test says otherwise: code calls ring only in daytime."""


GENUINE_HINT = ('Twijfelt u of een bericht echt is? Controleer de code op '
                '<a href="http://localhost/echt">http://localhost/echt</a>.')


def signup_form(**extra):
    return {"phone_1": MOBILE, "phone_2": LANDLINE, "email": "resident@example.org", "home_lat": str(CENTRE[0]),
            "home_lon": str(CENTRE[1]), "language": "nl", "quiet_start": "23:00", "quiet_end": "07:00",
            "consent": "on", **extra}


def outbox(app):
    with app.extensions["uitkijk"].db.session() as session:
        return [(m.channel, m.to_e164, m.body) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def code_for(app, e164):
    """The latest code sent to a number, read from the console transport's outbox."""
    body = [body for _channel, to, body in outbox(app) if to == e164][-1]
    return re.search(r"(\d(?:, )?){6}", body).group(0).replace(", ", "")


# The confirmation page names each number by its place on the form; these tests type the mobile first.
SLOT = {"+31612345678": 1, "+31201234567": 2}


def numbers(app):
    with app.extensions["uitkijk"].db.session() as session:
        return {n.e164: n.id for n in session.scalars(select(PhoneNumber))}


def sign_up(client, **extra):
    response = post(client, "/signup", signup_form(**extra))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def test_signup_sends_sms_to_mobile_and_call_to_landline(app, client):
    """A mobile gets its code by SMS, a landline by a call reading it out; nothing is active yet."""
    sign_up(client)
    sent = {to: (channel, body) for channel, to, body in outbox(app)}
    assert sent["+31612345678"][0] == "sms" and "bevestigingscode" in sent["+31612345678"][1]
    assert sent["+31201234567"][0] == "voice" and "Ik herhaal" in sent["+31201234567"][1]
    with app.extensions["uitkijk"].db.session() as session:
        person = session.scalar(select(Participant))
        assert not person.active and not any(n.confirmed for n in person.numbers)
        stored = session.scalars(select(NumberConfirmation.code_hash)).all()
    assert code_for(app, "+31612345678") not in stored


def test_confirming_both_codes_activates_and_gives_a_manage_link(app, client):
    """Both codes typed in: the numbers are confirmed, the participant is reachable and gets a link."""
    confirm_url = sign_up(client)
    ids = numbers(app)
    response = post(client, confirm_url, {f"code_{SLOT['+31612345678']}": code_for(app, "+31612345678"),
                                          f"code_{SLOT['+31201234567']}": code_for(app, "+31201234567")})
    assert response.status_code == 302 and "/signup/done/" in response.headers["Location"]
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="manage-link" href="http://localhost/my/[^"]+"', done)
    assert GENUINE_HINT in done  # where a participant would look when in doubt about a message
    with app.extensions["uitkijk"].db.session() as session:
        person = session.scalar(select(Participant))
        assert person.active and all(n.confirmed for n in person.numbers)
        assert participants_in_circle(session, CENTRE[0], CENTRE[1], 100)


def test_wrong_codes_count_and_lock(app, client):
    """Wrong codes are refused; after five tries the number is locked until a new code is sent."""
    confirm_url = sign_up(client, phone_2="")
    slot = SLOT["+31612345678"]
    good = code_for(app, "+31612345678")
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(4):
        html = post(client, confirm_url, {f"code_{slot}": wrong}).get_data(as_text=True)
        assert "klopt niet" in html
    html = post(client, confirm_url, {f"code_{slot}": wrong}).get_data(as_text=True)
    assert "Te veel verkeerde codes" in html
    assert "Te veel verkeerde codes" in post(client, confirm_url, {f"code_{slot}": good}).get_data(as_text=True)
    post(client, confirm_url.rstrip("/") + "/resend", {"slot": str(slot)})
    response = post(client, confirm_url, {f"code_{slot}": code_for(app, "+31612345678")})
    assert response.status_code == 302


def test_expired_code_is_refused(app, client):
    """A code past its expiry no longer confirms the number."""
    confirm_url = sign_up(client, phone_2="")
    with app.extensions["uitkijk"].db.session() as session:
        for row in session.scalars(select(NumberConfirmation)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    html = post(client, confirm_url, {f"code_{SLOT['+31612345678']}": code_for(app, "+31612345678")}).get_data(as_text=True)
    assert "verlopen" in html


def test_registered_number_is_not_taken_over_but_a_stale_signup_is_replaced(app, client):
    """A number with a live sign-up is not signed up a second time (the page looks the same, see
    test_security_signup); one never confirmed in time is replaced."""
    sign_up(client, phone_2="")
    sign_up(client, phone_2="")
    with app.extensions["uitkijk"].db.session() as session:
        assert len(session.scalars(select(PhoneNumber)).all()) == 1
    with app.extensions["uitkijk"].db.session() as session:
        for row in session.scalars(select(NumberConfirmation)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    sign_up(client, phone_2="")
    with app.extensions["uitkijk"].db.session() as session:
        assert len(session.scalars(select(PhoneNumber)).all()) == 1


def test_signup_form_errors_are_clear(app, client):
    """No consent, or a landline asked to receive SMS, is refused with a message saying why."""
    response = post(client, "/signup", signup_form(consent=""))
    assert response.status_code == 400 and "akkoord" in response.get_data(as_text=True)
    response = post(client, "/signup", signup_form(channel_2="sms"))
    assert response.status_code == 400 and "Telefoonnummer 2 kanaal" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_signup_without_csrf_is_refused(app, client):
    """A sign-up POST without the CSRF token is refused with 400 and sends nothing."""
    client.get("/signup")
    assert client.post("/signup", data=signup_form()).status_code == 400
    assert outbox(app) == []


def test_signups_from_one_address_are_limited(config):
    """Past the hourly limit per address, sign-ups are refused with 429 (no SMS pumping)."""
    application = create_app({**config, "SIGNUP_PER_HOUR": 1})
    client = application.test_client()
    sign_up(client, phone_2="")
    response = post(client, "/signup", signup_form(phone_1="0612345670", phone_2=""))
    assert response.status_code == 429


def confirmed_participant(app, client):
    confirm_url = sign_up(client, phone_2="")
    number_id = numbers(app)["+31612345678"]
    done = post(client, confirm_url, {f"code_{SLOT['+31612345678']}": code_for(app, "+31612345678")}).headers["Location"]
    return "/my/" + done.rsplit("/", 1)[1], number_id


def test_self_service_changes_preferences(app, client):
    """Through the link a participant changes language, channel and stops alerts on a number."""
    manage_url, number_id = confirmed_participant(app, client)
    response = post(client, manage_url, {"home_lat": "52.31", "home_lon": "5.05", "language": "en",
                                         f"number_channel_{number_id}": "voice", f"stop_{number_id}": "on"})
    assert response.status_code == 302
    with app.extensions["uitkijk"].db.session() as session:
        person = session.scalar(select(Participant))
        assert person.language == "en" and person.active and person.quiet_start is None
        assert person.numbers[0].channel == "voice" and person.numbers[0].unsubscribed
        assert person.numbers[0].confirmed
    assert GENUINE_HINT in client.get(manage_url).get_data(as_text=True)


def test_leaving_removes_personal_data(app, client):
    """Leaving erases the participant (tests/mail/test_privacy_erasure.py searches every table); the link then
    no longer works."""
    manage_url, _number_id = confirmed_participant(app, client)
    assert post(client, manage_url + "/leave", {}).status_code == 302  # the box was not ticked
    response = post(client, manage_url + "/leave", {"confirm_leave": "on"})
    assert response.status_code == 200 and "verwijderd" in response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Participant)) is None
        verbs = [e.verb for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert verbs == ["signup", "confirm", "leave"]
    assert client.get(manage_url).status_code == 410


def test_forged_expired_or_misused_links_are_refused(app, client, monkeypatch):
    """A tampered link, a confirmation link used as a manage link, and an old link all get 410, saying
    why in the visitor's language."""
    confirm_url = sign_up(client, phone_2="")
    token = confirm_url.rsplit("/", 1)[1]
    assert client.get(f"/my/{token}").status_code == 410
    assert client.get(confirm_url[:-2] + "xx").status_code == 410
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) - 31 * 24 * 3600)
    with app.extensions["uitkijk"].db.session() as session:
        person_id = session.scalar(select(Participant.id))
    old = make_link_token(app.config["SECRET_KEY"].encode(), person_id, "manage")
    monkeypatch.undo()
    expired = client.get(f"/my/{old}")
    assert expired.status_code == 410 and "deze link is verlopen" in expired.get_data(as_text=True)
    english = client.get(f"/my/{old}", headers={"Accept-Language": "en"})
    assert "this link has expired" in english.get_data(as_text=True)


@pytest.mark.parametrize("registered", [True, False])
def test_manage_link_request_does_not_reveal_who_is_registered(app, client, registered):
    """Asking for a link shows the same answer for known and unknown numbers; only a known one gets an SMS."""
    if registered:
        confirmed_participant(app, client)
    before = len(outbox(app))
    response = post(client, "/signup/link", {"number": MOBILE})
    assert response.status_code == 200 and "Als dit mobiele nummer is ingeschreven" in response.get_data(as_text=True)
    sent = outbox(app)[before:]
    assert len(sent) == (1 if registered else 0)
    if registered:
        assert sent[0][0] == "sms" and "/my/" in sent[0][2]
