"""The Twilio SMS transport in the core's delivery jobs, against Prism serving Twilio's spec."""
import re
import uuid

import pytest
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException

from core import runtime
from core.models import AuditEvent, PhoneNumber, utcnow
from core.transports import PermanentFailure, TransientFailure
from sms.transport import TwilioSmsTransport
from core.pacing import Pacer, SendSchedule

from lab.prism import RETRY_AFTER_S
from twilio_flows import MOBILE_E164, deliveries, launch

SID = re.compile(r"SM[0-9a-fA-F]{32}")


def test_alert_reaches_mobile_participant_as_sms(twilio_app, work):
    """A launched action's SMS alert goes through Twilio's Messages API and is recorded as sent with its SID."""
    rt = runtime.get()
    ids = launch(rt)
    work()
    [delivery] = deliveries(rt, ids["action"])
    assert (delivery.channel, delivery.state, delivery.transport) == ("sms", "sent", "twilio-sms")
    assert SID.fullmatch(delivery.provider_ref)


def test_rate_limited_send_is_retried_after_retry_after(twilio_app, prism, redis_url, work):
    """A 429 from Twilio puts the delivery back in the queue, due no earlier than Retry-After."""
    rt = runtime.get()
    ids = launch(rt)
    rt.transports["sms"] = _transport(prism.client(prefer="code=429"), redis_url)
    before = utcnow()
    work()
    [delivery] = deliveries(rt, ids["action"])
    assert (delivery.state, delivery.attempts) == ("queued", 1)
    assert (delivery.not_before - before).total_seconds() >= RETRY_AFTER_S
    assert delivery.error.startswith("20429:")


def test_twilio_outage_is_retried_with_backoff(twilio_app, prism, redis_url, work):
    """A 503 from Twilio (no Retry-After) puts the delivery back with the job's own backoff."""
    rt = runtime.get()
    ids = launch(rt)
    rt.transports["sms"] = _transport(prism.client(prefer="code=503"), redis_url)
    work()
    [delivery] = deliveries(rt, ids["action"])
    assert (delivery.state, delivery.attempts) == ("queued", 1)
    assert delivery.not_before is not None and delivery.error.startswith("20503:")


class _Refusing:
    """A client whose Messages API refuses with one Twilio error (Prism cannot produce 21610)."""

    def __init__(self, status, code):
        self.error = TwilioRestException(status, "https://api.twilio.com/Messages.json", "refused", code=code)
        self.http_client = None
        self.messages = self

    def create(self, **_):
        raise self.error


def _transport(client, redis_url, rate=100.0, max_wait=30.0):
    from redis import Redis
    return TwilioSmsTransport(client, SendSchedule(Redis.from_url(redis_url), prefix="test-sms-rate"),
                              rate_per_s=rate, from_number="+3197010000000", max_pacing_wait_s=max_wait)


def test_unsubscribed_recipient_fails_permanently_and_is_marked(twilio_app, redis_url, work):
    """Twilio's 21610 (the recipient replied STOP) fails the delivery and marks the number unsubscribed."""
    rt = runtime.get()
    ids = launch(rt)
    rt.transports["sms"] = _transport(_Refusing(400, 21610), redis_url)
    work()
    [delivery] = deliveries(rt, ids["action"])
    assert delivery.state == "failed" and delivery.error.startswith("21610:")
    with rt.db.session() as session:
        assert session.scalar(select(PhoneNumber.unsubscribed).where(PhoneNumber.e164 == MOBILE_E164))
        assert session.scalar(select(AuditEvent.verb).where(AuditEvent.actor == "twilio")) == "unsubscribed"


def test_invalid_number_fails_without_retry(twilio_app, redis_url, work):
    """An invalid 'To' (21211) fails the delivery at once with Twilio's code; no retry is scheduled."""
    rt = runtime.get()
    ids = launch(rt)
    rt.transports["sms"] = _transport(_Refusing(400, 21211), redis_url)
    work()
    [delivery] = deliveries(rt, ids["action"])
    assert (delivery.state, delivery.attempts, delivery.not_before) == ("failed", 1, None)
    assert delivery.error.startswith("21211:")


def test_request_breaking_twilios_schema_is_permanent(twilio_config, prism):
    """A send Prism rejects against Twilio's schema (bad account SID) is a permanent failure."""
    from twilio_gateway.client import make_twilio_client
    client = make_twilio_client("AC123", "token", base_url=prism.base_url)
    transport = _transport(client, twilio_config["REDIS_URL"])
    with pytest.raises(PermanentFailure) as failure:
        transport.send_direct(None, MOBILE_E164, "Uitkijk: test")
    assert failure.value.code == 422


class _FarAway:
    def reserve(self, key, rate, max_wait_s):
        return False, 45.0


def test_pacing_hands_back_a_send_that_would_wait_too_long():
    """A send whose slot is further away than the longest allowed wait becomes a retry with retry_after."""
    slept = []
    pacer = Pacer(_FarAway(), "sender", 10.0, max_wait_s=12.0, sleep=slept.append)
    with pytest.raises(TransientFailure) as failure:
        pacer.wait()
    assert slept == [] and failure.value.retry_after == 45.0


def test_senders_share_slots_one_interval_apart(redis_url):
    """Consecutive reservations for one sender lie one interval apart, whoever asks; a far slot is not taken."""
    from redis import Redis
    prefix = "test-slots-" + uuid.uuid4().hex[:8]
    first, second = SendSchedule(Redis.from_url(redis_url), prefix), SendSchedule(Redis.from_url(redis_url), prefix)
    waits = [schedule.reserve("sender", 2.0, 60.0) for schedule in (first, second, first)]
    assert [reserved for reserved, _ in waits] == [True, True, True]
    assert waits[0][1] == 0.0 and 0.4 < waits[1][1] <= 0.5 and 0.9 < waits[2][1] <= 1.0
    reserved, wait = second.reserve("sender", 2.0, 0.5)
    assert not reserved and 1.4 < wait <= 1.5
    assert first.reserve("another sender", 2.0, 0.5) == (True, 0.0)
