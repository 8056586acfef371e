"""TwilioSmsSender: input checks and failures that need no Twilio (Prism-backed tests live in tests/twilio)."""
import socket

import pytest

from sms.sender import TransientSendError, TwilioSmsSender
from twilio_gateway.client import make_twilio_client

ACCOUNT_SID = "AC" + "0" * 32
SERVICE_SID = "MG" + "a" * 32


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_client():
    """A client whose requests go to a loopback port nobody listens on."""
    return make_twilio_client(ACCOUNT_SID, "token", base_url=f"http://127.0.0.1:{_closed_port()}", timeout=2)


@pytest.mark.parametrize("kwargs", [
    {},
    {"from_number": "+3197010000000", "messaging_service_sid": SERVICE_SID},
    {"from_number": "0970 1000 0000"},
    {"from_number": "Uitkijk-Alert"},
    {"from_number": "12345"},
    {"messaging_service_sid": "MG123"},
    {"from_number": "+3197010000000", "status_callback_url": "/twilio/sms/status"},
    {"from_number": "+3197010000000", "status_callback_url": "ftp://example.org/status"},
    {"from_number": "+3197010000000", "validity_period_s": 0},
    {"from_number": "+3197010000000", "validity_period_s": 36001},
])
def test_sender_rejects_bad_configuration(unreachable_client, kwargs):
    """Exactly one valid origin, an absolute callback URL and a validity period Twilio accepts."""
    with pytest.raises(ValueError):
        TwilioSmsSender(unreachable_client, **kwargs)


@pytest.mark.parametrize("origin", ["+3197010000000", "Uitkijk", "Burgernet 1"])
def test_sender_accepts_number_or_alphanumeric_id(unreachable_client, origin):
    """The origin may be an E.164 number or an alphanumeric sender ID of up to 11 characters."""
    assert TwilioSmsSender(unreachable_client, from_number=origin).from_number == origin


def test_sender_key_is_the_origin(unreachable_client):
    """Rate limits are counted per from-number or per Messaging Service."""
    assert TwilioSmsSender(unreachable_client, from_number="+3197010000000").sender_key == "+3197010000000"
    assert TwilioSmsSender(unreachable_client, messaging_service_sid=SERVICE_SID).sender_key == SERVICE_SID


@pytest.mark.parametrize("to, body", [
    ("0612345678", "hallo"),
    ("+0612345678", "hallo"),
    (None, "hallo"),
    ("+31612345678", ""),
    ("+31612345678", "   "),
    ("+31612345678", "x" * 1601),
])
def test_send_rejects_unsendable_input(unreachable_client, to, body):
    """A non-E.164 recipient, an empty body or one over 1600 characters never reaches Twilio."""
    sender = TwilioSmsSender(unreachable_client, from_number="+3197010000000")
    with pytest.raises(ValueError):
        sender.send(to, body)


def test_send_without_answer_is_transient(unreachable_client, caplog):
    """A refused connection is a transient failure, logged without the full number."""
    sender = TwilioSmsSender(unreachable_client, from_number="+3197010000000")
    with pytest.raises(TransientSendError) as failure:
        sender.send("+31612345678", "hallo")
    assert failure.value.retry_after is None
    assert "+31612345678" not in caplog.text and "***678" in caplog.text
