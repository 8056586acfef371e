"""Alert and closing calls to an answering machine through the real call service and the lab Asterisk:
the room's trunk detects machines (AMD() with its defaults), the lab's machine (behaviour 09) greets,
beeps and records; the delivery ends as 'voicemail', and what the machine recorded began after its
beep and holds the whole message, the action code included. When the action ends, the machine gets
the closing message the same way."""
from __future__ import annotations

from datetime import datetime

import pytest
from pydub import AudioSegment

from core.models import Action
from tests.asterisk.alert_support import *  # noqa: F401,F403 (fixtures)
from tests.asterisk.alert_support import detecting_trunk, heard
from tests.call_scenarios import MACHINE
from tts_prompts.catalogue import LANGUAGES
from voice.call_events import TrunkServices

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SETTLED = ("answered", "voicemail", "failed", "cancelled")


def logged_at(asterisk_lab, matches):
    """When Asterisk logged the first line that `matches` (its log's own timestamps)."""
    for line in asterisk_lab.log_file.read_text(errors="replace").splitlines():
        if line.startswith("[") and matches(line):
            return datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S.%f")
    raise AssertionError("Asterisk logged no such line")


def channel_of(asterisk_lab, delivery_id):
    """The flow's channel of the latest call of `delivery_id` (its NoOp in the alert context)."""
    marker = f'"Uitkijk alert for delivery {delivery_id}")'
    lines = [line for line in asterisk_lab.log_file.read_text(errors="replace").splitlines() if marker in line]
    return lines[-1].split('NoOp("', 1)[1].split('"', 1)[0]


def prompt_ms(store, parts):
    """How long the prompt files of `parts` (as heard() names them) play."""
    total = 0
    for part in parts:
        first, rest = part.split("/", 1)
        rendered = first in LANGUAGES  # a rendered text's store key ("nl/<hash>"), else "prompt_id/language"
        path = store.root / f"{part}.wav" if rendered else store.wav_path_for(first, rest)
        total += len(AudioSegment.from_wav(path))
    return total


def assert_on_tape_after_the_beep(asterisk_lab, store, ami_events, delivery, parts, index):
    """The `index`-th recording of the lab machine began before the flow played anything to it (so after
    its greeting and beep) and is as long as the message `parts`."""
    channel = channel_of(asterisk_lab, delivery.id)
    machine = channel[:-1] + "2"  # the Local channel's other half is the lab's phone
    recording_from = logged_at(asterisk_lab, lambda line: "Record(" in line and machine in line)
    message_from = logged_at(asterisk_lab, lambda line: f"<{channel}> Playing" in line)
    assert recording_from < message_from, "the message began before the machine's beep"
    recordings = ami_events.events(lambda e: e.name == "UserEvent" and e.get("UserEvent") == "LabRecording")
    tape = AudioSegment.from_wav(asterisk_lab.host_path(f"{recordings[index].get('Recording')}.wav"))
    message_ms = prompt_ms(store, parts)
    assert len(tape) >= 0.9 * message_ms, f"{len(tape)} ms on the tape of a {message_ms} ms message"


def test_a_machine_gets_the_voicemail_after_its_beep_and_the_closing_when_the_action_ends(
        scenario, voice_rt, alert_server, voice_prompts, asterisk_lab, ami, ami_events):
    detecting_trunk(scenario, voice_rt, asterisk_lab)
    services = TrunkServices(voice_rt)
    services.refresh()
    try:
        (number,) = scenario.participants(MACHINE)
        action_id = scenario.launch()
        alert = scenario.wait_settled(action_id, states=SETTLED, timeout=120)[number]
        assert (alert.state, alert.amd_status, alert.detail["voicemail"]) == ("voicemail", "machine", True)
        assert alert.amd_cause and alert.reached_at is None
        code = scenario_code(voice_rt, action_id)
        parts = heard(asterisk_lab, voice_prompts, alert.id)
        digits = [f"digit_{d}/nl" for d in code]
        at = parts.index("voicemail_code/nl")  # after the intro and the title
        assert parts[0] == "voicemail_intro/nl" and parts[at + 1:at + 2 + len(code)] == [
            *digits, "voicemail_free_number/nl"] and parts[-1] == "goodbye/nl"
        assert_on_tape_after_the_beep(asterisk_lab, voice_prompts, ami_events, alert, parts, 0)

        scenario.end(action_id, closing_text="De verdachte zit vast.")
        closing = scenario.wait_settled(action_id, states=SETTLED, purpose="closing", timeout=120)[number]
    finally:
        services.stop()
    assert (closing.state, closing.amd_status, closing.detail["voicemail"]) == ("voicemail", "machine", True)
    parts = heard(asterisk_lab, voice_prompts, closing.id)
    assert parts == [closing.detail["prompt"], "goodbye/nl"]
    assert_on_tape_after_the_beep(asterisk_lab, voice_prompts, ami_events, closing, parts, 1)


def scenario_code(rt, action_id):
    with rt.db.session() as session:
        return session.get(Action, action_id).code
