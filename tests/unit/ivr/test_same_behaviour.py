"""Same behaviour on both back-ends, derived from the one flow definition.

Every prompt step the alert, closing and free-number flows can produce (found by walking the
flows through every answer a caller or the network can give) is run through the FastAGI
runner's executor and the TwiML runner's executor. What each back-end makes of it is reduced to
the same terms: which files play and whether a key stops them, how long the call then listens
for how many keys (and which key finishes), any pause, and the recording's limits. Both must
agree, step for step: the same keys interrupt the same prompts, the same pauses.
"""
from xml.etree import ElementTree

import pytest
from fake_directory import BURGLARY, ENDED, MISSING, FakeDirectory, alert_call, closing_call
from twilio.twiml.voice_response import VoiceResponse

from ivr.agi_runner import KEYS, AgiCall, CallServices
from ivr.call_engine import build_flows
from ivr.settings import FlowSettings
from ivr.steps import (DIAL_STATUSES, Dial, DialResult, Digits, Gather, Hangup, Record, Recorded, Say, Started)
from ivr.twiml_runner import TwimlRunner, _Batch

from test_agi_runner import TablePrompts

SETTINGS = FlowSettings()
CALLERS = {"+31201234501": (101, "nl", [BURGLARY]), "+31201234502": (102, "nl", [MISSING, BURGLARY]),
           "+31201234503": (103, "nl", [], [ENDED])}
STARTS = [("inbound", Started("c", caller=caller)) for caller in (*CALLERS, "+31201234599", None)] + [
    ("alert", Started("c", delivery_id=delivery)) for delivery in (7, 8, 9, 10)]
MENU_ANSWERS = [None, "1", "2", "3", "*"]  # a one-key question: nothing, a choice, a wrong key, the star
CODE_ANSWERS = [None, BURGLARY.code, ENDED.code, "0000"]  # the code: nothing, active, ended, unknown


def directory():
    ended_alert = alert_call(delivery_id=9, action=ENDED)
    return FakeDirectory(callers=CALLERS, alerts={7: alert_call(), 8: closing_call(), 9: ended_alert})


def events_after(steps):
    """Every event a runner can report after this batch."""
    keys = {k for step in steps if isinstance(step, Say) for k in step.interrupt}
    last = steps[-1]
    if isinstance(last, Gather):
        keys |= set(MENU_ANSWERS if last.max_digits == 1 else CODE_ANSWERS)
    events = [Digits(k) for k in sorted(keys, key=str)]
    if isinstance(last, Dial):
        events += [DialResult(status, operator_id=last.targets[0].operator_id) for status in DIAL_STATUSES]
    if isinstance(last, Record):
        events += [Recorded("tip.wav", 9.0), Recorded("tip.wav", 0.2)]
    return events


def prompt_steps(depth=12):
    """Every Say, Gather and Record the flows can ask for within `depth` answers, each once
    (pressing 2 again and again would go on for ever)."""
    flows = build_flows(directory(), SETTINGS)
    found, seen_states = {}, set()
    todo = [(flows[name], None, start, 0) for name, start in STARTS]
    while todo:
        flow, state, event, answers = todo.pop()
        state, steps = flow.advance(state, event)
        key = (flow.name, repr(sorted((k, v) for k, v in state.items() if k != "plays")))
        if key in seen_states or not steps:
            continue
        seen_states.add(key)
        for step in steps:
            if isinstance(step, (Say, Gather, Record)):
                found.setdefault(repr(step), step)
        if not isinstance(steps[-1], Hangup) and answers < depth:
            todo += [(flow, state, next_event, answers + 1) for next_event in events_after(steps)]
    return list(found.values())


STEPS = prompt_steps()


# FastAGI: the commands the executor sends --------------------------------------------------

class RecordingAGI:
    """Answers every command as Asterisk does when the caller presses nothing."""

    hung_up = False
    env = {}

    def __init__(self):
        self.commands = []

    def set_timeout(self, seconds):
        pass

    def execute(self, command, *args):
        self.commands.append((command, args))
        return {"result": ("0", ""), "endpos": ("72000", "")}


def agi_terms(step):
    agi = RecordingAGI()
    services = CallServices(flows={}, prompts=TablePrompts(), call_log=None, leases=None)
    call = AgiCall(agi, services)
    call.language = "nl"
    call.executors[type(step)](step)
    terms = []
    for command, args in agi.commands:
        if command == "STREAM FILE":
            terms.append(("play", args[0], args[1] == f'"{KEYS}"'))
            assert args[1] in ('""', f'"{KEYS}"'), "a prompt stops for every key or for none"
        elif command == "GET DATA":
            terms += [("play", args[0].strip('"'), True), ("listen", args[1] / 1000, args[2], "#")]
        elif command == "WAIT FOR DIGIT":
            terms.append(("listen", args[0] / 1000, 1, ""))
        elif command == "RECORD FILE":
            terms.append(("record", args[3] / 1000, args[2].strip('"'), int(args[6].removeprefix("s="))))
        else:
            raise AssertionError(f"unexpected AGI command {command}")
    return terms


# TwiML: the document the executor writes ---------------------------------------------------

class TablePromptAudio:
    """The same files as TablePrompts, as <Play> verbs."""

    def add(self, verb, parts, language):
        for path in TablePrompts().files(parts, language):
            verb.play(path)


def twiml_terms(step):
    runner = TwimlRunner(flows={}, prompts=TablePromptAudio(), records=None, urls=lambda path, **query: path,
                         call_log=None, alert_ledger=None, leases=None, paths={"event": "/event", "whisper": "/w"})
    record = {"seq": 1, "rest": {}, "interrupt": {}, "flow": "inbound", "state": {}}
    batch = _Batch("CA1", record, VoiceResponse(), [step], "nl")
    runner.executors[type(step)](batch, step)
    terms = []
    for verb in ElementTree.fromstring(str(batch.response)):
        if verb.tag == "Play":
            terms.append(("play", verb.text, False))
        elif verb.tag == "Gather":
            assert all(inner.tag == "Play" for inner in verb)
            terms += [("play", inner.text, True) for inner in verb]
            terms.append(("listen", float(verb.get("timeout")), int(verb.get("numDigits")), verb.get("finishOnKey")))
        elif verb.tag == "Record":
            assert verb.get("playBeep") == "true"
            terms.append(("record", float(verb.get("maxLength")), verb.get("finishOnKey"), int(verb.get("timeout"))))
        elif verb.tag == "Pause":
            terms.append(("pause", float(verb.get("length") or 1)))
        elif verb.tag != "Redirect":  # a Gather's "no keys" is no sound, no wait
            raise AssertionError(f"unexpected TwiML verb {verb.tag}")
    return terms


def test_the_walk_finds_every_kind_of_prompt():
    """The walk reaches the prompts both back-ends must agree on, not just a few."""
    ids = {part for step in STEPS for part in step.prompt if isinstance(part, str)}
    assert {"alert_menu", "closing_menu", "inbound_welcome", "inbound_menu_intro", "enter_code", "code_unknown",
            "no_input", "invalid_choice", "action_ended", "connecting_control_room", "operator_unavailable_leave_tip",
            "tip_saved", "thanks_goodbye", "goodbye", "inbound_calling_about", "connecting"} <= ids
    assert any(isinstance(s, Say) and s.interrupt for s in STEPS) and any(isinstance(s, Record) for s in STEPS)


@pytest.mark.parametrize("step", STEPS, ids=[f"{type(s).__name__}{i}" for i, s in enumerate(STEPS)])
def test_both_back_ends_play_listen_and_pause_alike(step):
    assert agi_terms(step) == twiml_terms(step)


class KeyedAGI(RecordingAGI):
    def __init__(self, key):
        super().__init__()
        self.key = key

    def execute(self, command, *args):
        super().execute(command, *args)
        return {"result": (str(ord(self.key)) if command == "STREAM FILE" else "0", "")}


@pytest.mark.parametrize(("key", "event"), [("1", Digits("1")), ("2", Digits("2")), ("3", None)])
def test_a_key_that_is_no_answer_stops_the_prompt_and_the_call_goes_on(key, event):
    """As on Twilio (any key ends a <Gather>; the runner then plays the rest): on Asterisk any key
    stops an interruptible prompt, and only its interrupt keys answer."""
    agi = KeyedAGI(key)
    call = AgiCall(agi, CallServices(flows={}, prompts=TablePrompts(), call_log=None, leases=None))
    say = Say(("alert_menu", "goodbye"), interrupt="12")
    assert call.say_step(say) == event
    assert [c for c, _ in agi.commands] == ["STREAM FILE"]  # the rest of the prompt is not played
