"""Fixtures and helpers for alert calls through the real lab Asterisk: the "asterisk" voice
transport, the call service (dispatcher + AMI events) and the project's FastAGI server, all
wired to one test's PostgreSQL database and Redis prefix.

Import the fixtures into a test module: `from tests.asterisk.alert_support import *`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import re
import threading
import time

import pytest
from sqlalchemy import select

from lab.asterisk import LAB_TRUNK
from bridge.leases import OperatorLeases
from core import runtime
from core.actions import ActionService, parse_launch
from core.alert_calls import AlertCallLedger
from core.call_records import InboundCallLog
from core.caller_directory import InboundDirectory
from core.configuration import save_trunk
from core.genuine_check import PhoneCheckLimits
from core.models import Delivery
from core.transports import TRANSPORTS
from ivr.agi_runner import CallServices
from ivr.call_engine import build_flows
from ivr.fastagi import FastAgiServer
from ivr.prompts import PromptFiles
from ivr.settings import FlowSettings
from lab import factories
from tests.call_scenarios import FLOW_SETTINGS as SCENARIO_SETTINGS
from tts_prompts import PromptStore, get_engine
from tts_prompts.catalogue import LANGUAGES, prompt_ids
from tts_prompts.store import PromptNotRendered
from voice.call_events import CallService
from voice.settings import VoiceSettings

__all__ = ["voice_rt", "voice_prompts", "alert_server", "call_service", "start_service", "hang_up", "Scenario", "scenario", "wait_until",
           "LEDGER_WAIT", "heard", "lab_log_on_failure"]

LEDGER_WAIT = 60.0  # seconds; a generous bound for a call's outcome to reach the ledger, not a performance check
PROMPT_SUBDIR = "voice-prompts"
FLOW_SETTINGS = FlowSettings(ring_s=5, control_room_ring_s=5, menu_timeout_s=SCENARIO_SETTINGS["IVR_MENU_TIMEOUT_S"],
                             max_tries=SCENARIO_SETTINGS["IVR_MAX_TRIES"])

# Lab numbers: the last two digits choose the behaviour (asterisk_conf/README.md).
ANSWERS, PRESSES, BUSY, NO_ANSWER, HANGS_UP, CONGESTED, STAYS, NOT_IN_SERVICE = (
    "01", "02", "03", "04", "05", "06", "07", "08")


@pytest.fixture
def voice_rt(config, asterisk_lab, monkeypatch):
    """The process runtime with the asterisk voice transport pointed at the lab."""
    monkeypatch.setitem(TRANSPORTS["voice"], "asterisk", "voice.asterisk_transport:factory")
    config.update(
        VOICE_TRANSPORT="asterisk", AMI_HOST=asterisk_lab.ami_host, AMI_PORT=asterisk_lab.ami_port,
        AMI_USER=asterisk_lab.ami_user, AMI_SECRET=asterisk_lab.ami_secret,
        PROMPT_DIR=str(asterisk_lab.sound_dir_host / PROMPT_SUBDIR),
        ASTERISK_PROMPT_DIR=f"{asterisk_lab.sound_dir}/{PROMPT_SUBDIR}",
        TRUNK_NAME="lab", TRUNK_DIAL_TEMPLATE=LAB_TRUNK.dial_template, TRUNK_CALLER_ID=LAB_TRUNK.caller_id,
        TRUNK_CHANNEL_LIMIT=30, TRUNK_CPS=10.0, VOICE_RING_TIMEOUT_S=5.0, CALL_RESPONSE_GRACE_S=3.0,
        CALL_LEASE_S=30.0, MAX_ATTEMPTS=3)
    current = runtime.configure(config)
    yield current
    runtime.uninstall()


@pytest.fixture(scope="module")
def voice_prompts(asterisk_lab):
    """Every fixed prompt spoken by espeak-ng where the lab Asterisk finds it (cached per lab)."""
    store = PromptStore(asterisk_lab.sound_dir_host / PROMPT_SUBDIR, get_engine("espeak"))
    store.render_catalogue()
    return store


@pytest.fixture
def alert_server(asterisk_lab, voice_rt, voice_prompts):
    """The project's FastAGI server (alert and free-number flows) on the lab's AGI port."""
    with serve_flows(asterisk_lab, voice_rt, FLOW_SETTINGS, voice_prompts, PROMPT_SUBDIR,
                     f"{asterisk_lab.instance_dir}/spool") as server:
        yield server


@contextlib.contextmanager
def serve_flows(asterisk_lab, rt, settings, store, subdir, recording_dir):
    """The project's FastAGI server (alert and free-number flows) on the lab's AGI port, playing the
    prompts of `store` where the lab Asterisk finds them under `subdir`."""
    services = CallServices(
        flows=build_flows(InboundDirectory(rt.db), settings,
                          PhoneCheckLimits(rt.redis, rt.db, rt.config, rt.config["SECRET_KEY"])),
        prompts=PromptFiles(store, f"{asterisk_lab.sound_dir}/{subdir}"),
        call_log=InboundCallLog(rt.db), alert_ledger=AlertCallLedger(rt.db),
        leases=OperatorLeases(rt.redis, rt.config["QUEUE_PREFIX"], 600),
        recording_dir=recording_dir)
    server = FastAgiServer(("127.0.0.1", asterisk_lab.agi_port), services)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def start_service(voice_rt, alert_server):
    """Start a call service (dispatcher and AMI event listener): start_service(**VoiceSettings changes)."""
    services = []

    def start(**changes):
        settings = dataclasses.replace(VoiceSettings.from_config(voice_rt.config), **changes)
        services.append(CallService(voice_rt, settings))
        services[-1].start()
        return services[-1]

    yield start
    for service in services:
        service.stop()


@pytest.fixture
def call_service(start_service):
    """The call service as configured for the test."""
    return start_service()


@pytest.fixture(autouse=True)
def lab_log_on_failure(asterisk_lab):
    """The tail of the lab's Asterisk log, shown by pytest when a test using it fails."""
    yield
    print("\n".join(asterisk_lab.log_file.read_text(errors="replace").splitlines()[-150:]))


def hang_up(ami, call_id):
    """Hang up the channel Asterisk knows by Uniqueid `call_id` (a participant putting the phone down)."""
    for line in ami.command("core show channels concise").splitlines():
        fields = line.split("!")
        if fields[-1] == call_id:
            ami.hangup(fields[0])
            return
    raise AssertionError(f"no channel {call_id} in Asterisk")


def wait_until(probe, what, timeout=LEDGER_WAIT, every=0.2):
    """Poll `probe()` until it returns something truthy; fail saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        time.sleep(every)


def heard(asterisk_lab, store, delivery_id):
    """What the participant of `delivery_id`'s call was played, from Asterisk's own log: the files
    its channel played (STREAM FILE and GET DATA both log "Playing"), named by prompt id and
    language ("closing_menu/nl") or, for rendered text, by store key ("nl/<hash>")."""
    by_path = {}
    for prompt_id in prompt_ids():
        for language in LANGUAGES:
            try:
                key = store.path_for(prompt_id, language).relative_to(store.root).with_suffix("").as_posix()
            except PromptNotRendered:
                continue
            by_path[key] = f"{prompt_id}/{language}"
    log = asterisk_lab.log_file.read_text(errors="replace").splitlines()
    # Delivery ids start again in every test's database: the lab's latest call of that id is this test's.
    channel = next((m.group(1) for m in map(_CALL_OF_DELIVERY.search, reversed(log))
                    if m and m.group(2) == str(delivery_id)), None)
    if channel is None:
        raise AssertionError(f"no call of delivery {delivery_id} reached the alert context")
    played = []
    for line in log:
        found = _PLAYING.search(line)
        if found and found.group(1) == channel:
            key = found.group(2).split(f"/{PROMPT_SUBDIR}/", 1)[-1]
            played.append(by_path.get(key, key))
    return played


_CALL_OF_DELIVERY = re.compile(r'NoOp\("([^"]+)", "Uitkijk alert for delivery (\d+)"\)')
_PLAYING = re.compile(r"<([^>]+)> Playing '([^']+?)(?:\.[a-z0-9]+)?'")


class Scenario:
    """A control room, its operators, landline participants by lab behaviour, and launches."""

    def __init__(self, rt, work):
        self.rt = rt
        self.work = work
        self.count = 0
        with rt.db.session() as session:
            self.room, operators = factories.control_room(session)
            self.room_id, self.operator_id = self.room.id, operators[0].id

    def participants(self, *behaviours, language="nl"):
        """One landline participant per behaviour, all 100 m from the centre; returns their numbers."""
        numbers = []
        with self.rt.db.session() as session:
            for behaviour in behaviours:
                self.count += 1
                number = f"+31201{self.count:04d}{behaviour}"
                factories.participant(session, number, distance_m=100, language=language)
                numbers.append(number)
        return numbers

    def launch(self, **extra):
        """Launch an action over every participant and run the send jobs; returns the action id."""
        body = {"kind": "burglary", "time_critical": True, "title": "Inbraak Weesp",
                "message": "Man met donkere jas op een rode fiets.",
                "area": {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1],
                         "radius_m": 1000},
                "operator_id": self.operator_id, "control_room_id": self.room_id, **extra}
        with self.rt.db.session() as session:
            action, _ = ActionService(self.rt).launch(session, parse_launch(body, 640, 50_000), "test")
            action_id = action.id
        self.work()
        return action_id

    def end(self, action_id, result="suspect_caught", closing_text="Bedankt."):
        with self.rt.db.session() as session:
            ActionService(self.rt).end(session, action_id, result, closing_text, "test")
        self.work()

    def deliveries(self, action_id, purpose="alert"):
        """{number: Delivery} of the action's voice deliveries for `purpose`."""
        with self.rt.db.session() as session:
            rows = session.scalars(select(Delivery).where(
                Delivery.action_id == action_id, Delivery.purpose == purpose)).all()
            return {d.to_e164: d for d in rows}

    def settled(self, action_id, states=("answered", "failed", "cancelled"), purpose="alert"):
        """The deliveries once every one of them is in one of `states` (else None)."""
        deliveries = self.deliveries(action_id, purpose)
        if deliveries and all(d.state in states for d in deliveries.values()):
            return deliveries
        return None

    def wait_settled(self, action_id, states=("answered", "failed", "cancelled"), purpose="alert",
                     timeout=LEDGER_WAIT):
        return wait_until(lambda: self.settled(action_id, states, purpose),
                          f"every {purpose} call of action {action_id} in {states}", timeout)


@pytest.fixture
def scenario(voice_rt, work):
    return Scenario(voice_rt, work)


def detecting_trunk(scenario, voice_rt, asterisk_lab):
    """The room's own lab trunk, detecting answering machines with the default parameters."""
    with voice_rt.db.session() as session:
        save_trunk(session, {
            "name": "weesp", "backend": "asterisk", "control_room_id": str(scenario.room_id),
            "dial_template": LAB_TRUNK.dial_template, "caller_id": "+31201110000", "channel_limit": "2",
            "calls_per_second": "5", "ami_host": asterisk_lab.ami_host, "ami_port": str(asterisk_lab.ami_port),
            "ami_user": asterisk_lab.ami_user, "ami_secret": asterisk_lab.ami_secret, "enabled": "on",
            "amd_enabled": "on"}, "test", voice_rt.config)
