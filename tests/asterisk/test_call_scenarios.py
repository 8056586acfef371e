"""The call-scenario table (tests/call_scenarios.py) through the real lab Asterisk and the project's
FastAGI server: the caller is a Local channel that keys and hangs up when the row says; what it
was played comes from Asterisk's own log, who was rung from DialBegin and who was bridged from
BridgeEnter events; the outcome from the database (PostgreSQL). The same rows run through the
Twilio webhooks in tests/twilio/test_voice_scenarios.py.

A row answered by the lab's answering machine is held to what the machine recorded too: Asterisk's
log must show the message begin after the machine started recording (after its beep, not during
the greeting), and all of it must be on the tape (as long as the prompts Asterisk played to it,
code and free number included)."""
from __future__ import annotations

import logging
import re
from datetime import datetime

import pytest
from pydub import AudioSegment
from pydub.silence import detect_nonsilent

from core import answering_machines
from core.caller_directory import InboundDirectory
from ivr.settings import FlowSettings
from ivr.steps import INTERRUPT_GAP_S
from tests.asterisk.alert_support import lab_log_on_failure, serve_flows, wait_until  # noqa: F401 (fixture)
from tests.call_scenarios import (FLOW_SETTINGS, MACHINE, MESSAGE, PARTICIPANT_E164, ROWS, STRANGER_E164,
                                  ScenarioTones, World, heard_as)
from tts_prompts.catalogue import LANGUAGES, prompt_ids
from tts_prompts.store import PromptNotRendered, PromptStore

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SUBDIR = "scenario-prompts"
SETTINGS = FlowSettings(ring_s=FLOW_SETTINGS["IVR_RING_S"], control_room_ring_s=FLOW_SETTINGS["IVR_CONTROL_ROOM_RING_S"],
                        menu_timeout_s=FLOW_SETTINGS["IVR_MENU_TIMEOUT_S"],
                        code_timeout_s=FLOW_SETTINGS["IVR_CODE_TIMEOUT_S"], max_tries=FLOW_SETTINGS["IVR_MAX_TRIES"])
# Seconds after the prompt a caller keys at: inside the question's wait, or (a tip) once the
# recording runs; a tip is spoken (a 2 s tone) before the `#` that ends it.
KEY_AFTER_S, TIP_AFTER_S = 1.0, 1.5
_FLOW_END = re.compile(r"call \S+ \((alert|inbound), from [^)]*\): \w+$")  # AgiCall.run's last line
_PLAYING = re.compile(r"<([^>]+)> Playing '([^']+?)(?:\.[a-z0-9]+)?'")


@pytest.fixture(scope="module")
def tones(asterisk_lab):
    """The catalogue rendered as timed tones where the lab Asterisk finds it (once per module)."""
    store = PromptStore(asterisk_lab.sound_dir_host / SUBDIR, ScenarioTones())
    store.render_catalogue()
    return store


@pytest.fixture
def agi_server(asterisk_lab, rt, tones):
    asterisk_lab.host_path(f"{asterisk_lab.instance_dir}/spool/tips").mkdir(parents=True, exist_ok=True)
    with serve_flows(asterisk_lab, rt, SETTINGS, tones, SUBDIR, f"{asterisk_lab.instance_dir}/spool/tips") as server:
        yield server


def spans(row):
    """Seconds each prompt the row's caller hears takes, with the second of listening after an
    interruptible prompt (ivr.steps.INTERRUPT_GAP_S): the message, and the known caller's greeting."""
    out = []
    for index, part in enumerate(row.heard):
        seconds = ScenarioTones.duration(part)
        greeting_end = row.heard[0] == "inbound_calling_about" and index == 2 and row.caller == "participant"
        out.append(seconds + (INTERRUPT_GAP_S if part == MESSAGE or greeting_end else 0))
    return out


def timing(row):
    """(seconds after answering the caller keys, seconds they listen after that) for the lab caller."""
    heard, took = list(row.heard), spans(row)
    if row.hangs_up_after:  # in the middle of the n-th prompt
        return 0, sum(took[:row.hangs_up_after - 1]) + ScenarioTones.duration(heard[row.hangs_up_after - 1]) / 2
    rings = sum(SETTINGS.control_room_ring_s if stage == "control_room" else SETTINGS.ring_s
                for stage, _, status in row.rung if status == "noanswer")
    if row.press:
        at = heard.index(row.press[0]) + 1
        delay = sum(took[:at]) + (rings if row.press[1] == "#" else 0)
        delay += TIP_AFTER_S if row.press[1] == "#" else KEY_AFTER_S
        rest = took[at:]
    else:
        delay, rest = 0, took
    # Put through: stay until well after the bridge, then hang up; otherwise the flow hangs up first.
    listen = sum(rest) + rings + 3 if row.bridged else 30
    return delay, listen


def originate(ami, world, row, channel_id, speech, recording):
    """Place the row's call; returns the name of the channel the FastAGI flow runs on."""
    delay, listen = timing(row)
    variables = {"LAB_DTMF_DELAY": f"{delay:.1f}", "LAB_LISTEN": f"{listen:.1f}"}
    if row.press:
        variables["LAB_DTMF"] = world.keys()
    if row.tip:
        variables["LAB_SPEAK"] = speech
    if row.answers_as:  # a trunk that detects answering machines, with the default parameters
        variables.update(answering_machines.asterisk_variables(answering_machines.defaults("asterisk")),
                         LAB_RECORDING=recording)
    if row.flow != "inbound":  # an alert or closing call, the alert context's flow
        delivery = world.call()
        behaviour = row.answers_as or ("02" if row.press else "01")
        ami.originate(f"Local/3120123450{behaviour}@lab-pstn", context="uitkijk-alert", channel_id=channel_id,
                      variables={"UITKIJK_DELIVERY": delivery.id, "UITKIJK_CALL": delivery.provider_ref, **variables})
        return lambda name: name  # the originated half runs the alert context
    caller = PARTICIPANT_E164 if row.caller == "participant" else STRANGER_E164
    ami.originate(f"Local/{caller}@lab-caller", context="lab-caller-phone", variables=variables,
                  channel_id=channel_id)
    return lambda name: name.replace(";1", ";2")  # the other half dials the free number


def played(asterisk_lab, store, channel):
    """The prompt files `channel` played, from Asterisk's log, by prompt id ("connecting/nl") or
    store key (rendered text); sounds that are not prompts (the recording's beep) are left out."""
    by_key = {}
    for prompt_id in prompt_ids():
        for language in LANGUAGES:
            try:
                by_key[store.path_for(prompt_id, language).relative_to(store.root).as_posix()] = f"{prompt_id}/{language}"
            except PromptNotRendered:
                continue
    out = []
    for line in asterisk_lab.log_file.read_text(errors="replace").splitlines():
        found = _PLAYING.search(line)
        if found and found.group(1) == channel and f"/{SUBDIR}/" in found.group(2):
            key = found.group(2).split(f"/{SUBDIR}/", 1)[1]
            out.append(by_key.get(key, key))
    return out


def logged_at(asterisk_lab, matches):
    """When Asterisk logged the first line that `matches` (its log's own millisecond timestamps)."""
    for line in asterisk_lab.log_file.read_text(errors="replace").splitlines():
        if matches(line) and line.startswith("["):
            return datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S.%f")
    raise AssertionError("Asterisk logged no such line")


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_the_lab_asterisk_plays_rings_and_records_as_the_table_says(row, ami, ami_events, channel_id, rt, agi_server,
                                                                    tones, asterisk_lab, caplog):
    world = World(rt, row)
    titles = [tones.render_text(a["title"], SETTINGS.title_language).key for a in world.actions]
    message = None
    if row.flow != "inbound":
        message = tones.render_text(InboundDirectory(rt.db).alert_call(world.call().id).text, "nl").key
    caplog.set_level(logging.INFO, logger="ivr.agi_runner")
    recording = f"{asterisk_lab.instance_dir}/spool/tips/machine-{channel_id}"
    flow_channel = originate(ami, world, row, channel_id, f"{asterisk_lab.sound_dir}/{SUBDIR}/{titles[0]}",
                             recording)

    created = ami_events.wait_for(lambda e: e.name == "Newchannel" and e.get("Uniqueid") == channel_id)
    ami_events.wait_hangup(channel_id)
    wait_until(lambda: any(r.name == "ivr.agi_runner" and _FLOW_END.match(r.getMessage()) for r in caplog.records),
               "the FastAGI flow's end")

    code = world.actions[0]["code"]
    assert played(asterisk_lab, tones, flow_channel(created["Channel"])) == heard_as(row, message, titles, code=code)
    dialled = [world.phone_of(f"Local/{e.get('DialString')}") for e in ami_events.events(
        lambda e: e.name == "DialBegin" and e.get("Linkedid") == channel_id)]
    assert dialled == row.rung_phones()
    bridged = {world.phone_of(e.get("Channel").rsplit("-", 1)[0]) for e in ami_events.events(
        lambda e: e.name == "BridgeEnter" and e.get("Linkedid") == channel_id)} & set(world.dial_strings)
    assert bridged == ({row.bridged} if row.bridged else set())
    assert world.outcome() == row.outcome()
    if row.answers_as == MACHINE:
        channel = flow_channel(created["Channel"])
        recording_from = logged_at(asterisk_lab, lambda line: "Record(" in line and channel[:-1] + "2" in line)
        message_from = logged_at(asterisk_lab, lambda line: f"<{channel}> Playing" in line)
        assert recording_from < message_from, "the message began before the machine's beep"
        tape = AudioSegment.from_wav(asterisk_lab.host_path(f"{recording}.wav"))
        message_s = sum(ScenarioTones.duration(part, code) for part in row.heard)
        spoken_ms = sum(end - start for start, end in detect_nonsilent(tape, min_silence_len=200,
                                                                      silence_thresh=-40))
        assert spoken_ms >= 0.9 * message_s * 1000, f"{spoken_ms} ms of a {message_s:.1f} s message on the tape"


