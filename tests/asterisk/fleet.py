"""A fleet of the project's processes (workers, call services, FastAGI servers) as real child processes
beside the lab Asterisk, one test's PostgreSQL database and Redis prefix; and what the receiving side saw
of their work: the console outbox, and Asterisk's own AMI events."""
from __future__ import annotations

import re
import socket
import threading
import time
from collections import defaultdict

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError

from core.geo import cell_of
from core.models import ControlRoom, Delivery, OutboxMessage, Participant, ParticipantLocation, PhoneNumber
from lab import factories
from lab.asterisk import LAB_CONTROL_ROOM
from lab.servers import ProjectProcess
from tests.asterisk.alert_support import wait_until

HANGS_UP = "05"  # lab behaviour: answers, hangs up after 2 s
CHANNEL_LIMIT, CPS = 12, 10.0
FINISH_WAIT = 240.0  # seconds; a generous bound for a whole action to settle, not a performance check


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


def seed(rt, participants, landline_count, behaviour=HANGS_UP):
    """A control room whose general line answers, and `participants` within 900 m: `landline_count`
    landlines that answer (the lab `behaviour`), spread among them, the others mobiles. Written in bulk (one
    participant at a time through the registry would take longer than the scenario itself)."""
    with rt.db.session() as session:
        room, operators = factories.control_room(session)
        session.execute(update(ControlRoom).where(ControlRoom.id == room.id).values(general_line=LAB_CONTROL_ROOM))
        ids = session.scalars(insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
                              [{"language": "nl"} for _ in range(participants)]).all()
        numbers, locations, landlines = [], [], []
        step = participants // landline_count
        for n, participant_id in enumerate(ids):
            if n % step == 0 and len(landlines) < landline_count:
                landlines.append(f"+31201{len(landlines):04d}{behaviour}")
                numbers.append({"participant_id": participant_id, "e164": landlines[-1], "kind": "landline",
                                "channel": "voice"})
            else:
                numbers.append({"participant_id": participant_id, "e164": f"+316{20000000 + n}", "kind": "mobile",
                                "channel": "sms"})
            lat, lon = factories.point_east(n * 900 // participants)
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


def process_environment(rt, lab, **overrides):
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
    environment.update(overrides)
    return environment



def logs(fleet):
    return "\n".join(f"--- {name}\n{process.log()[-3000:]}" for name, process in fleet.items())


def ready(fleet, asterisk_lab):
    """Every FastAGI server listening and every call service logged in to AMI."""
    for name, process in fleet.items():
        if name.startswith("fastagi-"):
            port = asterisk_lab.agi_port if name.endswith("-a") else asterisk_lab.agi_fallback_port
            wait_until(lambda: _listening(port), f"a FastAGI server on {port}")
        elif name.startswith("calls-"):
            wait_until(lambda: "call service running for trunk lab" in process.log(), f"{name} connected")


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def kill_at_once(*processes):
    """SIGKILL to every one of `processes` before waiting for any: one moment, as a power cut of their machines."""
    for process in processes:
        if process.alive:
            process.process.kill()
    for process in processes:
        process.kill()


def flow_running_on(ami, port, flow="inbound"):
    """True while Asterisk runs the `flow` AGI on the FastAGI server at `port` (`core show channels concise`)."""
    return any(f"!AGI!agi://127.0.0.1:{port}/{flow}" in line
               for line in ami.command("core show channels concise").splitlines())


def sent_sms(rt):
    """SMS in the console outbox (0 while the database is away)."""
    try:
        with rt.db.session() as session:
            return session.scalar(select(func.count()).select_from(OutboxMessage))
    except DBAPIError:
        return 0


def start_fleet(rt, lab, tmp_path, sides="ab", kinds=("worker", "calls", "fastagi"), **environment):
    """Processes of each kind per side ("a" serves the dialplan's first FastAGI port, "b" its fallback),
    as on as many machines; {"worker-a": ProjectProcess, ...}. `environment` overrides process_environment."""
    environment = process_environment(rt, lab, **environment)
    processes = {}
    for side in sides:
        agi_port = lab.agi_port if side == "a" else lab.agi_fallback_port
        commands = {"worker": ["worker.py"], "calls": ["-m", "voice.call_events"],
                    "fastagi": ["-m", "ivr.fastagi", "--port", str(agi_port)]}
        for kind in kinds:
            processes[f"{kind}-{side}"] = ProjectProcess(commands[kind], environment,
                                                         tmp_path / f"{kind}-{side}.log").start()
    return processes


def wait_settled(rt, action_id, participants, fleet):
    """{state: count} once every delivery of the action is sent or answered."""
    def settled():
        try:
            with rt.db.session() as session:
                states = dict(session.execute(select(Delivery.state, func.count())
                                              .where(Delivery.action_id == action_id).group_by(Delivery.state)).all())
        except DBAPIError:
            return None
        return states if states.get("sent", 0) + states.get("answered", 0) == participants else None

    try:
        return wait_until(settled, "every delivery settled", timeout=FINISH_WAIT, every=0.5)
    except AssertionError:
        pytest.fail(f"not every delivery settled:\n{logs(fleet)}")


def assert_alerted_once(rt, seen, states, participants, landline_count, in_flight):
    """Every SMS in the outbox exactly once; every landline answered an alert call (by Asterisk's events),
    at most `in_flight` of them twice, and each recorded answered (a killed call service's calls are
    taken over by another); the trunk within its channels and calls per second. Returns (calls answered
    twice, busiest second)."""
    with rt.db.session() as session:
        by_channel = dict(session.execute(select(Delivery.channel, func.count()).where(Delivery.state == "sent")
                                          .group_by(Delivery.channel)).all())
        per_sms = dict(session.execute(select(OutboxMessage.delivery_id, func.count())
                                       .group_by(OutboxMessage.delivery_id)).all())
        voice_ids = set(session.scalars(select(Delivery.id).where(Delivery.channel == "voice")))
    assert by_channel["sms"] == participants - landline_count
    assert by_channel.get("voice", 0) == 0, "an answered call's outcome was lost (recorded merely sent)"
    assert states["answered"] == landline_count
    assert len(per_sms) == participants - landline_count and set(per_sms.values()) == {1}
    answered = seen.answered_per_delivery()
    assert set(answered) == voice_ids, "a landline never answered an alert call"
    doubles = sum(count - 1 for count in answered.values())
    assert doubles <= in_flight
    assert seen.peak <= CHANNEL_LIMIT
    busiest = seen.busiest_second()
    # The limiter spaces Originates 1/CPS apart; a sliding second may hold one more at its edges.
    assert busiest <= CPS + 1
    return doubles, busiest


_ALERT_OF_DELIVERY = re.compile(r'NoOp\("([^"]+)", "Uitkijk alert for delivery (\d+)"\)')
_PLAYING = re.compile(r"<([^>]+)> Playing '([^']+?)(?:\.[a-z0-9]+)?'")


def alert_audio_played(lab, log_from):
    """{delivery id: the files Asterisk played on its alert calls}, from the lab's log after byte `log_from`;
    and the lines in which Asterisk could not open a file."""
    with open(lab.log_file, "rb") as log:
        log.seek(log_from)
        lines = log.read().decode(errors="replace").splitlines()
    delivery_of_channel, played = {}, defaultdict(list)
    for line in lines:
        if (alert := _ALERT_OF_DELIVERY.search(line)) is not None:
            delivery_of_channel[alert.group(1)] = int(alert.group(2))
        elif (playing := _PLAYING.search(line)) is not None and playing.group(1) in delivery_of_channel:
            played[delivery_of_channel[playing.group(1)]].append(playing.group(2))
    return played, [line for line in lines if "Unable to open" in line]
