"""An action's ledger, written ring by ring from the centre outwards, each ring committed and enqueued at once.

The launch writes the nearest ring in the transaction that creates the action, so an action never
exists without alerts to send; a worker's ledger writer then adds the rings beyond it. The action
records how far its ledger got (`ledger_m`, `ledger_rows`, `ledger_done_at`), so a writer that
crashed is resumed by any other from the next ring on, and two writers never write the same ring:
each moves `ledger_m` from the value it read, in the ring's own transaction.

A ring holds about RING_ROWS alerts, more as the ledger grows, up to RING_ROWS_MAX (its width follows the
density of the rings before it), so no process ever holds a whole area, however large.
"""
import json
import logging
import math

from redis.exceptions import RedisError
from sqlalchemy import and_, select, update
from sqlalchemy.exc import DBAPIError

from . import ledger
from .escalation import escalation_order
from .jobs import enqueue_batches
from .models import Action, utcnow
from .selection import alerts_query, area_reach_m, count_locations, count_recipients, count_ring_locations

log = logging.getLogger(__name__)

# The first ring holds about FIRST_RING_ROWS locations (the whole area when it has no more), the others
# about RING_ROWS alerts; a region's first ring is FIRST_RING_M wide.
FIRST_RING_ROWS = 5_000
FIRST_RING_M = 500
RING_ROWS = 20_000
# Each ring costs a commit and an enqueue beside its rows (about 0.2 s): once the nearest are written, a ring
# holds as many as the rings before it together, up to this many (a national ledger: 25 rings, not 120).
RING_ROWS_MAX = 100_000
WRITER_LEASE_S = 30
_reach = {}  # (database, action id, area) -> area_reach_m, while its rings are being written


def centre_of(action, config):
    """Where an action's rings are measured from: its circle's or polygon's centre, else the map's centre."""
    if action.area["type"] == "circle":
        return action.area["lat"], action.area["lon"]
    if action.area["type"] == "polygon":
        return tuple(action.area["centre"])
    return tuple(config["MAP_CENTRE"])


def first_ring_m(session, action, reach_m, centre):
    """The first ring: the whole area when it holds few locations (counted from the index alone), else about
    FIRST_RING_ROWS locations' worth of a circle, or of a region: FIRST_RING_M, doubled while the cells around
    the centre hold fewer (a national alert's centre may lie where nobody lives, and an empty first ring
    would leave the first sends to the ledger writer)."""
    locations = count_locations(session, action.area)
    if locations <= FIRST_RING_ROWS:
        return reach_m
    if action.area["type"] == "circle":
        return max(100, int(action.area["radius_m"] * math.sqrt(FIRST_RING_ROWS / locations)))
    outer = FIRST_RING_M
    while outer < reach_m and count_locations(session, {"type": "circle", "lat": centre[0], "lon": centre[1],
                                                        "radius_m": outer}) < FIRST_RING_ROWS:
        outer *= 2
    return min(outer, reach_m)


def next_ring(session, action, reach_m, centre):
    """(inner_m, outer_m) of the ring after what the ledger holds, outer_m at most reach_m.

    It is to hold ring_rows alerts. Its width follows the density of the rings before it, doubled while its
    cells hold fewer locations: beyond a city (a national alert's countryside) the density of the rings before
    is too high, and rings a few hundred metres wide held a few thousand alerts each, their cells read two or
    three times over (a national ledger: 305 rings, 140 s)."""
    inner = action.ledger_m
    if inner is None:
        return inner, min(first_ring_m(session, action, reach_m, centre), reach_m)
    rows = ring_rows(action.ledger_rows)
    density = action.ledger_rows / (math.pi * inner * inner) if inner else 0.0
    step = math.sqrt(inner * inner + rows / (math.pi * density)) - inner if density else inner
    outer = inner + int(min(max(step, 100), inner))
    while outer < reach_m and outer - inner < inner and count_ring_locations(
            session, centre, inner, outer) < rows:
        outer = inner + 2 * (outer - inner)
    return inner, min(outer, reach_m)


def ring_rows(written):
    """How many alerts the ring after `written` is to hold."""
    return min(RING_ROWS_MAX, max(RING_ROWS, written))


def _reach_key(rt, action):
    return rt.db.url, action.id, json.dumps(action.area, sort_keys=True)  # an area changed after launch


def plan_ring(rt, session, action):
    """The next ring of the action's ledger: ((inner_m, outer_m), the query of its alerts, whether it is the
    last).

    Only reads (the ring's width, from the counts of the rings before it), so a writer may plan in a reading
    session and write the ring in a short transaction after."""
    centre = centre_of(action, rt.config)
    # A region's reach costs a few hundred index seeks: once per action and process.
    key = _reach_key(rt, action)
    reach = _reach.get(key)
    if reach is None:
        reach = _reach[key] = area_reach_m(session, action.area, centre)
    inner, outer = next_ring(session, action, reach, centre)
    alerts = alerts_query(session, action.area, centre=centre, ring=(inner, outer),
                          test_only=action.exercise,
                          channel_order=escalation_order(session, rt.config, action.kind))
    return (inner, outer), alerts, outer >= reach


def commit_ring(rt, session, action, planned, counted=None):
    """Write a planned ring in the session's transaction (and `counted`, how many alerts the area holds, as the
    action's `planned` when given); returns the ids due now, or None when the action's ledger is no longer
    where `action` (as read when planning) says: another writer wrote that ring, or the action ended. Nothing
    is changed then."""
    (inner, outer), alerts, done = planned
    moved = session.execute(
        update(Action).where(and_(Action.id == action.id, Action.status == "active",
                                  Action.ledger_rows == action.ledger_rows,
                                  Action.ledger_m.is_(None) if inner is None else Action.ledger_m == inner))
        .values(ledger_m=outer, ledger_done_at=utcnow() if done else None,
                **({"planned": counted} if counted is not None else {}))
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return None
    if done:
        _reach.pop(_reach_key(rt, action), None)
    due, next_rank = ledger.write_alerts(session, action.id, alerts, hold_quiet=not action.time_critical,
                                         tz=rt.config["TIMEZONE"], first_rank=action.ledger_rows)
    session.execute(update(Action).where(Action.id == action.id).values(ledger_rows=next_rank)
                    .execution_options(synchronize_session=False))
    return due


def write_ring(rt, session, action):
    """Plan and write the next ring in the session's transaction (a launch's first ring, with its action)."""
    return commit_ring(rt, session, action, plan_ring(rt, session, action))


def extend(rt, action_id, after_ring=None):
    """Write the remaining rings of an action, committing and enqueueing each; returns the alerts written.

    Each ring is planned in a reading session and written by one INSERT ... SELECT in a transaction of its
    own, so on SQLite the write lock is held for that statement only: sends go on meanwhile."""
    written = 0
    while True:
        if after_ring:
            after_ring()
        with rt.db.reading() as reader:
            action = reader.get(Action, action_id)
            if action is None or action.ledger_done_at is not None:
                return written
            planned = plan_ring(rt, reader, action) if action.status == "active" else None
            # A launch answers with its count but leaves recording it to this writer (core.actions).
            counted = (count_recipients(reader, action.area, test_only=action.exercise)
                       if action.planned is None else None)
        with rt.db.session() as session:
            if planned is None:
                # Nobody is alerted about an ended action; its ledger stays as far as it got.
                recorded = {"planned": counted} if counted is not None else {}
                session.execute(update(Action).where(and_(Action.id == action_id, Action.ledger_done_at.is_(None)))
                                .values(ledger_done_at=utcnow(), **recorded))
                return written
            due = commit_ring(rt, session, action, planned, counted)
            if due is None:
                session.rollback()
                continue
        written += len(due)
        enqueue_batches(rt, action, due)


def queue_key(rt):
    return f"{rt.config['QUEUE_PREFIX']}:ledger-rings"


def request(rt, action_id):
    """Ask a worker's ledger writer to write the action's remaining rings (it also finds them unasked)."""
    try:
        rt.redis.rpush(queue_key(rt), action_id)
    except RedisError:
        log.warning("action %s: Redis unavailable; a ledger writer finds the rest of its ledger by itself", action_id)


def unfinished(session):
    """Ids of active actions whose ledger is not complete."""
    return list(session.scalars(select(Action.id).where(and_(Action.status == "active",
                                                             Action.ledger_done_at.is_(None)))))


def work(rt, stop, outage=None, wait_s=2.0):
    """A worker's ledger writer: rings of launched actions, and of any whose writer stopped half-way.

    A Redis outage is reported to `outage` (the worker's one log line per outage) and waited out."""
    while not stop.is_set():
        try:
            popped = rt.redis.blpop([queue_key(rt)], timeout=wait_s)
            if popped:
                ids = [int(popped[1])]
            else:
                with rt.db.session() as session:
                    ids = unfinished(session)
            for action_id in ids:
                lease = f"{queue_key(rt)}:{action_id}"
                if rt.redis.set(lease, "1", nx=True, ex=WRITER_LEASE_S):
                    try:
                        extend(rt, action_id, lambda: rt.redis.expire(lease, WRITER_LEASE_S))
                    finally:
                        rt.redis.delete(lease)
        except RedisError as exc:
            if outage is not None:
                outage.went_down(exc)
            else:
                log.warning("ledger writer: Redis unavailable, trying again")
            stop.wait(wait_s)
        except DBAPIError as exc:
            if not rt.db.lost_connection(exc):
                log.exception("ledger writer round failed")
            rt.db.outage.went_down(exc)  # a restarted database: the next round resumes the action's rings
            stop.wait(wait_s)
        except Exception:  # the writer must outlive one bad action; the next round resumes it
            log.exception("ledger writer round failed")
            stop.wait(wait_s)
