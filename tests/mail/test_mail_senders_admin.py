"""Admins configure the names and addresses neighbourhood mail leaves from; nobody else may, bad input changes nothing."""
import pytest
from sqlalchemy import func, select

from core.models import AuditEvent, MailSender
from tests.integration.web_helpers import make_user, post, sign_in, web_app
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, municipality, parsed, staff


@pytest.fixture
def app(mail_config):
    yield from web_app(mail_config)


def _senders(app):
    with app.extensions["uitkijk"].db.session() as session:
        return [(s.display_name, s.address, s.municipality_id) for s in session.scalars(select(MailSender))]


def test_admin_adds_the_police_sender_and_mail_leaves_with_it(app, relay, work):
    """The sender an admin adds on the page is the From of the inquiry the police then send through the relay."""
    with app.extensions["uitkijk"].db.session() as session:
        mail_participant(session, 1, 0)
        staff(session, "police", "wijkagent@example.org")
    admin = app.test_client()
    token = sign_in(admin, make_user(app, "admin"))
    assert "Nog geen afzenders" in admin.get("/config/mail-senders").get_data(as_text=True)
    saved = post(admin, "/config/mail-senders", token, {"display_name": "Politie Basisteam Weesp",
                                                        "address": "Wijkmail@Politie.Example.NL", "municipality": ""})
    assert saved.status_code == 302
    assert _senders(app) == [("Politie Basisteam Weesp", "Wijkmail@politie.example.nl", None)]
    listed = admin.get("/config/mail-senders").get_data(as_text=True)
    assert "Politie Basisteam Weesp" in listed and "Wijkmail@politie.example.nl" in listed

    police = app.test_client()
    police_token = sign_in(police, "wijkagent@example.org")
    assert post(police, "/mail/inquiries/new", police_token, {**CIRCLE_FORM, "step": "send"}).status_code == 302
    work()
    received = parsed(relay.wait_for(1)[0])
    assert received["From"] == "Politie Basisteam Weesp <Wijkmail@politie.example.nl>"
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.verb == "mail-sender-added")) == 1


def test_admin_changes_a_sender_to_a_municipality(app):
    with app.extensions["uitkijk"].db.session() as session:
        weesp = municipality(session, "0457")
        session.add(MailSender(display_name="Gemeente", address="info@weesp.example.nl"))
        session.commit()
        sender_id, weesp_id = session.scalar(select(MailSender.id)), weesp.id
    admin = app.test_client()
    token = sign_in(admin, make_user(app, "admin"))
    assert admin.get(f"/config/mail-senders/{sender_id}").status_code == 200
    changed = post(admin, f"/config/mail-senders/{sender_id}", token,
                   {"display_name": "Gemeente Weesp", "address": "info@weesp.example.nl", "municipality": "0457"})
    assert changed.status_code == 302
    assert _senders(app) == [("Gemeente Weesp", "info@weesp.example.nl", weesp_id)]
    assert admin.get("/config/mail-senders/99999").status_code == 404


@pytest.mark.parametrize("form, field", [
    ({"display_name": "", "address": "a@example.nl"}, "display_name"),
    ({"display_name": "Politie\r\nBcc: everyone@example.nl", "address": "a@example.nl"}, "display_name"),
    ({"display_name": "x" * 121, "address": "a@example.nl"}, "display_name"),
    ({"display_name": "Politie", "address": "not-an-address"}, "address"),
    ({"display_name": "Politie", "address": "a@example.nl", "municipality": "9999"}, "municipality"),
])
def test_bad_sender_input_is_refused_naming_the_field(app, form, field):
    """A clear 400 naming the field; no sender written (a line break in the name would inject a header)."""
    admin = app.test_client()
    token = sign_in(admin, make_user(app, "admin"))
    response = post(admin, "/config/mail-senders", token, form)
    assert response.status_code == 400 and field in response.get_data(as_text=True)
    assert _senders(app) == []


@pytest.mark.parametrize("role", ["police", "operator", "municipality"])
def test_only_admins_configure_senders(app, role):
    """Attack: staff of other roles can neither see the page nor add a sender."""
    with app.extensions["uitkijk"].db.session() as session:
        own = municipality(session, "0457").id if role == "municipality" else None
    client = app.test_client()
    token = sign_in(client, make_user(app, role, municipality_id=own))
    assert client.get("/config/mail-senders").status_code == 403
    assert post(client, "/config/mail-senders", token,
                {"display_name": "Nep", "address": "nep@example.nl"}).status_code == 403
    assert _senders(app) == []
