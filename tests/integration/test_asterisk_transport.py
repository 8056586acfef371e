"""The asterisk voice transport before any call is placed: the alert spoken at launch, calls queued
per trunk, and a text espeak-ng cannot speak failing its delivery on purpose (no Asterisk needed)."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core import alert_calls, answering_machines, ledger, runtime
from core.actions import ActionService, parse_launch
from core.jobs import send_one, sweep
from core.models import Action, Delivery, Trunk, utcnow
from lab import factories
from voice.call_queue import CallQueue


@pytest.fixture
def asterisk_rt(config):
    current = runtime.configure({**config, "VOICE_TRANSPORT": "asterisk", "TRUNK_NAME": "lab",
                                 "TRUNK_DIAL_TEMPLATE": "Local/{number}@lab-pstn"})
    yield current
    runtime.uninstall()


def launch(rt, *numbers):
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        for number in numbers:
            factories.participant(session, number, 200)
        action, _ = ActionService(rt).launch(session, parse_launch(factories.launch_body(room, operators[0]),
                                                                   640, 50_000), "test")
        return action.id


def voice_deliveries(rt, action_id):
    with rt.db.session() as session:
        return session.scalars(select(Delivery).where(Delivery.action_id == action_id,
                                                      Delivery.channel == "voice").order_by(Delivery.id)).all()


def test_launch_speaks_the_alert_and_queues_each_call_for_its_trunk(asterisk_rt, work):
    """The alert is rendered before the first call; each landline's call waits in the trunk's queue."""
    rt = asterisk_rt
    action_id = launch(rt, "0201234501", "0201234502")
    with rt.db.session() as session:
        key = session.get(Action, action_id).alert_prompt
    assert key.startswith("nl/")
    assert (rt.transports["voice"].audio.store.root / f"{key}.wav").stat().st_size > 0
    work()
    deliveries = voice_deliveries(rt, action_id)
    assert {(d.state, d.transport) for d in deliveries} == {("sending", "asterisk")}
    waiting = CallQueue(rt.redis, rt.config["QUEUE_PREFIX"]).waiting_deliveries("lab")
    assert sorted(waiting) == [d.id for d in deliveries]


@pytest.mark.parametrize("text", ["", "%%% *** ###", "lang " * 2000], ids=["empty", "symbols", "huge"])
def test_a_text_espeak_cannot_speak_fails_the_delivery_with_the_reason(asterisk_rt, text):
    """The delivery is failed on purpose, naming the prompt; nothing is queued for the trunk."""
    rt = asterisk_rt
    action_id = launch(rt, "0201234501")
    (delivery,) = voice_deliveries(rt, action_id)
    with rt.db.session() as session:
        ((claimed, *_),) = ledger.claim(session, [delivery.id])
    with rt.db.session() as session:
        send_one(rt, session, claimed, text)
    (failed,) = voice_deliveries(rt, action_id)
    assert failed.state == "failed" and failed.error.startswith("prompt: the alert text cannot be spoken")
    assert CallQueue(rt.redis, rt.config["QUEUE_PREFIX"]).waiting("lab") == 0


def test_a_call_asterisk_never_took_is_sent_again_when_no_call_service_took_it(asterisk_rt, work):
    """With the call service down past the lease, the sweeper takes back a call that only waited for a slot
    and one that was about to be dialled when the call service died (or Asterisk was away): nobody was
    called. One whose Originate Asterisk acknowledged is marked sent: nothing lost, nobody called twice."""
    rt = asterisk_rt
    action_id = launch(rt, "0201234501", "0201234502", "0201234503")
    work()
    waiting, dialling, placed = voice_deliveries(rt, action_id)
    with rt.db.session() as session:
        for call in (dialling, placed):
            assert alert_calls.dialling(session, call.id, call.claim_token, call.provider_ref) == "call"
        assert alert_calls.placed(session, placed.id, placed.provider_ref)
        session.execute(update(Delivery).where(Delivery.action_id == action_id)
                        .values(claimed_at=utcnow() - timedelta(seconds=rt.config["DELIVERY_LEASE_S"] + 1)))
    assert sweep(rt) == 2
    again, again_too, sent = voice_deliveries(rt, action_id)
    assert (again.state, again.error, again_too.state, sent.state) == ("queued", "lease expired", "queued", "sent")
    work()
    resent, resent_too, _ = voice_deliveries(rt, action_id)
    assert resent.state == "sending" and resent.claim_token != waiting.claim_token
    queue = CallQueue(rt.redis, rt.config["QUEUE_PREFIX"])
    specs = {call.delivery_id: call for call in iter(lambda: queue.pop("lab"), None)}
    assert specs[waiting.id].claim_token == resent.claim_token  # one entry, the new claim's
    assert specs[dialling.id].claim_token == resent_too.claim_token


def test_an_alert_call_through_a_detecting_trunk_carries_its_amd_parameters(asterisk_rt, work):
    """A trunk whose settings turn detection on gives its alert calls AMD()'s parameters (a value that
    is no whole number in bounds goes as its default); a trunk without them detects nothing."""
    rt = asterisk_rt
    amd = {**answering_machines.defaults("asterisk"), "greeting_ms": 2000, "silence_threshold": "256;Hangup"}
    with rt.db.session() as session:
        session.add(Trunk(name="detecting", backend="asterisk", dial_template="Local/{number}@lab-pstn",
                          caller_id="+31201110000", channel_limit=5, calls_per_second=5.0,
                          settings={"amd": amd}, enabled=True))
    action_id = launch(rt, "0201234502")
    work()
    call = CallQueue(rt.redis, rt.config["QUEUE_PREFIX"]).pop("detecting")
    assert call.delivery_id == voice_deliveries(rt, action_id)[0].id
    assert call.variables["UITKIJK_AMD"] == "5000:2000:800:5000:100:50:2:256:5000"
    assert call.variables["UITKIJK_AMD_END"] == "1000:20"
    assert answering_machines.asterisk_variables(answering_machines.stored({}, "asterisk")) == {}
