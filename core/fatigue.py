"""How many messages a participant has had: the weekly budget of neighbourhood mail, and the load of alerts.

Time-critical alerts are never held back by it (the impact preview only counts who had many, core.impact).
Inquiries and information from the municipality are not time-critical: a participant who already got
MAIL_WEEKLY_BUDGET of them in the last seven days is skipped, and the inquiry counts how many were. An
update to an inquiry is not counted and never skipped: it goes to those who got the inquiry, as promised.

When a participant leaves or stops alerts on a number, how many alerts they had in the seven days
before is kept in the audit trail (`alerts_7d`), so the dashboard can tell how many left after
frequent alerts even when the participant's data is gone.
"""
from collections import Counter
from datetime import timedelta

from sqlalchemy import and_, func, select

from .models import REACHED_STATES, Action, AuditEvent, Delivery, Inquiry, Participant, utcnow

WINDOW = timedelta(days=7)
# Mails that count against the budget: everything written for an inquiry but what never went out.
NOT_COUNTED = ("cancelled", "failed", "bounced")
LEAVING_VERBS = ("leave", "unsubscribed")
LOAD_BUCKETS = ("0", "1", "2", "3", "4", "5+")


def over_budget(session, participant_ids, budget, now=None):
    """The participants among `participant_ids` who had `budget` or more inquiry or information mails in the
    last seven days."""
    since = (now or utcnow()) - WINDOW
    wanted = set(participant_ids)
    if not wanted:
        return set()
    rows = session.execute(
        select(Delivery.participant_id, func.count())
        .join(Inquiry, Inquiry.id == Delivery.inquiry_id)
        .where(and_(Inquiry.created_at >= since, Delivery.purpose == "inquiry",
                    Delivery.state.not_in(NOT_COUNTED), Delivery.participant_id.is_not(None)))
        .group_by(Delivery.participant_id)
        .having(func.count() >= budget))
    return {pid for pid, _ in rows if pid in wanted}


def alerts_in_last_week(session, participant_id, now=None):
    """How many actions reached the participant in the last seven days (exercises are no real load)."""
    since = (now or utcnow()) - WINDOW
    return session.scalar(select(func.count(func.distinct(Delivery.action_id)))
                          .join(Action, Action.id == Delivery.action_id).where(and_(
        Action.exercise.is_(False), Delivery.participant_id == participant_id, Delivery.purpose == "alert",
        Delivery.reached_at >= since))) or 0


def leaving_detail(session, participant_id, now=None):
    """What the audit entry of a participant leaving (or stopping alerts) keeps for the dashboard."""
    municipality_id = session.scalar(select(Participant.municipality_id).where(Participant.id == participant_id))
    return {"alerts_7d": alerts_in_last_week(session, participant_id, now), "municipality_id": municipality_id}


def load_distribution(session, resident_ids, bounds):
    """{bucket: participants}: how many of the residents were reached by 0, 1, ... 5+ actions in [start, end)
    (exercises are no real load)."""
    start, end = bounds
    reached = dict(session.execute(
        select(Delivery.participant_id, func.count(func.distinct(Delivery.action_id)))
        .join(Action, Action.id == Delivery.action_id)
        .where(and_(Action.exercise.is_(False), Delivery.purpose == "alert", Delivery.state.in_(REACHED_STATES + ("voicemail",)),
                    Delivery.reached_at >= start, Delivery.reached_at < end, Delivery.participant_id.is_not(None)))
        .group_by(Delivery.participant_id)).all())
    counts = Counter(LOAD_BUCKETS[min(reached.get(pid, 0), len(LOAD_BUCKETS) - 1)] for pid in resident_ids)
    return {bucket: counts[bucket] for bucket in LOAD_BUCKETS}


def leavers(session, bounds, municipality_id, frequent):
    """(left, left after `frequent` or more alerts in their last week) over [start, end), for one municipality
    or (None) all."""
    start, end = bounds
    details = session.scalars(select(AuditEvent.detail).where(and_(
        AuditEvent.verb.in_(LEAVING_VERBS), AuditEvent.at >= start, AuditEvent.at < end)))
    left = frequent_left = 0
    for detail in details:
        if not isinstance(detail, dict) or "alerts_7d" not in detail:
            continue  # an entry from before the count was kept
        if municipality_id is not None and detail.get("municipality_id") != municipality_id:
            continue
        left += 1
        frequent_left += detail["alerts_7d"] >= frequent
    return left, frequent_left
