"""Scale-out on the engines the project already uses: two workers, two call services and two FastAGI
servers (the dialplan's `UITKIJK_AGI_FALLBACK` names the second) on one PostgreSQL and one Redis, all
real processes beside the lab Asterisk, and one of each killed with SIGKILL in the middle of a
5,000-participant action.

What is checked comes from the receiving side: each SMS is a row in the console transport's outbox,
each alert call a channel in Asterisk's own AMI events (Newchannel, Newstate Up, Hangup, with the
switch's timestamps), each free-number caller a bridge Asterisk reports. The figures are printed
(and quoted in the README's "Several machines" section).
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict

import pytest
from sqlalchemy import func, insert, select, update
from test_inbound_calls import call_free_number

from core.actions import ActionService, parse_launch
from core.geo import cell_of
from core.models import ControlRoom, Delivery, OutboxMessage, Participant, ParticipantLocation, PhoneNumber
from lab import factories
from lab.asterisk import LAB_CONTROL_ROOM
from lab.servers import ProjectProcess
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import wait_until

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

PARTICIPANTS = 5_000
LANDLINES = 150  # called through Asterisk; the others are mobiles reached by SMS
HANGS_UP = "05"  # lab behaviour: answers, hangs up after 2 s
CHANNEL_LIMIT, CPS = 12, 10.0
FREE_NUMBER_CALLERS = 4
CALLER_WAIT = 60.0  # seconds; a generous bound for every caller to be put through, not a performance check
FINISH_WAIT = 240.0  # seconds; a generous bound for the whole action to settle, not a performance check


class AlertCallsSeen:
    """Alert calls as Asterisk reports them: per call id (`<prefix>-<delivery>-<attempt>`) when its
    channel appeared and whether it was answered; channels alive now and at most at once."""

    def __init__(self, prefix):
        self.prefix = f"{prefix}-"
        self.lock = threading.Lock()
        self.started = {}  # call id -> Asterisk's timestamp of its Newchannel
        self.answered = set()
        self.alive = set()
        self.peak = 0

    def __call__(self, event):
        call_id = event.get("Uniqueid") or ""
        if not call_id.startswith(self.prefix) or ";" in call_id:  # `;2` is the far half of a Local channel
            return
        with self.lock:
            if event.name == "Newchannel":
                self.started[call_id] = float(event.get("Timestamp") or time.time())
                self.alive.add(call_id)
                self.peak = max(self.peak, len(self.alive))
            elif event.name == "Newstate" and event.get("ChannelStateDesc") == "Up":
                self.answered.add(call_id)
            elif event.name == "Hangup":
                self.alive.discard(call_id)

    def answered_per_delivery(self):
        with self.lock:
            counts = defaultdict(int)
            for call_id in self.answered:
                counts[int(call_id[len(self.prefix):].split("-")[0])] += 1
            return counts

    def busiest_second(self):
        """The most Originates Asterisk started within any one second (a sliding window)."""
        with self.lock:
            times = sorted(self.started.values())
        busiest, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= 1.0:
                first += 1
            busiest = max(busiest, last - first + 1)
        return busiest


def seed(rt):
    """A control room whose general line answers, and 5,000 participants within 900 m: every
    33rd a landline that answers, the others mobiles. Written in bulk (one participant at a time
    through the registry would take longer than the scenario itself)."""
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        session.execute(update(ControlRoom).where(ControlRoom.id == room.id).values(general_line=LAB_CONTROL_ROOM))
        ids = session.scalars(insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
                              [{"language": "nl"} for _ in range(PARTICIPANTS)]).all()
        numbers, locations, landlines = [], [], []
        step = PARTICIPANTS // LANDLINES
        for n, participant_id in enumerate(ids):
            if n % step == 0 and len(landlines) < LANDLINES:
                landlines.append(f"+31201{len(landlines):04d}{HANGS_UP}")
                numbers.append({"participant_id": participant_id, "e164": landlines[-1], "kind": "landline",
                                "channel": "voice"})
            else:
                numbers.append({"participant_id": participant_id, "e164": f"+316{20000000 + n}", "kind": "mobile",
                                "channel": "sms"})
            lat, lon = factories.point_east(n * 900 // PARTICIPANTS)
            locations.append({"participant_id": participant_id, "kind": "home", "lat": lat, "lon": lon,
                              "cell": cell_of(lat, lon)})
        session.execute(insert(PhoneNumber), numbers)
        session.execute(insert(ParticipantLocation), locations)
        return room.id, operators[0].id, landlines


class Bridged:
    """Free-number callers (by the Linkedid of their call) Asterisk bridged with a lab phone."""

    def __init__(self):
        self.callers = set()
        self.changed = threading.Condition()

    def __call__(self, event):
        if event.name == "BridgeEnter" and "@lab-pstn-" in (event.get("Channel") or ""):
            with self.changed:
                self.callers.add(event.get("Linkedid"))
                self.changed.notify_all()

    def wait(self, callers, timeout):
        with self.changed:
            self.changed.wait_for(lambda: set(callers) <= self.callers, timeout)
            return set(callers) & self.callers


def process_environment(rt, lab):
    keys = ("DATABASE_URL", "REDIS_URL", "QUEUE_PREFIX", "SECRET_KEY", "PROMPT_DIR", "ASTERISK_PROMPT_DIR",
            "AMI_HOST", "AMI_PORT", "AMI_USER", "AMI_SECRET", "TRUNK_NAME", "TRUNK_DIAL_TEMPLATE",
            "TRUNK_CALLER_ID", "VOICE_RING_TIMEOUT_S", "CALL_RESPONSE_GRACE_S", "MAX_ATTEMPTS")
    environment = {key: rt.config[key] for key in keys}
    environment.update(
        MODE="test", VOICE_TRANSPORT="asterisk", TRUNK_CHANNEL_LIMIT=CHANNEL_LIMIT, TRUNK_CPS=CPS,
        # A killed process's claims and channel leases come back this soon (the survivors renew theirs).
        DELIVERY_LEASE_S=15, CALL_LEASE_S=15, SWEEP_INTERVAL_S=1, REQUEUE_AFTER_S=20,
        IVR_RING_S=5, IVR_CONTROL_ROOM_RING_S=5, IVR_SNAPSHOT_S=1,
        WORKER_PROBE_PORT=0, CALL_SERVICE_PROBE_PORT=0, FASTAGI_PROBE_PORT=0,
        RECORDINGS_DIR=lab.host_path(f"{lab.instance_dir}/spool"), ASTERISK_RECORDINGS_DIR=f"{lab.instance_dir}/spool")
    return environment


@pytest.fixture
def fleet(voice_rt, voice_prompts, asterisk_lab, tmp_path):
    """Two of each process kind, as on two machines; stopped (or already killed) afterwards."""
    environment = process_environment(voice_rt, asterisk_lab)
    processes = {}
    for side, agi_port in (("a", asterisk_lab.agi_port), ("b", asterisk_lab.agi_fallback_port)):
        for kind, args in (("worker", ["worker.py"]), ("calls", ["-m", "voice.call_events"]),
                           ("fastagi", ["-m", "ivr.fastagi", "--port", str(agi_port)])):
            processes[f"{kind}-{side}"] = ProjectProcess(args, environment, tmp_path / f"{kind}-{side}.log").start()
    yield processes
    for process in processes.values():
        process.stop()


def logs(fleet):
    return "\n".join(f"--- {name}\n{process.log()[-3000:]}" for name, process in fleet.items())


def ready(fleet, asterisk_lab):
    import socket
    for port in (asterisk_lab.agi_port, asterisk_lab.agi_fallback_port):
        wait_until(lambda: _listening(socket, port), f"a FastAGI server on {port}")
    for side in "ab":
        wait_until(lambda: "call service running for trunk lab" in fleet[f"calls-{side}"].log(),
                   f"call service {side} connected")


def _listening(socket, port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def sent_sms(rt):
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_two_of_each_one_of_each_killed_everyone_alerted_once(voice_rt, fleet, asterisk_lab, ami):
    """Kill -9 one worker (mid SMS fan-out), one call service and the primary FastAGI server (mid calls):
    every participant is alerted, an SMS exactly once and a call at most once more than the calls in
    flight at the kill, the trunk never holds more than its channels or starts more than its calls per
    second, and every free-number caller around the kill is put through."""
    rt = voice_rt
    seen = AlertCallsSeen(rt.config["QUEUE_PREFIX"])
    bridged = Bridged()
    for listener in (seen, bridged):
        ami.subscribe("*", listener)
    room_id, operator_id, landlines = seed(rt)
    ready(fleet, asterisk_lab)
    body = factories.launch_body(type("R", (), {"id": room_id}), type("O", (), {"id": operator_id}), 1000,
                                 title="Vermiste man Weesp")
    started = time.monotonic()
    with rt.db.session() as session:
        action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "test")
        action_id = action.id

    wait_until(lambda: sent_sms(rt) >= 500, "the first SMS", every=0.02)
    fleet["worker-a"].kill()
    sms_at_kill = sent_sms(rt)

    wait_until(lambda: len(seen.answered) >= LANDLINES // 3, "a third of the calls answered", every=0.05)
    callers = [f"scale-{uuid.uuid4().hex[:10]}" for _ in range(FREE_NUMBER_CALLERS)]
    call_free_number(ami, callers[0], landlines[0], listen=8)  # on the primary FastAGI server as it dies
    with seen.lock:
        in_flight = len(seen.alive)
    fleet["calls-a"].kill()
    fleet["fastagi-a"].kill()
    for channel_id, caller in zip(callers[1:], landlines[1:]):
        call_free_number(ami, channel_id, caller, listen=8)  # the primary refuses: the fallback server takes it

    routed = bridged.wait(callers, CALLER_WAIT)
    assert routed == set(callers), f"callers not put through: {set(callers) - routed}"

    def settled():
        with rt.db.session() as session:
            states = dict(session.execute(select(Delivery.state, func.count()).where(Delivery.action_id == action_id)
                                          .group_by(Delivery.state)).all())
        return states if states.get("sent", 0) + states.get("answered", 0) == PARTICIPANTS else None

    try:
        states = wait_until(settled, "every delivery settled", timeout=FINISH_WAIT, every=0.5)
    except AssertionError:
        pytest.fail(f"{logs(fleet)}")
    took = time.monotonic() - started

    with rt.db.session() as session:
        by_channel = dict(session.execute(select(Delivery.channel, func.count()).where(Delivery.state == "sent")
                                          .group_by(Delivery.channel)).all())
    # A call placed by the killed call service has an outcome nobody heard: its lease expires and the
    # sweeper marks it sent (placed, not placed again); Asterisk's events below show it was answered.
    assert by_channel["sms"] == PARTICIPANTS - LANDLINES
    assert states["answered"] + by_channel.get("voice", 0) == LANDLINES
    assert by_channel.get("voice", 0) <= in_flight
    assert 500 <= sms_at_kill < PARTICIPANTS - LANDLINES, "the worker was not killed mid fan-out"
    with rt.db.session() as session:
        per_sms = dict(session.execute(select(OutboxMessage.delivery_id, func.count())
                                       .group_by(OutboxMessage.delivery_id)).all())
        voice_ids = set(session.scalars(select(Delivery.id).where(Delivery.channel == "voice")))
    assert len(per_sms) == PARTICIPANTS - LANDLINES and set(per_sms.values()) == {1}
    answered = seen.answered_per_delivery()
    assert set(answered) == voice_ids, "a landline never answered an alert call"
    doubles = sum(count - 1 for count in answered.values())
    assert doubles <= in_flight
    assert seen.peak <= CHANNEL_LIMIT
    busiest = seen.busiest_second()
    # The limiter spaces Originates 1/CPS apart; a sliding second may hold one more at its edges.
    assert busiest <= CPS + 1
    assert all(fleet[name].alive for name in ("worker-b", "calls-b", "fastagi-b")), logs(fleet)
    print(f"scale-out: {PARTICIPANTS} participants ({LANDLINES} called) settled in {took:.0f} s; "
          f"SMS at the worker's kill {sms_at_kill}; calls in flight at the call service's kill {in_flight}, "
          f"calls answered twice {doubles}, outcomes lost with it {by_channel.get('voice', 0)}; trunk peak {seen.peak}/{CHANNEL_LIMIT} channels, "
          f"busiest second {busiest}/{CPS:g} calls; free-number callers put through {len(routed)}/{len(callers)}")
