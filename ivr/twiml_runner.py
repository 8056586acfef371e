"""The Twilio runner: the call flows driven by voice webhooks, each answer TwiML rendered from steps.

A batch of steps becomes one TwiML document whose waiting verb (<Gather>, <Dial>, <Record>)
calls back to /voice/event with the call's sequence number; the flow's JSON state lives in
Redis per CallSid between requests. A request with an old sequence number (Twilio repeating
a webhook) gets the last document again and advances nothing.

Prompts play the prompt store's files by URL; a prompt without a file is spoken with <Say>
in the call's language. A Say the caller may interrupt is a one-digit <Gather>; a key outside
the Say's `interrupt` keys does not count, and the rest of the batch plays on.
"""
import dataclasses
import json
import logging
import math
import re
from datetime import datetime

import phonenumbers
from twilio.twiml.voice_response import VoiceResponse

from core import alert_calls
from core.models import utcnow
from tts_prompts.catalogue import prompt_text
from tts_prompts.store import PromptNotRendered

from .prompts import speech_key
from .steps import (Dial, DialResult, DialTarget, Digits, Gather, Hangup, Hungup, Record, Recorded, SaveTip, Say,
                    Spoken, Started)

log = logging.getLogger(__name__)

BACKEND = "twilio"
SAY_LANGUAGES = {"nl": "nl-NL", "en": "en-GB"}
# <Dial action> DialCallStatus -> the flows' dial status.
DIAL_STATUS = {"completed": "answered", "answered": "answered", "busy": "busy", "no-answer": "noanswer",
               "failed": "failed", "canceled": "failed"}
EVENT_KINDS = ("digits", "interrupt", "dial", "record")
RECORD_TTL_S = 4 * 3600
_CHANNEL_NUMBER = re.compile(r"(?:PJSIP|SIP|Local|IAX2|DAHDI)/([+0-9]+)(?:@\S*)?", re.IGNORECASE)


def say_language(language):
    return SAY_LANGUAGES.get(language, SAY_LANGUAGES["nl"])


def twilio_address(dial_string, region="NL"):
    """Where Twilio rings a dial string: ("sip", uri), ("number", e164), or None if it cannot."""
    text = (dial_string or "").strip()
    if text.lower().startswith(("sip:", "sips:")):
        return ("sip", text)
    found = _CHANNEL_NUMBER.fullmatch(text)
    number = found.group(1) if found else text
    if not re.fullmatch(r"\+?[0-9]{6,16}", number):
        return None
    if number.startswith("00"):
        number = "+" + number[2:]
    elif not number.startswith(("+", "0")):
        number = "+" + number  # Asterisk dial strings carry the country code without "+"
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return ("number", phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


class PromptAudio:
    """Adds prompt parts to a TwiML verb: <Play> of the store's file, else <Say>."""

    def __init__(self, store, url_for):
        self.store = store
        self.url_for = url_for  # file name relative to the store root -> absolute URL

    def add(self, verb, parts, language):
        for part in parts:
            if isinstance(part, Spoken):
                spoken_in = part.language or language
                file = self._spoken_file(part, spoken_in)
                if file:
                    verb.play(self.url_for(file))
                else:
                    verb.say(part.text, language=say_language(spoken_in))
                continue
            try:
                verb.play(self.url_for(self.store.url_name(part, language)))
            except PromptNotRendered:
                verb.say(prompt_text(part, language), language=say_language(language))

    def _spoken_file(self, part, language):
        for key in (speech_key(self.store, part.text, language), part.key):
            if key and (self.store.root / f"{key}.wav").exists():
                return f"{key}.wav"
        return None


class CallRecords:
    """One JSON record per CallSid in Redis: the flow, its state and the last TwiML sent."""

    def __init__(self, redis, prefix):
        self.redis = redis
        self.prefix = prefix

    def _key(self, call_sid):
        return f"{self.prefix}:twilio-call:{call_sid}"

    def load(self, call_sid):
        raw = self.redis.get(self._key(call_sid))
        return json.loads(raw) if raw else None

    def save(self, call_sid, record):
        self.redis.set(self._key(call_sid), json.dumps(record), ex=RECORD_TTL_S)

    def delete(self, call_sid):
        self.redis.delete(self._key(call_sid))


class UnknownCall(LookupError):
    """A webhook for a call this runner holds no state for (expired, or never started here)."""


class TwimlRunner:
    """Starts and resumes calls; ``urls(path, **query)`` builds the signed-back webhook URLs."""

    def __init__(self, *, flows, prompts, records, urls, call_log, leases, db, paths, region="NL",
                 default_language="nl", on_tip_saved=None):
        self.flows = flows  # name -> flow with advance(state, event) and outcome(state)
        self.prompts = prompts
        self.records = records
        self.urls = urls
        self.call_log = call_log
        self.leases = leases
        self.db = db
        self.paths = paths  # {"event": ..., "whisper": ...}
        self.region = region
        self.default_language = default_language
        self.on_tip_saved = on_tip_saved  # tip id -> None, after the tip is committed (e.g. fetch its recording)

    # Webhook entry points ---------------------------------------------------------------

    def start(self, flow_name, call_sid, event: Started, attempt=None):
        """The call reached its flow (inbound call answered, or alert call picked up)."""
        record = self.records.load(call_sid)
        if record is not None:
            return record["twiml"]  # Twilio repeated the first webhook
        record = {"flow": flow_name, "state": None, "seq": 0, "twiml": "", "rest": {}, "interrupt": {},
                  "dial": None, "delivery": event.delivery_id, "attempt": attempt,
                  "started_at": utcnow().isoformat(), "finished": False}
        if event.delivery_id is not None and attempt:
            with self.db.session() as session:
                alert_calls.answered(session, event.delivery_id, attempt)
        state, steps = self.flows[flow_name].advance(None, event)
        record["state"] = state
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
                return self._play(call_sid, record, _decode(record["rest"].get(str(at), [])))
            event = Digits(keys)
        elif kind == "digits":
            event = Digits(keys)
        elif kind == "dial":
            event = self._dial_result(call_sid, record, form)
        else:
            event = Recorded(form.get("RecordingUrl") or form.get("RecordingSid") or "",
                             _seconds(form.get("RecordingDuration")))
        state, steps = self.flows[record["flow"]].advance(record["state"], event)
        record["state"] = state
        return self._play(call_sid, record, steps)

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

    # Steps to TwiML -----------------------------------------------------------------------

    def _play(self, call_sid, record, steps):
        record["seq"] += 1
        record["rest"], record["interrupt"] = {}, {}
        seq = record["seq"]
        language = record["state"].get("lang") or self.default_language
        response = VoiceResponse()
        steps = list(steps)
        index = 0
        while index < len(steps):
            step = steps[index]
            if isinstance(step, SaveTip):
                self._save_tip(call_sid, record, step)
            elif isinstance(step, Say) and step.interrupt:
                gather = response.gather(input="dtmf", num_digits=1, timeout=1, finish_on_key="",
                                         action=self._event_url(call_sid, seq, "interrupt", at=index))
                self.prompts.add(gather, step.prompt, language)
                record["interrupt"][str(index)] = step.interrupt
                record["rest"][str(index)] = _encode(steps[index + 1:])
            elif isinstance(step, Say):
                self.prompts.add(response, step.prompt, language)
            elif isinstance(step, Gather):
                gather = response.gather(input="dtmf", num_digits=step.max_digits,
                                         timeout=max(1, math.ceil(step.timeout_s)),
                                         finish_on_key=step.finish_on,
                                         action=self._event_url(call_sid, seq, "digits"))
                self.prompts.add(gather, step.prompt, language)
                response.redirect(self._event_url(call_sid, seq, "digits"))  # no keys: Digits(None)
            elif isinstance(step, Dial):
                targets = self._claim(call_sid, record, step)
                if not targets:  # everyone is on another call: as if they were busy
                    state, more = self.flows[record["flow"]].advance(record["state"], DialResult("busy"))
                    record["state"] = state
                    steps[index + 1:] = more
                else:
                    self._dial(response, call_sid, seq, step, targets)
            elif isinstance(step, Record):
                self.prompts.add(response, step.prompt, language)
                response.record(action=self._event_url(call_sid, seq, "record"), max_length=step.max_s,
                                finish_on_key=step.finish_on, play_beep=True, timeout=5)
            elif isinstance(step, Hangup):
                response.hangup()
            else:
                raise TypeError(f"not a step: {step!r}")
            index += 1
        record["twiml"] = str(response)
        if record["state"].get("phase") == "done" and not record["finished"]:
            self._finish(call_sid, record)
        self._alert_facts(record)
        self.records.save(call_sid, record)
        return record["twiml"]

    def _dial(self, response, call_sid, seq, step, targets):
        dial = response.dial(action=self._event_url(call_sid, seq, "dial"), timeout=step.timeout_s)
        whisper_url = self.urls(self.paths["whisper"], parent=call_sid, seq=seq)
        for (kind, address), _, _ in targets:
            if kind == "sip":
                dial.sip(address, url=whisper_url)
            else:
                dial.number(address, url=whisper_url)

    def _claim(self, call_sid, record, step):
        """The targets Twilio can ring now: reachable, and (operators) not on another call."""
        operators = {t.operator_id: t.dial_string for t in step.targets if t.operator_id is not None}
        free = set(self.leases.claim(call_sid, operators)) if operators else set()
        targets = []
        for target in step.targets:
            address = twilio_address(target.dial_string, self.region)
            if address is None:
                log.warning("dial string %r cannot be rung through Twilio; skipped", target.dial_string)
                continue
            if target.operator_id is None or target.operator_id in free:
                targets.append((address, target.operator_id, target.dial_string))
        unused = free - {operator_id for _, operator_id, _ in targets}
        if unused:
            self.leases.release(call_sid, list(unused))
        record["dial"] = {"targets": [[address[1], operator_id, dial_string]
                                      for address, operator_id, dial_string in targets],
                          "claimed": sorted(free - unused), "whisper": list(step.whisper), "answered": None}
        return targets

    def _dial_result(self, call_sid, record, form):
        dial = record["dial"] or {"targets": [], "answered": None}
        status = DIAL_STATUS.get(form.get("DialCallStatus") or "", "failed")
        answered = dial.get("answered")
        if status == "answered" and answered is None and len(dial["targets"]) == 1:
            answered = dial["targets"][0][1:]  # one target rang, so it is the one that answered
        self._release(call_sid, record)
        operator_id, dial_string = answered if status == "answered" and answered else (None, None)
        return DialResult(status, talk_s=_seconds(form.get("DialCallDuration")) or 0.0,
                          operator_id=operator_id, dial_string=dial_string)

    def _release(self, call_sid, record):
        dial = record.get("dial")
        if dial and dial.get("claimed"):
            self.leases.release(call_sid, dial["claimed"])
            dial["claimed"] = []

    def _event_url(self, call_sid, seq, kind, at=None):
        return self.urls(self.paths["event"], seq=seq, kind=kind, at=at)

    # What the call leaves behind ----------------------------------------------------------

    def _save_tip(self, call_sid, record, step):
        state = record["state"]
        tip_id = self.call_log.save_tip(call_sid, BACKEND, state.get("caller"), step.action_id, step.recording,
                                        step.duration_s, origin=_origin(record))
        if self.on_tip_saved is not None:
            self.on_tip_saved(tip_id)

    def _finish(self, call_sid, record):
        """Write the call record of a finished free-number call (or an alert call put through)."""
        record["finished"] = True
        state = record["state"]
        outcome = self.flows[record["flow"]].outcome(state)
        if record["flow"] == "alert" and not outcome.route:
            return  # an alert call that was only listened to is recorded in the ledger alone
        self.call_log.finish(call_sid, BACKEND, state.get("caller"), outcome,
                             started_at=datetime.fromisoformat(record["started_at"]), origin=_origin(record))

    def _alert_facts(self, record):
        if record["delivery"] is None or not record.get("attempt"):
            return
        state = record["state"]
        answered = next((r for r in reversed(state.get("route") or []) if r.get("status") == "answered"), None)
        with self.db.session() as session:
            alert_calls.flow_facts(session, record["delivery"], record["attempt"], key=state.get("key"),
                                   alert_plays=state.get("plays"),
                                   routed_to=answered["stage"] if answered else None)


def _origin(record):
    return "alert_call" if record["flow"] == "alert" else "free_number"


def _seconds(raw):
    try:
        return float(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


_STEP_TYPES = {cls.__name__: cls for cls in (Say, Gather, Dial, DialTarget, Record, SaveTip, Hangup, Spoken)}


def _encode(value):
    """Steps as JSON (for the rest of a batch after an interruptible Say)."""
    if dataclasses.is_dataclass(value):
        return {"_": type(value).__name__,
                **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value):
    if isinstance(value, dict) and "_" in value:
        fields = {name: _decode(item) for name, item in value.items() if name != "_"}
        return _STEP_TYPES[value["_"]](**fields)
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    return value

