"""The vocabulary shared by flows and runners: steps a flow asks for, events a runner reports.

A flow answers every event with a batch of steps. A batch ends with exactly one step that
waits for the caller or the network (Gather, Dial, Record) or with Hangup; the runner plays
the batch in order and reports what happened as the next event. A Say with `interrupt` keys
that the caller interrupts with one of them ends the batch early and is reported as Digits.

Prompt parts are catalogue ids (str, e.g. "inbound_welcome") or Spoken: a text rendered
to audio before the call (an action's title or alert), never on the call path.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spoken:
    """Dynamic audio rendered at launch: `text` spoken in `language` (None: the call's language).
    `key` names the file when known; `fallback` (catalogue ids) is played if no rendering exists,
    so a missing file never means silence."""

    text: str
    language: str | None = None
    key: str | None = None
    fallback: tuple[str, ...] = ()


PromptPart = str | Spoken


def prompts(*parts: PromptPart | tuple | list) -> tuple[PromptPart, ...]:
    """Flatten prompt parts and sequences of them into one tuple."""
    flat: list[PromptPart] = []
    for part in parts:
        if isinstance(part, (tuple, list)):
            flat.extend(prompts(*part))
        elif isinstance(part, (str, Spoken)):
            flat.append(part)
        else:
            raise TypeError(f"not a prompt part: {part!r}")
    return tuple(flat)


def digits_prompt(digits: str) -> tuple[str, ...]:
    """A code spoken digit by digit ("4711" -> digit_4 digit_7 digit_1 digit_1)."""
    return tuple(f"digit_{d}" for d in digits if d.isdigit())


# Steps ---------------------------------------------------------------------------------


# Twilio's <Gather> waits at least one second for a key after its prompt ends, so an interruptible
# Say is followed by that second of listening on both back-ends: the same pause, the same keys.
INTERRUPT_GAP_S = 1


@dataclass(frozen=True)
class Say:
    """Play the prompt. With `interrupt` keys, any key stops the playback (both back-ends can only
    do that); one of `interrupt` is reported as Digits, any other lets the call go on with the
    next step."""

    prompt: tuple[PromptPart, ...]
    interrupt: str = ""

    @property
    def gap_s(self):
        """Seconds of listening for a key after the prompt."""
        return INTERRUPT_GAP_S if self.interrupt else 0


@dataclass(frozen=True)
class Gather:
    prompt: tuple[PromptPart, ...]
    max_digits: int
    timeout_s: float
    finish_on: str = "#"


@dataclass(frozen=True)
class DialTarget:
    """One phone to ring: an operator's (operator_id set) or the control room's general line."""

    dial_string: str
    operator_id: int | None = None


@dataclass(frozen=True)
class Dial:
    """Ring the targets together for `timeout_s`; the first to answer hears `whisper` first."""

    targets: tuple[DialTarget, ...]
    timeout_s: int
    whisper: tuple[PromptPart, ...] = ()
    stage: str = ""  # which routing stage this is: operator | others | control_room | general_line


@dataclass(frozen=True)
class Record:
    prompt: tuple[PromptPart, ...]
    max_s: int
    finish_on: str = "#"
    silence_s: int = 5  # this long without speech ends the recording


@dataclass(frozen=True)
class SaveTip:
    """Keep the recording just made as a tip on the action (no telephony; the runner stores it)."""

    action_id: int
    recording: str
    duration_s: float | None


@dataclass(frozen=True)
class KeypadChoice:
    """Apply what the participant chose on the keypad to their number (no telephony; the runner has
    core.keypad_choices do it): `choice` is stop_calls or sms_instead."""

    delivery_id: int
    choice: str


@dataclass(frozen=True)
class Hangup:
    pass


Step = Say | Gather | Dial | Record | SaveTip | KeypadChoice | Hangup

# Events --------------------------------------------------------------------------------


# What answering-machine detection says of an answered alert call, in the flows' words (each back-end's
# verdict is mapped by ivr.call_engine.machine_verdict). NOTSURE is a person: detection is a hint only.
AMD_STATUSES = ("human", "machine", "notsure")


@dataclass(frozen=True)
class Started:
    """The call reached the flow. Inbound: caller (E.164 or None) and the dialled number.
    Alert call: the delivery it belongs to and, when the trunk detects answering machines, what
    detection said (`answered_by`, one of AMD_STATUSES) and why (`amd_cause`, the back-end's words);
    a machine's call reaches the flow once its greeting ended."""

    call_ref: str
    caller: str | None = None
    dialled: str | None = None
    delivery_id: int | None = None
    answered_by: str | None = None
    amd_cause: str | None = None

    def __post_init__(self):
        if self.answered_by is not None and self.answered_by not in AMD_STATUSES:
            raise ValueError(f"unknown answering-machine status {self.answered_by!r}")


@dataclass(frozen=True)
class Detected:
    """Answering-machine detection's verdict on a call whose flow already plays (Twilio's asynchronous
    detection: the flow started at the answer, over a machine's greeting); as in Started."""

    answered_by: str
    amd_cause: str | None = None

    def __post_init__(self):
        if self.answered_by not in AMD_STATUSES:
            raise ValueError(f"unknown answering-machine status {self.answered_by!r}")


@dataclass(frozen=True)
class Digits:
    """What the caller keyed; None when nothing came before the timeout."""

    value: str | None


DIAL_STATUSES = ("answered", "busy", "noanswer", "failed")


@dataclass(frozen=True)
class DialResult:
    status: str  # one of DIAL_STATUSES
    talk_s: float = 0.0
    operator_id: int | None = None  # who answered, when it was an operator
    dial_string: str | None = None  # who answered

    def __post_init__(self):
        if self.status not in DIAL_STATUSES:
            raise ValueError(f"unknown dial status {self.status!r}")


@dataclass(frozen=True)
class Recorded:
    recording: str
    duration_s: float | None


@dataclass(frozen=True)
class Hungup:
    pass


Event = Started | Detected | Digits | DialResult | Recorded | Hungup


@dataclass
class Outcome:
    """What a finished call amounts to, for the call record (filled from the flow's state)."""

    outcome: str
    action_id: int | None = None
    participant_id: int | None = None
    alerted: bool = False
    operator_id: int | None = None
    route: list = field(default_factory=list)
    talk_s: float | None = None
