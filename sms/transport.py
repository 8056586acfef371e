"""The Twilio SMS transport of the core: paced per sender, failures told apart for the delivery job.

Every worker process reserves send slots per sender in Redis (core.pacing), so the
configured messages per second hold for the whole installation. A refusal becomes the core's
TransientFailure (retried by the job, after Retry-After when Twilio sent one) or
PermanentFailure (recorded on the delivery); when Twilio says the recipient unsubscribed
(21610, they replied STOP) the number is marked unsubscribed so no later action selects it.
Which account and number each message leaves from is twilio_gateway.accounts' choice.
"""
import logging
from typing import Optional

from redis import Redis

from core.config import default, effective
from core.numbers import mask
from core.sms_replies import unsubscribe_number
from core.transports import PermanentFailure, SendResult
from sms.sender import PermanentSendError, TransientSendError, TwilioSmsSender
from twilio_gateway.accounts import PerAccountTransport, TwilioAccounts
from twilio_gateway.callbacks import SMS_STATUS, callback_url, checked_public_base_url
from core.pacing import Pacer, SendSchedule
from twilio_gateway.errors import as_core_failure

log = logging.getLogger(__name__)

UNSUBSCRIBED_CODE = 21610
# An alert still queued at Twilio after this long is dropped there: it would arrive too late.


class TwilioSmsTransport:
    """``send``/``send_direct`` as the core expects them, through one account's Messages API."""

    in_database = False
    name = "twilio-sms"

    def __init__(self, client, schedule: SendSchedule, *, rate_per_s: float,
                 from_number: Optional[str] = None, messaging_service_sid: Optional[str] = None,
                 public_base_url: Optional[str] = None,
                 alert_validity_s: Optional[int] = default("SMS_ALERT_VALIDITY_S"),
                 max_pacing_wait_s: float = default("SMS_MAX_PACING_WAIT_S")):
        # Validates the sender (number, sender ID or Messaging Service) before any send.
        self._plain = TwilioSmsSender(client, from_number=from_number, messaging_service_sid=messaging_service_sid)
        self._client = client
        self.pacer = Pacer(schedule, self._plain.sender_key, rate_per_s, max_pacing_wait_s)
        self.public_base_url = checked_public_base_url(public_base_url) if public_base_url else None
        self.alert_validity_s = alert_validity_s

    def send(self, session, delivery, text):
        """Send one ledger delivery; its status callback names the delivery."""
        callback = (callback_url(self.public_base_url, SMS_STATUS, delivery=delivery.id)
                    if self.public_base_url else None)
        validity = self.alert_validity_s if delivery.purpose == "alert" else None
        sid = self._send(session, delivery.to_e164, text, callback, validity)
        return SendResult(provider_ref=sid, state="sent")

    def send_direct(self, session, to_e164, text):
        """Send a message outside any action (a confirmation code, a link)."""
        return SendResult(provider_ref=self._send(session, to_e164, text, None, None), state="sent")

    def _send(self, session, to_e164, text, status_callback, validity_s):
        sender = self._plain if not (status_callback or validity_s) else TwilioSmsSender(
            self._client, from_number=self._plain.from_number,
            messaging_service_sid=self._plain.messaging_service_sid,
            status_callback_url=status_callback, validity_period_s=validity_s)
        self.pacer.wait()
        try:
            return sender.send(to_e164, text)
        except ValueError as exc:
            raise PermanentFailure("invalid", str(exc)) from exc
        except PermanentSendError as exc:
            if exc.code == UNSUBSCRIBED_CODE and session is not None:
                if unsubscribe_number(session, to_e164, actor="twilio"):
                    log.info("%s marked unsubscribed: Twilio refused with %s", mask(to_e164), exc.code)
            raise as_core_failure(exc) from exc
        except TransientSendError as exc:
            raise as_core_failure(exc) from exc


def make_sms_transport(config, channel="sms"):
    """The transport from the Twilio trunks, TWILIO_* settings, PUBLIC_BASE_URL and SMS_RATE_PER_S (see the README)."""
    if channel != "sms":
        raise ValueError(f"the Twilio SMS transport reaches the sms channel, not {channel!r}")
    config = effective(config)
    redis = Redis.from_url(config["REDIS_URL"])
    schedule = SendSchedule(redis, prefix=f"{config['QUEUE_PREFIX']}:sms-rate")

    def build(account, client):
        return TwilioSmsTransport(
            client, schedule, rate_per_s=account.rate_per_s, from_number=account.from_number,
            messaging_service_sid=account.messaging_service_sid,
            public_base_url=config["PUBLIC_BASE_URL"] or None,
            alert_validity_s=config["SMS_ALERT_VALIDITY_S"] or None,
            max_pacing_wait_s=config["SMS_MAX_PACING_WAIT_S"])
    return PerAccountTransport(TwilioSmsTransport.name, TwilioAccounts(config, channel), build)
