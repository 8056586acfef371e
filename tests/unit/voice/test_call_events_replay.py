"""The call service's event handling, replaying AMI events recorded from the real lab Asterisk
(tests/fixtures/ami/*.events.txt, made by `python -m lab.record_ami_events`)."""
from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from redis import Redis

from core.alert_calls import RETRIED_OUTCOMES
from core.asterisk_values import TrunkConf
from voice import call_events, call_outcomes
from voice.ami import AmiEvent
from voice.call_queue import PendingCall
from voice.call_events import CallService
from voice.settings import VoiceSettings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"
CALL_ID = "rec-7-001"  # the ActionID and ChannelId of every recorded call


def recorded(stem):
    """The events of one recording, in arrival order."""
    events = []
    for block in (FIXTURES / f"{stem}.events.txt").read_text().split("\n\n"):
        headers = dict(line.split(": ", 1) if ": " in line else (line.rstrip(":"), "")
                       for line in block.strip().splitlines())
        if headers:
            events.append(AmiEvent(headers["Event"], headers))
    return events


class FakeAmi:
    """Stands in for AmiClient: keeps the subscriptions and the Originates sent."""

    connected = True

    def __init__(self):
        self.callbacks = {}
        self.originated = []

    def subscribe(self, name, callback):
        self.callbacks.setdefault(name, []).append(callback)

    def originate(self, channel, **kwargs):
        self.originated.append((channel, kwargs))
        return kwargs["action_id"]

    def command(self, _):
        return ""  # `core show channels concise` of an Asterisk with no channels

    def replay(self, events):
        for event in events:
            for callback in self.callbacks.get(event.name, []):
                callback(event)


class LedgerRecorder:
    """Replaces core.alert_calls: records what the service tells the ledger."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def record(*args, **kwargs):
            self.calls.append((name, args))
            return "call" if name == "dialling" else None
        return record

    def names(self):
        return [name for name, _ in self.calls]


@pytest.fixture
def service(redis_url, queue_prefix, monkeypatch):
    """A call service on a fake AMI and a recording ledger, with real Redis leases."""
    ledger = LedgerRecorder()
    monkeypatch.setattr(call_events, "alert_calls", ledger)
    monkeypatch.setattr(call_outcomes, "alert_calls", ledger)
    redis = Redis.from_url(redis_url)
    db = SimpleNamespace(session=contextlib.nullcontext, unit_of_work=lambda work, stop=None: work(None))
    rt = SimpleNamespace(redis=redis, db=db, config={})
    settings = VoiceSettings(
        ami_host="127.0.0.1", ami_port=5038, ami_user="uitkijk", ami_secret="not-used",
        trunk=TrunkConf(name="lab", dial_template="Local/{number}@lab-pstn", caller_id="+31850000000",
                        channel_limit=2, cps=100.0),
        prompt_dir="/tmp", asterisk_prompt_dir="/tmp", ring_timeout_s=30, response_grace_s=15, lease_s=60,
        channel_variables={}, prefix=queue_prefix)
    svc = CallService(rt, settings, ami=FakeAmi())
    svc.outcomes = SimpleNamespace(put=lambda outcome: outcome.apply(rt, None))  # written at once, in this thread
    svc.ledger = ledger
    yield svc
    redis.close()


def place(service):
    call = PendingCall(call_id=CALL_ID, trunk="lab", channel="Local/31201234501@lab-pstn",
                       caller_id="+31850000000", delivery_id=7, claim_token="t")
    assert service.limiter.acquire("lab", CALL_ID, 2, 100.0, 60).granted
    service._place(call)
    return call


def test_answered_call_is_recorded_answered_then_ended_and_frees_its_channel(service):
    """Newstate Up marks the call answered once; its Hangup ends it (cause 16) and releases the lease."""
    place(service)
    service.ami.replay(recorded("answered"))

    assert service.ledger.names() == ["dialling", "placed", "answered", "ended"]
    assert service.ledger.calls[-1][1][-1] == 16  # the hang-up cause
    assert service.live_calls() == 0
    assert service.limiter.in_use("lab") == 0


@pytest.mark.parametrize(("stem", "outcome"), [
    ("busy", "busy"), ("no_answer", "no answer"), ("congestion", "congestion"),
    ("not_in_service", "not in service"),
])
def test_unanswered_call_reports_its_outcome_once(service, stem, outcome):
    """Busy, no answer, congestion and an unallocated number each reach the ledger once, with the channel freed."""
    place(service)
    service.ami.replay(recorded(stem))
    service._give_up_overdue()  # a Reason 0 waits briefly for its cause; the recording holds it

    assert service.ledger.names() == ["dialling", "placed", "not_reached"]
    assert outcome in service.ledger.calls[-1][1]
    assert service.live_calls() == 0
    assert service.limiter.in_use("lab") == 0


def test_events_of_calls_this_service_did_not_place_are_ignored(service):
    """A recording replayed without a placed call changes nothing (another installation, an old attempt)."""
    service.ami.replay(recorded("busy") + recorded("answered"))
    assert service.ledger.names() == []


def test_originate_without_any_response_is_given_up_at_its_deadline(service, monkeypatch):
    """No OriginateResponse by ring timeout + grace: the call is settled as 'no response' and its channel freed."""
    place(service)
    clock = call_events.time.monotonic() + 46
    monkeypatch.setattr(call_events.time, "monotonic", lambda: clock)
    service._give_up_overdue()

    assert service.ledger.names() == ["dialling", "placed", "not_reached"]
    assert "no response" in service.ledger.calls[-1][1]
    assert service.limiter.in_use("lab") == 0


def test_reconnect_is_not_ready_until_asterisk_can_list_its_channels(service, monkeypatch):
    """After a reconnect to an Asterisk still booting (it refuses the CLI command), the service stays
    not ready and tries again; once it can list the channels, the answered call it lost is retried."""
    place(service)
    service.ami.replay(recorded("answered")[:3])  # up to Newstate Up: answered, not yet hung up
    listings = iter([call_events.AmiActionFailed("Command: Command output follows"), ""])

    def command(_):
        outcome = next(listings)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    service.ami.connect = service.ami.close = lambda: None
    service.ami.command = command
    service._ever_connected = True

    assert service._connect() is False and not service._ready.is_set()
    assert service.live_calls() == 1
    assert service._connect() is True and service.reconnects == 1
    assert service.ledger.names()[-1] == "not_reached"
    assert "interrupted" in service.ledger.calls[-1][1]
    assert service.live_calls() == 0 and service.limiter.in_use("lab") == 0


def channels_up():
    """`core show channels concise` recorded while the call was up (lab.record_ami_events)."""
    return (FIXTURES / "channels_up.concise.txt").read_text()


def place_timing_out(service, listing):
    """Place the call on an AMI whose Originate times out (Asterisk may or may not have taken it);
    channel listings then answer `listing`."""
    def originate(channel, **kwargs):
        raise call_events.AmiTimeout("AMI at 127.0.0.1:5038 did not answer within 5 s")

    service.ami.originate = originate
    service.ami.command = lambda _: listing
    service.ami.connect = service.ami.close = lambda: None
    return place(service)


def test_originate_that_timed_out_but_whose_channel_is_up_after_the_reconnect_is_placed_and_followed(service):
    """The Originate timed out (the connection is cut), yet Asterisk took the call: after the reconnect its
    channel is listed Up, so the call is marked placed (the sweeper will not dial it again) and answered,
    and its hang-up ends it; it is never retried."""
    place_timing_out(service, channels_up())
    assert service.ledger.names() == ["dialling"]  # not known to be placed yet
    service._ever_connected = True

    assert service._connect() is True
    assert service.ledger.names() == ["dialling", "placed", "answered"]
    service.ami.replay(recorded("answered"))

    assert service.ledger.names() == ["dialling", "placed", "answered", "ended"]
    assert service.live_calls() == 0 and service.limiter.in_use("lab") == 0


def test_originate_that_timed_out_and_has_a_channel_at_its_deadline_is_not_retried(service, monkeypatch):
    """No response by the deadline, but Asterisk lists the call's channel: it is placed and followed, not
    settled as 'no response' (which would ring the participant a second time)."""
    place_timing_out(service, channels_up())
    clock = call_events.time.monotonic() + 46
    monkeypatch.setattr(call_events.time, "monotonic", lambda: clock)
    service._give_up_overdue()

    assert service.ledger.names() == ["dialling", "placed", "answered"]
    assert service.live_calls() == 1
    service.ami.replay(recorded("answered"))
    assert service.ledger.names()[-1] == "ended"


def test_originate_that_timed_out_without_a_channel_is_retried_at_its_deadline_never_marked_placed(service,
                                                                                                  monkeypatch):
    """No response and no channel in Asterisk: nobody is being called, so the call is tried again."""
    place_timing_out(service, "")
    clock = call_events.time.monotonic() + 46
    monkeypatch.setattr(call_events.time, "monotonic", lambda: clock)
    service._give_up_overdue()

    assert service.ledger.names() == ["dialling", "not_reached"]
    assert "no response" in service.ledger.calls[-1][1]
    assert service.live_calls() == 0 and service.limiter.in_use("lab") == 0


def test_unanswered_call_kept_over_a_reconnect_is_settled_by_its_hang_up(service):
    """A call still ringing when the connection came back may have lost its OriginateResponse with the old
    connection: its hang-up settles it (tried again, as nobody answered), instead of it waiting forever."""
    place(service)
    service.ami.command = lambda _: channels_up().replace("!Up!", "!Ring!")
    service.ami.connect = service.ami.close = lambda: None
    service._ever_connected = True
    assert service._connect() is True
    service.ami.replay([event for event in recorded("busy") if event.name != "OriginateResponse"])

    assert service.ledger.names() == ["dialling", "placed", "not_reached"]
    assert service.ledger.calls[-1][1][4] in RETRIED_OUTCOMES
    assert service.live_calls() == 0 and service.limiter.in_use("lab") == 0


def test_originate_that_timed_out_is_not_given_up_at_a_reconnect_that_lists_no_channel_yet(service, monkeypatch):
    """Asterisk frozen, not restarted, may still carry out the Originate after the reconnect's listing: the
    call waits for its deadline (its events, or a listing then, tell) instead of being retried at once."""
    place_timing_out(service, "")
    service._ever_connected = True
    assert service._connect() is True
    assert service.ledger.names() == ["dialling"] and service.live_calls() == 1

    clock = call_events.time.monotonic() + 46
    monkeypatch.setattr(call_events.time, "monotonic", lambda: clock)
    service._give_up_overdue()
    assert service.ledger.names() == ["dialling", "not_reached"]
    assert "no response" in service.ledger.calls[-1][1]
