"""What every call flow shares: a hang-up at any moment, putting the caller through (routing and
tip phases, see put_through), and the record the finished call leaves.

A flow subclasses CallFlow and gives `name`, `start(event)`, `on_event(state, event)` for its own
phases, and `hangup_outcome(state)`: the outcome of a call that hangs up before deciding one.
"""
from . import put_through
from .steps import DialResult, Hungup, Outcome, Recorded, Started


class CallFlow:
    name = None

    def __init__(self, directory, settings):
        self.directory = directory
        self.settings = settings

    def advance(self, state, event):
        """(state, steps) after `event`; `state` is None before Started."""
        if isinstance(event, Started):
            return self.start(event)
        state = dict(state)
        if isinstance(event, Hungup):
            if state.get("outcome") is None:
                state["outcome"] = self.hangup_outcome(state)
            state["phase"] = "done"
            return state, []
        phase = state["phase"]
        if phase == "routing" and isinstance(event, DialResult):
            return put_through.on_dial_result(state, event, self.settings)
        if phase == "tip" and isinstance(event, Recorded):
            return put_through.on_recorded(state, event, self.settings)
        return self.on_event(state, event)

    def unexpected(self, state, event):
        raise ValueError(f"{self.name} flow: unexpected {type(event).__name__} in phase {state['phase']!r}")

    @staticmethod
    def outcome(state):
        """What the finished call amounts to, for the call record."""
        action = state.get("action") or {}
        return Outcome(outcome=state.get("outcome") or "abandoned", action_id=action.get("id"),
                       participant_id=state.get("participant_id"), alerted=bool(state.get("alerted")),
                       operator_id=state.get("operator_id"), route=state.get("route") or [],
                       talk_s=state.get("talk_s"))
