"""The free number: a participant who saw something is put straight through to the action's operator.

    caller alerted by one active action   -> "you are calling about <title>", put through
    alerted by several                    -> menu of their titles (1..n), `*` for the code
    alerted only by one that just ended   -> told it ended and thanked, then the control room
    unknown or withheld, or pressed `*`   -> the code from the message, three tries
    `*` and a code at the code question   -> whether the alert is genuine: its title, and (still on)
                                             1 to be put through; an exercise is said to be one
    too many checks from this number      -> told to try later, 1 for the control room's general line
    no active action / the action ended   -> told so (112 for emergencies), then the general line
    nobody answers                        -> a spoken tip, kept with the action

State is a JSON dict; `phase` says which question is open: greeting | menu | code | check | checked |
refused | routing | tip | general_line | done (greeting only before the first answer).
"""
from . import put_through
from .call_flow import CallFlow
from .steps import Digits, DialResult, Dial, DialTarget, Gather, Hangup, Say

NAME = "inbound"
MENU_SIZE = 9  # press_1 .. press_9
CODE_DIGITS = 6
CHECK_KEY = "*"  # before a code: only check that the alert with that code is genuine


class InboundFlow(CallFlow):
    """`check_limits` counts the checks across calls (core.genuine_check.PhoneCheckLimits: allows(caller));
    None: only IVR_MAX_TRIES per call limits them."""

    name = NAME

    def __init__(self, directory, settings, check_limits=None):
        super().__init__(directory, settings)
        self.check_limits = check_limits

    # The script --------------------------------------------------------------------------

    def hangup_outcome(self, state):
        return "abandoned"

    def on_event(self, state, event):
        phase = state["phase"]
        if phase == "routing" and isinstance(event, Digits):  # `*` during "you are calling about ..."
            state.update(action=None, alerted=False, route=[], pending=[])
            return self.ask_code(state, lead_in=())
        if phase == "menu" and isinstance(event, Digits):
            return self.on_menu(state, event.value)
        if phase == "code" and isinstance(event, Digits):
            return self.on_code(state, event.value)
        if phase == "check" and isinstance(event, Digits):
            return self.on_check(state, event.value)
        if phase == "checked" and isinstance(event, Digits):
            return self.on_checked(state, event.value)
        if phase == "refused" and isinstance(event, Digits):
            return self.on_refused(state, event.value)
        if phase == "general_line" and isinstance(event, DialResult):
            state["route"][-1]["status"] = event.status
            if event.status == "answered":
                state.update(outcome="general_line", talk_s=event.talk_s)
                state["phase"] = "done"
                return state, [Hangup()]
            state["phase"] = "done"
            return state, [Say(("goodbye",)), Hangup()]
        return self.unexpected(state, event)

    def start(self, event):
        match = self.directory.identify(event.caller)
        state = {"flow": NAME, "phase": "greeting", "call_ref": event.call_ref, "caller": event.caller,
                 "dialled": event.dialled, "participant_id": match.participant_id,
                 "lang": match.language or self.settings.default_language,
                 "alerted_ids": [a.id for a in match.actions], "choices": [], "tries": 0,
                 "action": None, "alerted": False, "route": [], "pending": [], "outcome": None,
                 "operator_id": None, "talk_s": None}
        if len(match.actions) == 1:
            return self.greet_and_put_through(state, match.actions[0].as_dict())
        if len(match.actions) > 1:
            state["choices"] = [a.as_dict() for a in match.actions[:MENU_SIZE]]
            state["phase"] = "menu"
            return state, [Say(("inbound_welcome",)), self.menu(state["choices"])]
        if match.ended:
            state["action"] = match.ended[0].as_dict()
            return self.no_action(state, ("inbound_welcome", "action_ended"), to_control_room=True)
        if not self.directory.has_active_actions():
            return self.no_action(state, ("inbound_welcome", "no_active_action"))
        return self.ask_code(state, lead_in=("inbound_welcome",))

    def greet_and_put_through(self, state, action):
        """Name the action and ring its operator; `*` during the greeting asks for a code instead."""
        state, steps = put_through.begin(state, self.directory, self.settings, action, alerted=True)
        greeting = Say(("inbound_calling_about", put_through.title_audio(action, self.settings),
                        "connecting"), interrupt="*")
        return state, [greeting, *steps]

    # Menu of several actions ---------------------------------------------------------------

    def menu(self, choices):
        parts = ["inbound_menu_intro"]
        for number, action in enumerate(choices, start=1):
            parts += [f"press_{number}", put_through.title_audio(action, self.settings)]
        return Gather(tuple(parts), max_digits=1, timeout_s=self.settings.menu_timeout_s)

    def on_menu(self, state, digits):
        choices = state["choices"]
        if digits == "*":
            return self.ask_code(state, lead_in=())
        if digits and digits.isdigit() and 1 <= int(digits) <= len(choices):  # match
            action = choices[int(digits) - 1]
            return put_through.begin(state, self.directory, self.settings, action, alerted=True,
                                     lead_in=("connecting",))
        state["tries"] += 1
        if state["tries"] >= self.settings.max_tries:  # failure: the most recent action's people
            return put_through.begin(state, self.directory, self.settings, choices[0], alerted=True,
                                     lead_in=("connecting",))
        complaint = "no_input" if digits is None else "invalid_choice"  # timeout | invalid
        return state, [Say((complaint,)), self.menu(choices)]

    # Code from the message -----------------------------------------------------------------

    def ask_code(self, state, lead_in):
        """The first code question also offers the check (`*`, the code, `#`); its retries do not."""
        state.update(phase="code", tries=0)
        return state, [Gather((*lead_in, "enter_code", "check_offer"), max_digits=len(CHECK_KEY) + CODE_DIGITS,
                              timeout_s=self.settings.code_timeout_s)]

    def code_prompt(self):
        return Gather(("enter_code",), max_digits=CODE_DIGITS, timeout_s=self.settings.code_timeout_s)

    def on_code(self, state, digits):
        if digits and digits.startswith(CHECK_KEY):
            state.update(phase="check", tries=0)
            code = digits[len(CHECK_KEY):]
            return self.on_check(state, code) if code else (state, [self.check_prompt()])
        action = self.directory.action_by_code(digits) if digits else None
        if action is not None and action.status == "active":  # match
            state["tries"] = 0
            action = action.as_dict()
            return put_through.begin(state, self.directory, self.settings, action,
                                     alerted=action["id"] in state["alerted_ids"],
                                     lead_in=("inbound_calling_about",
                                              put_through.title_audio(action, self.settings), "connecting"))
        if action is not None:  # the action has ended: "no active alert" only if none is
            state["action"] = action.as_dict()
            ended = ("action_ended",) if self.directory.has_active_actions() else ("action_ended", "no_active_action")
            return self.no_action(state, ended, to_control_room=True)
        state["tries"] += 1
        if state["tries"] >= self.settings.max_tries:  # failure
            return self.no_action(state, ("code_retry_exhausted",))
        complaint = "no_input" if not digits else "code_unknown"  # timeout | invalid
        return state, [Say((complaint,)), self.code_prompt()]

    # Is this alert genuine? --------------------------------------------------------------

    def check_prompt(self):
        return Gather(("check_enter_code",), max_digits=CODE_DIGITS, timeout_s=self.settings.code_timeout_s)

    def on_check(self, state, code):
        """Whether the police sent the alert with this code, named by its title. The call stays no response
        to that action (no action in its record) unless the caller then asks to be put through."""
        state["outcome"] = "checked"
        if code and self.check_limits is not None and not self.check_limits.allows(state["caller"]):
            return self.refuse_check(state)
        action = self.directory.action_by_code(code) if code else None
        if action is None:
            complaint = "check_not_found" if code else "no_input"
            state["tries"] += 1
            if state["tries"] >= self.settings.max_tries:
                state["phase"] = "done"
                return state, [Say((complaint, "goodbye")), Hangup()]
            return state, [Say((complaint,)), self.check_prompt()]
        action = action.as_dict()
        if action["exercise"]:  # the police's own, but nobody is looked for: nothing to put through
            state["phase"] = "done"
            return state, [Say(("check_exercise", put_through.title_audio(action, self.settings),
                                "check_exercise_nothing_to_do", "goodbye")), Hangup()]
        genuine = ("check_genuine", put_through.title_audio(action, self.settings))
        if action["status"] != "active":
            state["phase"] = "done"
            return state, [Say((*genuine, "check_ended", "goodbye")), Hangup()]
        state.update(phase="checked", checked=action)
        return state, [Gather((*genuine, "check_still_on"), max_digits=1, timeout_s=self.settings.menu_timeout_s)]

    def on_checked(self, state, digits):
        """1 after a genuine active alert: put through to its operator, as with a keyed code."""
        if digits == "1":
            action = state.pop("checked")
            state["outcome"] = None  # a call put through is a response like any other
            return put_through.begin(state, self.directory, self.settings, action,
                                     alerted=action["id"] in state["alerted_ids"], lead_in=("connecting",))
        state["phase"] = "done"
        return state, [Say(("goodbye",)), Hangup()]

    def refuse_check(self, state):
        """Too many checks from this caller: try later, or 1 for the control room's general line (never
        silence: a caller who really saw something still gets through)."""
        line = self.directory.idle_line(state["dialled"])
        if line is None:
            state["phase"] = "done"
            return state, [Say(("check_too_many", "goodbye")), Hangup()]
        state.update(phase="refused", refused_line=line)
        return state, [Gather(("check_too_many", "check_too_many_operator"), max_digits=1,
                              timeout_s=self.settings.menu_timeout_s)]

    def on_refused(self, state, digits):
        if digits != "1":
            state["phase"] = "done"
            return state, [Say(("goodbye",)), Hangup()]
        line = state.pop("refused_line")
        state["phase"] = "general_line"
        state["route"].append({"stage": "general_line", "targets": [line], "status": None})
        return state, [Say(("connecting_control_room",)),
                       Dial((DialTarget(line),), self.settings.control_room_ring_s, stage="general_line")]

    # Nothing to put through to -------------------------------------------------------------

    def no_action(self, state, said, to_control_room=False):
        """Say why, then the control room's general line where it wants those calls, else goodbye.
        `to_control_room`: the caller is told they are put through (an ended action's caller)."""
        state["outcome"] = "no_action"
        line = self.directory.idle_line(state["dialled"]) if self.settings.idle_to_general_line else None
        if line is None:
            state["phase"] = "done"
            return state, [Say((*said, "goodbye")), Hangup()]
        state["phase"] = "general_line"
        state["route"].append({"stage": "general_line", "targets": [line], "status": None})
        lead_in = (*said, "connecting_control_room") if to_control_room else said
        return state, [Say(lead_in), Dial((DialTarget(line),), self.settings.control_room_ring_s,
                                          stage="general_line")]
