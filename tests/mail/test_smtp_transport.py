"""The SMTP transport against a real receiving MTA: what arrives, parsed with the standard email package."""
import email
import email.policy

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.mail_texts import MailContent, OutgoingMail
from core.transports import HardBounce, PermanentFailure, TransientFailure
from mail.transport import SmtpTransport
from mail.dkim_signing import DkimSigner


def _mail(to="p1@example.nl", delivery_id=7):
    content = MailContent(
        subject="Inbraak Dorpsstraat: heeft u iets gezien?", paragraphs=("Beste buurtbewoner,", "Gisternacht is er ingebroken."),
        questions=("Zag u een rode fiets?",), questions_heading="Wij willen graag weten:",
        buttons=(("Vertel wat u zag of hoorde", "http://127.0.0.1:5000/reply/abc"),
                 ("Ik heb niets gemerkt", "http://127.0.0.1:5000/reply/abc?nothing=1")),
        footer=("Wijzig uw voorkeuren: http://127.0.0.1:5000/my/xyz",),
        unsubscribe_url="http://127.0.0.1:5000/mail/unsubscribe/tok", manage_url="http://127.0.0.1:5000/my/xyz")
    return OutgoingMail(to, "Politie Weesp", "wijkmail@politie.example.nl", content, delivery_id)


def _base_config(relay):
    return {**relay.config(), "SMTP_TIMEOUT_S": 10.0}


def _parsed(received):
    return email.message_from_bytes(received.data, policy=email.policy.default)


def test_mail_arrives_over_starttls_with_auth_and_both_parts(relay):
    """A mail sent over STARTTLS + AUTH arrives with From display name, Message-ID, Date, unsubscribe headers, both parts."""
    transport = SmtpTransport(_base_config(relay))
    result = transport.send(None, _mail())
    [received] = relay.wait_for(1)
    msg = _parsed(received)
    assert received.rcpt_tos == ("p1@example.nl",)
    assert msg["From"].addresses[0].display_name == "Politie Weesp"
    assert msg["From"].addresses[0].addr_spec == "wijkmail@politie.example.nl"
    assert msg["Message-ID"].startswith(f"<{result.provider_ref}@politie.example.nl")
    assert msg["Date"].datetime is not None
    assert msg["List-Unsubscribe"] == "<http://127.0.0.1:5000/mail/unsubscribe/tok>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Zag u een rode fiets?" in text and "http://127.0.0.1:5000/reply/abc" in text
    assert 'href="http://127.0.0.1:5000/reply/abc"' in html and "Ik heb niets gemerkt" in html


def test_implicit_tls_relay(tls_relay):
    """SMTP_SECURITY=tls speaks TLS from the first byte (port 465 style)."""
    SmtpTransport(_base_config(tls_relay)).send(None, _mail())
    assert len(tls_relay.wait_for(1)) == 1


def test_wrong_password_is_a_temporary_failure_and_nothing_arrives(relay):
    """A refused login is the relay's configuration problem: retried later, never a bounce of the participant."""
    with pytest.raises(TransientFailure):
        SmtpTransport({**_base_config(relay), "SMTP_PASSWORD": "wrong"}).send(None, _mail())
    assert relay.messages() == []


def test_refused_recipient_is_a_hard_bounce(relay):
    """5xx at RCPT: HardBounce with the relay's code; the connection stays usable for the next mail."""
    transport = SmtpTransport(_base_config(relay))
    with transport.batch():
        with pytest.raises(HardBounce) as caught:
            transport.send(None, _mail("bounce-me@example.nl"))
        transport.send(None, _mail("p2@example.nl"))
    assert caught.value.code == 550
    assert [m.rcpt_tos for m in relay.wait_for(1)] == [("p2@example.nl",)]


def test_4xx_is_temporary_and_5xx_after_data_is_permanent(relay):
    """451 at RCPT is retried (TransientFailure); 554 after DATA is never retried (PermanentFailure)."""
    transport = SmtpTransport(_base_config(relay))
    with pytest.raises(TransientFailure):
        transport.send(None, _mail("tempfail@example.nl"))
    transport.send(None, _mail("tempfail@example.nl"))
    with pytest.raises(PermanentFailure) as caught:
        transport.send(None, _mail("reject@example.nl"))
    assert caught.value.code == 554 and not isinstance(caught.value, HardBounce)
    assert [m.rcpt_tos for m in relay.wait_for(1)] == [("tempfail@example.nl",)]


def test_unreachable_relay_is_temporary():
    """No relay listening: TransientFailure, so the delivery is tried again later."""
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 9, "SMTP_SECURITY": "starttls", "SMTP_USER": "",
              "SMTP_PASSWORD": "", "SMTP_TIMEOUT_S": 2.0}
    with pytest.raises(TransientFailure):
        SmtpTransport(config).send(None, _mail())


def test_dkim_signature_verifies_as_received(relay, tmp_path):
    """With a DKIM key configured the received mail carries a signature that verifies with the public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    signer = DkimSigner(pem, "uitkijk")
    SmtpTransport(_base_config(relay), signer=signer).send(None, _mail())
    [received] = relay.wait_for(1)
    import base64
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        assert name == b"uitkijk._domainkey.politie.example.nl."
        return record
    assert dkim.verify(received.data, dnsfunc=dns)
    assert _parsed(received)["DKIM-Signature"]
