"""The time-to-reach timeline of an action: how fast its alerts reached people, and when they answered.

Per channel it gives the moment the first, 50 %, 95 % and the last of the action's alerts on that
channel counted as reached (`Delivery.reached_at`, see core.ledger.reached_at_for), and a curve of
the moments every 5 % was reached for the follow page's chart. The share is of the alerts planned on
the channel, so a channel where some alerts fail never reaches 100 %. The quantiles are picked in SQL
with a window function over one action's rows, so an action of 63,000 deliveries is no loop in Python.
"""
from sqlalchemy import and_, func, or_, select

from .models import Action, Delivery, InboundCall, Tip, utcnow

MILESTONES = (50, 95, 100)
CURVE_STEP = 5  # the chart's curve: a point every 5 % reached


def rank_of(total, percent):
    """The 1-based rank of the delivery whose reaching makes `percent` of `total` reached."""
    return max(1, -(-total * percent // 100))


def _seconds(moment, since):
    return None if moment is None or since is None else round((moment - since).total_seconds(), 3)


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _alert_counts(session, action_id):
    """{channel: (planned alerts, reached alerts)}: each count read from an index alone (the reached from the
    partial index of reached alerts), never a national ledger's rows."""
    alerts = (Delivery.action_id == action_id, Delivery.purpose == "alert")
    reached = dict(session.execute(select(Delivery.channel, func.count())
                                   .where(*alerts, Delivery.reached_at.is_not(None)).group_by(Delivery.channel)).all())
    return {channel: (total, reached.get(channel, 0)) for channel, total in session.execute(
        select(Delivery.channel, func.count()).where(*alerts).group_by(Delivery.channel))}


def _reached_at_ranks(session, action_id, ranks):
    """{channel: {rank: reached_at}} for the wanted ranks of each channel, in one query."""
    ranked = (select(Delivery.channel, Delivery.reached_at,
                     func.row_number().over(partition_by=Delivery.channel,
                                            order_by=(Delivery.reached_at, Delivery.id)).label("n"))
              .where(Delivery.action_id == action_id, Delivery.purpose == "alert", Delivery.reached_at.is_not(None))
              .subquery())
    wanted = [and_(ranked.c.channel == channel, ranked.c.n.in_(sorted(numbers)))
              for channel, numbers in ranks.items() if numbers]
    found = {}
    if wanted:
        for channel, reached_at, n in session.execute(select(ranked.c.channel, ranked.c.reached_at, ranked.c.n)
                                                      .where(or_(*wanted))):
            found.setdefault(channel, {})[n] = reached_at
    return found


def _first(session, column, *conditions):
    return session.scalar(select(func.min(column)).where(*conditions))


def compute(session, action):
    """The timeline of an action as a JSON-ready dict; times as ISO strings and seconds after launch."""
    launched = action.launched_at
    counts = _alert_counts(session, action.id)
    ranks = {}
    for channel, (total, reached) in counts.items():
        wanted = {rank_of(total, p) for p in range(CURVE_STEP, 101, CURVE_STEP)} | {1}
        ranks[channel] = {n for n in wanted if n <= reached}
    at_rank = _reached_at_ranks(session, action.id, ranks)
    channels = {}
    for channel, (total, reached) in sorted(counts.items()):
        times = at_rank.get(channel, {})
        point = {"first": times.get(1)} | {f"p{p}": times.get(rank_of(total, p)) for p in MILESTONES}
        channels[channel] = {
            "planned": total, "reached": reached,
            "at": {name: _iso(moment) for name, moment in point.items()},
            "seconds": {name: _seconds(moment, launched) for name, moment in point.items()},
            "curve": [{"percent": p, "seconds": _seconds(times[rank_of(total, p)], launched)}
                      for p in range(CURVE_STEP, 101, CURVE_STEP) if rank_of(total, p) in times],
        }
    first_sent = _first(session, Delivery.claimed_at, Delivery.action_id == action.id, Delivery.purpose == "alert",
                        Delivery.claimed_at.is_not(None))
    first_call = _first(session, InboundCall.started_at, InboundCall.action_id == action.id)
    first_reply = _first(session, Tip.created_at, Tip.action_id == action.id, Tip.source == "sms")
    first_bridged = _first(session, InboundCall.connected_at, InboundCall.action_id == action.id)
    responses = [m for m in (first_call, first_reply) if m is not None]
    events = {"launched": launched, "first_sent": first_sent, "first_call": first_call, "first_sms_reply": first_reply,
              "first_response": min(responses) if responses else None, "first_bridged": first_bridged}
    return {"action_id": action.id, "status": action.status,
            "elapsed_s": _seconds(action.ended_at or utcnow(), launched),
            "events": {name: {"at": _iso(moment), "seconds": _seconds(moment, launched)}
                       for name, moment in events.items()},
            "channels": channels}


CHUNK = 500


def summaries(session, action_ids):
    """{action_id: (seconds to its first alert reached, seconds to 95 % of its alerts reached or None)},
    over all channels of an action together; one query per 500 actions, for the dashboard."""
    out = {}
    ids = sorted(action_ids)
    for i in range(0, len(ids), CHUNK):
        out.update(_summaries(session, ids[i:i + CHUNK]))
    return out


def _summaries(session, ids):
    totals = (select(Delivery.action_id, func.count().label("total"))
              .where(Delivery.action_id.in_(ids), Delivery.purpose == "alert").group_by(Delivery.action_id)
              .subquery())
    ranked = (select(Delivery.action_id, Delivery.reached_at,
                     func.row_number().over(partition_by=Delivery.action_id,
                                            order_by=(Delivery.reached_at, Delivery.id)).label("n"))
              .where(Delivery.action_id.in_(ids), Delivery.purpose == "alert", Delivery.reached_at.is_not(None))
              .subquery())
    p95 = (totals.c.total * 95 + 99) // 100  # integer division on both databases: rank_of(total, 95)
    rows = session.execute(
        select(ranked.c.action_id, ranked.c.reached_at, ranked.c.n, totals.c.total, Action.launched_at)
        .join(totals, totals.c.action_id == ranked.c.action_id).join(Action, Action.id == ranked.c.action_id)
        .where(or_(ranked.c.n == 1, ranked.c.n == p95)))
    out = {}
    for action_id, reached_at, n, total, launched in rows:
        first, to_95 = out.get(action_id, (None, None))
        seconds = _seconds(reached_at, launched)
        if n == 1:
            first = seconds
        if n == rank_of(total, 95):
            to_95 = seconds
        out[action_id] = (first, to_95)
    return out
