"""Runs a call flow over one AGI connection: steps become AGI commands, replies become events.

    Say     STREAM FILE per prompt file; interruptible: every key escapes, then WAIT FOR DIGIT for
            the gap (ivr.steps.Say), as Twilio's <Gather> does
    Gather  GET DATA with the prompt files joined by `&`
    Dial    EXEC Dial(A&B,<ring s>,U(whisper[^call ref])) after claiming the operators; then
            DIALSTATUS, ANSWEREDTIME and DIALEDPEERNUMBER
    Record  the prompt, then RECORD FILE <dir>/<name> wav # <ms> 0 beep s=<silence>
    SaveTip the call log (no AGI)
    KeypadChoice  the register, through the alert call ledger (no AGI)
    Hangup  SET VARIABLE UITKIJK_FLOW_DONE 1, HANGUP

Whatever happens (hangup, dropped socket, a flow or database error) the call ends here and is
recorded; only a flow that finished sets UITKIJK_FLOW_DONE, so the dialplan puts every other
call through to the control room (never dead air). Once Asterisk said the channel hung up, no
further command is sent and no operator is claimed: the flow hears Hungup at once.

Everything that is not AGI (the flow table, leases, dial statuses, the call record and the
alert call's facts) is ivr.call_engine's, shared with the TwiML runner.

The script `answered` is no flow: the whisper subroutine runs it on the channel of an operator who
answered a Dial that rang several (`AGI(.../answered,<call ref>,<DIALEDPEERNUMBER>)`), and the
others' leases are freed while the conversation goes on. It sends no command.
"""
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from asterisk.agi import AGIAppError, AGIError, AGIHangup

from bridge.asterisk import answered_by, dial_argument
from core.numbers import mask, normalise_caller_id

from .agi_channel import AgiProtocolError
from .call_engine import ALERT, CallEnd, CallRecorder, claim_operators, dial_status, machine_verdict, seconds
from .steps import (Dial, DialResult, Digits, Gather, Hangup, Hungup, KeypadChoice, Record, Recorded, Say, SaveTip,
                    Started)

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 120  # any single prompt or question; a Dial may last up to call_max_s
KEYS = "0123456789*#"
ANSWERED = "answered"
_SAFE_REF = re.compile(r"[^A-Za-z0-9._-]")


def caller_e164(raw, region):
    """The caller ID as E.164, or None when withheld, anonymous or not a number.

    Switches present the same number as 0612345678, 0031612345678, +31612345678 or
    31612345678; the last (international without a prefix) is tried with a `+` when the
    national reading is not a valid number.
    """
    e164 = normalise_caller_id(raw, region)
    if e164 is None and raw:
        digits = "".join(ch for ch in str(raw) if ch.isdigit())
        if len(digits) >= 9 and not digits.startswith("0") and digits == str(raw).strip():
            e164 = normalise_caller_id(f"+{digits}", region)
    return e164


def quoted(value):
    """An AGI command argument in double quotes; text that would break out of them is refused."""
    text = str(value)
    if any(ch in text for ch in '"\\\n\r'):
        raise ValueError(f"unsafe AGI argument {text[:40]!r}")
    return f'"{text}"'


def script_name(value):
    """`agi_network_script` without arguments or slashes: `inbound?x=1` -> `inbound`."""
    return (value or "").split("?", 1)[0].strip("/")


@dataclass
class CallServices:
    """What every call on this server shares. `flows` maps agi_network_script to a flow."""

    flows: dict  # ivr.call_engine.build_flows
    prompts: object  # ivr.prompts.PromptFiles
    call_log: object  # core.call_records.InboundCallLog
    leases: object | None  # bridge.leases.OperatorLeases
    region: str = "NL"
    recording_dir: str = "/var/spool/asterisk/uitkijk-tips"  # as Asterisk sees it
    call_max_s: int = 4 * 3600
    on_decision: Callable[[str, float], None] | None = None  # (flow name, seconds) at the first Dial
    backend: str = "asterisk"
    alert_ledger: object | None = None  # core.alert_calls.AlertCallLedger (None: no alert facts kept)

    @property
    def recorder(self):
        return CallRecorder(self.call_log, self.alert_ledger)


@dataclass
class _Clock:
    started: float = field(default_factory=time.monotonic)
    waiting: float = 0.0  # seconds spent waiting for Asterisk (prompts, questions, rings)
    first_dial: float | None = None
    wait_s: float | None = None


class AgiCall:
    def __init__(self, agi, services: CallServices):
        self.agi = agi
        self.services = services
        self.clock = _Clock()
        self.started_at = datetime.now(timezone.utc)
        self.language = "nl"
        self.call_ref = None
        self.caller = None
        self.attempt = None  # an alert call's attempt id (UITKIJK_CALL)
        self.flow_name = None
        self.recorder = services.recorder
        self.executors = {Say: self.say_step, Gather: self.gather, Dial: self.dial, Record: self.record_tip,
                          SaveTip: self.save_tip, KeypadChoice: self.keypad_choice, Hangup: self.hangup}

    def run(self):
        env = self.agi.env
        name = script_name(env.get("agi_network_script"))
        if name == ANSWERED:
            self.operator_answered(env.get("agi_arg_1") or "", env.get("agi_arg_2") or "")
            return
        flow = self.services.flows.get(name)
        if flow is None:
            log.warning("FastAGI: no flow for script %r; the dialplan falls back", name[:40])
            return
        self.call_ref = _SAFE_REF.sub("_", env.get("agi_uniqueid") or "")[:64] or f"agi-{time.time_ns()}"
        self.caller = caller_e164(env.get("agi_callerid"), self.services.region)
        state, finished = None, False
        try:
            state, steps = flow.advance(None, self.started(flow, env))
            self.language = state.get("lang", self.language)
            self.recorder.started(state, self.end())
            while steps:
                event = self.play(steps, flow.name)
                if event is None:
                    finished = True
                    break
                state, steps = flow.advance(state, event)
                if isinstance(event, Hungup):
                    finished = True
                    break
        except AGIHangup:
            state, finished = self.hung_up(flow, state), True
        except (AgiProtocolError, AGIError, OSError) as exc:
            log.warning("call %s (%s, from %s): AGI connection lost: %s", self.call_ref, name,
                        mask(self.caller), exc.__class__.__name__)
            state = self.hung_up(flow, state)
        except Exception:  # a flow or database failure: the dialplan takes the call to the control room
            log.exception("call %s (%s, from %s): flow failed; the dialplan falls back",
                          self.call_ref, name, mask(self.caller))
            if state is not None:
                state["outcome"] = state.get("outcome") or "failed"
        if state is not None:
            self.record(flow, state)
        log.info("call %s (%s, from %s): %s", self.call_ref, name, mask(self.caller),
                 (state or {}).get("outcome") or ("done" if finished else "failed"))

    def started(self, flow, env):
        delivery_id, amd, amd_cause = None, None, None
        if flow.name == ALERT:
            self.agi.set_timeout(COMMAND_TIMEOUT_S)
            raw = self.agi.get_variable("UITKIJK_DELIVERY")
            delivery_id = int(raw) if raw.isdigit() else None
            self.attempt = _SAFE_REF.sub("_", self.agi.get_variable("UITKIJK_CALL") or "")[:64] or None
            # AMD()'s AMDSTATUS and AMDCAUSE, passed as the AGI's arguments by uitkijk-alert (no round trip).
            amd = machine_verdict("asterisk", env.get("agi_arg_1"))
            amd_cause = _SAFE_REF.sub("_", env.get("agi_arg_2") or "")[:40] or None if amd else None
        dnid = env.get("agi_dnid")
        return Started(call_ref=self.call_ref, caller=self.caller, delivery_id=delivery_id,
                       dialled=dnid if dnid and dnid != "unknown" else None, answered_by=amd, amd_cause=amd_cause)

    @staticmethod
    def hung_up(flow, state):
        return flow.advance(state, Hungup())[0] if state is not None else None

    def operator_answered(self, call_ref, dialled_peer):
        """Free the leases of the operators call `call_ref` rang alongside the one who answered."""
        leases = self.services.leases
        if leases is None or not call_ref or _SAFE_REF.search(call_ref):
            return
        held = leases.held(call_ref)
        peer = answered_by(dialled_peer, list(held.values()))
        answered_id = next((o for o, d in held.items() if d == peer), None)
        if answered_id is None:
            log.info("call %s: the operator who answered holds no lease of it; none freed early", call_ref)
            return
        released = leases.release_others(call_ref, answered_id)
        log.info("call %s: operator %s answered; leases of %s freed", call_ref, answered_id, released)

    # Steps --------------------------------------------------------------------------------

    def play(self, steps, flow_name):
        """Run one batch of steps, each by its executor; the event that ends it, or None after Hangup."""
        self.flow_name = flow_name
        for step in steps:
            executor = self.executors.get(type(step))
            if executor is None:
                raise TypeError(f"unknown step {step!r}")
            event = executor(step)
            if event is not None:
                return None if event is _HUNG_UP else event
        raise ValueError("a batch of steps must end with Gather, Dial, Record or Hangup")

    def _command(self, timeout_s, command, *args):
        if self.agi.hung_up:  # Asterisk said the caller is gone: nothing more is sent
            raise AGIHangup(f"{command} not sent: the channel hung up")
        self.agi.set_timeout(timeout_s)
        begun = time.monotonic()
        try:
            return self.agi.execute(command, *args)
        except AGIHangup:
            raise
        except AGIError:  # -1 or 511 on a channel Asterisk said is gone: a hangup, not an error
            if self.agi.hung_up:
                raise AGIHangup(f"{command} on a hung-up channel") from None
            raise
        finally:
            self.clock.waiting += time.monotonic() - begun

    def _hung_up_during_command(self):
        """Whether the caller hung up during the command that just answered -1 (as it does for a file it
        cannot play too). Asterisk sends its HANGUP only after that reply, so the reply of a NOOP (allowed on
        a hung-up channel) comes after it: by then `hung_up` tells which it was."""
        if self.agi.hung_up:
            return True
        try:
            self._command(COMMAND_TIMEOUT_S, "NOOP")
        except AGIHangup:
            return True
        return self.agi.hung_up

    def say_step(self, step):
        """Any key stops an interruptible prompt (as in Twilio's <Gather>); only its interrupt keys
        answer, after the prompt or within its gap."""
        if not step.interrupt:
            self.say(step.prompt)
            return None
        digit = self.say(step.prompt, KEYS) or self.wait_for_digit(step.gap_s)
        return Digits(digit) if digit and digit in step.interrupt else None

    def wait_for_digit(self, seconds):
        """WAIT FOR DIGIT: the key pressed within `seconds`, or None."""
        try:
            result = self._command(COMMAND_TIMEOUT_S, "WAIT FOR DIGIT", int(seconds * 1000))
        except AGIAppError:
            if self._hung_up_during_command():
                raise AGIHangup("hangup while waiting for a key") from None
            raise
        code = result["result"][0]
        return chr(int(code)) if code not in ("", "0") and code.isdigit() else None

    def say(self, parts, interrupt=""):
        return self.play_files(self.services.prompts.files(parts, self.language), interrupt)

    def play_files(self, files, interrupt=""):
        """STREAM FILE each file; the key that interrupted, or None."""
        for path in files:
            try:
                result = self._command(COMMAND_TIMEOUT_S, "STREAM FILE", path, quoted(interrupt), 0)
            except AGIAppError:
                if self._hung_up_during_command():
                    raise AGIHangup("hangup during a prompt") from None
                log.warning("call %s: Asterisk could not play %s", self.call_ref, path)
                continue
            code = result["result"][0]
            if code not in ("", "0") and code.isdigit():
                return chr(int(code))
        return None

    def gather(self, step):
        """GET DATA plays one file only: the parts before the last play as interruptible prompts,
        and a key pressed during them is the first key of the answer."""
        files = self.services.prompts.files(step.prompt, self.language)
        keyed = (self.play_files(files[:-1], KEYS) or "") if len(files) > 1 else ""
        if keyed and keyed in step.finish_on:  # the finish key during the prompt: an empty answer
            return Digits(None)
        if len(keyed) < step.max_digits:
            prompt = "" if keyed else (files[-1] if files else "")
            try:
                result = self._command(COMMAND_TIMEOUT_S + step.timeout_s, "GET DATA", quoted(prompt),
                                       int(step.timeout_s * 1000), step.max_digits - len(keyed))
            except AGIAppError:
                if self._hung_up_during_command():
                    raise AGIHangup("hangup during a question") from None
                raise
            keyed += result["result"][0].strip()
        keyed = "".join(ch for ch in keyed if ch in KEYS).rstrip(step.finish_on or "#")
        return Digits(keyed or None)

    def dial(self, step):
        if self.agi.hung_up:  # nobody is claimed or rung for a caller who is gone
            raise AGIHangup("Dial not sent: the channel hung up")
        leases = self.services.leases
        targets, claimed = claim_operators(leases, self.call_ref, step)
        if not targets:
            log.info("call %s: %s stage skipped, everyone busy", self.call_ref, step.stage)
            return DialResult("busy")
        if self.clock.first_dial is None:
            self.clock.first_dial = time.monotonic()
            if self.services.on_decision:
                self.services.on_decision(self.flow_name, self.clock.first_dial - self.clock.started
                                          - self.clock.waiting)
        # Only a Dial ringing several leased operators has others to free when one answers.
        argument = dial_argument([t.dial_string for t in targets], step.timeout_s,
                                 self.services.prompts.files(step.whisper, self.language),
                                 answered_ref=self.call_ref if leases and len(claimed) > 1 else None)
        dial_hung_up = False
        try:
            self._command(step.timeout_s + self.services.call_max_s, "EXEC", "Dial", quoted(argument))
        except AGIAppError:  # Dial returns -1 when the caller hangs up (ringing or talking)
            dial_hung_up = True
        finally:
            if leases and claimed:
                leases.release(self.call_ref, claimed)
        self.agi.set_timeout(COMMAND_TIMEOUT_S)
        status = self.agi.get_variable("DIALSTATUS")
        result = dial_status("asterisk", status)
        if result != "answered":
            if dial_hung_up or self.agi.hung_up or status.upper() == "CANCEL":
                raise AGIHangup("caller hung up while ringing")
            return DialResult(result)
        talk = seconds(self.agi.get_variable("ANSWEREDTIME")) or 0.0
        peer = answered_by(self.agi.get_variable("DIALEDPEERNUMBER"), [t.dial_string for t in targets])
        operator_id = next((t.operator_id for t in targets if t.dial_string == peer), None)
        self.clock.wait_s = max(0.0, time.monotonic() - self.clock.started - talk)
        return DialResult("answered", talk_s=talk, operator_id=operator_id, dial_string=peer)

    def record_tip(self, step):
        self.say(step.prompt)
        name = f"tip-{self.call_ref}-{int(time.time())}"
        path = f"{self.services.recording_dir.rstrip('/')}/{name}"
        try:
            result = self._command(step.max_s + COMMAND_TIMEOUT_S, "RECORD FILE", quoted(path), "wav",
                                   quoted(step.finish_on), step.max_s * 1000, 0, "beep", f"s={step.silence_s}")
        except AGIHangup:  # what was said before hanging up is still a tip; its length is unknown
            return Recorded(f"{name}.wav", None)
        except AGIAppError:
            if self.agi.hung_up:
                return Recorded(f"{name}.wav", None)
            raise
        samples = result.get("endpos", ("0", ""))[0]
        return Recorded(f"{name}.wav", int(samples) / 8000 if samples.isdigit() else None)

    def save_tip(self, step):
        self.recorder.save_tip(self.flow_name, step, self.end())

    def keypad_choice(self, step):
        self.recorder.keypad_choice(step, self.end())

    def hangup(self, _step):
        try:
            self.agi.set_timeout(COMMAND_TIMEOUT_S)
            self.agi.set_variable("UITKIJK_FLOW_DONE", "1")
            self.agi.hangup()
        except (AGIError, AgiProtocolError, OSError):
            pass  # the caller was gone already
        return _HUNG_UP

    # The record ---------------------------------------------------------------------------

    def end(self):
        listened = (self.clock.first_dial or time.monotonic()) - self.clock.started
        return CallEnd(self.call_ref, self.services.backend, self.caller, self.started_at, attempt=self.attempt,
                       wait_s=self.clock.wait_s, listened_s=listened if self.clock.first_dial else None)

    def record(self, flow, state):
        try:
            end = self.end()
            if flow.name == ALERT:
                self.recorder.alert_facts(state, end)
            self.recorder.finish(flow, state, end)
        except Exception:  # the call is over; a lost record must not take the server down
            log.exception("call %s: could not record the call", self.call_ref)


_HUNG_UP = object()  # what the Hangup executor returns: the batch, and the call, are over
