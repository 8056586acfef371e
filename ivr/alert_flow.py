"""The outbound call of a voice delivery, written once for both back-ends.

An alert call: the alert twice, then "press 1 to be put through now, press 2 to hear it again,
press 0 to stop alert calls to this number" (and, on a mobile, "press 3 for SMS instead");
press 1 takes the free number's routing for that action (see put_through). 0 asks for a 9 to
confirm (any other key goes back to the menu); the choice is applied at once (KeypadChoice).
An alert call a machine answered (answering-machine detection; on Asterisk the call reaches the
flow once the greeting ended, on Twilio the verdict arrives as Detected while the alert plays over
the greeting) gets the voicemail message once instead: the action's title, its code and the free
number. Detection is a hint: any key proves a person, who gets the alert and the menu as anyone
else, whatever detection says before or after; NOTSURE is a person.
A closing call: how the action ended, twice, then "press 2 to hear it again"; it never puts
anyone through (the action is over) and is not told the action ended as if that were news
about an alert: the closing text itself says so. On a machine it is left once, as a voicemail.

State is a JSON dict; `phase`: voicemail | menu | confirm_stop | closing | routing | tip | done.
`key` is the key the participant pressed (for the ledger), `pressed` whether any key was, `plays` how often the message was played, `amd`
and `amd_cause` what detection said ("key" once a key overruled "machine"), `voicemail` whether
the call is (True) or was taken for (False) a machine's.
"""
from . import put_through
from .call_flow import CallFlow
from .steps import Detected, Digits, Gather, Hangup, KeypadChoice, Say, Spoken, digits_prompt

NAME = "alert"
KEYS = "120"
AGAIN = "2"
ANY_KEY = "0123456789*#"
STOP, CONFIRM_STOP, SMS_INSTEAD = "0", "9", "3"


class AlertFlow(CallFlow):
    name = NAME

    def hangup_outcome(self, state):
        if state.get("phase") == "voicemail":
            return "voicemail"
        return "abandoned" if state.get("key") == "1" else "listened"

    def on_event(self, state, event):
        if isinstance(event, Detected):
            return self.on_detected(state, event)
        if isinstance(event, Digits) and event.value:
            state["pressed"] = True
        if state["phase"] == "voicemail" and isinstance(event, Digits):
            return self.on_voicemail_key(state)
        if state["phase"] == "menu" and isinstance(event, Digits):
            return self.on_menu(state, event.value)
        if state["phase"] == "confirm_stop" and isinstance(event, Digits):
            return self.on_confirm_stop(state, event.value)
        if state["phase"] == "closing" and isinstance(event, Digits):
            return self.on_closing_menu(state, event.value)
        return self.unexpected(state, event)

    def start(self, event):
        call = self.directory.alert_call(event.delivery_id) if event.delivery_id else None
        state = {"flow": NAME, "phase": "done", "call_ref": event.call_ref, "caller": event.caller,
                 "delivery_id": event.delivery_id, "tries": 0, "key": None, "outcome": None,
                 "action": None, "alerted": True, "route": [], "pending": [], "operator_id": None,
                 "talk_s": None, "participant_id": None, "lang": self.settings.default_language,
                 "purpose": None, "text": None, "prompt": None, "plays": 0, "free_number": None, "mobile": False,
                 "amd": event.answered_by, "amd_cause": event.amd_cause, "voicemail": None}
        if call is None:
            state["outcome"] = "failed"
            return state, [Hangup()]
        state.update(participant_id=call.participant_id, lang=call.language, action=call.action.as_dict(),
                     purpose=call.purpose, text=call.text, prompt=call.prompt, free_number=call.free_number,
                     mobile=call.mobile)
        if call.purpose != "closing" and call.action.status != "active":
            state["outcome"] = "no_action"
            return state, [Say(("action_ended", "goodbye")), Hangup()]
        if event.answered_by == "machine":
            return self.leave_voicemail(state)
        return self.for_a_person(state)

    def for_a_person(self, state):
        """The alert and its menu, or the closing and its own."""
        if state["purpose"] == "closing":
            state["phase"] = "closing"
            return state, [self.message(state), self.message(state), self.closing_menu()]
        state["phase"] = "menu"
        return state, [self.message(state), self.message(state), self.menu(state)]

    def leave_voicemail(self, state):
        state.update(phase="voicemail", voicemail=True, outcome="voicemail")
        return state, [self.voicemail_message(state), Hangup()]

    def on_detected(self, state, event):
        """Detection's verdict while the call plays (Twilio). A machine, before anything was decided on the
        call, gets the voicemail in place of what it plays; a key pressed already proved a person ("key");
        any other verdict is only noted. No steps: the call goes on as it is."""
        if state.get("pressed") or state.get("amd") == "key":
            state.update(amd="key", amd_cause=event.amd_cause)
            return state, []
        state.update(amd=event.answered_by, amd_cause=event.amd_cause)
        if event.answered_by == "machine" and state["phase"] in ("menu", "closing"):
            return self.leave_voicemail(state)
        return state, []

    def voicemail_message(self, state):
        """What a machine records, once: the alert in one sentence (the action's title), its code and
        the free number; or how the action ended. Any key stops it: a person is listening after all."""
        if state["purpose"] == "closing":
            spoken = Spoken(state["text"], key=state["prompt"], fallback=("alert_closing_intro",))
            return Say((spoken, "goodbye"), interrupt=ANY_KEY)
        action = state["action"]
        free_number = digits_prompt(state["free_number"] or "")
        exercise = ("voicemail_exercise",) if action.get("exercise") else ()
        return Say((*exercise, "voicemail_intro", put_through.title_audio(action, self.settings),
                    "voicemail_code", *digits_prompt(action["code"]),
                    *(("voicemail_free_number", *free_number) if free_number else ()), "goodbye"),
                   interrupt=ANY_KEY)

    def on_voicemail_key(self, state):
        """A key during the voicemail message proves a person: the alert or closing and its menu, as anyone gets."""
        state.update(voicemail=False, outcome=None, amd="key")
        return self.for_a_person(state)

    def message(self, state):
        """The alert or the closing text as rendered before the call; a key of the menu pressed
        during it ends it and counts."""
        state["plays"] += 1
        if state["purpose"] == "closing":
            spoken = Spoken(state["text"], key=state["prompt"], fallback=("alert_closing_intro",))
            return Say((spoken,), interrupt=AGAIN)
        spoken = Spoken(state["text"], key=state["prompt"],
                        fallback=("alert_intro", "whisper_action_code", *digits_prompt(state["action"]["code"])))
        return Say((spoken,), interrupt=KEYS + (SMS_INSTEAD if state.get("mobile") else ""))

    def menu(self, state):
        # state.get: a Twilio call's state kept from before `mobile` existed lacks it (a landline, then).
        prompt = ("alert_menu", "alert_menu_sms") if state.get("mobile") else ("alert_menu",)
        return Gather(prompt, max_digits=1, timeout_s=self.settings.menu_timeout_s)

    def closing_menu(self):
        return Gather(("closing_menu",), max_digits=1, timeout_s=self.settings.menu_timeout_s)

    def on_menu(self, state, digits):
        if digits == "1":  # match: put through
            state["key"] = "1"
            return put_through.begin(state, self.directory, self.settings, state["action"], alerted=True,
                                     lead_in=("connecting",))
        if digits == AGAIN:  # match: again
            state["key"] = state["key"] or AGAIN
            return state, [self.message(state), self.menu(state)]
        if digits == STOP:  # match: stop alert calls, once confirmed
            state["phase"] = "confirm_stop"
            return state, [Gather(("stop_calls_confirm",), max_digits=1, timeout_s=self.settings.menu_timeout_s)]
        if digits == SMS_INSTEAD and state.get("mobile"):  # match: alerts by SMS from now on
            state.update(key=SMS_INSTEAD, phase="done", outcome="listened")
            return state, [KeypadChoice(state["delivery_id"], "sms_instead"), Say(("sms_instead_done",)), Hangup()]
        state["tries"] += 1
        if state["tries"] >= self.settings.max_tries:  # failure: they heard it; leave them be
            state.update(phase="done", outcome="listened")
            return state, [Say(("thanks_goodbye",)), Hangup()]
        complaint = "no_input" if digits is None else "invalid_choice"  # timeout | invalid
        return state, [Say((complaint,)), self.menu(state)]

    def on_confirm_stop(self, state, digits):
        """9 stops alert calls to this number at once; anything else (or nothing) goes back to the menu."""
        if digits == CONFIRM_STOP:
            state.update(key=STOP, phase="done", outcome="listened")
            return state, [KeypadChoice(state["delivery_id"], "stop_calls"), Say(("calls_stopped",)), Hangup()]
        state["phase"] = "menu"
        return state, [self.menu(state)]

    def on_closing_menu(self, state, digits):
        """2 plays the closing once more; anything else (or nothing) ends the call politely."""
        if digits == AGAIN:
            state["key"] = AGAIN
            return state, [self.message(state), self.closing_menu()]
        state.update(phase="done", outcome="listened")
        return state, [Say(("goodbye",)), Hangup()]
