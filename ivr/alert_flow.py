"""The outbound alert call: the alert twice, then "press 1 to be put through now, press 2 to hear
it again". Press 1 takes the free number's routing for that action (see put_through).

State is a JSON dict; `phase`: menu | routing | tip | done. `key` is the key the participant
pressed (for the ledger), `listened` whether the alert was played to its end at least once.
"""
from . import put_through
from .call_flow import CallFlow
from .steps import Digits, Gather, Hangup, Say, Spoken

NAME = "alert"
KEYS = "12"


class AlertFlow(CallFlow):
    name = NAME

    def hangup_outcome(self, state):
        return "abandoned" if state.get("key") == "1" else "listened"

    def on_event(self, state, event):
        if state["phase"] == "menu" and isinstance(event, Digits):
            return self.on_menu(state, event.value)
        return self.unexpected(state, event)

    def start(self, event):
        call = self.directory.alert_call(event.delivery_id) if event.delivery_id else None
        state = {"flow": NAME, "phase": "done", "call_ref": event.call_ref, "caller": event.caller,
                 "delivery_id": event.delivery_id, "tries": 0, "key": None, "outcome": None,
                 "action": None, "alerted": True, "route": [], "pending": [], "operator_id": None,
                 "talk_s": None, "participant_id": None, "lang": self.settings.default_language}
        if call is None:
            state["outcome"] = "failed"
            return state, [Hangup()]
        state.update(participant_id=call.participant_id, lang=call.language, action=call.action.as_dict(),
                     alert_text=call.alert_text)
        if call.action.status != "active":
            state["outcome"] = "no_action"
            return state, [Say(("action_ended", "goodbye")), Hangup()]
        state["phase"] = "menu"
        return state, [self.alert(state), self.alert(state), self.menu()]

    def alert(self, state):
        """The alert as rendered at launch (either key pressed early ends it and counts)."""
        spoken = Spoken(state["alert_text"], key=state["action"]["alert_prompt"],
                        fallback=("alert_intro", "whisper_action_code",
                                  *(f"digit_{d}" for d in state["action"]["code"])))
        return Say((spoken,), interrupt=KEYS)

    def menu(self):
        return Gather(("alert_menu",), max_digits=1, timeout_s=self.settings.menu_timeout_s)

    def on_menu(self, state, digits):
        if digits == "1":  # match: put through
            state["key"] = "1"
            return put_through.begin(state, self.directory, self.settings, state["action"], alerted=True,
                                     lead_in=("connecting",))
        if digits == "2":  # match: again
            state["key"] = state["key"] or "2"
            return state, [self.alert(state), self.menu()]
        state["tries"] += 1
        if state["tries"] >= self.settings.max_tries:  # failure: they heard it; leave them be
            state.update(phase="done", outcome="listened")
            return state, [Say(("thanks_goodbye",)), Hangup()]
        complaint = "no_input" if digits is None else "invalid_choice"  # timeout | invalid
        return state, [Say((complaint,)), self.menu()]
