"""The Twilio runner: the call flows driven by voice webhooks, each answer TwiML rendered from steps.

A batch of steps becomes one TwiML document, one small executor per step; the waiting verb
(<Gather>, <Dial>, <Record>) calls back to /voice/event with the call's sequence number; the
flow's JSON state lives in Redis per CallSid between requests (ivr.twiml_calls). A request with
an old sequence number (Twilio repeating a webhook) gets the last document again and advances
nothing.

Prompts play the prompt store's files by URL (ivr.twiml_audio). A Say the caller may interrupt
is a one-digit <Gather> listening the Say's gap after it (the FastAGI runner does the same, see
tests/unit/ivr/test_same_behaviour.py); a key outside the Say's `interrupt` keys stops the
prompt but does not count, and the rest of the batch plays on. Everything that is not TwiML (the flow table, leases, dial statuses, the
call record, the alert call's facts, tips) is ivr.call_engine's, shared with the FastAGI runner;
this runner opens no database session of its own.
"""
import logging
import math
from datetime import datetime

from twilio.twiml.voice_response import VoiceResponse

from bridge.twilio import twilio_address
from core.models import utcnow

from .call_engine import CallEnd, CallRecorder, claim_operators, dial_status, seconds
from .steps import (Detected, Dial, DialResult, Digits, Gather, Hangup, Hungup, KeypadChoice, Record, Recorded,
                    SaveTip, Say, Started)
from .twiml_calls import decode_steps, encode_steps

log = logging.getLogger(__name__)

BACKEND = "twilio"
EVENT_KINDS = ("digits", "interrupt", "dial", "record")


class UnknownCall(LookupError):
    """A webhook for a call this runner holds no state for (expired, or never started here)."""


class TwimlRunner:
    """Starts and resumes calls; ``urls(path, **query)`` builds the signed-back webhook URLs."""

    def __init__(self, *, flows, prompts, records, urls, call_log, alert_ledger, leases, paths, region="NL",
                 default_language="nl", on_tip_saved=None):
        self.flows = flows  # ivr.call_engine.build_flows
        self.prompts = prompts  # ivr.twiml_audio.PromptAudio
        self.records = records  # ivr.twiml_calls.CallRecords
        self.urls = urls
        self.recorder = CallRecorder(call_log, alert_ledger)
        self.leases = leases
        self.paths = paths  # {"event": ..., "whisper": ...}
        self.region = region
        self.default_language = default_language
        self.on_tip_saved = on_tip_saved  # tip id -> None, after the tip is committed (e.g. fetch its recording)
        self.executors = {Say: self._say, Gather: self._gather, Dial: self._dial, Record: self._record,
                          SaveTip: self._save_tip, KeypadChoice: self._keypad_choice, Hangup: self._hangup}

    # Webhook entry points ---------------------------------------------------------------

    def start(self, flow_name, call_sid, event: Started, attempt=None):
        """The call reached its flow (inbound call answered, or alert call picked up)."""
        record = self.records.load(call_sid)
        if record is not None:
            return record["twiml"]  # Twilio repeated the first webhook
        record = {"flow": flow_name, "state": None, "seq": 0, "twiml": "", "rest": {}, "interrupt": {},
                  "dial": None, "attempt": attempt, "started_at": utcnow().isoformat(), "first_dial_at": None,
                  "finished": False}
        state, steps = self.flows[flow_name].advance(None, event)
        record["state"] = state
        self.recorder.started(state, self._end(call_sid, record))
        return self._play(call_sid, record, steps)

    def resume(self, call_sid, seq, kind, form, at=None):
        """A waiting verb finished: Gather keys, an interrupted Say, a Dial's or a Record's result."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"kind: expected one of {', '.join(EVENT_KINDS)}, got {kind!r}")
        record = self.records.load(call_sid)
        if record is None:
            raise UnknownCall(call_sid)
        if seq != record["seq"] or record["finished"]:
            return record["twiml"]
        keys = (form.get("Digits") or "").strip() or None
        if kind == "interrupt":
            if keys is None or keys not in record["interrupt"].get(str(at), ""):
                return self._play(call_sid, record, decode_steps(record["rest"].get(str(at), [])))
            event = Digits(keys)
        elif kind == "digits":
            event = Digits(keys)
        elif kind == "dial":
            event = self._dial_result(call_sid, record, form)
        else:
            event = Recorded(form.get("RecordingUrl") or form.get("RecordingSid") or "",
                             seconds(form.get("RecordingDuration")))
        state, steps = self.flows[record["flow"]].advance(record["state"], event)
        record["state"] = state
        return self._play(call_sid, record, steps)

    def detected(self, call_sid, event: Detected):
        """Asynchronous answering-machine detection's verdict on a call already playing its flow: the
        TwiML to play in its place (a machine's voicemail), or None when the call goes on as it is
        (a person, a key already pressed, the call over)."""
        record = self.records.load(call_sid)
        if record is None or record["finished"]:
            return None
        state, steps = self.flows[record["flow"]].advance(record["state"], event)
        record["state"] = state
        if steps:
            return self._play(call_sid, record, steps)
        if record["flow"] == "alert":
            self.recorder.alert_facts(state, self._end(call_sid, record))
        self.records.save(call_sid, record)
        return None

    def current(self, call_sid):
        """The TwiML the call was last given (what detected() put in place), or None once the call is over."""
        record = self.records.load(call_sid)
        return None if record is None else record["twiml"]

    def whisper(self, parent_sid, seq, called):
        """An operator answered a Dial: note who, free the others rung with them (Twilio hung up on
        them; the Dial's result comes only when the conversation ends), and give the whisper they
        hear before the bridge."""
        record = self.records.load(parent_sid)
        response = VoiceResponse()
        if record is None or record["dial"] is None or seq != record["seq"]:
            return str(response)
        dial = record["dial"]
        called_number = twilio_address(called, self.region)
        for address, operator_id, dial_string in dial["targets"]:
            if address == called or (called_number is not None and address == called_number[1]):
                dial["answered"] = [operator_id, dial_string]
                if operator_id is not None:
                    self.leases.release_others(parent_sid, operator_id)
                break
        self.records.save(parent_sid, record)
        self.prompts.add(response, tuple(dial["whisper"]), self.default_language)
        return str(response)

    def hung_up(self, call_sid):
        """The call ended (status callback): finish the flow's record once; False if nothing to do."""
        record = self.records.load(call_sid)
        if record is None:
            return False
        self._release(call_sid, record)
        if not record["finished"]:
            state, _ = self.flows[record["flow"]].advance(record["state"], Hungup())
            record["state"] = state
            self._finish(call_sid, record)
        self.records.delete(call_sid)
        return True

    # Steps to TwiML: one executor per step ------------------------------------------------

    def _play(self, call_sid, record, steps):
        record["seq"] += 1
        record["rest"], record["interrupt"] = {}, {}
        batch = _Batch(call_sid, record, VoiceResponse(), list(steps),
                       record["state"].get("lang") or self.default_language)
        while batch.index < len(batch.steps):
            step = batch.steps[batch.index]
            executor = self.executors.get(type(step))
            if executor is None:
                raise TypeError(f"not a step: {step!r}")
            executor(batch, step)
            batch.index += 1
        record["twiml"] = str(batch.response)
        if record["state"].get("phase") == "done" and not record["finished"]:
            self._finish(call_sid, record)
        if record["flow"] == "alert":
            self.recorder.alert_facts(record["state"], self._end(call_sid, record))
        self.records.save(call_sid, record)
        return record["twiml"]

    def _say(self, batch, step):
        if not step.interrupt:
            self.prompts.add(batch.response, step.prompt, batch.language)
            return
        gather = batch.response.gather(input="dtmf", num_digits=1, timeout=step.gap_s, finish_on_key="",
                                       action=self._event_url(batch, "interrupt", at=batch.index))
        self.prompts.add(gather, step.prompt, batch.language)
        batch.record["interrupt"][str(batch.index)] = step.interrupt
        batch.record["rest"][str(batch.index)] = encode_steps(batch.steps[batch.index + 1:])

    def _gather(self, batch, step):
        gather = batch.response.gather(input="dtmf", num_digits=step.max_digits,
                                       timeout=max(1, math.ceil(step.timeout_s)), finish_on_key=step.finish_on,
                                       action=self._event_url(batch, "digits"))
        self.prompts.add(gather, step.prompt, batch.language)
        batch.response.redirect(self._event_url(batch, "digits"))  # no keys: Digits(None)

    def _dial(self, batch, step):
        record = batch.record
        targets = self._claim(batch.call_sid, record, step)
        if not targets:  # everyone is on another call: as if they were busy
            state, more = self.flows[record["flow"]].advance(record["state"], DialResult("busy"))
            record["state"] = state
            batch.steps[batch.index + 1:] = more
            return
        record["first_dial_at"] = record["first_dial_at"] or utcnow().isoformat()
        dial = batch.response.dial(action=self._event_url(batch, "dial"), timeout=step.timeout_s)
        whisper_url = self.urls(self.paths["whisper"], parent=batch.call_sid, seq=record["seq"])
        for (kind, address), _, _ in targets:
            if kind == "sip":
                dial.sip(address, url=whisper_url)
            else:
                dial.number(address, url=whisper_url)

    def _record(self, batch, step):
        self.prompts.add(batch.response, step.prompt, batch.language)
        batch.response.record(action=self._event_url(batch, "record"), max_length=step.max_s,
                              finish_on_key=step.finish_on, play_beep=True, timeout=step.silence_s)

    def _save_tip(self, batch, step):
        tip_id = self.recorder.save_tip(batch.record["flow"], step, self._end(batch.call_sid, batch.record))
        if self.on_tip_saved is not None:
            self.on_tip_saved(tip_id)

    def _keypad_choice(self, batch, step):
        self.recorder.keypad_choice(step, self._end(batch.call_sid, batch.record))

    def _hangup(self, batch, _step):
        batch.response.hangup()

    def _claim(self, call_sid, record, step):
        """The targets Twilio can ring now: reachable, and (operators) not on another call."""
        addresses = {t.dial_string: twilio_address(t.dial_string, self.region) for t in step.targets}
        for dial_string, address in addresses.items():
            if address is None:
                log.warning("dial string %r cannot be rung through Twilio; skipped", dial_string)
        targets, claimed = claim_operators(self.leases, call_sid, step, lambda t: addresses[t.dial_string] is not None)
        record["dial"] = {"targets": [[addresses[t.dial_string][1], t.operator_id, t.dial_string] for t in targets],
                          "claimed": claimed, "whisper": list(step.whisper), "answered": None}
        return [(addresses[t.dial_string], t.operator_id, t.dial_string) for t in targets]

    def _dial_result(self, call_sid, record, form):
        dial = record["dial"] or {"targets": [], "answered": None}
        status = dial_status(BACKEND, form.get("DialCallStatus"))
        answered = dial.get("answered")
        if status == "answered" and answered is None and len(dial["targets"]) == 1:
            answered = dial["targets"][0][1:]  # one target rang, so it is the one that answered
        self._release(call_sid, record)
        operator_id, dial_string = answered if status == "answered" and answered else (None, None)
        return DialResult(status, talk_s=seconds(form.get("DialCallDuration")) or 0.0,
                          operator_id=operator_id, dial_string=dial_string)

    def _release(self, call_sid, record):
        dial = record.get("dial")
        if dial and dial.get("claimed"):
            self.leases.release(call_sid, dial["claimed"])
            dial["claimed"] = []

    def _event_url(self, batch, kind, at=None):
        return self.urls(self.paths["event"], seq=batch.record["seq"], kind=kind, at=at)

    # What the call leaves behind ----------------------------------------------------------

    def _end(self, call_sid, record):
        state = record["state"] or {}
        started = datetime.fromisoformat(record["started_at"])
        first_dial = record.get("first_dial_at")
        listened = (datetime.fromisoformat(first_dial) - started).total_seconds() if first_dial else None
        return CallEnd(call_sid, BACKEND, state.get("caller"), started, attempt=record.get("attempt"),
                       listened_s=listened)

    def _finish(self, call_sid, record):
        record["finished"] = True
        self.recorder.finish(self.flows[record["flow"]], record["state"], self._end(call_sid, record))


class _Batch:
    """One batch of steps being turned into one TwiML document."""

    def __init__(self, call_sid, record, response, steps, language):
        self.call_sid, self.record, self.response, self.steps, self.language = (
            call_sid, record, response, steps, language)
        self.index = 0
