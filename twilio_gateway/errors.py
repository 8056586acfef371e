"""What a failed Twilio REST call means for the delivery that made it: give up, or try again.

Twilio answers a refused request with an HTTP status and its own error code
(https://www.twilio.com/docs/api/errors). A permanent failure will fail the same way on every
retry; a transient one (rate limits, Twilio's own outages, the network) is worth retrying,
after ``retry_after`` seconds when Twilio said so.
"""
import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Mapping, Optional

import requests
from twilio.base.exceptions import TwilioRestException

from core.numbers import mask
from core.transports import PermanentFailure, TransientFailure

log = logging.getLogger(__name__)

# Codes that say the recipient cannot be reached at this number: no use trying it again
# (and the participant's number may need attention), whatever else is configured.
RECIPIENT_CODES = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21217: "number does not appear to be valid",
    21401: "invalid phone number",
    21407: "number type does not support SMS",
    21610: "recipient has unsubscribed (replied STOP)",
    21612: "'To' number not reachable via SMS",
    21614: "'To' number is not a mobile number",
}
# Codes that say "not now": Twilio or its queue is busy.
TRANSIENT_CODES = {
    14107: "SMS send rate limit exceeded",
    20429: "too many requests",
    20500: "Twilio internal error",
    20503: "Twilio service unavailable",
    21611: "'From' number has too many queued messages",
}
TRANSIENT_STATUSES = {408, 429}


class SendError(Exception):
    """A Twilio request that did not result in a message or call."""


class PermanentSendError(SendError):
    """Retrying will not help. ``recipient_fault`` tells a bad number from a bad configuration."""

    def __init__(self, code: Optional[int], message: str, status: Optional[int] = None):
        super().__init__(f"Twilio error {code}: {message}" if code else message)
        self.code = code
        self.message = message
        self.status = status

    @property
    def recipient_fault(self) -> bool:
        return self.code in RECIPIENT_CODES


class TransientSendError(SendError):
    """Worth retrying, after ``retry_after`` seconds when the server said how long (else None)."""

    def __init__(self, retry_after: Optional[float] = None, code: Optional[int] = None,
                 message: str = "", status: Optional[int] = None):
        super().__init__(message or "temporary Twilio failure")
        self.retry_after = retry_after
        self.code = code
        self.message = message
        self.status = status


def classify_rest_error(exc: TwilioRestException,
                        headers: Optional[Mapping[str, str]] = None) -> SendError:
    """The PermanentSendError or TransientSendError a refused REST request amounts to."""
    status = exc.status
    code = exc.code if isinstance(exc.code, int) and exc.code != status else None
    message = str(exc.msg or "")
    if code in RECIPIENT_CODES:
        return PermanentSendError(code, message, status)
    if code in TRANSIENT_CODES or status in TRANSIENT_STATUSES or status >= 500:
        return TransientSendError(retry_after_from(headers), code, message, status)
    return PermanentSendError(code, message, status)


def classify_transport_error(exc: requests.RequestException) -> TransientSendError:
    """A request that never got an answer (refused connection, timeout): try again later."""
    return TransientSendError(None, None, f"no answer from Twilio: {type(exc).__name__}")


@contextmanager
def twilio_request(client, what, to_e164):
    """Around one REST request: a refusal or no answer is logged (the number masked) and raised as the
    SendError it amounts to. The one translation of Twilio's errors, for messages and calls alike."""
    from .client import last_response_headers
    try:
        yield
    except TwilioRestException as exc:
        error = classify_rest_error(exc, last_response_headers(client))
        log.warning("%s to %s refused: %s", what, mask(to_e164), error)
        raise error from exc
    except requests.RequestException as exc:
        error = classify_transport_error(exc)
        log.warning("%s to %s not sent: %s", what, mask(to_e164), error)
        raise error from exc


def as_core_failure(error: SendError) -> Exception:
    """A SendError as the core's PermanentFailure (give up) or TransientFailure (try again later)."""
    if isinstance(error, PermanentSendError):
        return PermanentFailure(error.code or error.status, error.message)
    return TransientFailure(f"{error.code or error.status or 'network'}: {error}", error.retry_after)


def retry_after_from(headers: Optional[Mapping[str, str]]) -> Optional[float]:
    """Seconds from a Retry-After header, if the headers have a usable one."""
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return parse_retry_after(value)
    return None


def parse_retry_after(value: str, now: Optional[datetime] = None) -> Optional[float]:
    """Retry-After as seconds to wait: delta-seconds or an HTTP date; None when unreadable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (moment - now).total_seconds())
