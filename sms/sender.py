"""Sending one SMS through Twilio's Messages API.

The sender only sends: pacing is ``core.pacing``'s job and retrying the caller's (the
delivery job), told by the exception which of the two kinds of failure it met.
"""
import logging
import re
from typing import Optional

from twilio.base import values
from twilio.rest import Client

from core.numbers import is_e164, mask
from twilio_gateway.errors import PermanentSendError, TransientSendError, twilio_request

__all__ = ["TwilioSmsSender", "PermanentSendError", "TransientSendError"]

log = logging.getLogger(__name__)

# An alphanumeric sender ID ("Uitkijk"): up to 11 letters, digits and spaces, at least one letter.
_ALPHANUMERIC_SENDER = re.compile(r"(?=[0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
MAX_BODY_CHARS = 1600  # Twilio refuses longer bodies (error 21617)


class TwilioSmsSender:
    """Sends SMS from one number (or alphanumeric sender ID) or one Messaging Service,
    optionally with a status callback.

    ``validity_period_s`` lets Twilio drop a message still queued after that many seconds:
    an alert that arrives an hour late does more harm than good.
    """

    def __init__(self, client: Client, from_number: Optional[str] = None,
                 messaging_service_sid: Optional[str] = None,
                 status_callback_url: Optional[str] = None,
                 validity_period_s: Optional[int] = None):
        if bool(from_number) == bool(messaging_service_sid):
            raise ValueError("give exactly one of from_number and messaging_service_sid")
        if from_number and not (is_e164(from_number) or _ALPHANUMERIC_SENDER.fullmatch(from_number)):
            raise ValueError(f"from_number: neither an E.164 number nor an alphanumeric sender ID: "
                             f"{mask(from_number)}")
        if messaging_service_sid and not _MESSAGING_SERVICE_SID.fullmatch(messaging_service_sid):
            raise ValueError("messaging_service_sid: expected MG followed by 32 hex digits")
        if status_callback_url and not re.fullmatch(r"https?://[^/\s?#]+[^\s]*", status_callback_url):
            raise ValueError(f"status_callback_url: not an absolute http(s) URL: {status_callback_url!r}")
        if validity_period_s is not None and not 1 <= validity_period_s <= 36000:
            raise ValueError("validity_period_s: Twilio accepts 1 to 36000 seconds")
        self._client = client
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback_url = status_callback_url
        self.validity_period_s = validity_period_s

    @property
    def sender_key(self) -> str:
        """What the rate limit is counted per: the number or service the messages leave from."""
        return self.from_number or self.messaging_service_sid

    def send(self, to_e164: str, body: str) -> str:
        """Hand one message to Twilio and return its SID (SM...).

        Raises PermanentSendError or TransientSendError; ValueError for input that was never
        sendable (caught before spending a request).
        """
        if not is_e164(to_e164):
            raise ValueError(f"to_e164: not an E.164 number: {mask(str(to_e164))}")
        if not body or not body.strip():
            raise ValueError("body: empty")
        if len(body) > MAX_BODY_CHARS:
            raise ValueError(f"body: {len(body)} characters, Twilio accepts at most {MAX_BODY_CHARS}")
        with twilio_request(self._client, "SMS", to_e164):
            message = self._client.messages.create(
                to=to_e164,
                body=body,
                from_=self.from_number or values.unset,
                messaging_service_sid=self.messaging_service_sid or values.unset,
                status_callback=self.status_callback_url or values.unset,
                validity_period=self.validity_period_s or values.unset,
            )
        log.info("SMS to %s accepted as %s", mask(to_e164), message.sid)
        return message.sid
