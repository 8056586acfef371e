"""Escalation across channels: a participant an alert did not reach on one channel (a voicemail left, the
last attempt failed, busy or unanswered) gets it at once on the next channel they have, in the order their
action kind's policy gives (core.retry_policy); once they are reached on any channel, what is still queued
for them on the others is cancelled.

Only while the action is active and, for a time-critical one, within the retry window. With escalation on,
the channels of the kind's order are a ladder: a launch writes each participant's first channel on it only
(core.selection.alerts_query's channel_order); the others are written here, each with the delivery it escalated
from and why. A channel the order leaves out (alerts by e-mail the participant chose, say) is no step of it:
it goes at launch as without escalation, and neither cancels nor is cancelled by a reach on the ladder.
"""
from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from .erasure import hold_off_erasure
from .models import Action, Delivery, ReachPoint, utcnow
from .retry_policy import CAUSE_OF, policy_for

VOICEMAIL = "voicemail"
# The error of an alert cancelled because another channel reached the participant: "reached by sms".
REACHED_BY = "reached by "


def cause_of(reason):
    """The cause an escalation is stored with: voicemail, busy, no_answer or failed."""
    return reason if reason == VOICEMAIL else CAUSE_OF.get(reason, "failed")


def reached_on(error):
    """The channel that reached the participant, by a cancelled alert's error; None for any other error."""
    return error[len(REACHED_BY):] if error and error.startswith(REACHED_BY) else None


def next_channel(order, has, used):
    """The first channel of `order` the participant `has` a usable number or address on and the action has
    not used for them yet; None when there is none."""
    return next((channel for channel in order if channel in has and channel not in used), None)


def may_escalate(policy, action, purpose, elapsed_s, window_s):
    """Whether an alert of this action may be escalated now."""
    return (policy.escalate and purpose == "alert" and action.status == "active"
            and not (action.time_critical and elapsed_s > window_s))


def escalation_order(session, config, kind):
    """The channel order a launch of this kind writes its participants' first channel by; None: every channel."""
    policy = policy_for(session, config, kind)
    return policy.escalation_order if policy.escalate else None


def escalate(session, config, source, reason):
    """Write the next channel's alert for the participant `source` (an alert that did not reach them) did not
    reach, queued and due now; returns its id, or None when there is nothing to escalate to or it may not."""
    action = session.get(Action, source.action_id)
    if source.participant_id is None or action is None:
        return None
    hold_off_erasure(session)  # before their points are read: an erased participant has none
    policy = policy_for(session, config, action.kind)
    elapsed = (utcnow() - action.launched_at).total_seconds()
    if not may_escalate(policy, action, source.purpose, elapsed, config["RETRY_WINDOW_S"]):
        return None
    if source.channel not in policy.escalation_order:
        return None  # off the ladder (a chosen e-mail the order leaves out): its failure is no step on it
    points = {}
    for point in session.scalars(select(ReachPoint).where(ReachPoint.participant_id == source.participant_id)
                                 .order_by(ReachPoint.phone_number_id)):
        points.setdefault(point.channel, point)  # their first usable number, as a launch takes it
    used = set(session.scalars(select(Delivery.channel).where(and_(
        Delivery.action_id == source.action_id, Delivery.participant_id == source.participant_id,
        Delivery.purpose == "alert"))))
    channel = next_channel(policy.escalation_order, points, used)
    if channel is None:
        return None
    point, now = points[channel], utcnow()
    try:
        with session.begin_nested():
            return session.execute(insert(Delivery).values(
                action_id=source.action_id, participant_id=source.participant_id,
                phone_number_id=point.phone_number_id, to_e164=point.e164, to_address=point.address,
                channel=channel, purpose="alert", rank=source.rank, distance_m=source.distance_m, state="queued",
                attempts=0, enqueued_at=now, updated_at=now, escalated_from=source.id,
                reason=f"{source.channel}:{cause_of(reason)}").returning(Delivery.id)).scalar_one()
    except IntegrityError:
        return None  # another worker escalated them meanwhile: the ledger's unique key decides


def cancel_other_channels(session, config, reached):
    """Participants were reached by the alerts `reached`: cancel their alerts of the same action still queued
    on the other channels of their kind's ladder (a retry waiting, an escalation not yet sent), where their kind
    escalates. One being sent is left to finish: it is never sent twice. Returns how many were cancelled."""
    groups = {}
    for delivery in reached:
        if delivery.purpose == "alert" and delivery.participant_id is not None:
            groups.setdefault((delivery.action_id, delivery.channel), set()).add(delivery.participant_id)
    if not groups:
        return 0
    kinds = dict(session.execute(select(Action.id, Action.kind).where(
        Action.id.in_({action_id for action_id, _ in groups}))).all())
    policies = {kind: policy_for(session, config, kind) for kind in set(kinds.values())}
    cancelled, now = 0, utcnow()
    for (action_id, channel), participants in groups.items():
        policy = policies.get(kinds.get(action_id))
        if policy is None or not policy.escalate or channel not in policy.escalation_order:
            continue
        ladder = [other for other in policy.escalation_order if other != channel]
        cancelled += session.execute(update(Delivery).where(and_(
            Delivery.action_id == action_id, Delivery.participant_id.in_(participants),
            Delivery.purpose == "alert", Delivery.channel.in_(ladder), Delivery.state == "queued"))
            .values(state="cancelled", updated_at=now, error=f"{REACHED_BY}{channel}")
            .execution_options(synchronize_session=False)).rowcount
    return cancelled
