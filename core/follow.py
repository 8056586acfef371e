"""What an operator follows while an action runs: progress, calls to the free number, tips.

Phone numbers leave this module masked: an operator needs to know that someone called,
not who; the caller they are talking to is on their own phone's display.
"""
from pathlib import Path

from sqlalchemy import func, select

from . import audit, ledger
from .errors import NotFound
from .models import Action, Delivery, InboundCall, Operator, Tip
from .numbers import mask

# A message reached someone when the provider took it; a call only when it was answered: a placed call
# ("sent") still waits for its outcome (core.ledger.reached_at_for counts the same way).
REACHED = ("sent", "delivered", "answered")
PENDING = ("queued", "sending")
CALL_REACHED = ("answered",)
CALL_PENDING = ("queued", "sending", "sent")
NOT_REACHED = ("failed", "cancelled")
RECENT_ENDED = 20


def list_actions(session, room_id=None):
    """(active actions, most recently ended actions), newest first; only `room_id`'s when given."""
    mine = [Action.control_room_id == room_id] if room_id is not None else []
    active = session.scalars(select(Action).where(Action.status == "active", *mine).order_by(Action.id.desc())).all()
    ended = session.scalars(select(Action).where(Action.status == "ended", *mine)
                            .order_by(Action.ended_at.desc(), Action.id.desc()).limit(RECENT_ENDED)).all()
    return active, ended


def progress_summary(session, action_id):
    """Per channel and purpose: total, pending, reached and not reached, plus the raw state counts."""
    summary = {}
    for channel, purposes in ledger.progress(session, action_id).items():
        for purpose, states in purposes.items():
            summary.setdefault(channel, {})[purpose] = {
                "total": sum(states.values()),
                "pending": sum(states.get(s, 0) for s in (CALL_PENDING if channel == "voice" else PENDING)),
                "reached": sum(states.get(s, 0) for s in (CALL_REACHED if channel == "voice" else REACHED)),
                "not_reached": sum(states.get(s, 0) for s in NOT_REACHED),
                "voicemail": states.get("voicemail", 0),  # a machine took the message: neither reached nor lost
                "states": states,
            }
    return summary


# How a voice delivery ended, for the follow page's card (voice_outcomes), in its order.
VOICE_OUTCOMES = ("person", "voicemail", "busy", "no_answer", "failed", "calling")


def voice_outcomes(session, action_id):
    """Per purpose, how the action's calls went: answered by a person (with the seconds they listened
    and the keys pressed), voicemail left, busy and no answer (by the last attempt's outcome, retried
    or given up), failed otherwise, and still calling; plus what answering-machine detection said of
    the calls it heard (Delivery.amd_status), to tune it. Cancelled calls are the progress table's.

    Counted by the database, grouped by what decides each figure (the follow page asks every few seconds,
    and a national action has a million calls: read row by row, each poll read every call's detail)."""
    out = {}
    for purpose, state, last, amd_status, key, calls, listened in session.execute(_voice_outcome_counts(
            session, action_id)):
        card = out.setdefault(purpose, {**dict.fromkeys(VOICE_OUTCOMES, 0), "listened_s": 0.0, "keys": {},
                                        "amd": {}})
        if state == "cancelled":
            continue
        if state == "answered":
            card["person"] += calls
            card["listened_s"] += listened or 0
            if key:
                card["keys"][key] = card["keys"].get(key, 0) + calls
        elif state == "voicemail":
            card["voicemail"] += calls
        elif last in ("busy", "no answer"):
            card[last.replace(" ", "_")] += calls
        elif state == "failed":
            card["failed"] += calls
        else:
            card["calling"] += calls
        if amd_status:
            card["amd"][amd_status] = card["amd"].get(amd_status, 0) + calls
    for card in out.values():
        card["listened_s"] = round(card["listened_s"])
    return out


def _voice_outcome_counts(session, action_id):
    """(purpose, state, the last attempt's outcome, amd_status, key, calls, seconds listened) of the action's
    calls, one row per combination (Delivery.detail: core.alert_calls)."""
    detail = Delivery.detail
    if session.bind.dialect.name == "sqlite":
        last = func.json_extract(detail, "$.history[#-1].outcome")  # SQLite's path for the last element
    else:
        last = detail[("history", -1, "outcome")].as_string()
    key = detail["key"].as_string()
    groups = (Delivery.purpose, Delivery.state, last, Delivery.amd_status, key)
    return (select(*groups, func.count(), func.sum(detail["listened_s"].as_float()))
            .where(Delivery.action_id == action_id, Delivery.channel == "voice").group_by(*groups))


def inbound_calls(session, action_id):
    """Calls to the free number about this action, newest first, numbers masked."""
    operators = dict(session.execute(select(Operator.id, Operator.name)).all())
    calls = session.scalars(select(InboundCall).where(InboundCall.action_id == action_id)
                            .order_by(InboundCall.started_at.desc(), InboundCall.id.desc())).all()
    return [{"id": c.id, "caller": mask(c.caller_e164) if c.caller_e164 else "withheld", "alerted": c.alerted,
             "operator": operators.get(c.operator_id), "outcome": c.outcome,
             "started_at": c.started_at.isoformat(), "connected": c.connected_at is not None,
             "talk_s": c.talk_s} for c in calls]


def tips(session, action_id):
    """Tips left for this action (recordings and SMS replies), newest first, numbers masked."""
    rows = session.scalars(select(Tip).where(Tip.action_id == action_id)
                           .order_by(Tip.created_at.desc(), Tip.id.desc())).all()
    return [{"id": t.id, "source": t.source, "from": mask(t.from_e164) if t.from_e164 else "withheld",
             "text": t.text, "has_recording": bool(t.recording) and not recording_pending(t.recording),
             "recording_pending": recording_pending(t.recording), "duration_s": t.duration_s,
             "created_at": t.created_at.isoformat(), "heard": t.heard} for t in rows]


def recording_pending(recording):
    """Whether a tip's recording is still at the provider (a URL, e.g. Twilio's), not yet a file in the dir."""
    return bool(recording) and "://" in recording


def starts_playing(range_header):
    """A download, or a player's first request (from byte 0); its seeks and re-buffering are not new listens."""
    return not range_header or range_header.replace(" ", "").startswith("bytes=0-")


def recording_path(session, action_id, tip_id, recordings_dir, actor, audited=True):
    """The file of a recorded tip, checked to lie inside the recordings dir; marks the tip heard.

    Every playing or download is audited (a caller's voice is personal data); `audited` False for the
    player's further range requests of the same playing."""
    tip = session.get(Tip, tip_id)
    if tip is None or tip.action_id != action_id or not tip.recording or recording_pending(tip.recording):
        raise NotFound("recording", tip_id)
    root = Path(recordings_dir).resolve()
    path = (root / tip.recording).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound("recording", tip_id)
    tip.heard = True
    if audited:
        audit.record(session, actor, "listen", "tip", tip.id, {"action_id": action_id})
    return path


