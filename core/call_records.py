"""The record of every free-number call and spoken tip: written at once, so nothing said is lost."""
import logging
from datetime import timedelta

from sqlalchemy import select

from .models import InboundCall, Tip, utcnow
from .numbers import mask

log = logging.getLogger(__name__)

# checked: the caller only checked that an alert is genuine (the call is no response to that action).
OUTCOMES = ("connected", "tip", "no_tip", "general_line", "no_action", "checked", "listened", "abandoned",
            "failed")


class InboundCallLog:
    """Writes the record of inbound calls and tips; each method commits on its own, at once, so
    a tip is kept even if the call (or this process) ends a moment later."""

    def __init__(self, db):
        self.db = db

    def _call(self, session, call_ref, backend, caller_e164, origin):
        call = session.scalar(select(InboundCall).where(InboundCall.call_ref == call_ref))
        if call is None:
            call = InboundCall(call_ref=call_ref, backend=backend, caller_e164=caller_e164, origin=origin)
            session.add(call)
            session.flush()
        return call

    def save_tip(self, call_ref, backend, caller_e164, action_id, recording, duration_s, origin="free_number"):
        """Attach a spoken tip to the action (and to this call's record); returns the tip id."""
        with self.db.session() as session:
            call = self._call(session, call_ref, backend, caller_e164, origin)
            call.action_id = call.action_id or action_id
            tip = Tip(action_id=action_id, inbound_call_id=call.id, source="voice", from_e164=caller_e164,
                      recording=recording, duration_s=duration_s, provider_ref=f"{backend}:{call_ref}:{recording}"[:64])
            session.add(tip)
            session.flush()
            log.info("tip %s saved for action %s from %s", tip.id, action_id, mask(caller_e164))
            return tip.id

    def finish(self, call_ref, backend, caller_e164, outcome, *, started_at, wait_s=None, origin="free_number"):
        """Write how a call ended (an ivr Outcome-like object) into its record; returns the record id."""
        if outcome.outcome not in OUTCOMES:
            raise ValueError(f"unknown call outcome {outcome.outcome!r}")
        now = utcnow()
        with self.db.session() as session:
            call = self._call(session, call_ref, backend, caller_e164, origin)
            call.started_at = started_at
            call.ended_at = now
            call.participant_id = outcome.participant_id
            call.action_id = outcome.action_id or call.action_id
            call.alerted = bool(outcome.alerted)
            call.operator_id = outcome.operator_id
            call.route = list(outcome.route)
            call.outcome = outcome.outcome
            call.talk_s = outcome.talk_s
            call.wait_s = wait_s
            if outcome.talk_s:
                call.connected_at = now - timedelta(seconds=outcome.talk_s)
            session.flush()
            return call.id
