"""Putting a caller through to an action's people, and the spoken tip when nobody answers.

Shared by the free-number flow and the alert call's "press 1". Works on the flow's JSON state:
  action     the ActionSummary as a dict
  alerted    whether the caller was alerted by that action (the operator's whisper says so)
  pending    routing stages still to try (bridge.routing.plan_route)
  route      what was tried: [{"stage", "targets", "status"}]
"""
from bridge.routing import plan_route

from .steps import Dial, DialTarget, Hangup, Record, Say, SaveTip, Spoken, digits_prompt


def title_audio(action, settings):
    """An action's title as rendered at launch; its code digit by digit if no rendering exists."""
    return Spoken(action["title"], language=settings.title_language,
                  fallback=("whisper_action_code", *digits_prompt(action["code"])))


def whisper_prompt(action_code, alerted):
    """What the operator hears before the caller is connected: the action code and whether the
    caller was alerted by this action."""
    return ("whisper_action_code", *digits_prompt(action_code), "whisper_alerted" if alerted else "whisper_not_alerted")


def begin(state, directory, settings, action, alerted, lead_in=()):
    """Start routing the call about `action`: `lead_in` prompts, then the first stage (or the tip)."""
    state.update(phase="routing", action=action, alerted=alerted, route=[],
                 pending=plan_route(directory.route(action["id"]), settings.ring_s,
                                    settings.control_room_ring_s))
    return state, [*([Say(tuple(lead_in))] if lead_in else []), *next_stage(state, settings)]


def next_stage(state, settings):
    """The next Dial, or the invitation to leave a tip when every stage is used up."""
    if not state["pending"]:
        state["phase"] = "tip"
        return [Record(("operator_unavailable_leave_tip",), settings.tip_max_s)]
    stage = state["pending"].pop(0)
    state["route"].append({"stage": stage["stage"], "targets": [t[0] for t in stage["targets"]],
                           "status": None})
    return [Dial(targets=tuple(DialTarget(d, o) for d, o in stage["targets"]),
                 timeout_s=stage["timeout_s"], stage=stage["stage"],
                 whisper=whisper_prompt(state["action"]["code"], state["alerted"]))]


def on_dial_result(state, result, settings):
    state["route"][-1]["status"] = result.status
    if result.status == "answered":
        state.update(phase="done", outcome="connected", operator_id=result.operator_id,
                     talk_s=result.talk_s)
        if result.operator_id is None:
            state["outcome"] = "general_line"
        return state, [Hangup()]
    return state, next_stage(state, settings)


def on_recorded(state, recorded, settings):
    """Keep a real tip; a recording of (almost) nothing was a stray key press."""
    state["phase"] = "done"
    if recorded.duration_s is not None and recorded.duration_s < settings.min_tip_s:
        state["outcome"] = "no_tip"
        return state, [Say(("goodbye",)), Hangup()]
    state["outcome"] = "tip"
    return state, [SaveTip(state["action"]["id"], recorded.recording, recorded.duration_s),
                   Say(("tip_saved",)), Hangup()]
