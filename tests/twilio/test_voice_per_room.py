"""Voice back-end per control room: with VOICE_TRANSPORT=per-room one room's calls go through
Asterisk and another's through Twilio (Prism), and the ledger names the transport that sent each."""
import pytest

from core import runtime
from core.actions import ActionService, parse_launch
from core.models import Action
from lab import factories
from voice.call_queue import CallQueue

from twilio_flows import LANDLINE, deliveries


@pytest.fixture
def per_room_rt(twilio_config):
    current = runtime.configure({**twilio_config, "VOICE_TRANSPORT": "per-room", "TRUNK_NAME": "lab",
                                 "TRUNK_DIAL_TEMPLATE": "Local/{number}@lab-pstn"})
    yield current
    runtime.uninstall()


def launch_in(rt, room_name, backend):
    with rt.db.session() as session:
        room, operators = factories.control_room(session, room_name)
        room.voice_backend = backend
        body = factories.launch_body(room, operators[0])
        action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "test")
        return action.id


def test_each_room_calls_through_its_own_back_end(per_room_rt, work):
    """Both rooms' alerts are spoken at launch (the same audio on both back-ends); the Asterisk room's
    call waits for a trunk slot, the Twilio room's is placed through the Calls API."""
    rt = per_room_rt
    with rt.db.session() as session:
        factories.participant(session, LANDLINE, 300)
    on_asterisk = launch_in(rt, "Meldkamer Noord", "asterisk")
    on_twilio = launch_in(rt, "Meldkamer Zuid", "twilio")
    work()

    [asterisk_call] = deliveries(rt, on_asterisk)
    [twilio_call] = deliveries(rt, on_twilio)
    assert (asterisk_call.state, asterisk_call.transport) == ("sending", "asterisk")
    assert CallQueue(rt.redis, rt.config["QUEUE_PREFIX"]).waiting_deliveries("lab") == [asterisk_call.id]
    assert (twilio_call.state, twilio_call.transport) == ("sending", "twilio-voice")
    assert twilio_call.detail["call_sid"].startswith("CA")
    with rt.db.session() as session:
        assert session.get(Action, on_asterisk).alert_prompt
        assert session.get(Action, on_twilio).alert_prompt


def test_an_unknown_direct_back_end_is_refused(twilio_config):
    """A misspelt VOICE_DIRECT_BACKEND stops the start with a message naming the key."""
    with pytest.raises(ValueError, match="VOICE_DIRECT_BACKEND"):
        runtime.configure({**twilio_config, "VOICE_TRANSPORT": "per-room", "VOICE_DIRECT_BACKEND": "skype"})
    runtime.uninstall()
