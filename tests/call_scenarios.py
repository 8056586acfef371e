"""What a caller hears, who is rung and bridged, and what the call leaves behind: one table both
back-ends are held to.

tests/asterisk/test_call_scenarios.py runs every row through the real lab Asterisk (Local
channels, AMI, the project's FastAGI server) and reads what the caller was played from Asterisk's
own log, who was rung from its DialBegin events and who was bridged from its BridgeEnter events.
tests/twilio/test_voice_scenarios.py runs the same rows through the signed Twilio webhooks and
reads the <Play>/<Say> and <Dial> of the TwiML documents Twilio fetched. Both must give exactly
the row: prompt for prompt, phone for phone, and the same ledger and call-log outcome.

In `heard`, MESSAGE is the call's own rendered text (the alert, or how the action ended),
("title", i) the rendered title of the row's i-th action (in launch order) and CODE the first
action's code, digit by digit; every other entry is a catalogue prompt id, heard in the
participant's language. An alert or closing row with `answers_as` is answered by that lab phone (a
machine, a long hello, silence) on a trunk that detects answering machines (core.answering_machines'
defaults); `amd` is what the ledger must then keep: (detection's status, voicemail left). A closing row
calls the participant the first action's alert reached, once that action ended with CLOSING_TEXT.
Phones are named: the action's handler, their colleague (the room's other operator) and the control
room's general line.
"""
import io
from dataclasses import dataclass, field

from pydub.generators import Sine
from sqlalchemy import func, select, update

from core.actions import ActionService, parse_launch
from core.genuine_check import PhoneCheckLimits
from core.models import AuditEvent, ControlRoom, Delivery, InboundCall, Operator, PhoneNumber, Tip
from lab import factories
from tts_prompts.catalogue import PROMPTS
from tts_prompts.engines import SpeechEngine

MESSAGE = "<message>"
CODE = "<code>"

# Both back-ends run the flows with these settings (one silent menu ends the call).
FLOW_SETTINGS = {"IVR_MAX_TRIES": 1, "IVR_MENU_TIMEOUT_S": 4, "IVR_CODE_TIMEOUT_S": 8, "IVR_RING_S": 3,
                 "IVR_CONTROL_ROOM_RING_S": 3}

# What a phone does when it is rung (the lab's behaviour digits, asterisk_conf/README.md).
ANSWERS, BUSY, NO_ANSWER = "07", "03", "04"
# How a participant's phone answers an alert call: an answering machine, a person's long hello, silence.
MACHINE, LONG_HELLO, SILENCE = "09", "10", "11"
FREE_NUMBER_DIGITS = tuple(f"digit_{d}" for d in "08000011")  # the World's room's free number, 0800 0011
PHONES = ("handler", "colleague", "control_room")

# The caller on the free number: a participant alerted by the row's actions, or a stranger.
PARTICIPANT, PARTICIPANT_E164, STRANGER_E164 = "0201234501", "+31201234501", "+31301234567"
MOBILE_PARTICIPANT = "0612345601"  # a mobile that takes its alerts as calls
CLOSING_TEXT = "De verdachte zit vast."


def title(index):
    return ("title", index)


@dataclass(frozen=True)
class Row:
    name: str
    flow: str  # alert | closing | inbound
    heard: tuple
    # (prompt id, keys): the caller keys them while that prompt's question waits; "w" waits half a second
    # (Asterisk's SendDTMF), and the keys after it answer the next question.
    press: tuple | None = None
    hangs_up_after: int | None = None  # the caller hangs up during the n-th prompt heard
    caller: str = "participant"  # inbound: participant (known caller ID) | stranger
    actions: tuple = ("active",)  # each action: active | ended; ("active", "colleague"): handled by the colleague
    phones: dict = field(default_factory=dict)  # name -> ANSWERS | BUSY | NO_ANSWER (default ANSWERS)
    rung: tuple = ()  # (stage, (phone, ...), status) of each Dial, in order
    bridged: str | None = None  # the phone the caller ends up talking to
    record: tuple | None = None  # the call log: (outcome, origin, alerted, index of its action or None)
    key: str | None = None  # alert call: the key recorded in the delivery's ledger row
    tip: bool = False  # a spoken tip was kept with the action
    answers_as: str | None = None  # alert, closing: the participant's phone (MACHINE | LONG_HELLO | SILENCE), detection on
    amd: tuple | None = None  # alert, closing: (Delivery.amd_status, detail["voicemail"]) the call leaves
    mobile: bool = False  # alert call: the participant's number is a mobile (that takes alert calls)
    # Alert call: the number afterwards: (channel, unsubscribed, what the keypad's audit entries say).
    number: tuple = ("voice", False, ())
    checks_used_up: bool = False  # inbound: the caller's number used its genuine-alert checks of the hour

    def outcome(self):
        """What the call must leave behind, in the shape World.outcome reads it."""
        return {"record": self.record, "route": self.rung if self.record else None,
                "operator": self.bridged if self.record and self.bridged != "control_room" else None,
                "key": self.key, "tips": int(self.tip),
                "amd": (self.amd or (None, None)) if self.flow != "inbound" else None,
                "number": self.number if self.flow == "alert" else None}

    def rung_phones(self):
        """Every phone rung, in order, as the back-end's own dial events or verbs show them."""
        return [phone for _, phones, _ in self.rung for phone in phones]

    def phone(self, name):
        return self.phones.get(name, ANSWERS)

    def handler_of(self, index):
        spec = self.actions[index]
        return spec[1] if isinstance(spec, tuple) else "handler"

    def status_of(self, index):
        spec = self.actions[index]
        return spec[0] if isinstance(spec, tuple) else spec


ROWS = (
    Row("alert listened", "alert", (MESSAGE, MESSAGE, "alert_menu", "thanks_goodbye")),
    Row("alert press 1 is put through", "alert", (MESSAGE, MESSAGE, "alert_menu", "connecting"),
        press=("alert_menu", "1"), rung=(("operator", ("handler",), "answered"),), bridged="handler",
        record=("connected", "alert_call", True, 0), key="1"),
    Row("alert press 2 hears it again", "alert",
        (MESSAGE, MESSAGE, "alert_menu", MESSAGE, "alert_menu", "thanks_goodbye"),
        press=("alert_menu", "2"), key="2"),
    Row("alert hung up mid-prompt", "alert", (MESSAGE,), hangs_up_after=1),
    Row("alert to an answering machine leaves the voicemail", "alert",
        ("voicemail_intro", title(0), "voicemail_code", CODE, "voicemail_free_number", *FREE_NUMBER_DIGITS,
         "goodbye"), answers_as=MACHINE, amd=("machine", True)),
    Row("alert to a long hello is a person", "alert", (MESSAGE, MESSAGE, "alert_menu", "thanks_goodbye"),
        answers_as=LONG_HELLO, amd=("human", None)),
    Row("alert to silence is a person", "alert", (MESSAGE, MESSAGE, "alert_menu", "thanks_goodbye"),
        answers_as=SILENCE, amd=("notsure", None)),
    Row("alert press 0 and 9 stops the calls", "alert",
        (MESSAGE, MESSAGE, "alert_menu", "stop_calls_confirm", "calls_stopped"),
        press=("alert_menu", "0ww9"), key="0", number=("voice", True, ("unsubscribed",))),
    Row("alert press 0 then another key goes back", "alert",
        (MESSAGE, MESSAGE, "alert_menu", "stop_calls_confirm", "alert_menu", "thanks_goodbye"),
        press=("alert_menu", "0ww5")),
    Row("alert on a mobile press 3 gets SMS instead", "alert",
        (MESSAGE, MESSAGE, "alert_menu", "alert_menu_sms", "sms_instead_done"),
        press=("alert_menu_sms", "3"), mobile=True, key="3", number=("sms", False, ("channel-changed",))),
    Row("closing listened", "closing", (MESSAGE, MESSAGE, "closing_menu", "goodbye")),
    Row("closing to an answering machine leaves the voicemail", "closing", (MESSAGE, "goodbye"),
        answers_as=MACHINE, amd=("machine", True)),
    Row("free number: known caller ID", "inbound", ("inbound_calling_about", title(0), "connecting"),
        rung=(("operator", ("handler",), "answered"),), bridged="handler",
        record=("connected", "free_number", True, 0)),
    Row("free number: keyed action code", "inbound",
        ("inbound_welcome", "enter_code", "check_offer", "inbound_calling_about", title(0), "connecting"),
        caller="stranger", press=("check_offer", "<code>#"),
        rung=(("operator", ("handler",), "answered"),), bridged="handler",
        record=("connected", "free_number", False, 0)),
    Row("free number: checked that an alert is genuine", "inbound",
        ("inbound_welcome", "enter_code", "check_offer", "check_genuine", title(0), "check_still_on", "goodbye"),
        caller="stranger", press=("check_offer", "*<code>#"), record=("checked", "free_number", False, None)),
    Row("free number: checked a code no alert has", "inbound",
        ("inbound_welcome", "enter_code", "check_offer", "check_not_found", "goodbye"),
        caller="stranger", press=("check_offer", "*999999#"), record=("checked", "free_number", False, None)),
    Row("free number: too many checks from one number, put through to the control room", "inbound",
        ("inbound_welcome", "enter_code", "check_offer", "check_too_many", "check_too_many_operator",
         "connecting_control_room"),
        caller="stranger", press=("check_offer", "*<code>#www1"), checks_used_up=True,
        rung=(("general_line", ("control_room",), "answered"),), bridged="control_room",
        record=("general_line", "free_number", False, None)),
    Row("free number: menu of two active actions", "inbound",
        ("inbound_welcome", "inbound_menu_intro", "press_1", title(1), "press_2", title(0), "connecting"),
        actions=(("active", "colleague"), "active"), press=(title(0), "2"),
        rung=(("operator", ("colleague",), "answered"),), bridged="colleague",
        record=("connected", "free_number", True, 0)),
    Row("free number: the action ended", "inbound",
        ("inbound_welcome", "action_ended", "connecting_control_room"), actions=("ended",),
        rung=(("general_line", ("control_room",), "answered"),), bridged="control_room",
        record=("general_line", "free_number", False, 0)),
    Row("free number: all operators busy, control room away, tip", "inbound",
        ("inbound_calling_about", title(0), "connecting", "operator_unavailable_leave_tip", "tip_saved"),
        phones={"handler": BUSY, "colleague": BUSY, "control_room": NO_ANSWER},
        press=("operator_unavailable_leave_tip", "#"),
        rung=(("operator", ("handler",), "busy"), ("others", ("colleague",), "busy"),
              ("control_room", ("control_room",), "noanswer")),
        record=("tip", "free_number", True, 0), tip=True),
)
BY_NAME = {row.name: row for row in ROWS}


def _heard_by_last_word(rows):
    """The alert and closing rows' prompts by (flow, the name's last word), as tests find them: two rows may
    share that word only if they hear the same."""
    heard = {}
    for row in rows:
        if row.flow != "inbound":
            key = (row.flow, row.name.split()[-1])
            assert heard.setdefault(key, row.heard) == row.heard, f"two {key[0]} rows end in {key[1]!r}"
    return heard


HEARD = _heard_by_last_word(ROWS)


def expected(purpose, scenario, message_key, language):
    """The table's alert or closing row (`scenario` its last word) with the call's message key and
    the language of its fixed prompts filled in."""
    return [message_key if part == MESSAGE else f"{part}/{language}" for part in HEARD[(purpose, scenario)]]


def heard_as(row, message_key, title_keys, language="nl", code=""):
    """The row's `heard` with the call's rendered keys, the action code and the prompts' language filled in."""
    out = []
    for part in row.heard:
        if part == MESSAGE:
            out.append(message_key)
        elif part == CODE:
            out.extend(f"digit_{d}/{language}" for d in code)
        elif isinstance(part, tuple):
            out.append(title_keys[part[1]])
        else:
            out.append(f"{part}/{language}")
    return out


def lab_line(n, behaviour):
    """A lab phone: `n` tells phones apart, `behaviour` (two digits) is what it does; Twilio rings
    the same phone as +3120999<n><behaviour>."""
    return f"Local/3120999{n:02d}{behaviour}@lab-pstn"


class World:
    """A row's control room (handler, colleague, general line with the row's behaviours), the
    participant and the row's actions, in the test's database (each action's deliveries count as
    sent, under attempt `scenario-<action id>`)."""

    def __init__(self, rt, row, participant_number=PARTICIPANT):
        self.rt, self.row = rt, row
        with rt.db.session() as s:
            room = ControlRoom(name="Meldkamer Scenario", free_number="0800 0011",
                               general_line=lab_line(90, row.phone("control_room")))
            s.add(room)
            s.flush()
            handler = Operator(control_room_id=room.id, name="Handler", dial_string=lab_line(11, row.phone("handler")))
            colleague = Operator(control_room_id=room.id, name="Colleague",
                                 dial_string=lab_line(12, row.phone("colleague")))
            s.add_all([handler, colleague])
            s.flush()
            self.room_id = room.id
            self.operators = {"handler": handler.id, "colleague": colleague.id}
            self.dial_strings = {"handler": handler.dial_string, "colleague": colleague.dial_string,
                                 "control_room": room.general_line}
            self.participant_id = None
            if row.caller == "participant":
                number, channel = (MOBILE_PARTICIPANT, "voice") if row.mobile else (participant_number, None)
                self.participant_id = factories.participant(s, number, distance_m=100, channel=channel).id
        self.actions = [self._launch(index) for index in range(len(row.actions))]
        if row.flow == "closing":
            self._closing_due()
        if row.checks_used_up:
            limits = PhoneCheckLimits(rt.redis, rt.db, rt.config, rt.config["SECRET_KEY"])
            for _ in range(rt.config["GENUINE_PHONE_CHECKS_PER_HOUR"]):
                assert limits.allows(STRANGER_E164)

    def _launch(self, index):
        with self.rt.db.session() as s:
            room = s.get(ControlRoom, self.room_id)
            operator = s.get(Operator, self.operators[self.row.handler_of(index)])
            body = factories.launch_body(room, operator, title=("Inbraak Weesp", "Vermiste jongen")[index])
            action, _ = ActionService(self.rt).launch(s, parse_launch(body, 640, 50_000), "scenario")
            # Alerted as the call service would have it: the delivery sent, this attempt current.
            s.execute(update(Delivery).where(Delivery.action_id == action.id)
                      .values(state="sent", provider_ref=f"scenario-{action.id}"))
            action_id, code, title_text = action.id, action.code, action.title
        if self.row.status_of(index) == "ended":
            with self.rt.db.session() as s:
                ActionService(self.rt).end(s, action_id, "suspect_caught", "De verdachte zit vast.", "scenario")
        return {"id": action_id, "code": code, "title": title_text}

    def _closing_due(self):
        """The first action ended: its closing call to the participant its alert reached, as the call
        service would have it (sent, under attempt `scenario-closing-<action id>`)."""
        action_id = self.actions[0]["id"]
        with self.rt.db.session() as s:
            ActionService(self.rt).end(s, action_id, "suspect_caught", CLOSING_TEXT, "scenario")
        with self.rt.db.session() as s:
            s.execute(update(Delivery).where(Delivery.action_id == action_id, Delivery.purpose == "closing")
                      .values(state="sent", provider_ref=f"scenario-closing-{action_id}"))

    def call(self):
        """The delivery of the row's alert or closing call."""
        return self.delivery(purpose=self.row.flow)

    def delivery(self, index=0, purpose="alert"):
        with self.rt.db.session() as s:
            return s.scalars(select(Delivery).where(Delivery.action_id == self.actions[index]["id"],
                                                    Delivery.purpose == purpose)).one()

    def phone_of(self, dial_string):
        """The phone's name for a dial string (or the dial string itself if it is none of them)."""
        return next((name for name, d in self.dial_strings.items() if d == dial_string), dial_string)

    def keys(self):
        """The keys the row's caller presses, the action code filled in."""
        return self.row.press[1].replace("<code>", self.actions[0]["code"])

    def answers(self):
        """The keys of each question the row's caller answers, in order (keys() split at its waits)."""
        return [keys for keys in self.keys().split("w") if keys]

    def outcome(self):
        """What the call left behind, in the table's terms (see Row.outcome): the call record and
        its route, the alert call's key in the ledger, the tips kept."""
        found = {"record": None, "route": None, "operator": None, "key": None}
        with self.rt.db.session() as s:
            calls = s.scalars(select(InboundCall).where(InboundCall.outcome.is_not(None))).all()
            assert len(calls) <= 1, f"{len(calls)} call records of one call"
            for call in calls:
                # None: a call about no action (a check that an alert is genuine)
                action = next((i for i, a in enumerate(self.actions) if a["id"] == call.action_id), None)
                found.update(record=(call.outcome, call.origin, call.alerted, action),
                             route=tuple((r["stage"], tuple(map(self.phone_of, r["targets"])), r["status"])
                                         for r in call.route),
                             operator=next((n for n, o in self.operators.items() if o == call.operator_id), None))
            found["tips"] = s.scalar(select(func.count(Tip.id)).where(
                Tip.action_id.in_([a["id"] for a in self.actions])))
        found["amd"] = None
        if self.row.flow != "inbound":
            delivery = self.call()
            found["amd"] = (delivery.amd_status, (delivery.detail or {}).get("voicemail"))
        if self.row.flow == "alert":
            found["key"] = (delivery.detail or {}).get("key")
            with self.rt.db.session() as s:
                number = s.scalars(select(PhoneNumber).where(PhoneNumber.participant_id == self.participant_id)).one()
                verbs = tuple(s.scalars(select(AuditEvent.verb).where(
                    AuditEvent.actor == "keypad", AuditEvent.subject_type == "phone_number",
                    AuditEvent.subject_id == str(number.id)).order_by(AuditEvent.id)))
                found["number"] = (number.channel, number.unsubscribed, verbs)
        else:
            found["number"] = None
        return found


class ScenarioTones(SpeechEngine):
    """A fast, timed stand-in for espeak: a fixed prompt is a 0.3 s tone, anything else (a title,
    an alert, a closing text) a 2 s tone, so a lab caller can key at the right moment and hang up
    in the middle of a message."""

    name = "scenario-tone"
    FIXED_S, SPOKEN_S = 0.3, 2.0
    _fixed = {" ".join(text.split()) for texts in PROMPTS.values() for text in texts.values()}

    def voice_for(self, language):
        return "tone"

    def synthesize(self, text, language):
        seconds = self.FIXED_S if text in self._fixed else self.SPOKEN_S
        return Sine(440).to_audio_segment(duration=int(seconds * 1000)).export(io.BytesIO(), format="wav").getvalue()

    @classmethod
    def duration(cls, part, code=""):
        if part == CODE:
            return cls.FIXED_S * len(code)
        return cls.SPOKEN_S if part == MESSAGE or isinstance(part, tuple) else cls.FIXED_S
