"""Double opt-in by mail: nothing but the confirmation goes to an address until its link comes back."""
import time

import pytest
from itsdangerous import TimestampSigner

from core import mail_address
from core.mail_links import MailLinks
from tests.integration.web_helpers import csrf_token, web_app
from tests.mail.mail_support import mail_participant, parsed


@pytest.fixture
def app(mail_config):
    yield from web_app(mail_config)


def _confirm_link(relay):
    msg = parsed(relay.wait_for(1)[-1])
    text = msg.get_body(("plain",)).get_content()
    return next(line.strip() for line in text.splitlines() if "/mail/confirm/" in line)


def test_confirmation_link_confirms_the_address_after_a_click(app, relay):
    """The mail's link shows a button (a scanner's GET confirms nothing); the POST confirms that exact address."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        p = mail_participant(session, 1, 0, confirmed=False)
        assert mail_address.mail_status(session, p) == "unconfirmed"
        assert mail_address.AddressConfirmation(session, rt.transports["email"], rt.config).request(p)
        session.commit()
        pid = p.id
    path = _confirm_link(relay).replace("http://127.0.0.1:5000", "")
    client = app.test_client()
    assert client.get(path).status_code == 200
    with rt.db.session() as session:
        assert mail_address.mail_status(session, session.get(type(p), pid)) == "unconfirmed"
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 200
    with rt.db.session() as session:
        participant = session.get(type(p), pid)
        assert mail_address.mail_status(session, participant) == "confirmed"
        participant.email = "nieuw@example.nl"  # a changed address is unconfirmed again
        assert mail_address.mail_status(session, participant) == "unconfirmed"


def test_expired_and_tampered_confirmation_links_are_refused(app, monkeypatch):
    """A link older than MAIL_CONFIRM_LINK_MAX_AGE_S is 410 Gone; a forged one 404; nothing is confirmed."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        p = mail_participant(session, 1, 0, confirmed=False)
        session.commit()
        pid, address = p.id, p.email
    links = MailLinks(rt.config)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 10 * 86400)
    old = links.confirm_url(pid, address).replace("http://127.0.0.1:5000", "")
    monkeypatch.undo()
    client = app.test_client()
    assert client.get(old).status_code == 410
    assert client.get(old[:-4] + "AAAA").status_code == 404
    with rt.db.session() as session:
        assert mail_address.mail_status(session, session.get(type(p), pid)) == "unconfirmed"


def test_undeliverable_address_is_a_clear_error(app, relay):
    """An address the relay refuses at RCPT: the confirmation cannot go, and the form would say so (field email)."""
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        p = mail_participant(session, 1, 0, confirmed=False, address="bounce-x@example.nl")
        from core.errors import ValidationError
        with pytest.raises(ValidationError) as caught:
            mail_address.AddressConfirmation(session, rt.transports["email"], rt.config).request(p)
        assert caught.value.field == "email"
    assert relay.messages() == []
