"""What both runners do around a call flow that is not about their protocol, written once.

The FastAGI runner (ivr.agi_runner) and the TwiML runner (ivr.twiml_runner) each have one small
executor per step, in their protocol; everything else lives here: the flow table, which
operators a Dial may ring (leases), the dial-status tables, what a finished call leaves behind
(the call record, the alert call's facts in the ledger, a tip), and the small conversions.
"""
from dataclasses import dataclass
from datetime import datetime

from .alert_flow import AlertFlow
from .inbound_flow import InboundFlow

ALERT, INBOUND = "alert", "inbound"

# Each back-end's dial result -> the flows' dial status (ivr.steps.DIAL_STATUSES). Asterisk's
# CANCEL (the caller hung up while it rang) is a hangup, reported by the runner, not a status.
DIAL_STATUS = {
    "asterisk": {"ANSWER": "answered", "BUSY": "busy", "NOANSWER": "noanswer", "CONGESTION": "failed",
                 "CHANUNAVAIL": "failed", "DONTCALL": "failed", "TORTURE": "failed", "INVALIDARGS": "failed"},
    "twilio": {"completed": "answered", "answered": "answered", "busy": "busy", "no-answer": "noanswer",
               "failed": "failed", "canceled": "failed"},
}


# Each back-end's answering-machine verdict -> the flows' (ivr.steps.AMD_STATUSES). Asterisk's AMD() says
# MACHINE at the greeting's start (the dialplan then waits for its end); Twilio, with DetectMessageEnd,
# machine_end_* once it ended. A fax is a machine that will take no message either way.
ANSWERED_BY = {
    "asterisk": {"HUMAN": "human", "MACHINE": "machine", "NOTSURE": "notsure"},
    "twilio": {"human": "human", "unknown": "notsure", "machine_start": "machine", "machine_end_beep": "machine",
               "machine_end_silence": "machine", "machine_end_other": "machine", "fax": "machine"},
}


def machine_verdict(backend, raw):
    """The flows' answering-machine status for a back-end's verdict; None when there was none
    (detection off, or the caller hung up during it)."""
    value = (raw or "").strip()
    return ANSWERED_BY[backend].get(value.upper() if backend == "asterisk" else value)


def build_flows(directory, settings, check_limits=None):
    """The table from script name (Asterisk's agi_network_script, the webhook's flow) to call flow;
    `check_limits` counts the free number's genuine-alert checks across calls (see InboundFlow)."""
    return {INBOUND: InboundFlow(directory, settings, check_limits), ALERT: AlertFlow(directory, settings)}


def dial_status(backend, raw):
    """The flows' status for a back-end's dial result; anything unknown counts as failed."""
    table = DIAL_STATUS[backend]
    value = (raw or "").strip()
    return table.get(value.upper() if backend == "asterisk" else value, "failed")


def origin(flow_name):
    """Which kind of call a record is of: a press 1 on an alert call, or a call to the free number."""
    return "alert_call" if flow_name == ALERT else "free_number"


def seconds(raw):
    """A duration the back-end reported, as float seconds; None when it gave none or nonsense."""
    try:
        return float(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def claim_operators(leases, call_ref, step, reachable=lambda target: True):
    """The targets of a Dial step that may be rung now: those the back-end can reach and, for
    operators, those not on another call (their lease is taken for this call). Returns (targets,
    claimed operator ids); a lease taken for an unreachable operator is given back at once."""
    reachable_targets = [t for t in step.targets if reachable(t)]
    operators = {t.operator_id: t.dial_string for t in reachable_targets if t.operator_id is not None}
    claimed = set(leases.claim(call_ref, operators)) if leases is not None and operators else set(operators)
    targets = [t for t in reachable_targets if t.operator_id is None or t.operator_id in claimed]
    return targets, sorted(claimed)


@dataclass
class CallEnd:
    """What a runner knows about a call besides the flow's state."""

    call_ref: str
    backend: str
    caller: str | None
    started_at: datetime
    attempt: str | None = None  # the alert call's attempt id (the ledger's provider_ref)
    wait_s: float | None = None  # seconds before an operator answered
    listened_s: float | None = None  # seconds the alert played before the participant was put through


class CallRecorder:
    """Writes what a call leaves behind, through the core's services: the call record, the alert
    call's facts in the ledger (attempt-checked), and tips."""

    def __init__(self, call_log, alert_ledger):
        self.call_log = call_log  # core.call_records.InboundCallLog
        self.alert_ledger = alert_ledger  # core.alert_calls.AlertCallLedger

    def started(self, state, end: CallEnd):
        """An alert call reached its flow: the participant answered (a no-op when AMI said so first),
        and what answering-machine detection said, at once: a machine's call is short, and its
        hang-up must find it a voicemail."""
        if state.get("delivery_id") and end.attempt:
            self.alert_ledger.answered(state["delivery_id"], end.attempt)
            if state.get("amd"):
                self.alert_ledger.flow_facts(state["delivery_id"], end.attempt, amd_status=state["amd"],
                                             amd_cause=state.get("amd_cause"), voicemail=state.get("voicemail"))

    def alert_facts(self, state, end: CallEnd):
        """The key pressed, plays of the message and where a press 1 went, in the delivery's ledger row."""
        if not state.get("delivery_id") or not end.attempt:
            return False
        answered = next((r for r in reversed(state.get("route") or []) if r.get("status") == "answered"), None)
        return self.alert_ledger.flow_facts(state["delivery_id"], end.attempt, key=state.get("key"),
                                            alert_plays=state.get("plays"),
                                            routed_to=answered["stage"] if answered else None,
                                            listened_s=end.listened_s, amd_status=state.get("amd"),
                                            amd_cause=state.get("amd_cause"), voicemail=state.get("voicemail"))

    def finish(self, flow, state, end: CallEnd):
        """The record of a finished call: every free-number call, and an alert call once it was put
        through (one only listened to is recorded in the ledger alone)."""
        outcome = flow.outcome(state)
        if flow.name == ALERT and not outcome.route:
            return None
        return self.call_log.finish(end.call_ref, end.backend, end.caller, outcome, started_at=end.started_at,
                                    wait_s=end.wait_s, origin=origin(flow.name))

    def keypad_choice(self, step, end: CallEnd):
        """Apply the participant's keypad choice (a KeypadChoice step) to their number, for this attempt."""
        if not end.attempt:
            return False
        return self.alert_ledger.keypad_choice(step.delivery_id, end.attempt, step.choice)

    def save_tip(self, flow_name, step, end: CallEnd):
        """Keep the spoken tip (a SaveTip step); returns the tip id."""
        return self.call_log.save_tip(end.call_ref, end.backend, end.caller, step.action_id, step.recording,
                                      step.duration_s, origin=origin(flow_name))
