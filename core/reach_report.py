"""An action's reach report, read at the end of an exercise (or of any action): who was tried on which
channel, who was reached and when, and the time-to-reach timeline (core.timeline).

Numbers and addresses are masked as everywhere an operator reads the ledger: the report says that
someone was tried and reached, not who. The rows are read from the database a batch at a time.
"""
import csv
import io

from sqlalchemy import select

from . import follow, timeline
from .mail_address import masked_address
from .models import Delivery
from .numbers import mask

CSV_COLUMNS = ("rank", "participant_id", "channel", "purpose", "to", "distance_m", "state", "attempts",
               "last_tried_at", "reached_at", "error", "escalated_from", "reason", "amd_status", "amd_cause")
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
               "amd_status": d.amd_status, "amd_cause": d.amd_cause}


def csv_text(session, action_id):
    """The rows as a CSV file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows(session, action_id):
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value):
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else value
