"""The free number and the alert call's "press 1" through the real lab Asterisk and the real FastAGI
server: callers and operators are Local channels; who was bridged to whom comes from Asterisk's
own BridgeEnter events, what was recorded from the database (PostgreSQL)."""
from __future__ import annotations

import io
import threading
import time

import pytest
from pydub.generators import Sine
from sqlalchemy import select, update

from bridge.leases import OperatorLeases
from core.actions import ActionService, parse_launch
from core.alert_calls import AlertCallLedger
from core.call_records import InboundCallLog
from core.caller_directory import InboundDirectory
from core.models import ControlRoom, Delivery, InboundCall, Operator, Tip
from ivr.agi_runner import CallServices
from ivr.call_engine import build_flows
from ivr.fastagi import FastAgiServer
from ivr.prompts import PromptFiles
from ivr.settings import FlowSettings
from lab import factories
from tests.asterisk.alert_support import lab_log_on_failure  # noqa: F401 (fixture)
from tts_prompts.engines import SpeechEngine
from tts_prompts.store import PromptStore

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

RECORD_WAIT = 60.0  # seconds; generous bound for a call to end and be recorded (not a performance check)
SETTINGS = FlowSettings(ring_s=3, control_room_ring_s=3, menu_timeout_s=8, code_timeout_s=8)


class ToneEngine(SpeechEngine):
    """A fast stand-in for espeak: a short tone per prompt (the lab needs files, not words)."""

    name = "lab-tone"

    def voice_for(self, language):
        return "tone"

    def synthesize(self, text, language):
        return Sine(440).to_audio_segment(duration=300).export(io.BytesIO(), format="wav").getvalue()


@pytest.fixture(scope="module")
def lab_prompts(asterisk_lab):
    """The prompt catalogue rendered (as tones) where the lab Asterisk finds it."""
    store = PromptStore(asterisk_lab.sound_dir_host / "prompts", ToneEngine())
    store.render_catalogue()
    speech = Sine(300).to_audio_segment(duration=15000).set_frame_rate(8000).set_channels(1).set_sample_width(2)
    speech.export(str(asterisk_lab.sound_dir_host / "caller-speaks.wav"), format="wav")
    return store


@pytest.fixture
def inbound_server(asterisk_lab, rt, lab_prompts):
    """The project's FastAGI server on the lab's AGI port, wired to this test's database and Redis."""
    tips_dir = asterisk_lab.host_path(f"{asterisk_lab.instance_dir}/spool/tips")
    tips_dir.mkdir(parents=True, exist_ok=True)
    decisions = []
    services = CallServices(
        flows=build_flows(InboundDirectory(rt.db), SETTINGS),
        prompts=PromptFiles(lab_prompts, f"{asterisk_lab.sound_dir}/prompts"),
        call_log=InboundCallLog(rt.db), alert_ledger=AlertCallLedger(rt.db),
        leases=OperatorLeases(rt.redis, rt.config["QUEUE_PREFIX"], 600),
        recording_dir=f"{asterisk_lab.instance_dir}/spool/tips",
        on_decision=lambda flow, seconds: decisions.append(seconds))
    server = FastAgiServer(("127.0.0.1", asterisk_lab.agi_port), services)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.tips_dir = tips_dir
    server.decisions = decisions
    yield server
    server.shutdown()
    server.server_close()


def lab_line(n, behaviour):
    """A lab phone: `n` tells phones apart, `behaviour` (two digits) is what it does (asterisk_conf README)."""
    return f"Local/3120999{n:02d}{behaviour}@lab-pstn"


class World:
    """A control room, its operators, participants and actions in this test's database."""

    def __init__(self, rt, store, handler="07", colleague="07", general="07"):
        self.rt, self.store = rt, store
        with rt.db.session() as s:
            room = ControlRoom(name="Meldkamer Lab", free_number="0800 0011", general_line=lab_line(90, general))
            s.add(room)
            s.flush()
            self.handler = Operator(control_room_id=room.id, name="Handler", dial_string=lab_line(11, handler))
            self.colleague = Operator(control_room_id=room.id, name="Colleague", dial_string=lab_line(12, colleague))
            s.add_all([self.handler, self.colleague])
            s.flush()
            self.room = room

    def participant(self, number, distance_m=100):
        with self.rt.db.session() as s:
            return factories.participant(s, number, distance_m).id

    def launch(self, title, operator=None, radius_m=1000, alerted=True):
        """Launch an action around the participants; with `alerted` its deliveries count as sent."""
        operator = operator or self.handler
        with self.rt.db.session() as s:
            body = factories.launch_body(self.room, operator, radius_m, title=title)
            action, _ = ActionService(self.rt).launch(s, parse_launch(body, 640, 50_000), "lab-test")
            if alerted:
                s.execute(update(Delivery).where(Delivery.action_id == action.id).values(state="sent"))
        self.store.render_text(title, "nl")  # as the launch does for the free-number greeting
        return action

    def operator(self, dial_string):
        with self.rt.db.session() as s:
            op = Operator(control_room_id=self.room.id, name=dial_string, dial_string=dial_string)
            s.add(op)
            s.flush()
            return op


def call_free_number(ami, channel_id, caller, dtmf=None, dtmf_delay=2, listen=6):
    """A participant with caller ID `caller` dials the free number and keys `dtmf` after `dtmf_delay` s."""
    variables = {"LAB_DTMF_DELAY": dtmf_delay, "LAB_LISTEN": listen}
    if dtmf:
        variables["LAB_DTMF"] = dtmf
    ami.originate(f"Local/{caller}@lab-caller", context="lab-caller-phone", variables=variables,
                  channel_id=channel_id)


def bridged_to(ami_events, channel_id):
    """The phone bridged with the caller: the lab-pstn channel of the first bridge of this call
    (BridgeEnter events carry the call's Linkedid on both sides)."""
    phone = ami_events.wait_for(lambda e: e.name == "BridgeEnter" and e.get("Linkedid") == channel_id
                                and "@lab-pstn-" in (e.get("Channel") or ""))
    ami_events.wait_for(lambda e: e.name == "BridgeEnter" and e.get("BridgeUniqueid") == phone["BridgeUniqueid"]
                        and e.get("Channel") != phone["Channel"])
    return phone["Channel"]


def dialled(ami_events, channel_id):
    """The dial strings the call rang, in order (DialBegin events), as Asterisk reports them."""
    return [e.get("DialString") for e in ami_events.events(
        lambda e: e.name == "DialBegin" and e.get("Linkedid") == channel_id)]


def recorded_call(rt, timeout=RECORD_WAIT):
    """Wait until the FastAGI server has written the record of the (first) call in this test."""
    return recorded_calls(rt, 1, timeout)[0]


def recorded_calls(rt, count, timeout=RECORD_WAIT):
    """Wait until the FastAGI server has written the records of the first `count` calls in this test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with rt.db.Session() as s:
            calls = s.scalars(select(InboundCall).where(InboundCall.outcome.is_not(None))
                              .order_by(InboundCall.id).limit(count)).all()
            if len(calls) == count:
                return calls
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} inbound calls were recorded")


def whispers(asterisk_lab, operator_channel):
    """The whisper Playback lines the lab logged for this operator channel (waiting for the first)."""
    deadline = time.monotonic() + RECORD_WAIT
    while True:
        played = [line for line in asterisk_lab.log_file.read_text(errors="replace").splitlines()
                  if "Playback(" in line and f'"{operator_channel}"' in line and "@uitkijk-operator:" in line]
        if played or time.monotonic() >= deadline:
            return played
        time.sleep(0.2)


def local_name(dial_string):
    return dial_string.removeprefix("Local/")


def test_alerted_caller_is_bridged_to_the_handler(ami, ami_events, channel_id, rt, inbound_server, lab_prompts):
    """A participant alerted by one action calls and is bridged to that action's operator; recorded as such."""
    world = World(rt, lab_prompts)
    pid = world.participant("0201234501")
    action = world.launch("Inbraak Weesp")
    call_free_number(ami, channel_id, "+31201234501", listen=4)

    assert bridged_to(ami_events, channel_id).startswith(world.handler.dial_string + "-")
    call = recorded_call(rt)
    assert (call.outcome, call.action_id, call.participant_id, call.alerted, call.operator_id) == \
        ("connected", action.id, pid, True, world.handler.id)
    assert call.caller_e164 == "+31201234501" and call.talk_s > 0 and call.wait_s is not None
    assert call.route == [{"stage": "operator", "targets": [world.handler.dial_string], "status": "answered"}]
    assert len(inbound_server.decisions) == 1


@pytest.mark.parametrize(("handler", "status"), [("03", "busy"), ("04", "noanswer")])
def test_busy_or_unanswered_handler_goes_to_the_colleague(ami, ami_events, channel_id, rt, inbound_server,
                                                          lab_prompts, handler, status):
    """A busy handler, or one who does not answer within the ring time, passes the call to a colleague."""
    world = World(rt, lab_prompts, handler=handler)
    world.participant("0201234501")
    world.launch("Inbraak Weesp")
    call_free_number(ami, channel_id, "+31201234501", listen=8)

    assert bridged_to(ami_events, channel_id).startswith(world.colleague.dial_string + "-")
    assert dialled(ami_events, channel_id)[:2] == [local_name(world.handler.dial_string),
                                                    local_name(world.colleague.dial_string)]
    call = recorded_call(rt)
    assert [(r["stage"], r["status"]) for r in call.route] == [("operator", status), ("others", "answered")]
    assert call.operator_id == world.colleague.id


def test_caller_alerted_twice_chooses_from_the_menu(ami, ami_events, channel_id, rt, inbound_server, lab_prompts):
    """Alerted by two actions, the caller presses 2 and reaches the operator of the older action."""
    world = World(rt, lab_prompts)
    world.participant("0201234501")
    other = world.operator(lab_line(21, "07"))
    older = world.launch("Vermiste jongen", operator=other)
    world.launch("Inbraak Weesp")
    call_free_number(ami, channel_id, "+31201234501", dtmf="2", dtmf_delay=2, listen=5)

    assert bridged_to(ami_events, channel_id).startswith(other.dial_string + "-")
    call = recorded_call(rt)
    assert (call.action_id, call.alerted, call.operator_id) == (older.id, True, other.id)


def test_unknown_caller_keys_the_code(ami, ami_events, channel_id, rt, inbound_server, lab_prompts):
    """A number nobody registered keys the action's code and is put through, recorded as not alerted."""
    world = World(rt, lab_prompts)
    action = world.launch("Inbraak Weesp", alerted=False)
    call_free_number(ami, channel_id, "+31201234599", dtmf=f"{action.code}#", dtmf_delay=2, listen=5)

    assert bridged_to(ami_events, channel_id).startswith(world.handler.dial_string + "-")
    call = recorded_call(rt)
    assert (call.action_id, call.alerted, call.participant_id, call.outcome) == (action.id, False, None, "connected")


def test_withheld_caller_without_active_action_reaches_the_general_line(ami, ami_events, channel_id, rt,
                                                                        inbound_server, lab_prompts):
    """No active action: the withheld caller is told so and put through to the control room's general line."""
    world = World(rt, lab_prompts)
    # lab-caller only takes numbers; a withheld caller dials the free number's context directly.
    ami.originate("Local/s@uitkijk-inbound", context="lab-caller-phone", caller_id="anonymous <anonymous>",
                  variables={"LAB_LISTEN": 6}, channel_id=channel_id)

    assert bridged_to(ami_events, channel_id).startswith(world.room.general_line + "-")
    call = recorded_call(rt)
    assert (call.outcome, call.caller_e164, call.action_id) == ("general_line", None, None)


def test_nobody_answers_and_the_spoken_tip_is_kept(ami, ami_events, channel_id, rt, inbound_server, lab_prompts,
                                                   asterisk_lab):
    """Handler never answers, colleague busy, general line congested: the caller's words become a tip."""
    world = World(rt, lab_prompts, handler="04", colleague="03", general="06")
    world.participant("0201234501")
    action = world.launch("Inbraak Weesp")
    # The caller's handset plays 15 s of "speech" and then hangs up, in the middle of the recording.
    ami.send("Originate", {"Channel": "Local/+31201234501@lab-caller", "Application": "Playback",
                           "Data": f"{asterisk_lab.sound_dir}/caller-speaks", "Async": "true",
                           "ChannelId": channel_id})

    call = recorded_call(rt)
    assert call.outcome == "tip"
    assert [r["status"] for r in call.route] == ["noanswer", "busy", "failed"]
    with rt.db.Session() as s:
        tip = s.scalars(select(Tip).where(Tip.action_id == action.id)).one()
    assert tip.inbound_call_id == call.id and tip.from_e164 == "+31201234501" and tip.source == "voice"
    recording = inbound_server.tips_dir / tip.recording
    assert recording.exists() and recording.stat().st_size > 8000  # more than half a second of audio
    assert not [e for e in ami_events.events(lambda e: e.name == "BridgeEnter" and e.get("Linkedid") == channel_id)]


def test_busy_operator_is_not_rung_for_a_second_caller(ami, ami_events, rt, inbound_server, lab_prompts):
    """While the handler talks to one caller, a second caller about the same action goes to the colleague."""
    world = World(rt, lab_prompts)
    world.participant("0201234501")
    world.participant("0201234502", 200)
    world.launch("Inbraak Weesp")
    first, second = "inb-first-" + str(time.time_ns()), "inb-second-" + str(time.time_ns())
    call_free_number(ami, first, "+31201234501", listen=20)
    assert bridged_to(ami_events, first).startswith(world.handler.dial_string + "-")
    call_free_number(ami, second, "+31201234502", listen=3)

    assert bridged_to(ami_events, second).startswith(world.colleague.dial_string + "-")
    assert dialled(ami_events, second) == [local_name(world.colleague.dial_string)]


def test_colleagues_rung_but_not_answering_are_free_for_the_next_caller(ami, ami_events, rt, inbound_server,
                                                                        lab_prompts):
    """Handler busy: caller 2 rings three colleagues at once and one answers. While they talk, caller 3
    rings the two others (their leases went when the first answered) and is bridged to one of them."""
    world = World(rt, lab_prompts, handler="03")
    colleagues = {op.dial_string: op.id for op in (world.colleague, world.operator(lab_line(13, "07")),
                                                   world.operator(lab_line(14, "07")))}
    world.participant("0201234501")
    world.participant("0201234502", 200)
    world.launch("Inbraak Weesp")
    second, third = "inb-second-" + str(time.time_ns()), "inb-third-" + str(time.time_ns())
    call_free_number(ami, second, "+31201234501", listen=15)
    talking = bridged_to(ami_events, second).rsplit("-", 1)[0]
    assert talking in colleagues
    call_free_number(ami, third, "+31201234502", listen=3)

    answered = bridged_to(ami_events, third).rsplit("-", 1)[0]
    assert not ami_events.events(lambda e: e.name == "Hangup" and e.get("Uniqueid") == second), \
        "caller 2 hung up before caller 3 was put through"
    free = [c for c in colleagues if c != talking]
    assert answered in free
    assert sorted(dialled(ami_events, third)) == sorted([local_name(world.handler.dial_string),
                                                         *map(local_name, free)])
    calls = recorded_calls(rt, 2)
    assert sorted(c.operator_id for c in calls) == sorted([colleagues[talking], colleagues[answered]])
    assert [[(r["stage"], r["status"]) for r in c.route] for c in calls] == \
        [[("operator", "busy"), ("others", "answered")]] * 2


def test_alert_call_press_1_is_bridged_to_the_operator(ami, ami_events, channel_id, rt, inbound_server,
                                                       lab_prompts):
    """The alert call plays, the participant presses 1 and is bridged; key and bridge are recorded."""
    world = World(rt, lab_prompts)
    pid = world.participant("0201234502")
    action = world.launch("Inbraak Weesp")
    with rt.db.session() as s:  # this call is the delivery's current attempt, as the call service makes it
        delivery_id = s.scalar(select(Delivery.id).where(Delivery.participant_id == pid))
        s.execute(update(Delivery).where(Delivery.id == delivery_id).values(provider_ref=channel_id))
    ami.originate("Local/31201234502@lab-pstn", context="uitkijk-alert", channel_id=channel_id,
                  variables={"UITKIJK_DELIVERY": delivery_id, "UITKIJK_CALL": channel_id,
                             "LAB_DTMF": "1", "LAB_DTMF_DELAY": 1,
                             "LAB_LISTEN": 4})

    enter = ami_events.wait_for(lambda e: e.name == "BridgeEnter" and e.get("Linkedid") == channel_id
                                and (e.get("Channel") or "").startswith(world.handler.dial_string + "-"))
    assert enter is not None
    call = recorded_call(rt)
    assert (call.origin, call.action_id, call.operator_id, call.outcome) == \
        ("alert_call", action.id, world.handler.id, "connected")
    with rt.db.Session() as s:
        assert s.get(Delivery, delivery_id).detail["key"] == "1"


def test_operator_hears_the_whisper_before_the_bridge(ami, ami_events, channel_id, rt, inbound_server,
                                                      lab_prompts, asterisk_lab):
    """The answering operator's channel plays the whisper (code, 'alerted') before it joins the caller."""
    world = World(rt, lab_prompts)
    world.participant("0201234501")
    action = world.launch("Inbraak Weesp")
    call_free_number(ami, channel_id, "+31201234501", listen=4)
    operator_channel = bridged_to(ami_events, channel_id)

    files = inbound_server.services.prompts.files(("whisper_action_code", f"digit_{action.code[0]}",
                                                   "whisper_alerted"), "nl")
    played = whispers(asterisk_lab, operator_channel)
    assert played, "the operator's channel never ran the whisper"
    assert all(path in played[0] for path in files)


@pytest.mark.parametrize("trouble", ["notification_fails", "empty_whisper"])
def test_operator_rung_with_others_is_bridged_whatever_the_notification_does(
        ami, ami_events, channel_id, rt, inbound_server, lab_prompts, asterisk_lab, monkeypatch, trouble):
    """The answering operator's channel tells the FastAGI server who answered, before the whisper. If
    that fails the whisper still plays, the caller is bridged and the colleague's lease waits for the
    Dial's end; with an empty whisper the notification still frees the colleague."""
    world = World(rt, lab_prompts, handler="03")
    operators = {op.dial_string: op.id for op in (world.colleague, world.operator(lab_line(13, "07")))}
    world.participant("0201234501")
    world.launch("Inbraak Weesp")
    services = inbound_server.services
    if trouble == "notification_fails":
        def broken(call_ref):
            raise RuntimeError("the answered script fails")
        monkeypatch.setattr(services.leases, "held", broken)
    else:
        files = services.prompts.files
        monkeypatch.setattr(services.prompts, "files", lambda parts, language:
                            [] if "whisper_alerted" in parts else files(parts, language))
    call_free_number(ami, channel_id, "+31201234501", listen=6)

    operator_channel = bridged_to(ami_events, channel_id)
    talking = operator_channel.rsplit("-", 1)[0]
    [other] = [op for dial_string, op in operators.items() if dial_string != talking]
    assert services.leases.busy(operators[talking])
    assert services.leases.busy(other) == (trouble == "notification_fails")
    if trouble == "notification_fails":
        assert whispers(asterisk_lab, operator_channel), "the operator's channel never ran the whisper"
    call = recorded_call(rt)
    assert (call.outcome, call.operator_id) == ("connected", operators[talking])
