"""Classifying failed Twilio REST calls into permanent and transient failures."""
from datetime import datetime, timezone

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from twilio_gateway.errors import (PermanentSendError, TransientSendError, classify_rest_error,
                                   classify_transport_error, parse_retry_after, retry_after_from)

URI = "/2010-04-01/Accounts/AC00/Messages.json"


def _refusal(status, code):
    return TwilioRestException(status, URI, "Unable to create record: refused", code, "POST")


@pytest.mark.parametrize("status, code, headers, kind, recipient_fault, retry_after", [
    (400, 21211, None, PermanentSendError, True, None),     # invalid number
    (400, 21614, None, PermanentSendError, True, None),     # not a mobile number
    (400, 21610, None, PermanentSendError, True, None),     # unsubscribed (STOP)
    (400, 21612, None, PermanentSendError, True, None),     # not reachable by SMS
    (400, 21408, None, PermanentSendError, False, None),    # region not enabled: configuration
    (400, 21606, None, PermanentSendError, False, None),    # bad From number: configuration
    (401, 20003, None, PermanentSendError, False, None),    # authentication
    (404, 20404, None, PermanentSendError, False, None),
    (422, 422, None, PermanentSendError, False, None),      # body without a Twilio code
    (429, 20429, {"Retry-After": "7"}, TransientSendError, None, 7.0),
    (429, 429, {"retry-after": "2"}, TransientSendError, None, 2.0),
    (429, 20429, None, TransientSendError, None, None),
    (400, 14107, None, TransientSendError, None, None),     # SMS rate limit exceeded
    (400, 21611, None, TransientSendError, None, None),     # From queue full
    (408, 408, None, TransientSendError, None, None),
    (500, 20500, None, TransientSendError, None, None),
    (503, 20503, {"Retry-After": "30"}, TransientSendError, None, 30.0),
    (502, 502, {"Retry-After": "later"}, TransientSendError, None, None),
])
def test_classify_rest_error(status, code, headers, kind, recipient_fault, retry_after):
    """Recipient and request errors are permanent; rate limits and server errors transient."""
    error = classify_rest_error(_refusal(status, code), headers)
    assert type(error) is kind
    assert error.status == status
    assert error.code == (None if code == status else code)
    if kind is PermanentSendError:
        assert error.recipient_fault is recipient_fault
    else:
        assert error.retry_after == retry_after


def test_permanent_error_names_code_and_message():
    """The exception text says Twilio's code and message."""
    error = classify_rest_error(_refusal(400, 21211))
    assert str(error) == "Twilio error 21211: Unable to create record: refused"


@pytest.mark.parametrize("exc", [requests.ConnectionError("refused"), requests.Timeout("slow"),
                                 requests.exceptions.SSLError("handshake")])
def test_transport_errors_are_transient(exc):
    """No answer at all is worth retrying, with no advised delay."""
    error = classify_transport_error(exc)
    assert isinstance(error, TransientSendError) and error.retry_after is None


NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, seconds", [
    ("7", 7.0),
    (" 120 ", 120.0),
    ("0", 0.0),
    ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),
    ("Sat, 01 Mar 2025 11:59:00 GMT", 0.0),      # already past: no waiting
    ("-5", None),
    ("1.5", None),
    ("soon", None),
    ("", None),
])
def test_parse_retry_after(value, seconds):
    """Retry-After is delta-seconds or an HTTP date; anything else is ignored."""
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize("headers, seconds", [(None, None), ({}, None), ({"RETRY-AFTER": "3"}, 3.0),
                                              ({"Content-Type": "application/json"}, None)])
def test_retry_after_from_headers(headers, seconds):
    """The header is found whatever its case."""
    assert retry_after_from(headers) == seconds
