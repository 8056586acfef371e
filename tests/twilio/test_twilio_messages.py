"""TwilioSmsSender and error classification against Prism serving Twilio's spec."""
import re

import pytest

from sms.sender import PermanentSendError, TransientSendError, TwilioSmsSender
from twilio_gateway.client import last_response_headers, make_twilio_client

from lab.prism import ACCOUNT_SID, AUTH_TOKEN, RETRY_AFTER_S

FROM = "+3197010000000"
TO = "+31612345678"
SERVICE_SID = "MG" + "0123456789abcdef" * 2
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")


@pytest.mark.parametrize("origin", [FROM, "Uitkijk"])
def test_send_from_number_returns_sid(prism, origin):
    """A valid send from a number or sender ID is accepted by the spec and yields a message SID."""
    sender = TwilioSmsSender(prism.client(), from_number=origin,
                             status_callback_url="https://uitkijk.example.org/twilio/sms/status",
                             validity_period_s=600)
    assert SID.fullmatch(sender.send(TO, "Uitkijk: test. Afmelden: STOP"))


def test_send_through_messaging_service_returns_sid(prism):
    """A valid send through a Messaging Service is accepted too."""
    sender = TwilioSmsSender(prism.client(), messaging_service_sid=SERVICE_SID)
    assert SID.fullmatch(sender.send(TO, "Uitkijk: \u20ac en \U0001f600"))


def test_request_goes_to_prism_not_twilio(prism):
    """The client rewrites Twilio's host to the base URL and keeps the last response's headers."""
    client = prism.client()
    response = client.request("POST", MESSAGES_URL, data={"To": TO, "From": FROM, "Body": "hi"})
    assert response.status_code == 201
    assert "content-type" in {name.lower() for name in last_response_headers(client)}


@pytest.mark.parametrize("data, complaint", [
    ({"From": FROM, "Body": "hi"}, "must have required property 'To'"),
    ({"To": TO, "From": FROM, "Body": "hi", "ValidityPeriod": "soon"}, "ValidityPeriod must be integer"),
    ({"To": TO, "MessagingServiceSid": "MG123", "Body": "hi"}, "MessagingServiceSid must match pattern"),
    ({"To": TO, "From": FROM, "Body": "hi", "StatusCallback": "not a url"}, "StatusCallback must match format"),
])
def test_prism_rejects_requests_that_break_the_spec(prism, data, complaint):
    """Prism validates the request body against Twilio's schema and answers 422."""
    response = prism.client().request("POST", MESSAGES_URL, data=data)
    assert response.status_code == 422
    assert complaint in response.text


def test_prism_rejects_requests_without_credentials(prism):
    """Prism enforces the spec's Basic auth security scheme."""
    client = prism.client()
    response = client.http_client.request("POST", MESSAGES_URL, data={"To": TO, "From": FROM, "Body": "hi"})
    assert response.status_code == 401


def test_spec_violation_by_sender_is_permanent(prism):
    """A request Twilio's schema refuses (malformed account SID) fails permanently, not for the recipient."""
    client = make_twilio_client("AC123", AUTH_TOKEN, base_url=prism.base_url)
    with pytest.raises(PermanentSendError) as failure:
        TwilioSmsSender(client, from_number=FROM).send(TO, "hi")
    assert failure.value.status == 422
    assert not failure.value.recipient_fault


def test_rate_limited_send_is_transient_with_retry_after(prism):
    """A 429 with Twilio code 20429 is transient and carries Retry-After in seconds."""
    sender = TwilioSmsSender(prism.client(prefer="code=429"), from_number=FROM)
    with pytest.raises(TransientSendError) as failure:
        sender.send(TO, "hi")
    assert (failure.value.status, failure.value.code, failure.value.retry_after) == (429, 20429, RETRY_AFTER_S)


def test_unavailable_twilio_is_transient_without_retry_after(prism):
    """A 503 without Retry-After is transient with retry_after None."""
    sender = TwilioSmsSender(prism.client(prefer="code=503"), from_number=FROM)
    with pytest.raises(TransientSendError) as failure:
        sender.send(TO, "hi")
    assert (failure.value.status, failure.value.code, failure.value.retry_after) == (503, 20503, None)
