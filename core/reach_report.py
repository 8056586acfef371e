"""An action's reach report, read at the end of an exercise (or of any action): who was tried on which
channel, who was reached and when, and the time-to-reach timeline (core.timeline).

Numbers and addresses are masked as everywhere an operator reads the ledger: the report says that
someone was tried and reached, not who. The rows are read from the database a batch at a time.
The CSV speaks the reader's language as the dashboard's does (core.dashboard.report_csv): the column names and
the channel, message and state in words, why an alert was escalated or cancelled in the page's words, the times
ISO, what the machine detection said in words and its cause as Asterisk and Twilio give it (for tuning it).
"""
import csv
import io

from sqlalchemy import select

from . import follow, timeline
from .errors import N_, Reason
from .escalation import reached_on
from .labels import (AMD_STATUS_LABELS, CHANNEL_LABELS, DELIVERY_STATE_LABELS, ESCALATION_CAUSE_LABELS,
                     PURPOSE_LABELS, VIA_LABELS)
from .mail_address import masked_address
from .models import Delivery
from .numbers import mask

# Each column of the CSV and its name (a msgid; the page's table heads where it has the column).
CSV_COLUMNS = {"rank": N_("Rank"), "participant_id": N_("Participant id"), "channel": N_("Channel"),
               "purpose": N_("Message"), "to": N_("Recipient"), "distance_m": N_("Distance (m)"),
               "state": N_("State"), "attempts": N_("Attempts"), "last_tried_at": N_("Last tried"),
               "reached_at": N_("Reached"), "error": N_("Error"), "escalated_from": N_("Escalated from delivery"),
               "reason": N_("Escalation reason"), "amd_status": N_("Answering machine detection"),
               "amd_cause": N_("Answering machine detection cause")}
# The columns whose identifiers are shown in words.
_WORDS = {"channel": CHANNEL_LABELS, "purpose": PURPOSE_LABELS, "state": DELIVERY_STATE_LABELS,
          "amd_status": AMD_STATUS_LABELS}
BATCH = 1000


def summary(session, action):
    """The report's figures: per channel and purpose what was tried and reached (core.follow), and the
    timeline."""
    return {"action_id": action.id, "code": action.code, "title": action.title, "exercise": action.exercise,
            "status": action.status, "launched_at": action.launched_at.isoformat(),
            "ended_at": action.ended_at.isoformat() if action.ended_at else None,
            "channels": follow.progress_summary(session, action.id), "timeline": timeline.compute(session, action)}


def rows(session, action_id, limit=None):
    """Every delivery of the action as a report row, alerts nearest first and then the closings; an escalated
    alert names the delivery it escalated from and why (core.escalation: "voice:no_answer")."""
    query = (select(Delivery).where(Delivery.action_id == action_id)
             .order_by(Delivery.purpose, Delivery.rank, Delivery.id).execution_options(yield_per=BATCH))
    if limit is not None:
        query = query.limit(limit)
    for d in session.scalars(query):
        yield {"rank": d.rank, "participant_id": d.participant_id, "channel": d.channel, "purpose": d.purpose,
               "to": masked_address(d.to_address) if d.channel == "email" else mask(d.to_e164),
               "distance_m": d.distance_m, "state": d.state, "attempts": d.attempts,
               "last_tried_at": d.claimed_at, "reached_at": d.reached_at, "error": d.error,
               "id": d.id, "escalated_from": d.escalated_from, "reason": d.reason,
               "amd_status": d.amd_status, "amd_cause": d.amd_cause, "why": why(d.reason, d.state, d.error)}


def escalation_reason(code):
    """An escalation's reason code ("voice:no_answer") in words: escalated from voice: no answer."""
    source, _, cause = code.partition(":")
    return Reason(N_("escalated from %(channel)s: %(cause)s"),
                  {"channel": _word(VIA_LABELS, source), "cause": _word(ESCALATION_CAUSE_LABELS, cause)})


def cancellation_reason(error):
    """A cancelled alert's error in words when another channel reached the participant; else None."""
    channel = reached_on(error)
    return None if channel is None else Reason(N_("cancelled: reached by %(channel)s"),
                                               {"channel": _word(VIA_LABELS, channel)})


def why(reason, state, error):
    """Why a delivery was written or dropped, as the report's page says it: escalated from, or reached
    elsewhere; None when neither."""
    if reason:
        return escalation_reason(reason)
    return cancellation_reason(error) if state == "cancelled" else None


def _word(labels, ident):
    return Reason(labels[ident]) if ident in labels else ident


def csv_text(session, action_id, cell):
    """The rows as a CSV file; `cell` renders a reason in the reader's language (web.i18n.csv_cell)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(Reason(name)) for name in CSV_COLUMNS.values()])
    for row in rows(session, action_id):
        writer.writerow([cell(_value(column, row[column])) for column in CSV_COLUMNS])
    return out.getvalue()


def _value(column, value):
    if value is None:
        return ""
    if column in _WORDS and value in _WORDS[column]:
        return Reason(_WORDS[column][value])
    if column == "reason":
        return escalation_reason(value)
    if column == "error":
        return cancellation_reason(value) or value
    return value.isoformat() if hasattr(value, "isoformat") else value
